"""BOP 6-DoF poses: ``models/``, and per scene ``train/SSSSSS/{rgb,depth,mask_visib}`` + scene JSON files.

BOP object ids are the project's class ids: each class with a mesh is one BOP object model, and every
object of that class in a frame is one ground-truth pose. Frames must arrive grouped by scene; image
ids count from 0 within each scene. Poses and ``cam_K`` use OpenCV camera axes and pixel centres at
integers; translations are millimetres.
"""
from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

import numpy as np

from nerf_labeling.cameras import opencv_camera_matrix
from nerf_labeling.formats.bop_models import M_TO_MM, model_info_mm, model_ply_mm, model_trimesh, projected_bbox
from nerf_labeling.formats.errors import ExportError
from nerf_labeling.formats.opencv_camera import object_to_camera_opencv, world_to_camera_opencv
from nerf_labeling.formats.png_images import depth_to_png_mm, uint8_png
from nerf_labeling.formats.readme import write_readme
from nerf_labeling.formats.records import ExportSpec, LabeledFrame
from nerf_labeling.formats.registry import register_format
from nerf_labeling.formats.zip_writing import JsonSpool, Spool, write_member

SPLIT = "train"

README = """
BOP 6-DoF pose dataset exported by Raylabel (scene-wise layout, as read by the BOP toolkit).

models/obj_XXXXXX.ply          one model per project class with a mesh (obj_id = class id), millimetres,
                               in the object's own frame; models_info.json gives diameter and extents.
train/SSSSSS/rgb/IIIIII.*      frames (SSSSSS = the platform's scene id, IIIIII = image id in the scene).
train/SSSSSS/depth/IIIIII.png  the field's depth, 16-bit millimetres (depth_scale 1.0).
train/SSSSSS/mask_visib/IIIIII_GGGGGG.png  visible mask of ground truth GGGGGG (255 = visible).
train/SSSSSS/scene_gt.json     image id -> [{obj_id, cam_R_m2c (3x3 row-major), cam_t_m2c (mm)}],
                               model -> camera, OpenCV camera axes (x right, y down, z forward).
train/SSSSSS/scene_camera.json image id -> {cam_K (3x3 row-major, pixel centres at integers),
                               depth_scale, cam_R_w2c, cam_t_w2c (mm)}.
train/SSSSSS/scene_gt_info.json image id -> [{bbox_obj, bbox_visib ([x, y, w, h], w = last - first
                               column as in the toolkit; [-1,-1,-1,-1] when empty), px_count_visib,
                               visib_fract}] in scene_gt order.
frames.csv                     scene_id,image_id,frame_id,file_name.
Objects of classes without a mesh are not in this export.
"""


def check_bop_spec(spec: ExportSpec) -> None:
    if not spec.object_models:
        raise ExportError("a BOP export needs a mesh for at least one class (BOP poses are poses of object models)")


@register_format(
    "bop",
    description="BOP 6-DoF poses: object models, images, depth, visible masks and each object's pose per frame",
    check=check_bop_spec,
    needs_metric=True,
)
def write_bop(archive: zipfile.ZipFile, frames: Iterator[LabeledFrame], spec: ExportSpec) -> None:
    """Write the selection as a BOP dataset (see the module docstring and README)."""
    meshes = {class_id: model_trimesh(source) for class_id, source in sorted(spec.object_models.items())}
    with JsonSpool(keyed=True) as models_info:
        for class_id, mesh in meshes.items():
            write_member(archive, f"models/obj_{class_id:06d}.ply", model_ply_mm(mesh))
            models_info.add(model_info_mm(mesh), key=str(class_id))
        models_info.store(archive, "models/models_info.json")
    vertices_mm = {class_id: np.asarray(mesh.vertices) * M_TO_MM for class_id, mesh in meshes.items()}
    finished_scenes: set[int] = set()
    scene: _SceneFiles | None = None
    with Spool() as mapping:
        mapping_rows = csv.writer(mapping, lineterminator="\n")
        mapping_rows.writerow(["scene_id", "image_id", "frame_id", "file_name"])
        for item in frames:
            scene_id = item.frame.scene_id
            if scene is None or scene.scene_id != scene_id:
                if scene is not None:
                    finished_scenes.add(scene.close(archive))
                if scene_id in finished_scenes or not 0 <= scene_id < 1_000_000:
                    raise ExportError(f"BOP needs frames grouped by scene with ids 0..999999; scene {scene_id} is not")
                scene = _SceneFiles(scene_id)
            image_id = scene.add_frame(archive, item, vertices_mm)
            mapping_rows.writerow([scene_id, image_id, item.frame.frame_id, item.frame.file_name])
        if scene is not None:
            scene.close(archive)
        mapping.store(archive, "frames.csv")
    write_readme(archive, spec.name, README, depth=True)


class _SceneFiles:
    """The three JSON files of one scene, grown frame by frame, and the scene's image files."""

    def __init__(self, scene_id: int) -> None:
        self.scene_id = scene_id
        self.folder = f"{SPLIT}/{scene_id:06d}"
        self.image_count = 0
        self.gt = JsonSpool(keyed=True)
        self.camera = JsonSpool(keyed=True)
        self.gt_info = JsonSpool(keyed=True)

    def add_frame(self, archive: zipfile.ZipFile, item: LabeledFrame, vertices_mm: dict[int, np.ndarray]) -> int:
        image_id = self.image_count
        frame, labels = item.frame, item.labels
        suffix = PurePosixPath(frame.file_name).suffix.lower() or ".png"
        write_member(archive, f"{self.folder}/rgb/{image_id:06d}{suffix}", frame.image_bytes())
        write_member(archive, f"{self.folder}/depth/{image_id:06d}.png", depth_to_png_mm(labels.depth))
        camera_matrix = opencv_camera_matrix(frame.camera.intrinsics)
        world_to_camera = world_to_camera_opencv(frame.camera)
        self.camera.add(
            {
                "cam_K": camera_matrix.ravel().tolist(),
                "depth_scale": 1.0,
                "cam_R_w2c": world_to_camera[:3, :3].ravel().tolist(),
                "cam_t_w2c": (world_to_camera[:3, 3] * M_TO_MM).tolist(),
            },
            key=str(image_id),
        )
        poses, infos = [], []
        for obj in labels.objects:
            if obj.class_id not in vertices_mm:
                continue
            pose = object_to_camera_opencv(obj)
            rotation, translation_mm = pose[:3, :3], pose[:3, 3] * M_TO_MM
            poses.append(
                {"obj_id": obj.class_id, "cam_R_m2c": rotation.ravel().tolist(), "cam_t_m2c": translation_mm.tolist()}
            )
            visible = labels.binary_mask(obj.instance_id)
            infos.append(
                {
                    "bbox_obj": projected_bbox(vertices_mm[obj.class_id], rotation, translation_mm, camera_matrix),
                    "bbox_visib": _pixel_bbox(visible),
                    "px_count_visib": int(visible.sum()),
                    "visib_fract": float(obj.visible_fraction),
                }
            )
            mask_name = f"{self.folder}/mask_visib/{image_id:06d}_{len(poses) - 1:06d}.png"
            write_member(archive, mask_name, uint8_png(visible * np.uint8(255)))
        self.gt.add(poses, key=str(image_id))
        self.gt_info.add(infos, key=str(image_id))
        self.image_count += 1
        return image_id

    def close(self, archive: zipfile.ZipFile) -> int:
        for spool, name in ((self.gt, "scene_gt"), (self.camera, "scene_camera"), (self.gt_info, "scene_gt_info")):
            spool.store(archive, f"{self.folder}/{name}.json")
            spool.close()
        return self.scene_id


def _pixel_bbox(mask: np.ndarray) -> list[int]:
    """``[x, y, w, h]`` of a mask's pixels as the BOP toolkit computes it (w = last - first column)."""
    rows = np.flatnonzero(mask.any(axis=1))
    columns = np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return [-1, -1, -1, -1]
    return [int(columns[0]), int(rows[0]), int(columns[-1] - columns[0]), int(rows[-1] - rows[0])]
