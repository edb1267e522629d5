"""Segmentation quality: confusion matrix and mean intersection-over-union."""
from __future__ import annotations

import numpy as np

from active.checks import check_same_shape

IGNORE_INDEX = 255


def confusion_matrix(
    predicted: np.ndarray, target: np.ndarray, n_classes: int, *, ignore_index: int = IGNORE_INDEX
) -> np.ndarray:
    """(C, C) int64 pixel counts, rows = target class, columns = predicted class.

    predicted, target : (...) integer class ids of the same shape; target pixels equal to ``ignore_index``
    are left out; other ids must lie in [0, n_classes)
    """
    check_same_shape("predicted", predicted, np.shape(target))
    target = np.asarray(target).ravel().astype(np.int64)
    predicted = np.asarray(predicted).ravel().astype(np.int64)
    keep = target != ignore_index
    target, predicted = target[keep], predicted[keep]
    for name, ids in (("target", target), ("predicted", predicted)):
        if ids.size and (ids.min() < 0 or ids.max() >= n_classes):
            raise ValueError(f"{name} class ids must lie in [0, {n_classes})")
    return np.bincount(target * n_classes + predicted, minlength=n_classes**2).reshape(n_classes, n_classes)


def iou_per_class(confusion: np.ndarray) -> np.ndarray:
    """(C,) float64 IoU per class; NaN for a class absent from both target and prediction.

    A class that is predicted but absent from the target has IoU 0 (a false positive still counts).
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    intersection = np.diag(confusion)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, intersection / union, np.nan)


def mean_iou(confusion: np.ndarray) -> float:
    """Mean IoU over the classes present in the target or the prediction (NaN if none)."""
    ious = iou_per_class(confusion)
    return float(np.nanmean(ious)) if np.isfinite(ious).any() else float("nan")
