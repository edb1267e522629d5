"""Exact ray casting of the synthetic scene: known hits, z-depth, masks against geometry, occlusion."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerf_labeling.cameras import Camera, Intrinsics, camera_rays, look_at, project_points
from nerf_labeling.synthetic import (
    SceneObject,
    SyntheticScene,
    default_scene,
    orbit_poses,
    random_hemisphere_poses,
    random_scene,
    upright_pose,
)


def _cast(scene: SyntheticScene, origin, direction):
    direction = np.asarray(direction, dtype=np.float64)
    direction = direction / np.linalg.norm(direction)
    distance, instance, rgb = scene.intersect(np.array([origin], float), direction[None])
    return float(distance[0]), int(instance[0]), rgb[0]


def _one(shape, size, pose, ground_half_extent=3.0):
    return SyntheticScene(
        objects=(SceneObject(7, "thing", shape, size, pose),), ground_half_extent=ground_half_extent
    )


def test_ray_down_onto_sphere_hits_its_top():
    scene = _one("sphere", (1.0, 1.0, 1.0), upright_pose(1.0, 2.0, 0.5))
    assert _cast(scene, (1.0, 2.0, 5.0), (0, 0, -1))[:2] == (4.0, 7)


def test_ray_hits_the_yawed_box_on_its_rotated_face():
    # Turned 90 degrees, the box's 0.4 m y-extent now lies along world x.
    scene = _one("box", (0.6, 0.4, 0.5), upright_pose(0.0, 0.0, 0.25, 90.0))
    distance, instance, _ = _cast(scene, (-5.0, 0.0, 0.25), (1, 0, 0))
    assert instance == 7
    assert distance == pytest.approx(4.8, abs=1e-12)


def test_cylinder_side_and_cap():
    scene = _one("cylinder", (0.3, 0.3, 0.6), upright_pose(0.0, 0.0, 0.3))
    assert _cast(scene, (0.0, -3.0, 0.3), (0, 1, 0))[:2] == pytest.approx((2.85, 7), abs=1e-12)
    assert _cast(scene, (0.05, 0.05, 2.0), (0, 0, -1))[:2] == pytest.approx((1.4, 7), abs=1e-12)
    assert _cast(scene, (0.2, 0.0, 2.0), (0, 0, -1))[:2] == (2.0, 0)  # beside the can: the ground


def test_ground_is_background_and_finite():
    scene = SyntheticScene(objects=(), ground_half_extent=3.0)
    distance, instance, _ = _cast(scene, (0.5, 0.5, 2.0), (1, 0, -1))
    assert instance == 0 and distance == pytest.approx(2.0 * np.sqrt(2.0), abs=1e-12)
    distance, instance, rgb = _cast(scene, (0.5, 0.5, 2.0), (2, 0, -1))  # lands at x = 4.5, off the square
    assert (distance, instance) == (np.inf, 0)
    np.testing.assert_allclose(rgb, scene.sky_color, atol=1e-6)


def test_nearer_object_wins():
    scene = SyntheticScene(
        objects=(
            SceneObject(1, "ball", "sphere", (0.4,) * 3, upright_pose(0.0, 0.0, 0.5)),
            SceneObject(2, "ball", "sphere", (0.4,) * 3, upright_pose(1.0, 0.0, 0.5)),
        )
    )
    assert _cast(scene, (3.0, 0.0, 0.5), (-1, 0, 0))[:2] == pytest.approx((1.8, 2))
    assert _cast(scene, (-3.0, 0.0, 0.5), (1, 0, 0))[:2] == pytest.approx((2.8, 1))


def test_origin_inside_a_solid_hits_at_zero():
    scene = _one("box", (1.0, 1.0, 1.0), upright_pose(0.0, 0.0, 0.5))
    assert _cast(scene, (0.1, 0.2, 0.3), (0.3, -0.2, 1.0))[:2] == (0.0, 7)


@settings(max_examples=50, deadline=None)
@given(
    quaternion=st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(lambda q: np.linalg.norm(q) > 0.1),
    centre=st.lists(st.floats(-2, 2), min_size=3, max_size=3),
    direction=st.lists(st.floats(-1, 1), min_size=3, max_size=3).filter(lambda d: np.linalg.norm(d) > 0.1),
    radius=st.floats(0.05, 1.0),
    gap=st.floats(0.01, 5.0),
)
def test_ray_aimed_at_a_rotated_sphere_centre_stops_one_radius_short(quaternion, centre, direction, radius, gap):
    from scipy.spatial.transform import Rotation

    pose = np.eye(4)
    pose[:3, :3] = Rotation.from_quat(quaternion).as_matrix()
    pose[:3, 3] = centre
    scene = _one("sphere", (2 * radius,) * 3, pose, ground_half_extent=0.0)
    unit = np.asarray(direction) / np.linalg.norm(direction)
    origin = np.asarray(centre) - unit * (radius + gap)
    distance, instance, _ = _cast(scene, origin, unit)
    assert instance == 7
    assert distance == pytest.approx(gap, abs=1e-9)


def test_depth_is_z_depth_not_ray_distance():
    # Looking straight down at the plane, every pixel's z-depth is the height, however far off-axis.
    scene = SyntheticScene(objects=(), ground_half_extent=50.0)
    camera = Camera(Intrinsics(20.0, 20.0, 16.0, 12.0, 32, 24), look_at((0.3, -0.2, 2.5), (0.3, -0.2, 0.0)))
    _, instance, depth = scene.render(camera)
    np.testing.assert_allclose(depth, 2.5, rtol=1e-6)
    assert not instance.any()
    corner_ray = camera_rays(camera).directions[0]
    assert 2.5 / abs(corner_ray[2]) > 2.5 * 1.2  # the corner's ray distance differs from its z-depth


def _inside_convex_hull(points: np.ndarray, hull: np.ndarray, margin: float) -> np.ndarray:
    """Which ``points`` lie at least ``margin`` inside (1) or outside (-1) a counter-clockwise hull, else 0."""
    edges = np.roll(hull, -1, axis=0) - hull
    normals = np.stack([edges[:, 1], -edges[:, 0]], axis=1) / np.linalg.norm(edges, axis=1)[:, None]
    signed = np.einsum("pkj,kj->pk", points[:, None, :] - hull[None], normals)
    worst = signed.max(axis=1)
    return np.where(worst < -margin, 1, np.where(worst > margin, -1, 0))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_instance_mask_matches_projected_box(seed):
    from scipy.spatial import ConvexHull

    scene = default_scene().only([1])
    box = scene.object(1)
    pose = random_hemisphere_poses(np.random.default_rng(seed), 1)[0]
    camera = Camera(Intrinsics(40.0, 40.0, 24.0, 18.0, 48, 36), pose)
    _, instance, _ = scene.render(camera)
    uv, z_depth = project_points(camera, box.box_corners())
    assert np.all(z_depth > 0)
    hull = uv[ConvexHull(uv).vertices]
    u, v = np.meshgrid(np.arange(48) + 0.5, np.arange(36) + 0.5)
    side = _inside_convex_hull(np.stack([u.ravel(), v.ravel()], axis=1), hull, margin=1e-3).reshape(36, 48)
    assert (side == 1).sum() > 20
    assert np.all(instance[side == 1] == 1)
    assert np.all(instance[side == -1] == 0)


def _occluded_pairs(scene: SyntheticScene, camera: Camera) -> set[tuple[int, int]]:
    """(hidden, in front) id pairs: pixels where an object alone would show but another covers it."""
    _, full, _ = scene.render(camera)
    pairs = set()
    for obj in scene.objects:
        _, alone, _ = scene.only([obj.instance_id]).render(camera)
        covered = (alone == obj.instance_id) & (full != obj.instance_id)
        pairs |= {(obj.instance_id, int(front)) for front in np.unique(full[covered]) if front != 0}
    return pairs


def test_default_orbit_has_occlusions_between_objects():
    scene = default_scene()
    intrinsics = Intrinsics(55.0, 55.0, 32.0, 24.0, 64, 48)
    pairs = set()
    for pose in orbit_poses(12):
        pairs |= _occluded_pairs(scene, Camera(intrinsics, pose))
    assert len(pairs) >= 4
    assert len({hidden for hidden, _ in pairs}) >= 3


def test_shading_is_view_independent():
    scene = default_scene()
    point = np.array([0.0, 0.0, 0.5])  # top face centre of the large box
    colours = [_cast(scene, point + offset, -np.asarray(offset))[2] for offset in ([0.1, 0.2, 2.0], [-0.5, 0.3, 1.5])]
    np.testing.assert_allclose(colours[0], colours[1], atol=1e-6)


def test_random_scene_is_seeded_and_objects_do_not_overlap():
    first = random_scene(np.random.default_rng(3), 6)
    assert first == random_scene(np.random.default_rng(3), 6)
    assert [obj.instance_id for obj in first.objects] == [1, 2, 3, 4, 5, 6]
    for a in first.objects:
        for b in first.objects:
            if a.instance_id < b.instance_id:
                gap = np.linalg.norm(a.center[:2] - b.center[:2])
                assert gap > (np.hypot(*a.size[:2]) + np.hypot(*b.size[:2])) / 2
        assert a.center[2] == pytest.approx(a.size[2] / 2)  # resting on the ground


def test_random_scene_refuses_an_impossible_layout():
    with pytest.raises(ValueError, match="could not place 50"):
        random_scene(np.random.default_rng(0), 50, spread=0.5, max_tries=200)


def test_scene_object_rejects_bad_input():
    with pytest.raises(ValueError, match="instance_id must be >= 1"):
        SceneObject(0, "box", "box", (1, 1, 1), np.eye(4))
    with pytest.raises(ValueError, match="sphere size must have three equal"):
        SceneObject(1, "ball", "sphere", (1, 1, 2), np.eye(4))
    with pytest.raises(ValueError, match="not a rigid transform"):
        SceneObject(1, "box", "box", (1, 1, 1), np.diag([2.0, 1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="instance ids must be unique"):
        SyntheticScene(objects=(SceneObject(1, "a", "box", (1, 1, 1), np.eye(4)),) * 2)
