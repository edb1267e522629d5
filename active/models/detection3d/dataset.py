"""Training samples on disk as mmdet3d reads them, and the mmdet3d dataset class that reads them.

:func:`write_samples` lays samples out like mmdet3d's converted KITTI data: one ``.bin`` of float32
``[x, y, z, intensity]`` rows per sample under ``points/`` and an info ``.pkl`` in mmdet3d's v2 format
(``metainfo`` + ``data_list``, boxes as ``instances[].bbox_3d`` in the lidar frame).
:class:`PseudoLidarDataset`, registered in mmdet3d's ``DATASETS``, reads them with ``box_type_3d``
LiDAR (bottom-centre boxes, yaw about +z), so mmdet3d's own pipeline (``LoadPointsFromFile``,
``LoadAnnotations3D``, ...) loads them unchanged.

Importing this module registers the dataset (it imports mmdet3d).
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
from mmdet3d.datasets import Det3DDataset
from mmdet3d.registry import DATASETS
from mmdet3d.structures import LiDARInstance3DBoxes

from active.models.detection3d.config import DATASET_TYPE
from active.models.detection3d.samples import BOX_DIM, POINT_DIM, DetectionSample

#: folder (under the data root) of the point files, and the info file's name
POINTS_FOLDER = "points"
INFO_FILE = "infos.pkl"


def write_samples(samples: list[DetectionSample], classes: tuple[str, ...], root: str | Path) -> Path:
    """Write ``samples`` under ``root`` (created) and return the info file's path."""
    root = Path(root)
    (root / POINTS_FOLDER).mkdir(parents=True, exist_ok=True)
    data_list = []
    for index, sample in enumerate(samples):
        if len(sample.labels) and sample.labels.max() >= len(classes):
            raise ValueError(f"sample {sample.sample_id!r} has a class index beyond the {len(classes)} classes")
        name = f"{index:06d}.bin"
        sample.points.astype(np.float32).tofile(root / POINTS_FOLDER / name)
        data_list.append({
            "sample_idx": index,
            "sample_id": sample.sample_id,
            "lidar_points": {"num_pts_feats": POINT_DIM, "lidar_path": name},
            "instances": [
                {"bbox_3d": box.tolist(), "bbox_label_3d": int(label)}
                for box, label in zip(sample.boxes, sample.labels)
            ],
        })
    info_path = root / INFO_FILE
    with open(info_path, "wb") as handle:
        pickle.dump({"metainfo": {"classes": list(classes)}, "data_list": data_list}, handle)
    return info_path


@DATASETS.register_module(name=DATASET_TYPE)
class PseudoLidarDataset(Det3DDataset):
    """Pseudo-LiDAR samples written by :func:`write_samples`; ``classes`` names the class indices as written."""

    METAINFO = {"classes": ()}

    def __init__(self, *, classes: tuple[str, ...], **kwargs) -> None:
        # Det3DDataset maps the file's class indices through METAINFO's classes: here they are the same
        self.METAINFO = {"classes": tuple(classes)}
        kwargs.setdefault("metainfo", {"classes": tuple(classes)})
        kwargs.setdefault("data_prefix", {"pts": POINTS_FOLDER})
        kwargs.setdefault("box_type_3d", "LiDAR")
        super().__init__(**kwargs)

    def parse_ann_info(self, info: dict) -> dict:
        """``gt_bboxes_3d`` as LiDAR boxes (bottom centre), ``gt_labels_3d`` int64; empty for a frame without boxes."""
        ann_info = super().parse_ann_info(info)
        if ann_info is None:
            ann_info = {"gt_bboxes_3d": np.zeros((0, BOX_DIM), np.float32), "gt_labels_3d": np.zeros(0, np.int64)}
        ann_info["gt_bboxes_3d"] = LiDARInstance3DBoxes(
            np.asarray(ann_info["gt_bboxes_3d"], dtype=np.float32).reshape(-1, BOX_DIM), box_dim=BOX_DIM,
            origin=(0.5, 0.5, 0.0),
        )
        return ann_info
