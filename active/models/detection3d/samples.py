"""What the 3D detector reads and returns: pseudo-LiDAR samples with boxes, and per-frame detections.

Frame and box conventions (see ``nerf_labeling.labels.pseudo_lidar``): points and boxes are in one
camera's lidar frame (origin at the camera centre, +x forward and level, +y left, +z world up, metres);
a box is ``[x, y, z_bottom, l, w, h, yaw]``, mmdet3d's ``LiDARInstance3DBoxes`` (bottom centre, extents
along the object's own x, y, z, yaw about +z counter-clockwise from +x, radians).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: values per box: x, y, z_bottom, l, w, h, yaw
BOX_DIM = 7
#: values per point: x, y, z, intensity
POINT_DIM = 4


def _check_boxes(boxes: np.ndarray, name: str) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, BOX_DIM) if np.size(boxes) == 0 else boxes
    if boxes.ndim != 2 or boxes.shape[1] != BOX_DIM:
        raise ValueError(f"{name} must be (M, {BOX_DIM}), got {np.shape(boxes)}")
    return np.ascontiguousarray(boxes, dtype=np.float32)


@dataclass(frozen=True)
class DetectionSample:
    """One frame for the detector.

    sample_id : unique within a dataset (the frame id as text in the platform)
    points : (N, 4) float32 ``[x, y, z, intensity]``, lidar frame, metres; intensity in [0, 1]
    boxes : (M, 7) float32 ground-truth boxes, lidar frame; (0, 7) for none or unknown
    labels : (M,) int64 class index 0..C-1 into ``DetectorConfig.classes``
    """

    sample_id: str
    points: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        points = np.asarray(self.points)
        if points.ndim != 2 or points.shape[1] != POINT_DIM:
            raise ValueError(f"points of sample {self.sample_id!r} must be (N, {POINT_DIM}), got {points.shape}")
        boxes = _check_boxes(self.boxes, f"boxes of sample {self.sample_id!r}")
        labels = np.asarray(self.labels, dtype=np.int64).reshape(-1)
        if len(labels) != len(boxes):
            raise ValueError(f"sample {self.sample_id!r} has {len(boxes)} boxes but {len(labels)} labels")
        if len(labels) and labels.min() < 0:
            raise ValueError(f"sample {self.sample_id!r} has a negative class index")
        object.__setattr__(self, "points", np.ascontiguousarray(points, dtype=np.float32))
        object.__setattr__(self, "boxes", boxes)
        object.__setattr__(self, "labels", labels)


@dataclass(frozen=True)
class Detections:
    """The boxes a detector kept for one frame (after its score threshold and NMS), best first.

    boxes : (B, 7) float32 predicted boxes, lidar frame
    scores : (B,) float32 the winning class's score (the head's sigmoid score, in [0, 1])
    labels : (B,) int64 the winning class's index
    class_probs : (B, C) float32 per-class probabilities of each kept box, summing to 1 over the C classes:
        the softmax of the class logits of the anchor the box came from, ``p_c = o_c / sum_k o_k`` with
        the odds ``o_c = s_c / (1 - s_c)`` of its sigmoid scores (see ``detection_head.class_probabilities``);
        what the entropy of a box is computed from
    """

    boxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    class_probs: np.ndarray

    def __post_init__(self) -> None:
        boxes = _check_boxes(self.boxes, "detection boxes")
        count = len(boxes)
        scores = np.asarray(self.scores, dtype=np.float32).reshape(-1)
        labels = np.asarray(self.labels, dtype=np.int64).reshape(-1)
        probs = np.asarray(self.class_probs, dtype=np.float32)
        if probs.ndim != 2 or len(probs) != count or len(scores) != count or len(labels) != count:
            raise ValueError(
                f"detections disagree in length: boxes {boxes.shape}, scores {scores.shape}, labels {labels.shape}, "
                f"class_probs {probs.shape}"
            )
        object.__setattr__(self, "boxes", boxes)
        object.__setattr__(self, "scores", scores)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "class_probs", probs)

    @classmethod
    def empty(cls, n_classes: int) -> "Detections":
        """No box kept."""
        return cls(np.zeros((0, BOX_DIM), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64),
                   np.zeros((0, n_classes), np.float32))

    def __len__(self) -> int:
        return len(self.boxes)
