"""What an export is made of: the frames to write and the project's choices about how to write them.

These are plain records the Django side fills from its rows; the formats read nothing else.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from nerf_labeling.cameras import Camera
from nerf_labeling.formats.errors import ExportError
from nerf_labeling.labels.records import FrameLabels

#: ``progress(done, total)``: frames finished so far and the selection's size (None when unknown).
ProgressCallback = Callable[[int, "int | None"], None]

COCO_MASK_ENCODINGS = ("rle", "polygon")

#: Project class names (lower case, spaces as underscores) that have a KITTI type of their own.
#: Any other class keeps its own name (spaces as underscores) as its KITTI type.
DEFAULT_KITTI_TYPES: Mapping[str, str] = {
    "car": "Car",
    "van": "Van",
    "truck": "Truck",
    "pedestrian": "Pedestrian",
    "person": "Pedestrian",
    "person_sitting": "Person_sitting",
    "cyclist": "Cyclist",
    "bicyclist": "Cyclist",
    "tram": "Tram",
    "misc": "Misc",
}


@dataclass(frozen=True)
class ExportClass:
    """One of the project's classes: ``id`` > 0 (0 is background in category masks) and its name."""

    id: int
    name: str


@dataclass(frozen=True)
class ExportSpec:
    """How to write an export.

    classes : the project's classes; every exported object's ``class_id`` must be among them
    coco_masks : ``"rle"`` (pycocotools compressed strings, exact) or ``"polygon"`` (outer outlines,
        holes are lost)
    include_depth : write the field's depth maps as 16-bit PNG in millimetres (COCO, KITTI, nerfstudio;
        BOP always writes them)
    kitti_types : project class name -> KITTI ``type``, overriding :data:`DEFAULT_KITTI_TYPES`
    object_models : class id -> mesh in metres in the object's own frame (a
        :class:`~nerf_labeling.meshes.TriangleMesh`, a ``trimesh.Trimesh`` or the bytes of a PLY
        file); BOP writes poses only for classes that have one
    name : a title written into the files that carry one (COCO ``info``)
    """

    classes: tuple[ExportClass, ...]
    coco_masks: str = "rle"
    include_depth: bool = False
    kitti_types: Mapping[str, str] = field(default_factory=dict)
    object_models: Mapping[int, Any] = field(default_factory=dict)
    name: str = "Raylabel export"

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", tuple(self.classes))
        ids = [item.id for item in self.classes]
        if not self.classes:
            raise ExportError("the project has no classes to export")
        if len(set(ids)) != len(ids) or min(ids) < 1:
            raise ExportError(f"class ids must be unique and >= 1, got {ids}")
        if self.coco_masks not in COCO_MASK_ENCODINGS:
            raise ExportError(
                f"coco_masks must be one of {', '.join(COCO_MASK_ENCODINGS)}, got {self.coco_masks!r}"
            )
        for class_name, kitti_type in self.kitti_types.items():
            if not kitti_type or any(ch.isspace() for ch in kitti_type):
                raise ExportError(
                    f"KITTI type for class {class_name!r} must be one word without spaces, got {kitti_type!r}"
                )
        unknown_models = sorted(set(self.object_models) - set(ids))
        if unknown_models:
            raise ExportError(f"object meshes given for unknown class ids {unknown_models}")

    @classmethod
    def from_options(
        cls,
        classes: tuple[ExportClass, ...] | list[ExportClass],
        options: Mapping[str, Any],
        *,
        object_models: Mapping[int, Any] | None = None,
    ) -> "ExportSpec":
        """Build a spec from a user's options dict (keys ``coco_masks``, ``include_depth``, ``kitti_types``)."""
        allowed = {"coco_masks", "include_depth", "kitti_types", "name"}
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise ExportError(f"unknown export options {unknown}; known options: {sorted(allowed)}")
        return cls(classes=tuple(classes), object_models=dict(object_models or {}), **options)

    def class_name(self, class_id: int) -> str:
        for item in self.classes:
            if item.id == class_id:
                return item.name
        known = ", ".join(f"{item.id}={item.name}" for item in self.classes)
        raise ExportError(f"an object has class id {class_id}, which is not a project class ({known})")

    def kitti_type(self, class_name: str) -> str:
        """The KITTI ``type`` written for a project class: the user's table, the default table, or the name."""
        if class_name in self.kitti_types:
            return self.kitti_types[class_name]
        key = "_".join(class_name.lower().split())
        return DEFAULT_KITTI_TYPES.get(key, "_".join(class_name.split()))


ImageSource = bytes | str | os.PathLike | Callable[[], bytes]
LabelsSource = FrameLabels | Callable[[], FrameLabels] | None


@dataclass(frozen=True)
class ExportFrame:
    """One frame of the selection.

    frame_id : the platform's id of the frame (written into mapping files)
    file_name : relative POSIX path of the image inside the export (``scene_3/frame_0001.jpg``); unique
    image : the image file's bytes (PNG or JPEG), a path to it, or a callable returning the bytes
    camera : intrinsics and camera-to-world pose (OpenGL axes)
    labels : the frame's rendered labels, or a callable loading them; None when not rendered yet.
        Give callables so a long selection is never held in memory at once.
    scene_id : the capture the frame belongs to (BOP groups frames by scene)
    """

    frame_id: int
    file_name: str
    image: ImageSource
    camera: Camera
    labels: LabelsSource
    scene_id: int = 0

    def image_bytes(self) -> bytes:
        if isinstance(self.image, bytes):
            return self.image
        if isinstance(self.image, (str, os.PathLike)):
            return Path(self.image).read_bytes()
        return self.image()

    def load_labels(self) -> FrameLabels | None:
        return self.labels() if callable(self.labels) else self.labels

    @property
    def stem(self) -> PurePosixPath:
        """``file_name`` without its suffix (``scene_3/frame_0001``), for the files written beside it."""
        return PurePosixPath(self.file_name).with_suffix("")


@dataclass(frozen=True)
class LabeledFrame:
    """A frame whose labels the driver has loaded and checked against its camera."""

    frame: ExportFrame
    labels: FrameLabels
