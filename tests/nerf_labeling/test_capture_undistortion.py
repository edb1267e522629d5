"""Lens distortion for ingest (cameras.distort_normalized / undistort_image), checked against OpenCV."""
from __future__ import annotations

import numpy as np
import pytest

from nerf_labeling.cameras import Intrinsics, distort_normalized, undistort_image

OPENCV = (0.12, -0.05, 0.002, -0.001, 0.01, 0.0)
FISHEYE = (0.05, -0.01, 0.0, 0.0, 0.003, -0.0005)


def test_hand_computed_radial_and_tangential_terms():
    # x = 0.5, y = 0: r^2 = 0.25; radial = 1 + 0.1 * 0.25; x gains p2 * (r^2 + 2 x^2), y gains p1 * r^2
    out = distort_normalized(np.array([[0.5, 0.0]]), (0.1, 0.0, 0.01, 0.02, 0.0, 0.0))
    np.testing.assert_allclose(out, [[0.5 * 1.025 + 0.02 * 0.75, 0.01 * 0.25]], atol=1e-15)
    np.testing.assert_array_equal(distort_normalized(np.zeros((1, 2)), FISHEYE, fisheye=True), [[0.0, 0.0]])


def _points(rng):
    return rng.uniform(-0.6, 0.6, size=(200, 2))


def test_opencv_model_matches_cv2(rng):
    cv2 = pytest.importorskip("cv2")
    points = _points(rng)
    rays = np.concatenate([points, np.ones((len(points), 1))], axis=1)
    k1, k2, p1, p2, k3, _ = OPENCV
    expected, _ = cv2.projectPoints(rays, np.zeros(3), np.zeros(3), np.eye(3), np.array([k1, k2, p1, p2, k3]))
    np.testing.assert_allclose(distort_normalized(points, OPENCV), expected[:, 0], atol=1e-12)


def test_fisheye_model_matches_cv2(rng):
    cv2 = pytest.importorskip("cv2")
    points = _points(rng)
    rays = np.concatenate([points, np.ones((len(points), 1))], axis=1)[:, None, :]
    k1, k2, _, _, k3, k4 = FISHEYE
    expected, _ = cv2.fisheye.projectPoints(rays, np.zeros(3), np.zeros(3), np.eye(3), np.array([k1, k2, k3, k4]))
    np.testing.assert_allclose(distort_normalized(points, FISHEYE, fisheye=True), expected[:, 0], atol=1e-12)


@pytest.mark.parametrize("fisheye", [False, True])
def test_undistorted_image_matches_cv2_remap(fisheye):
    cv2 = pytest.importorskip("cv2")
    width, height = 64, 48
    intrinsics = Intrinsics(50.0, 52.0, 32.5, 23.75, width, height, FISHEYE if fisheye else OPENCV)
    v, u = np.mgrid[0:height, 0:width].astype(np.float32)
    image = (100 + 60 * np.sin(u / 9.0) + 50 * np.cos(v / 7.0)).astype(np.float32)
    ours, pinhole = undistort_image(image, intrinsics, fisheye=fisheye)
    assert pinhole == Intrinsics(50.0, 52.0, 32.5, 23.75, width, height)
    # OpenCV puts pixel centres at integers, so its principal point is ours minus half a pixel.
    k = np.array([[50.0, 0, 32.0], [0, 52.0, 23.25], [0, 0, 1]])
    k1, k2, p1, p2, k3, k4 = intrinsics.distortion
    if fisheye:
        maps = cv2.fisheye.initUndistortRectifyMap(k, np.array([k1, k2, k3, k4]), np.eye(3), k, (width, height), cv2.CV_32FC1)
    else:
        maps = cv2.initUndistortRectifyMap(k, np.array([k1, k2, p1, p2, k3]), None, k, (width, height), cv2.CV_32FC1)
    expected = cv2.remap(image, *maps, interpolation=cv2.INTER_LINEAR)
    inside = (maps[0] > 1) & (maps[0] < width - 2) & (maps[1] > 1) & (maps[1] < height - 2)
    assert inside.mean() > 0.8
    np.testing.assert_allclose(ours[inside], expected[inside], atol=0.5)


def test_integer_masks_keep_their_labels_and_dtype():
    mask = np.zeros((24, 32), dtype=np.uint16)
    mask[8:16, 10:20] = 7
    out, _ = undistort_image(mask, Intrinsics(30.0, 30.0, 16.0, 12.0, 32, 24, OPENCV), order=0)
    assert out.dtype == np.uint16 and set(np.unique(out)) == {0, 7}


def test_undistort_refuses_a_size_mismatch():
    with pytest.raises(ValueError, match="image is 32x24 but the intrinsics say 64x48"):
        undistort_image(np.zeros((24, 32)), Intrinsics(30.0, 30.0, 32.0, 24.0, 64, 48))
