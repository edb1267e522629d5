"""What label rendering produces for one frame, and how it is stored.

These records are the contract between the label pipelines (which fill them), the platform (which
stores them as one ``.npz`` per frame) and the export formats (which read them).
"""
from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass(frozen=True)
class ObjectLabel:
    """One placed object as seen from one frame.

    modal_box : (4,) float ``[x_min, y_min, x_max, y_max]`` of the visible pixels, pixel edges
        (a mask covering columns 3..5 gives x_min 3, x_max 6); None when no pixel is visible
    amodal_box : (4,) float, the projected 3D box clipped to the image, same convention; None when
        the box projects entirely outside the image or behind the camera
    box_center_camera : (3,) metres, box centre in the camera frame, OpenGL axes
    box_size : (3,) metres, box extents along the object's own x, y, z axes
    object_to_camera : (4, 4) rigid transform, object frame -> camera frame (OpenGL axes)
    visible_pixels : pixels of the object that are visible (not occluded, inside the image)
    visible_fraction : visible pixels / pixels the object would cover with nothing in front, in [0, 1]
    truncation : share of the object's amodal projection that falls outside the image, in [0, 1]
    """

    instance_id: int
    class_id: int
    class_name: str
    modal_box: tuple[float, float, float, float] | None
    amodal_box: tuple[float, float, float, float] | None
    box_center_camera: tuple[float, float, float]
    box_size: tuple[float, float, float]
    object_to_camera: tuple[tuple[float, ...], ...]
    visible_pixels: int
    visible_fraction: float
    truncation: float


@dataclass
class FrameLabels:
    """All labels of one frame.

    instance_mask : (H, W) uint16, 0 background, else the object's stable instance id
    category_mask : (H, W) uint16, 0 background, else the object's class id
    depth : (H, W) float32, the field's z-depth in metres (0 where the field is empty)
    object_depth : (H, W) float32, z-depth of the nearest placed object, visible or not (0 where none)
    confidence : (H, W) float32 in [0, 1], how much to trust each pixel's label
    objects : one entry per object that projects into the frame
    """

    instance_mask: np.ndarray
    category_mask: np.ndarray
    depth: np.ndarray
    object_depth: np.ndarray
    confidence: np.ndarray
    objects: list[ObjectLabel] = field(default_factory=list)

    def binary_mask(self, instance_id: int) -> np.ndarray:
        """``(H, W)`` bool mask of one object's visible pixels."""
        return self.instance_mask == instance_id

    def to_bytes(self) -> bytes:
        """Serialise to a compressed ``.npz`` (arrays) with the object list as JSON inside it."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            instance_mask=self.instance_mask.astype(np.uint16),
            category_mask=self.category_mask.astype(np.uint16),
            depth=self.depth.astype(np.float32),
            object_depth=self.object_depth.astype(np.float32),
            confidence=self.confidence.astype(np.float32),
            objects_json=np.frombuffer(
                json.dumps([asdict(obj) for obj in self.objects]).encode(), dtype=np.uint8
            ),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "FrameLabels":
        with np.load(io.BytesIO(data)) as arrays:
            objects = [
                _object_from_dict(item) for item in json.loads(arrays["objects_json"].tobytes())
            ]
            return cls(
                instance_mask=arrays["instance_mask"],
                category_mask=arrays["category_mask"],
                depth=arrays["depth"],
                object_depth=arrays["object_depth"],
                confidence=arrays["confidence"],
                objects=objects,
            )


def _object_from_dict(item: dict) -> ObjectLabel:
    def as_tuple(value):
        return None if value is None else tuple(value)

    return ObjectLabel(
        instance_id=int(item["instance_id"]),
        class_id=int(item["class_id"]),
        class_name=str(item["class_name"]),
        modal_box=as_tuple(item["modal_box"]),
        amodal_box=as_tuple(item["amodal_box"]),
        box_center_camera=tuple(item["box_center_camera"]),
        box_size=tuple(item["box_size"]),
        object_to_camera=tuple(tuple(row) for row in item["object_to_camera"]),
        visible_pixels=int(item["visible_pixels"]),
        visible_fraction=float(item["visible_fraction"]),
        truncation=float(item["truncation"]),
    )
