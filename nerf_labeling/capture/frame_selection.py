"""Which candidate frames to keep for structure-from-motion: sharp ones that add viewpoint.

A frame is scored once (:func:`score_frame`): its sharpness, the variance of the Laplacian of its grey
image (motion blur and defocus flatten it), and a small grey thumbnail. :func:`select_frames` then drops
frames far blurrier than their neighbours and frames whose thumbnail barely differs from the last kept
one, the cheap stand-in for "this view adds nothing".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class SelectionRules:
    """Thresholds of the selection.

    blur_ratio : a frame whose sharpness is below this fraction of the median of its neighbours' is blurry
    neighbours : how many candidates on each side form that median
    min_change : mean absolute difference (grey levels in [0, 1]) of thumbnails below which a frame
        repeats the last kept one
    thumbnail_width : pixels across the thumbnail
    """

    blur_ratio: float = 0.5
    neighbours: int = 4
    min_change: float = 0.01
    thumbnail_width: int = 32


@dataclass(frozen=True)
class FrameScore:
    """sharpness : variance of the Laplacian of the grey image (levels in [0, 1]); thumbnail : (h, w) float32 grey."""

    sharpness: float
    thumbnail: np.ndarray


def grey(rgb: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB -> ``(H, W)`` float32 luma in [0, 1] (BT.601 weights)."""
    return (np.asarray(rgb, dtype=np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)) / 255.0


def sharpness(grey_image: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian of an ``(H, W)`` grey image."""
    from scipy.ndimage import laplace

    return float(np.var(laplace(np.asarray(grey_image, dtype=np.float32))))


def score_frame(rgb: np.ndarray, rules: SelectionRules = SelectionRules()) -> FrameScore:
    """Sharpness and thumbnail of one ``(H, W, 3)`` uint8 frame."""
    from PIL import Image

    luma = grey(rgb)
    height, width = luma.shape
    size = (rules.thumbnail_width, max(1, round(rules.thumbnail_width * height / width)))
    thumbnail = np.asarray(Image.fromarray(luma, mode="F").resize(size, Image.Resampling.BOX), dtype=np.float32)
    return FrameScore(sharpness=sharpness(luma), thumbnail=thumbnail)


def select_frames(
    scores: Sequence[FrameScore], rules: SelectionRules = SelectionRules()
) -> tuple[list[int], dict[int, str]]:
    """Indices of the frames to keep, in order, and a reason for each dropped index."""
    dropped: dict[int, str] = {}
    values = np.array([score.sharpness for score in scores])
    sharp = []
    for index, value in enumerate(values):
        around = values[max(0, index - rules.neighbours) : index + rules.neighbours + 1]
        window = np.delete(around, min(index, rules.neighbours))  # the frame itself
        typical = float(np.median(window)) if len(window) else value
        if value < rules.blur_ratio * typical:
            dropped[index] = f"blurry (sharpness {value:.2g}, its neighbours {typical:.2g})"
        else:
            sharp.append(index)
    kept: list[int] = []
    for index in sharp:
        if kept:
            change = float(np.mean(np.abs(scores[index].thumbnail - scores[kept[-1]].thumbnail)))
            if change < rules.min_change:
                dropped[index] = f"near-duplicate of the previous kept frame (change {change:.3f})"
                continue
        kept.append(index)
    return kept, dropped
