"""Scoring models for active learning."""
from active.models.fixmatch import ConsistencyConfig
from active.models.segmentation_model import (
    SegmentationModel,
    SegmentationModelConfig,
    fit_segmentation_model,
    images_to_tensor,
)
from active.models.tiny_unet import TinyUNet

__all__ = [
    "ConsistencyConfig", "SegmentationModel", "SegmentationModelConfig", "TinyUNet", "fit_segmentation_model",
    "images_to_tensor",
]
