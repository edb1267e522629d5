"""Rows ⇄ library objects: the one module that turns the app's rows into what the libraries take, and back.

Services and selectors call these and convert nothing themselves: a frame's camera and image, scene
objects with their meshes, trained fields (stored as one zip, unpacked once per worker), the row
values of a trained field, and the cached field renders. The libraries import no Django, so this is
where the two worlds meet.
"""
from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from PIL import Image

from annotate.models import Capture, FieldModel, Frame, SceneObject, SceneObjectKind
from annotate.storage import StagedFiles, extracted_mesh_key
from nerf_labeling.cameras import Camera, Intrinsics

# Frames


def frame_camera(frame: Frame) -> Camera:
    """The frame's intrinsics and camera-to-world pose (OpenGL axes) as a library :class:`Camera`."""
    intrinsics = Intrinsics(
        fx=frame.fx, fy=frame.fy, cx=frame.cx, cy=frame.cy, width=frame.width, height=frame.height,
        distortion=tuple(frame.distortion or (0.0,) * 6),
    )
    return Camera(intrinsics, np.asarray(frame.camera_to_world, dtype=np.float64))


def frame_image(frame: Frame) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB of the stored image."""
    with frame.image.open("rb") as handle, Image.open(handle) as image:
        return np.asarray(image.convert("RGB"))


# Scene objects and their meshes


def object_mesh(row: SceneObject):
    """The object's stored mesh as a :class:`~nerf_labeling.meshes.TriangleMesh` (object frame), or None."""
    from nerf_labeling.meshes import load_mesh_bytes

    if not row.mesh_file:
        return None
    with row.mesh_file.open("rb") as handle:
        return load_mesh_bytes(handle.read(), name=Path(row.mesh_file.name).name)


def box_object(row: SceneObject, *, mesh=None):
    """A box row as a :class:`~nerf_labeling.labels.scene_objects.BoxObject` (world frame, metres)."""
    from nerf_labeling.labels.scene_objects import BoxObject

    return BoxObject(size=np.asarray(row.size, dtype=np.float64), mesh=mesh, **_placement(row))


def library_objects(capture: Capture) -> list:
    """The capture's objects as :mod:`nerf_labeling.labels.scene_objects` objects, meshes loaded."""
    from nerf_labeling.labels.scene_objects import MeshObject

    objects = []
    for row in capture.scene_objects.select_related("label_class"):
        mesh = object_mesh(row)
        if row.kind == SceneObjectKind.MESH:
            objects.append(MeshObject(mesh=mesh, mesh_path=row.mesh_file.name, **_placement(row)))
        else:
            # A box's mesh, when it has one, is the surface extracted from the field inside it.
            objects.append(box_object(row, mesh=mesh))
    return objects


def _placement(row: SceneObject) -> dict:
    return dict(
        instance_id=row.instance_id, class_id=row.label_class.class_id, class_name=row.label_class.name,
        object_to_world=np.asarray(row.object_to_world, dtype=np.float64), version=row.version,
    )


def store_extracted_mesh(row: SceneObject, mesh, staged: StagedFiles) -> str:
    """Store ``mesh``, the surface extracted inside box ``row``, as PLY through ``staged``; the storage name."""
    from nerf_labeling.meshes import save_mesh

    with tempfile.TemporaryDirectory() as workdir:
        path = save_mesh(mesh, Path(workdir) / "extracted.ply")
        key = extracted_mesh_key(project_id=row.capture.project_id, capture_id=row.capture_id, instance_id=row.instance_id)
        return staged.save(key, ContentFile(path.read_bytes()))


# Trained fields: storage may be remote (object storage), so a worker that needs a field copies its
# zip once into ``VAR_DIR/cache/fields/<id>-<checkpoint hash>/`` and loads it from there.


def store_field_directory(directory: Path, key: str, staged: StagedFiles) -> str:
    """Zip ``directory`` (a saved field) into storage under ``key`` through ``staged``; returns the stored name."""
    with tempfile.TemporaryDirectory(prefix="raylabel-field-") as workdir:
        archive = Path(shutil.make_archive(str(Path(workdir) / "field"), "zip", directory))
        with open(archive, "rb") as handle:
            return staged.save(key, File(handle))


def local_field_directory(field_model: FieldModel) -> Path:
    """An unpacked local copy of ``field_model``'s checkpoint, made once per worker machine.

    The copy is named after the stored checkpoint, not only the row's id: ids start again in a new
    database (tests, a restored backup) and a copy of another field must never be taken for this one.
    """
    checkpoint = hashlib.sha256(field_model.checkpoint.name.encode()).hexdigest()[:16]
    target = Path(settings.VAR_DIR) / "cache" / "fields" / f"{field_model.pk}-{checkpoint}"
    if (target / "field.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{field_model.pk}-", dir=target.parent))
    try:
        with field_model.checkpoint.open("rb") as source, zipfile.ZipFile(source) as archive:
            archive.extractall(staging)  # written by store_field_directory, not a user upload
        if not target.exists():
            staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load_trained_field(field_model: FieldModel):
    """The :class:`~nerf_labeling.fields.base.RadianceField` of ``field_model``."""
    from nerf_labeling.fields.saved_field import load_field

    return load_field(local_field_directory(field_model))


def store_field_files(field, cameras: list[Camera], key: Callable[[str], str], staged: StagedFiles) -> dict:
    """Store a trained field's checkpoint zip and its browser preview (seen from ``cameras``) through ``staged``,
    each under ``key(file name)``.

    Returns the :class:`FieldModel` file values (``checkpoint``, ``preview``, ``cameras``).
    """
    from nerf_labeling.fields.preview import write_preview

    with tempfile.TemporaryDirectory(prefix="raylabel-train-") as workdir:
        field_dir = Path(workdir) / "field"
        field.save(field_dir)
        files = {"checkpoint": store_field_directory(field_dir, key("checkpoint.zip"), staged)}
        ply, cameras_json = Path(workdir) / "preview.ply", Path(workdir) / "cameras.json"
        write_preview(field, cameras, ply, cameras_json)
        for column, path in (("preview", ply), ("cameras", cameras_json)):
            with open(path, "rb") as handle:
                files[column] = staged.save(key(path.name), File(handle))
    return files


def field_model_values(metrics, quality: dict) -> dict:
    """The :class:`FieldModel` values of a training run's ``TrainingMetrics`` and its quality measures."""
    return {
        "backend": metrics.backend,
        "metrics": {
            "iterations": metrics.iterations, "seconds": round(metrics.seconds, 2),
            "planned_iterations": metrics.planned_iterations, "cut_short": metrics.cut_short,
            "final_loss": metrics.final_loss, "train_psnr": metrics.train_psnr,
            "held_out_psnr": metrics.held_out_psnr, **metrics.extra,
        },
        "quality": quality,
        "verdict": quality["verdict"],
    }


# Cached field renders (a FrameRender's file): RGB as 8 bits, depth, opacity and depth spread as float.


def rendered_view_bytes(view) -> bytes:
    """A :class:`~nerf_labeling.fields.base.RenderedView` as the compressed npz a FrameRender stores."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, rgb=np.round(np.clip(view.rgb, 0, 1) * 255).astype(np.uint8), depth=view.depth,
        opacity=view.opacity, depth_std=view.depth_std,
    )
    return buffer.getvalue()


def read_rendered_view(data: bytes):
    """The :class:`~nerf_labeling.fields.base.RenderedView` stored by :func:`rendered_view_bytes`."""
    from nerf_labeling.fields.base import RenderedView

    with np.load(io.BytesIO(data)) as arrays:
        return RenderedView(
            rgb=arrays["rgb"].astype(np.float32) / 255.0, depth=arrays["depth"],
            opacity=arrays["opacity"], depth_std=arrays["depth_std"],
        )


# 3D detection samples: a frame's rendered depth as a pseudo-LiDAR scan, with its objects' 3D boxes

#: the most points one frame's scan keeps: its depth map is thinned by a stride until it fits
MAX_SCAN_POINTS = 20_000


def detection_sample(frame: Frame, *, class_index: dict[int, int] | None, max_points: int = MAX_SCAN_POINTS):
    """``frame`` as an :class:`~active.models.detection3d.samples.DetectionSample`, or None without rendered labels.

    Points: the rendered field depth back-projected into the frame's lidar frame
    (:mod:`nerf_labeling.labels.pseudo_lidar`: metres, +x forward and level, +y left, +z up), the image's
    grey value as intensity, every ``stride``-th pixel row and column so at most about ``max_points`` remain.
    Boxes: given ``class_index`` (a label class id -> its index into ``DetectorConfig.classes``), the 3D
    boxes of the placed objects of those classes that the frame sees (one visible pixel or more: a box with
    no point on it teaches a LiDAR detector nothing); None gives no boxes (a frame still to label).
    """
    from active.models.detection3d.samples import DetectionSample
    from annotate.selectors import read_frame_labels
    from nerf_labeling.labels.pseudo_lidar import boxes_in_lidar, points_from_depth

    labels = read_frame_labels(frame)
    if labels is None:
        return None
    camera = frame_camera(frame)
    image = frame_image(frame)
    if image.shape[:2] != labels.depth.shape:
        image = None  # an image stored at another size than the labels were rendered: no intensity
    surface_pixels = int(np.count_nonzero(np.isfinite(labels.depth) & (labels.depth > 0)))
    stride = max(1, int(np.ceil(np.sqrt(surface_pixels / max_points))))
    points = points_from_depth(labels.depth, image, camera, stride=stride)
    seen = [obj for obj in labels.objects
            if class_index is not None and obj.visible_pixels > 0 and obj.class_id in class_index]
    return DetectionSample(
        sample_id=str(frame.pk), points=points, boxes=boxes_in_lidar(seen, camera),
        labels=np.array([class_index[obj.class_id] for obj in seen], dtype=np.int64),
    )
