"""The 3D detector's settings, and the mmdet3d config they make from mmdet3d's shipped PointPillars config.

:class:`DetectorConfig` is plain data (no mmdet3d import), so the platform can store and compare it.
:func:`mmdet3d_config` loads ``pointpillars_hv_secfpn_8xb6-160e_kitti-3d-3class.py`` (and its ``_base_``
files) from the installed mmdet3d package and changes only what a metre-scale pseudo-LiDAR scene needs:
the point-cloud range and voxel size, the channel widths (``size``), one anchor per class from
``class_sizes``, the box head (:mod:`.detection_head`, which keeps per-class scores), and the data
pipelines (no ground-truth database sampling: there is no database; points come from memory at test time).
"""
from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from pathlib import Path

#: mmdet3d's shipped config the detector is derived from, relative to the package's ``.mim/configs``
SHIPPED_CONFIG = "pointpillars/pointpillars_hv_secfpn_8xb6-160e_kitti-3d-3class.py"

#: registered names of this package's mmdet3d components
HEAD_TYPE = "ClassProbAnchor3DHead"
DATASET_TYPE = "PseudoLidarDataset"


@dataclass(frozen=True)
class ModelWidths:
    """Channel widths of PointPillars: pillar features, SECOND stages (blocks and channels), FPN outputs."""

    pillar_channels: int
    stage_layers: tuple[int, int, int]
    stage_channels: tuple[int, int, int]
    upsample_channels: tuple[int, int, int]


#: "base" is mmdet3d's stock KITTI PointPillars; "small" shrinks it for a CPU worker
MODEL_SIZES: dict[str, ModelWidths] = {
    "base": ModelWidths(64, (3, 5, 5), (64, 128, 256), (128, 128, 128)),
    "small": ModelWidths(32, (1, 1, 1), (32, 64, 128), (64, 64, 64)),
}

#: product of the SECOND backbone's stage strides: the pillar grid must divide by it
BACKBONE_STRIDE = 8


@dataclass(frozen=True)
class DetectorConfig:
    """Settings of one PointPillars detector on pseudo-LiDAR (lidar frame: +x forward, +y left, +z up, metres).

    classes : class names; class index ``i`` in samples and detections is ``classes[i]``
    class_sizes : (C, 3) anchor ``(l, w, h)`` per class in metres (e.g. the mean box size of each class)
    point_cloud_range : ``(x_min, y_min, z_min, x_max, y_max, z_max)`` metres; points and boxes outside are dropped
    voxel_size : ``(dx, dy, dz)`` metres of one pillar; ``dz`` spans the whole z range (pillars); the
        grid ``(x_max - x_min) / dx`` by ``(y_max - y_min) / dy`` must be whole multiples of 8
    size : ``"small"`` (narrow, one block per stage, for a CPU worker) or ``"base"`` (mmdet3d's stock widths)
    learning_rate : AdamW's base rate; the schedule is mmdet3d's cyclic one, fitted to each fit's steps
    batch_size : samples per training iteration
    seed : drives initial weights, batch order and augmentation (deterministic on a CPU)
    device : ``"cpu"`` or ``"cuda"``
    score_threshold : a box is kept when its class's sigmoid score exceeds this (mmdet3d's ``score_thr``)
    anchor_bottom_heights : (C,) lidar z of each class's anchor bottoms in metres (the ground sits below
        the camera, so negative), or None: the first fit takes the mean ``z_bottom`` of each class's
        training boxes (the mean over all boxes for a class without any, the middle of the z range when
        there are no boxes) and the fitted model keeps them
    augment : random horizontal flip, small global rotation and scaling while training (mmdet3d transforms)
    positive_iou, negative_iou, min_positive_iou : anchor assignment by bird's-eye IoU (mmdet3d's
        Max3DIoUAssigner); ``min_positive_iou`` lets each box keep its best anchor even when small
    max_detections : most boxes kept per frame after NMS
    """

    classes: tuple[str, ...]
    class_sizes: tuple[tuple[float, float, float], ...]
    point_cloud_range: tuple[float, float, float, float, float, float] = (0.0, -3.2, -3.0, 6.4, 3.2, 1.0)
    voxel_size: tuple[float, float, float] = (0.1, 0.1, 4.0)
    size: str = "small"
    learning_rate: float = 1e-3
    batch_size: int = 4
    seed: int = 0
    device: str = "cpu"
    score_threshold: float = 0.1
    anchor_bottom_heights: tuple[float, ...] | None = None
    augment: bool = True
    positive_iou: float = 0.5
    negative_iou: float = 0.35
    min_positive_iou: float = 0.1
    max_detections: int = 50

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "classes", tuple(str(name) for name in self.classes))
        set_(self, "class_sizes", tuple(tuple(float(v) for v in size) for size in self.class_sizes))
        set_(self, "point_cloud_range", tuple(float(v) for v in self.point_cloud_range))
        set_(self, "voxel_size", tuple(float(v) for v in self.voxel_size))
        if self.anchor_bottom_heights is not None:
            set_(self, "anchor_bottom_heights", tuple(float(v) for v in self.anchor_bottom_heights))
        if not self.classes:
            raise ValueError("a detector needs at least one class")
        if len(self.class_sizes) != len(self.classes) or any(len(s) != 3 or min(s) <= 0 for s in self.class_sizes):
            raise ValueError(f"class_sizes must be one positive (l, w, h) per class, got {self.class_sizes}")
        if self.anchor_bottom_heights is not None and len(self.anchor_bottom_heights) != len(self.classes):
            raise ValueError("anchor_bottom_heights must give one height per class")
        if self.size not in MODEL_SIZES:
            raise ValueError(f"size must be one of {sorted(MODEL_SIZES)}, got {self.size!r}")
        if self.device not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'cpu' or 'cuda', got {self.device!r}")
        if len(self.point_cloud_range) != 6 or len(self.voxel_size) != 3:
            raise ValueError("point_cloud_range needs 6 values and voxel_size 3")
        for cells in self.grid_size:
            if cells % BACKBONE_STRIDE:
                raise ValueError(f"the pillar grid {self.grid_size} must divide by {BACKBONE_STRIDE} in x and y")
        if self.batch_size < 1 or self.learning_rate <= 0:
            raise ValueError("batch_size must be >= 1 and learning_rate > 0")

    @property
    def grid_size(self) -> tuple[int, int]:
        """Pillars along x and y."""
        x_min, y_min, _, x_max, y_max, _ = self.point_cloud_range
        return (round((x_max - x_min) / self.voxel_size[0]), round((y_max - y_min) / self.voxel_size[1]))

    def to_dict(self) -> dict:
        """JSON-safe dict (:meth:`from_dict` reads it back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "DetectorConfig":
        return cls(**data)


def range_and_voxels_for(points, *, min_voxel: float = 0.1, max_cells: int = 128,
                         margin: float = 0.05) -> tuple[tuple[float, ...], tuple[float, float, float]]:
    """``(point_cloud_range, voxel_size)`` that holds a project's scans: ``points`` ``(N, >=3)`` in the lidar
    frame (metres), from the camera (x = 0) to the 99th percentile ahead, symmetric about the optical axis
    out to the 99th percentile sideways, and from the 1st to the 99th percentile in height, each grown by
    ``margin`` (a share). Pillars are at least ``min_voxel`` metres, at most ``max_cells`` along x or y,
    and the grid divides by the backbone's stride; each pillar spans the whole height."""
    import numpy as np

    points = np.asarray(points, dtype=np.float64).reshape(-1, np.shape(points)[-1])[:, :3]
    if len(points) == 0:
        raise ValueError("no points to fit a point-cloud range to")
    ahead = max(float(np.percentile(points[:, 0], 99)), min_voxel) * (1 + margin)
    side = max(float(np.percentile(np.abs(points[:, 1]), 99)), min_voxel) * (1 + margin)
    low, high = (float(v) for v in np.percentile(points[:, 2], [1, 99]))
    pad = max(high - low, min_voxel) * margin
    voxel = max(min_voxel, max(ahead, 2 * side) / max_cells)
    cells_x = BACKBONE_STRIDE * math.ceil(ahead / voxel / BACKBONE_STRIDE)
    cells_y = BACKBONE_STRIDE * math.ceil(2 * side / voxel / BACKBONE_STRIDE)
    point_range = (0.0, -cells_y * voxel / 2, low - pad, cells_x * voxel, cells_y * voxel / 2, high + pad)
    return point_range, (voxel, voxel, point_range[5] - point_range[2])


def anchor_heights_from_boxes(config: DetectorConfig, boxes, labels) -> tuple[float, ...]:
    """(C,) anchor bottom heights (lidar z, metres) from training boxes, as :class:`DetectorConfig` describes.

    boxes : (M, 7) ``[x, y, z_bottom, l, w, h, yaw]``; labels : (M,) class indices.
    """
    import numpy as np

    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 7)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    z_min, z_max = config.point_cloud_range[2], config.point_cloud_range[5]
    overall = float(boxes[:, 2].mean()) if len(boxes) else (z_min + z_max) / 2.0
    heights = []
    for index in range(len(config.classes)):
        own = boxes[labels == index, 2]
        heights.append(float(own.mean()) if len(own) else overall)
    return tuple(heights)


def shipped_config_path() -> Path:
    """Path of mmdet3d's shipped PointPillars KITTI 3-class config inside the installed package."""
    import mmdet3d

    path = Path(mmdet3d.__file__).parent / ".mim" / "configs" / SHIPPED_CONFIG
    if not path.is_file():
        raise FileNotFoundError(f"mmdet3d's shipped config is missing: {path}")
    return path


def mmdet3d_config(config: DetectorConfig):
    """An ``mmengine.Config`` with ``model``, ``train_pipeline``, ``test_pipeline`` and ``optim_wrapper``.

    Derived from mmdet3d's shipped PointPillars KITTI config (see the module docstring). Anchor heights
    come from ``config.anchor_bottom_heights`` (the middle of the z range when None).
    """
    from mmengine.config import Config

    cfg = Config.fromfile(str(shipped_config_path()))
    widths = MODEL_SIZES[config.size]
    point_range = list(config.point_cloud_range)
    voxel_size = list(config.voxel_size)
    n_classes = len(config.classes)
    heights = config.anchor_bottom_heights or (((point_range[2] + point_range[5]) / 2.0),) * n_classes

    model = copy.deepcopy(cfg.model)
    model.data_preprocessor.voxel_layer.update(point_cloud_range=point_range, voxel_size=voxel_size)
    model.voxel_encoder.update(feat_channels=[widths.pillar_channels], voxel_size=voxel_size,
                               point_cloud_range=point_range)
    model.middle_encoder.update(in_channels=widths.pillar_channels,
                                output_shape=[config.grid_size[1], config.grid_size[0]])
    model.backbone.update(in_channels=widths.pillar_channels, layer_nums=list(widths.stage_layers),
                          out_channels=list(widths.stage_channels))
    model.neck.update(in_channels=list(widths.stage_channels), out_channels=list(widths.upsample_channels))
    head_channels = sum(widths.upsample_channels)
    model.bbox_head.update(type=HEAD_TYPE, num_classes=n_classes, in_channels=head_channels,
                           feat_channels=head_channels)
    model.bbox_head.anchor_generator.update(
        ranges=[[point_range[0], point_range[1], z, point_range[3], point_range[4], z] for z in heights],
        sizes=[list(size) for size in config.class_sizes],
    )
    # one assigner per class, the shipped config's small-object (Pedestrian) one with this config's IoUs
    assigner = copy.deepcopy(cfg.model.train_cfg.assigner[0])
    assigner.update(pos_iou_thr=config.positive_iou, neg_iou_thr=config.negative_iou,
                    min_pos_iou=config.min_positive_iou)
    model.train_cfg.assigner = [copy.deepcopy(assigner) for _ in range(n_classes)]
    model.test_cfg.update(score_thr=config.score_threshold, max_num=config.max_detections)

    cfg.model = model
    cfg.train_pipeline = _train_pipeline(cfg.train_pipeline, point_range, config.augment)
    cfg.test_pipeline = _test_pipeline(cfg.test_pipeline, point_range)
    cfg.optim_wrapper.optimizer.lr = config.learning_rate
    return cfg


#: the shipped rotation range (±45°) turns a camera's view wedge far off its field of view; pseudo-LiDAR
#: only ever sees that wedge, so rotations stay within ±15° (radians)
ROTATION_RANGE = (-math.pi / 12, math.pi / 12)


def _train_pipeline(shipped: list, point_range: list[float], augment: bool) -> list:
    pipeline = []
    for step in copy.deepcopy(shipped):
        kind = step["type"]
        if kind == "ObjectSample":  # samples objects from a KITTI ground-truth database we do not have
            continue
        if kind in ("RandomFlip3D", "GlobalRotScaleTrans") and not augment:
            continue
        if kind == "GlobalRotScaleTrans":
            step["rot_range"] = list(ROTATION_RANGE)
        if kind in ("PointsRangeFilter", "ObjectRangeFilter"):
            step["point_cloud_range"] = point_range
        pipeline.append(step)
    return pipeline


def _test_pipeline(shipped: list, point_range: list[float]) -> list:
    pipeline = copy.deepcopy(shipped)
    pipeline[0]["type"] = "LoadPointsFromDict"  # as mmdet3d.apis.inference_detector does for arrays
    for step in pipeline:
        if step["type"] == "PointsRangeFilter":
            step["point_cloud_range"] = point_range
    return pipeline


def training_schedule(cfg, steps: int) -> list[dict]:
    """The shipped config's epoch-based cyclic schedule (learning rate and momentum) made iteration-based
    and stretched over ``steps`` iterations, its learning-rate bounds scaled to this config's rate."""
    schedulers = copy.deepcopy(cfg.param_scheduler)
    total = max(step["end"] for step in schedulers)
    rate_scale = cfg.optim_wrapper.optimizer.lr / float(cfg.lr)  # the shipped config's own ``lr``
    result = []
    for step in schedulers:
        step = dict(step)
        step.pop("convert_to_iter_based", None)
        begin = round(step["begin"] / total * steps)
        end = max(round(step["end"] / total * steps), begin + 1)
        step.update(by_epoch=False, begin=begin, end=end, T_max=end - begin)
        if step["type"] == "CosineAnnealingLR":
            step["eta_min"] = step["eta_min"] * rate_scale
        result.append(step)
    return result
