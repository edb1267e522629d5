"""mmdet3d's KITTI metric on pseudo-LiDAR detections: ground truth and predictions as KITTI annotations.

Ground truth is what the platform's KITTI export writes for a frame (:func:`kitti_object`, the export's own
function: rectified camera, visible 2D box, occlusion and truncation levels). Predictions are boxes in the
frame's lidar frame (:mod:`nerf_labeling.labels.pseudo_lidar`), turned into the same rectified camera by
mmdet3d's own box conversion (``LiDARInstance3DBoxes.convert_to(Box3DMode.CAM, ...)``; the lidar frame is
the rectified camera with its axes renamed, so the conversion is the fixed permutation), their 2D boxes the
projected corners clipped to the image, as mmdet3d's ``KittiMetric`` does.

The metric is ``mmdet3d.evaluation.functional.kitti_eval``. Its rotated-box IoU kernel
(``kitti_utils.rotate_iou.rotate_iou_gpu_eval``) is numba CUDA only; where numba finds no GPU,
:func:`use_cpu_rotated_iou` puts in its place :func:`rotated_iou_cpu`, the same boxes' exact polygon
intersection (shapely, which mmdet3d depends on), equal to the kernel to 1e-6 on random boxes under numba's
CUDA simulator. Neither the simulator nor mmcv's CPU ``box_iou_rotated`` can stand in: the kernel writes
past its intersection buffer on coincident boxes, and mmcv gives IoU 0.3-0.7 for boxes equal to 1e-7 m.
The rest of ``kitti_eval`` (matching, difficulty, 40-point AP) runs as shipped.
It knows three classes (Car, Pedestrian,
Cyclist, with 3D IoU thresholds 0.7, 0.5, 0.5 "strict"), so each project class is scored as one of them
(:data:`KITTI_CLASS_OF`) and takes that class's threshold and KITTI's difficulty rules (moderate: 2D box
taller than 25 px, occlusion level <= 1, truncation <= 0.3).

mmdet3d is imported inside the functions that need it.
"""
from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nerf_labeling.cameras import Camera
from nerf_labeling.formats.kitti_geometry import (
    RECTIFIED_TO_LIDAR,
    camera_to_rectified,
    kitti_object,
    rectified_projection,
)
from nerf_labeling.labels.records import ObjectLabel

#: project class -> the KITTI class it is scored as. Boxes take Car's 0.7 3D IoU (rigid, oriented);
#: balls and cans, whose heading cannot be seen, take the 0.5 of Pedestrian and Cyclist (a 45 degree
#: heading error on a square footprint still gives a bird's-eye IoU of 0.71)
KITTI_CLASS_OF = {"box": "Car", "ball": "Pedestrian", "can": "Cyclist"}
#: alpha the metric reads as "no orientation": AOS is not computed
NO_ALPHA = -10.0


@dataclass(frozen=True)
class KittiScores:
    """AP in percent (KITTI's 40-point recall AP, strict thresholds), overall = mean over the classes.

    ap3d / bev : difficulty ("easy", "moderate", "hard") -> overall AP
    per_class_3d : KITTI class -> difficulty -> 3D AP
    """

    ap3d: dict[str, float]
    bev: dict[str, float]
    per_class_3d: dict[str, dict[str, float]]


def ground_truth_anno(objects: Sequence[ObjectLabel], class_names: dict[int, str], camera: Camera) -> dict:
    """The KITTI annotation of a frame's visible objects, as the export writes them (``dimensions`` in
    mmdet3d's ``l, h, w`` order). ``class_names``: project class id -> name (a key of :data:`KITTI_CLASS_OF`)."""
    rectification = camera_to_rectified(camera)
    rows = [kitti_object(obj, KITTI_CLASS_OF[class_names[obj.class_id]], rectification=rectification)
            for obj in objects if obj.modal_box is not None and obj.visible_pixels > 0]
    return {
        "name": np.array([row.type for row in rows], dtype=object).astype(str),
        "truncated": np.array([row.truncated for row in rows], dtype=np.float64),
        "occluded": np.array([row.occluded for row in rows], dtype=np.int64),
        "alpha": np.array([row.alpha for row in rows], dtype=np.float64),
        "bbox": np.array([row.bbox for row in rows], dtype=np.float64).reshape(-1, 4),
        "dimensions": np.array([(d[2], d[0], d[1]) for d in (row.dimensions for row in rows)],
                               dtype=np.float64).reshape(-1, 3),
        "location": np.array([row.location for row in rows], dtype=np.float64).reshape(-1, 3),
        "rotation_y": np.array([row.rotation_y for row in rows], dtype=np.float64),
    }


def prediction_anno(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, class_names: Sequence[str],
                    camera: Camera) -> dict:
    """KITTI annotation of predicted lidar-frame boxes ``(B, 7)`` with ``scores (B,)`` and class ``labels (B,)``
    (indices into ``class_names``). Boxes with no corner in front of the camera, or whose projection misses
    the image, are dropped (mmdet3d's ``KittiMetric`` keeps only boxes inside the image)."""
    from mmdet3d.structures import Box3DMode, LiDARInstance3DBoxes, points_cam2img

    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 7)
    lidar_to_rectified = np.eye(4, dtype=np.float32)
    lidar_to_rectified[:3, :3] = RECTIFIED_TO_LIDAR.T
    in_camera = LiDARInstance3DBoxes(boxes).convert_to(Box3DMode.CAM, rt_mat=lidar_to_rectified)
    corners = in_camera.corners.numpy().astype(np.float64)  # (B, 8, 3) rectified camera
    projection = rectified_projection(camera)
    width, height = camera.intrinsics.width, camera.intrinsics.height
    kept, boxes_2d = [], []
    for index in range(len(boxes)):
        pixels = points_cam2img(corners[index], projection, with_depth=True)
        front = pixels[pixels[:, 2] > 0]
        if len(front) == 0:
            continue
        low = np.clip(front[:, :2].min(axis=0), 0, [width - 1, height - 1])
        high = np.clip(front[:, :2].max(axis=0), 0, [width - 1, height - 1])
        if high[0] <= low[0] or high[1] <= low[1]:
            continue
        kept.append(index)
        boxes_2d.append([*low, *high])
    tensor = in_camera.tensor.numpy().astype(np.float64)[kept]
    names = [KITTI_CLASS_OF[class_names[int(label)]] for label in np.asarray(labels)[kept]]
    return {
        "name": np.array(names, dtype=object).astype(str),
        "truncated": np.zeros(len(kept)),
        "occluded": np.zeros(len(kept), dtype=np.int64),
        "alpha": np.full(len(kept), NO_ALPHA),
        "bbox": np.array(boxes_2d, dtype=np.float64).reshape(-1, 4),
        "dimensions": tensor[:, 3:6].reshape(-1, 3),  # l, h, w
        "location": tensor[:, :3].reshape(-1, 3),  # bottom centre
        "rotation_y": tensor[:, 6].reshape(-1),
        "score": np.asarray(scores, dtype=np.float64)[kept],
    }


#: the module kitti_eval imports its IoU kernel from, inside its overlap functions
ROTATE_IOU_MODULE = "mmdet3d.evaluation.functional.kitti_utils.rotate_iou"


def bev_corners(boxes: np.ndarray) -> np.ndarray:
    """``(N, 4, 2)`` corners of bird's-eye boxes ``(N, 5)`` ``[x, z, l, w, angle]``, turned as mmdet3d's
    kernel turns them (``rotate_iou.rbbox_to_corners``: ``[[cos, sin], [-sin, cos]]``)."""
    x, z, length, width, angle = (np.asarray(boxes, dtype=np.float64).reshape(-1, 5)[:, i] for i in range(5))
    along = np.array([-0.5, -0.5, 0.5, 0.5]) * length[:, None]
    across = np.array([-0.5, 0.5, 0.5, -0.5]) * width[:, None]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    return np.stack([cos * along + sin * across + x[:, None], -sin * along + cos * across + z[:, None]], axis=-1)


def rotated_iou_cpu(boxes: np.ndarray, query_boxes: np.ndarray, criterion: int = -1, device_id: int = 0) -> np.ndarray:
    """``rotate_iou_gpu_eval`` on the CPU: ``(N, K)`` float32 overlaps of bird's-eye boxes ``(N, 5)`` and
    ``(K, 5)`` ``[x, z, l, w, angle]`` (camera XZ plane, metres, radians), by exact polygon intersection
    (shapely, float64). ``criterion`` -1: IoU; 2: the intersection area (m^2), what ``d3_box_overlap`` asks
    for. ``device_id`` is ignored."""
    import shapely

    first = shapely.polygons(bev_corners(boxes))
    second = shapely.polygons(bev_corners(query_boxes))
    if len(first) == 0 or len(second) == 0:
        return np.zeros((len(first), len(second)), dtype=np.float32)
    intersection = shapely.area(shapely.intersection(first[:, None], second[None, :]))
    if criterion == 2:
        return intersection.astype(np.float32)
    if criterion == -1:
        union = shapely.area(first)[:, None] + shapely.area(second)[None, :] - intersection
        return (intersection / np.maximum(union, 1e-12)).astype(np.float32)
    raise NotImplementedError(f"criterion {criterion} is not used by kitti_eval")


def use_cpu_rotated_iou() -> bool:
    """Give ``kitti_eval`` :func:`rotated_iou_cpu` when numba has no CUDA device; True when it did."""
    from numba import cuda

    if ROTATE_IOU_MODULE in sys.modules or cuda.is_available():
        return isinstance(sys.modules.get(ROTATE_IOU_MODULE), types.ModuleType) and getattr(
            sys.modules[ROTATE_IOU_MODULE], "rotate_iou_gpu_eval", None) is rotated_iou_cpu
    module = types.ModuleType(ROTATE_IOU_MODULE, "rotate_iou_gpu_eval on the CPU (bench.kitti_detection_metric)")
    module.rotate_iou_gpu_eval = rotated_iou_cpu
    sys.modules[ROTATE_IOU_MODULE] = module
    return True


def kitti_scores(gt_annos: list[dict], dt_annos: list[dict], kitti_classes: Sequence[str]) -> KittiScores:
    """mmdet3d's ``kitti_eval`` (BEV and 3D) over frames; every ground-truth annotation must hold an object
    (mmdet3d reads the first one's alpha)."""
    from mmdet3d.evaluation.functional import kitti_eval

    use_cpu_rotated_iou()
    if any(len(anno["name"]) == 0 for anno in gt_annos):
        raise ValueError("kitti_eval needs at least one ground-truth object per frame")
    _, results = kitti_eval(gt_annos, dt_annos, list(kitti_classes), eval_types=["bev", "3d"])
    levels = ("easy", "moderate", "hard")
    per_class = {name: {level: float(results[f"KITTI/{name}_3D_AP40_{level}_strict"]) for level in levels}
                 for name in kitti_classes}
    ap3d = {level: float(np.mean([per_class[name][level] for name in kitti_classes])) for level in levels}
    bev = {level: float(np.mean([results[f"KITTI/{name}_BEV_AP40_{level}_strict"] for name in kitti_classes]))
           for level in levels}
    return KittiScores(ap3d=ap3d, bev=bev, per_class_3d=per_class)
