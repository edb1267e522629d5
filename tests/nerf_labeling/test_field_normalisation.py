"""Scene normalisation: a similarity into the unit cube that round-trips and fits the cameras."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.fields.normalisation import SceneNormalisation, normalisation_from_cameras

INTRINSICS = Intrinsics(fx=50.0, fy=50.0, cx=32.0, cy=24.0, width=64, height=48)


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def orbit_cameras(world_from_scene: np.ndarray, scale: float, count: int = 8) -> list[Camera]:
    """An orbit of radius 2 at height 1 around the scene point (0, 0, 0.3), mapped into a capture frame."""
    cameras = []
    for angle in np.linspace(0.0, 2.0 * np.pi, count, endpoint=False):
        pose = look_at([2.0 * np.cos(angle), 2.0 * np.sin(angle), 1.0], [0.0, 0.0, 0.3])
        pose[:3, 3] *= scale
        cameras.append(Camera(INTRINSICS, world_from_scene @ pose))
    return cameras


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.01, 100.0))
def test_points_round_trip_through_the_normalised_frame(seed, scale):
    rng = np.random.default_rng(seed)
    norm = SceneNormalisation(centre=rng.normal(size=3) * 10, rotation=random_rotation(rng), scale=scale)
    points = rng.normal(size=(50, 3)) * 20
    np.testing.assert_allclose(norm.points_to_world(norm.points_to_normalised(points)), points, atol=1e-9 * (1 + scale))
    directions = rng.normal(size=(5, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    np.testing.assert_allclose(np.linalg.norm(norm.directions_to_normalised(directions), axis=1), 1.0)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.05, 50.0))
def test_cameras_in_any_frame_and_unit_normalise_alike(seed, scale):
    """A COLMAP-like capture (arbitrary rotation, offset and unit) lands in the same normalised frame."""
    rng = np.random.default_rng(seed)
    world_from_scene = np.eye(4)
    world_from_scene[:3, :3] = random_rotation(rng)
    world_from_scene[:3, 3] = rng.normal(size=3) * 10
    cameras = orbit_cameras(world_from_scene, scale)
    norm = normalisation_from_cameras(cameras, margin=1.1)
    # The optical axes meet at the orbit's target, which becomes the origin.
    target = world_from_scene[:3, :3] @ np.array([0.0, 0.0, 0.3 * scale]) + world_from_scene[:3, 3]
    np.testing.assert_allclose(norm.points_to_normalised(target[None])[0], 0.0, atol=1e-6)
    assert norm.scale == pytest.approx(1.1 * scale * np.hypot(2.0, 0.7))
    normalised_centres = norm.points_to_normalised(np.stack([c.center for c in cameras]))
    assert np.all(np.abs(normalised_centres) < 1.0)
    # The scene's up (+Z before the arbitrary rotation) becomes +Z.
    up = norm.directions_to_normalised((world_from_scene[:3, :3] @ [0.0, 0.0, 1.0])[None])[0]
    np.testing.assert_allclose(up, [0.0, 0.0, 1.0], atol=1e-9)
    assert np.linalg.det(norm.rotation) == pytest.approx(1.0)


def test_parallel_cameras_fall_back_to_their_mean_centre():
    cameras = [Camera(INTRINSICS, look_at([x, 0.0, 1.0], [x, 5.0, 1.0])) for x in (-1.0, 0.0, 1.0)]
    norm = normalisation_from_cameras(cameras)
    np.testing.assert_allclose(norm.centre, [0.0, 0.0, 1.0], atol=1e-12)


def test_normalisation_survives_json_exactly():
    norm = SceneNormalisation(centre=np.array([0.1, 1 / 3, -2e-7]), rotation=random_rotation(np.random.default_rng(4)), scale=1 / 7)
    again = SceneNormalisation.from_dict(json.loads(json.dumps(norm.to_dict())))
    assert np.array_equal(again.centre, norm.centre) and np.array_equal(again.rotation, norm.rotation)
    assert again.scale == norm.scale
