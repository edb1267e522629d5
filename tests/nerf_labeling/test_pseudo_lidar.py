"""Pseudo-LiDAR from exact depth: the lidar frame's axes, back-projection and boxes against ground truth."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerf_labeling.cameras import WORLD_UP, Camera, Intrinsics, look_at
from nerf_labeling.labels import BoxObject, render_frame_labels
from nerf_labeling.formats.kitti_geometry import RECTIFIED_TO_LIDAR
from nerf_labeling.labels.pseudo_lidar import (
    boxes_in_lidar,
    camera_to_lidar,
    grey_values,
    points_from_depth,
)
from nerf_labeling.synthetic import SyntheticField, default_scene

TOLERANCE = 0.01


def pitched_camera(eye=(2.6, -1.7, 1.7), target=(0.0, 0.0, 0.2), width=96, height=72, focal=80.0) -> Camera:
    return Camera(Intrinsics(focal, focal, width / 2 + 0.3, height / 2 - 0.2, width, height), look_at(eye, target))


def lidar_from_world(camera: Camera) -> np.ndarray:
    return camera_to_lidar(camera) @ camera.world_to_camera


def inside_lidar_box(points: np.ndarray, box: np.ndarray, slack: float) -> np.ndarray:
    """``(N,)`` bool: ``(N, 3)`` lidar points inside a ``[x, y, z_bottom, l, w, h, yaw]`` box grown by ``slack``."""
    x, y, z_bottom, length, width, height, yaw = (float(v) for v in box)
    offset = points[:, :2] - [x, y]
    along = offset @ [np.cos(yaw), np.sin(yaw)]
    across = offset @ [-np.sin(yaw), np.cos(yaw)]
    return (
        (np.abs(along) <= length / 2 + slack)
        & (np.abs(across) <= width / 2 + slack)
        & (points[:, 2] >= z_bottom - slack)
        & (points[:, 2] <= z_bottom + height + slack)
    )


@settings(max_examples=40, deadline=None)
@given(
    azimuth=st.floats(0.0, 2 * np.pi),
    elevation=st.floats(-80.0, 80.0),
    roll=st.floats(-0.5, 0.5),
)
def test_the_lidar_frame_has_world_up_as_z_and_the_level_optical_axis_as_x(azimuth, elevation, roll):
    direction = np.array([np.cos(np.deg2rad(elevation)) * np.cos(azimuth),
                          np.cos(np.deg2rad(elevation)) * np.sin(azimuth), np.sin(np.deg2rad(elevation))])
    pose = look_at((1.0, 2.0, 1.5), np.array([1.0, 2.0, 1.5]) + direction, up=(np.sin(roll), 0.0, np.cos(roll)))
    camera = Camera(Intrinsics(50, 50, 32, 24, 64, 48), pose)
    transform = lidar_from_world(camera)
    rotation = transform[:3, :3]
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-9)
    assert np.linalg.det(rotation) == pytest.approx(1.0)
    np.testing.assert_allclose(rotation @ WORLD_UP, [0.0, 0.0, 1.0], atol=1e-9)
    optical_axis = -pose[:3, 2]
    level = optical_axis - (optical_axis @ WORLD_UP) * WORLD_UP
    np.testing.assert_allclose(rotation @ (level / np.linalg.norm(level)), [1.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(transform @ [*camera.center, 1.0], [0.0, 0.0, 0.0, 1.0], atol=1e-9)


def test_a_level_camera_maps_opengl_axes_to_lidar_axes_by_the_fixed_permutation():
    camera = Camera(Intrinsics(50, 50, 32, 24, 64, 48), look_at((0.0, 0.0, 1.0), (3.0, 0.0, 1.0)))
    rotation = camera_to_lidar(camera)[:3, :3]
    # OpenGL camera: +X right, +Y up, looks down -Z  ->  lidar: +x forward, +y left, +z up
    np.testing.assert_allclose(rotation, [[0, 0, -1], [-1, 0, 0], [0, 1, 0]], atol=1e-12)
    np.testing.assert_allclose(RECTIFIED_TO_LIDAR @ [0, 0, 1], [1, 0, 0])  # rectified forward -> x


@pytest.fixture(scope="module")
def rendered():
    """The default scene seen by a camera pitched ~30° down: exact rgb, instance ids, depth and labels."""
    scene = default_scene()
    camera = pitched_camera()
    rgb, instance, depth = scene.render(camera)
    class_ids = {"box": 1, "ball": 2, "can": 3}
    placed = [BoxObject(o.instance_id, class_ids[o.class_name], o.class_name, o.object_to_world, size=np.array(o.size))
              for o in scene.objects]
    labels = render_frame_labels(SyntheticField(scene), camera, placed, tolerance=TOLERANCE)
    return scene, camera, rgb, instance, depth, labels


def test_back_projected_points_land_on_the_surfaces_the_rays_hit(rendered):
    scene, camera, _, instance, depth, _ = rendered
    points = points_from_depth(depth, None, camera)
    assert points.dtype == np.float32 and points.shape == ((depth > 0).sum(), 4)
    world = (np.linalg.inv(lidar_from_world(camera)) @ np.c_[points[:, :3], np.ones(len(points))].T).T[:, :3]
    ground = (instance[depth > 0] == 0)
    # every ground pixel's point lies on the plane z = 0, i.e. camera-height below the lidar origin
    np.testing.assert_allclose(world[ground, 2], 0.0, atol=1e-4)
    np.testing.assert_allclose(points[ground, 2], -camera.center[2], atol=1e-4)
    assert (points[:, 0] > 0).all()  # everything seen is in front of the camera
    assert np.all(points[:, 3] == 0.0)


def test_the_points_of_each_object_fall_inside_its_lidar_box_and_few_others_do(rendered):
    scene, camera, _, instance, depth, labels = rendered
    points = points_from_depth(depth, None, camera)
    ids = instance[depth > 0]
    boxes = boxes_in_lidar(labels.objects, camera)
    assert boxes.dtype == np.float32 and boxes.shape == (len(scene.objects), 7)
    for obj, box in zip(labels.objects, boxes):
        own = ids == obj.instance_id
        assert own.sum() > 20
        assert inside_lidar_box(points[own, :3], box, slack=1e-4).all()
        # a shrunken box holds none of the other objects' points
        others = (ids != obj.instance_id) & (ids != 0)
        assert not inside_lidar_box(points[others, :3], box, slack=-0.01).any()


def test_boxes_carry_the_world_pose_size_and_yaw_of_each_upright_object(rendered):
    scene, camera, _, _, _, labels = rendered
    boxes = boxes_in_lidar(labels.objects, camera)
    transform = lidar_from_world(camera)
    forward = np.linalg.inv(transform)[:3, 0]  # lidar +x in the world
    heading_of_lidar = np.arctan2(forward[1], forward[0])
    for obj, box in zip(labels.objects, boxes):
        placed = scene.object(obj.instance_id)
        bottom_world = placed.object_to_world[:3, 3] - [0.0, 0.0, placed.size[2] / 2]
        np.testing.assert_allclose(box[:3], (transform @ [*bottom_world, 1.0])[:3], atol=1e-5)
        np.testing.assert_allclose(box[3:6], placed.size, atol=1e-6)
        world_yaw = np.arctan2(placed.object_to_world[1, 0], placed.object_to_world[0, 0])
        difference = (box[6] + heading_of_lidar - world_yaw + np.pi) % (2 * np.pi) - np.pi
        assert abs(difference) < 1e-5
        assert -np.pi <= box[6] < np.pi


def test_stride_keeps_every_nth_pixel_and_intensity_is_the_grey_value(rendered):
    _, camera, rgb, _, depth, _ = rendered
    full = points_from_depth(depth, rgb, camera)
    thinned = points_from_depth(depth, rgb, camera, stride=3)
    kept = np.zeros(depth.shape, dtype=bool)
    kept[::3, ::3] = True
    np.testing.assert_array_equal(thinned, full[kept[depth > 0]])
    grey = rgb @ [0.299, 0.587, 0.114]
    np.testing.assert_allclose(full[:, 3], grey[depth > 0], atol=1e-6)
    as_bytes = (rgb * 255).round().astype(np.uint8)
    np.testing.assert_allclose(points_from_depth(depth, as_bytes, camera)[:, 3], full[:, 3], atol=3e-3)
    assert grey_values(as_bytes[..., 0], depth.shape).max() <= 1.0


def test_pixels_without_depth_give_no_point_and_shapes_are_checked():
    camera = pitched_camera(width=8, height=6, focal=8.0)
    depth = np.zeros((6, 8), dtype=np.float32)
    depth[2, 3] = 2.0
    depth[4, 4] = np.nan
    points = points_from_depth(depth, None, camera)
    assert points.shape == (1, 4)
    assert np.linalg.norm(points[0, :3]) > 2.0  # z-depth 2 m off-axis is farther than 2 m
    with pytest.raises(ValueError, match="camera"):
        points_from_depth(np.zeros((5, 8)), None, camera)
    with pytest.raises(ValueError, match="stride"):
        points_from_depth(depth, None, camera, stride=0)
    assert boxes_in_lidar([], camera).shape == (0, 7)
