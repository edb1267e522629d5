"""Label layers drawn over a frame in the browser: RGBA PNGs made from stored labels."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

OVERLAY_LAYERS = ("instance", "depth", "confidence")

# 20 colours that stay apart (Sasha Trubetskoy's list), indexed by class id; the browser draws boxes and
# labels from the same list (frontend/src/ui/classPalette.ts, kept equal by a test).
CLASS_PALETTE = (
    "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c", "#fabebe",
    "#008080", "#e6beff", "#9a6324", "#fffac8", "#800000", "#aaffc3", "#808000", "#ffd8b1", "#000075", "#808080",
)
# LabelClass.color's default: a class left at it has no colour of its own and takes the palette's.
UNSET_CLASS_COLOR = "#e6194b"


def class_color(class_id: int, project_color: str | None = None) -> str:
    """``#rrggbb`` of class ``class_id`` (1 and up): the project's own colour if set, else the palette's."""
    if project_color and len(project_color) == 7 and project_color.lower() != UNSET_CLASS_COLOR:
        return project_color
    return CLASS_PALETTE[(class_id - 1) % len(CLASS_PALETTE)]


def _hex_to_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return tuple(int(color[i : i + 2], 16) for i in (0, 2, 4)) if len(color) == 6 else (230, 25, 75)


def instance_overlay(instance_mask: np.ndarray, colors: dict[int, str], *, alpha: int = 140) -> np.ndarray:
    """``(H, W, 4)`` uint8: each instance in its colour (``colors`` by instance id), background clear."""
    rgba = np.zeros((*instance_mask.shape, 4), dtype=np.uint8)
    for instance_id, color in colors.items():
        pixels = instance_mask == instance_id
        rgba[pixels, :3] = _hex_to_rgb(color)
        rgba[pixels, 3] = alpha
    return rgba


def depth_overlay(depth: np.ndarray) -> np.ndarray:
    """``(H, W, 4)`` uint8: near is yellow, far is purple, no surface clear."""
    valid = depth > 0
    rgba = np.zeros((*depth.shape, 4), dtype=np.uint8)
    if valid.any():
        near, far = np.percentile(depth[valid], [1, 99])
        t = np.clip((depth - near) / max(far - near, 1e-6), 0, 1)
        stops = np.array([[253, 231, 37], [33, 145, 140], [68, 1, 84]], dtype=np.float64)
        low = np.minimum((t * 2).astype(int), 1)
        frac = t * 2 - low
        colour = stops[low] * (1 - frac[..., None]) + stops[low + 1] * frac[..., None]
        rgba[..., :3] = np.round(colour).astype(np.uint8)
        rgba[..., 3] = np.where(valid, 200, 0)
    return rgba


def confidence_overlay(confidence: np.ndarray, instance_mask: np.ndarray) -> np.ndarray:
    """``(H, W, 4)`` uint8: doubtful labels in red, the more doubtful the more opaque."""
    doubt = 1.0 - np.clip(confidence, 0.0, 1.0)
    rgba = np.zeros((*confidence.shape, 4), dtype=np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = np.round(doubt * 220).astype(np.uint8)
    rgba[(instance_mask == 0) & (doubt < 0.5)] = 0
    return rgba


def png_bytes(rgba: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
