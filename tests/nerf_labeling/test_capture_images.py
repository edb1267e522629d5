"""validate_images: existence, decodability, size against intrinsics, pixel ceiling, links out of the root."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from nerf_labeling.cameras import Camera, Intrinsics
from nerf_labeling.capture import (
    CaptureData,
    CaptureFrame,
    CaptureImageError,
    CapturePathError,
    OversizedImageError,
    find_capture,
    validate_images,
)


def _intrinsics(width, height):
    return Intrinsics(30.0, 30.0, width / 2, height / 2, width, height)


def _capture(root, sizes, intrinsics=None, **frame_extra):
    frames = []
    for index, size in enumerate(sizes):
        name = f"images/{index}.png"
        (root / "images").mkdir(exist_ok=True)
        if size is not None:
            Image.new("RGB", size, (index * 40, 0, 0)).save(root / name)
        intr = intrinsics or _intrinsics(*(size or (32, 24)))
        frames.append(CaptureFrame(name, Camera(intr, np.eye(4)), **frame_extra))
    return CaptureData(root, tuple(frames), "nerfstudio", {})


def test_a_synthetic_capture_validates(tiny_synthetic_capture):
    capture = find_capture(tiny_synthetic_capture.root)
    assert validate_images(capture, tiny_synthetic_capture.root) == [(32, 24)] * 8


def test_per_frame_sizes_are_fine(tmp_path):
    assert validate_images(_capture(tmp_path, [(32, 24), (40, 30)])) == [(32, 24), (40, 30)]


def test_missing_image(tmp_path):
    with pytest.raises(CaptureImageError, match=r"frames\[1\]: file_path images/1.png does not exist"):
        validate_images(_capture(tmp_path, [(32, 24), None]))


def test_missing_mask(tmp_path):
    capture = _capture(tmp_path, [(32, 24)], mask_path="masks/0.png")
    with pytest.raises(CaptureImageError, match=r"frames\[0\]: mask masks/0.png does not exist"):
        validate_images(capture)


def test_undecodable_and_truncated_images(tmp_path):
    capture = _capture(tmp_path, [(32, 24), (32, 24)])
    (tmp_path / "images" / "0.png").write_bytes(b"this is not a png")
    with pytest.raises(CaptureImageError, match=r"frames\[0\]: 0.png is not a decodable image"):
        validate_images(capture)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(tmp_path / "images" / "0.png")
    Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(tmp_path / "images" / "1.png")
    data = (tmp_path / "images" / "1.png").read_bytes()
    (tmp_path / "images" / "1.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(CaptureImageError, match=r"frames\[1\]: 1.png is not a decodable image"):
        validate_images(capture)


def test_size_disagreeing_with_intrinsics(tmp_path):
    capture = _capture(tmp_path, [(32, 24), (40, 30)])
    Image.new("RGB", (30, 40)).save(tmp_path / "images" / "1.png")  # portrait instead of landscape
    with pytest.raises(CaptureImageError, match=r"frames\[1\]: image images/1.png is 30x40 but its intrinsics say 40x30"):
        validate_images(capture)


def test_mixed_sizes_under_shared_intrinsics(tmp_path):
    capture = _capture(tmp_path, [(32, 24), (32, 24), (64, 48)], intrinsics=_intrinsics(32, 24))
    with pytest.raises(CaptureImageError, match=r"mixed sizes \(32x24 in frames\[0\].*64x48 in frames\[2\].*one set of intrinsics"):
        validate_images(capture)


def test_oversized_image(tmp_path):
    capture = _capture(tmp_path, [(32, 24), (40, 30)])
    assert validate_images(capture, max_pixels=1200)
    with pytest.raises(OversizedImageError, match=r"frames\[1\]: image 1.png is 40x30 = 1200 pixels, over the limit of 1199"):
        validate_images(capture, max_pixels=1199)


def test_a_link_out_of_the_capture_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    Image.new("RGB", (32, 24)).save(outside / "secret.png")
    root = tmp_path / "capture"
    root.mkdir()
    capture = _capture(root, [(32, 24)])
    (root / "images" / "0.png").unlink()
    os.symlink(outside / "secret.png", root / "images" / "0.png")
    with pytest.raises(CapturePathError, match=r"frames\[0\]: 0.png resolves outside the capture root"):
        validate_images(capture)
