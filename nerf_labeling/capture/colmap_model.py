"""COLMAP camera models: parameter layouts and their mapping onto the project's camera models.

Source: COLMAP ``src/colmap/sensor/models.h`` and ``scripts/python/read_write_model.py``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ColmapCameraModel:
    """One COLMAP model: its binary id, its parameter names and the project model it becomes."""

    model_id: int
    name: str
    params: tuple[str, ...]
    camera_model: str


#: the COLMAP models Raylabel reads; others (FOV, FULL_OPENCV, THIN_PRISM_FISHEYE, ...) are refused
COLMAP_MODELS = {
    model.name: model
    for model in (
        ColmapCameraModel(0, "SIMPLE_PINHOLE", ("f", "cx", "cy"), "PINHOLE"),
        ColmapCameraModel(1, "PINHOLE", ("fx", "fy", "cx", "cy"), "PINHOLE"),
        ColmapCameraModel(2, "SIMPLE_RADIAL", ("f", "cx", "cy", "k1"), "OPENCV"),
        ColmapCameraModel(3, "RADIAL", ("f", "cx", "cy", "k1", "k2"), "OPENCV"),
        ColmapCameraModel(4, "OPENCV", ("fx", "fy", "cx", "cy", "k1", "k2", "p1", "p2"), "OPENCV"),
        ColmapCameraModel(5, "OPENCV_FISHEYE", ("fx", "fy", "cx", "cy", "k1", "k2", "k3", "k4"), "OPENCV_FISHEYE"),
    )
}
COLMAP_MODELS_BY_ID = {model.model_id: model for model in COLMAP_MODELS.values()}
#: the model each project camera model is written as
COLMAP_MODEL_OF = {"PINHOLE": "PINHOLE", "OPENCV": "OPENCV", "OPENCV_FISHEYE": "OPENCV_FISHEYE"}
