"""Capture readers and validation: transforms.json, COLMAP models, images and uploaded archives."""
from nerf_labeling.capture.colmap_reader import read_colmap_model
from nerf_labeling.capture.colmap_writer import write_colmap_model
from nerf_labeling.capture.data import CAMERA_MODELS, CaptureData, CaptureFrame
from nerf_labeling.capture.discovery import find_capture
from nerf_labeling.capture.errors import (
    ArchiveError,
    ArchiveTooLargeError,
    CaptureError,
    CaptureFormatError,
    CaptureImageError,
    CaptureNotFoundError,
    CapturePathError,
    CapturePoseError,
    CorruptArchiveError,
    OversizedImageError,
    UnsafeArchiveEntryError,
)
from nerf_labeling.capture.image_validation import validate_images
from nerf_labeling.capture.safe_zip import safe_extract_zip
from nerf_labeling.capture.transforms_reader import read_transforms_json
from nerf_labeling.capture.transforms_writer import write_transforms_json

__all__ = [
    "CAMERA_MODELS",
    "ArchiveError",
    "ArchiveTooLargeError",
    "CaptureData",
    "CaptureError",
    "CaptureFormatError",
    "CaptureFrame",
    "CaptureImageError",
    "CaptureNotFoundError",
    "CapturePathError",
    "CapturePoseError",
    "CorruptArchiveError",
    "OversizedImageError",
    "UnsafeArchiveEntryError",
    "find_capture",
    "read_colmap_model",
    "read_transforms_json",
    "safe_extract_zip",
    "validate_images",
    "write_colmap_model",
    "write_transforms_json",
]
