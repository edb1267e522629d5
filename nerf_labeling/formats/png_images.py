"""PNG encoding shared by the formats: depth as 16-bit millimetres, masks, and images KITTI needs as PNG."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: zlib level for the PNGs written here: 1 is several times faster than the default 6 and masks and
#: depth still shrink well.
PNG_COMPRESS_LEVEL = 1

#: Largest depth a 16-bit millimetre PNG holds, metres; farther depths are written as this.
MAX_DEPTH_M = 65.535


def depth_to_png_mm(depth: np.ndarray) -> bytes:
    """``(H, W)`` float z-depth in metres -> 16-bit grayscale PNG bytes in millimetres.

    0 (and NaN, negative, infinite) means "no depth" and stays 0; depths beyond :data:`MAX_DEPTH_M`
    are clipped to 65535.
    """
    depth = np.asarray(depth, dtype=np.float64)
    if depth.ndim != 2:
        raise ValueError(f"depth must be (H, W), got shape {depth.shape}")
    valid = np.isfinite(depth) & (depth > 0)
    millimetres = np.where(valid, np.rint(np.clip(np.where(valid, depth, 0.0), 0.0, MAX_DEPTH_M) * 1000.0), 0)
    return uint16_png(millimetres.astype(np.uint16))


def uint16_png(image: np.ndarray) -> bytes:
    """``(H, W)`` uint16 -> 16-bit grayscale PNG bytes (instance ids, millimetres)."""
    buffer = io.BytesIO()
    array = np.ascontiguousarray(image, dtype=np.uint16)
    Image.fromarray(array).save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def uint8_png(image: np.ndarray) -> bytes:
    """``(H, W)`` uint8 -> 8-bit grayscale PNG bytes (binary masks as 0/255)."""
    buffer = io.BytesIO()
    array = np.ascontiguousarray(image, dtype=np.uint8)
    Image.fromarray(array).save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def read_png(data: bytes) -> np.ndarray:
    """PNG bytes -> array with the PNG's own depth (uint16 for 16-bit, uint8 for 8-bit)."""
    with Image.open(io.BytesIO(data)) as image:
        array = np.asarray(image)
    return array.astype(np.uint16) if array.dtype in (np.int32, np.uint16) else array


def as_png(image_bytes: bytes) -> bytes:
    """The image as PNG bytes: PNG passes through untouched, anything else Pillow reads is re-encoded."""
    if image_bytes.startswith(PNG_SIGNATURE):
        return image_bytes
    buffer = io.BytesIO()
    with Image.open(io.BytesIO(image_bytes)) as image:
        image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()
