"""Projecting 3D boxes: amodal boxes, truncation, near-plane clipping; and object-order independence."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerf_labeling.cameras import Camera, Intrinsics, look_at, project_points
from nerf_labeling.labels import BoxObject, labels_from_view
from nerf_labeling.labels.projection import clip_polygon_to_rectangle, convex_hull, polygon_area, project_box
from nerf_labeling.fields import render_view
from nerf_labeling.synthetic.field import SyntheticField
from nerf_labeling.synthetic.presets import upright_pose
from nerf_labeling.synthetic.scene import SceneObject, SyntheticScene

CAMERA = Camera(Intrinsics(40.0, 40.0, 32.0, 24.0, 64, 48), np.eye(4))


def corners(center, size) -> np.ndarray:
    signs = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    return np.asarray(center, float) + signs * np.asarray(size, float) / 2.0


def test_hull_area_and_rectangle_clip():
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2], [1, 1]], float)
    hull = convex_hull(square)
    assert len(hull) == 4 and polygon_area(hull) == 4.0
    clipped = clip_polygon_to_rectangle(hull, 1.0, 3.0)
    assert polygon_area(clipped) == pytest.approx(2.0)
    assert len(clip_polygon_to_rectangle(hull + 10.0, 1.0, 1.0)) == 0


def test_a_box_behind_the_camera_or_beside_the_image_projects_to_nothing():
    assert project_box(CAMERA, corners([0, 0, 5], [1, 1, 1])).amodal_box is None
    beside = project_box(CAMERA, corners([20, 0, -5], [1, 1, 1]))
    assert (beside.amodal_box, beside.truncation, beside.pixel_window) == (None, 1.0, None)


def test_a_box_around_the_camera_covers_the_whole_image():
    projection = project_box(CAMERA, corners([0, 0, -1], [4, 4, 4]))  # reaches behind the camera
    assert projection.amodal_box == (0.0, 0.0, 64.0, 48.0)
    assert projection.pixel_window == (0, 48, 0, 64)
    assert 0.0 < projection.truncation < 1.0


@settings(max_examples=60, deadline=None)
@given(
    center=st.tuples(st.floats(-6, 6), st.floats(-6, 6), st.floats(-12, 3)),
    size=st.tuples(st.floats(0.05, 3), st.floats(0.05, 3), st.floats(0.05, 3)),
)
def test_amodal_boxes_stay_in_the_image_and_truncation_is_a_share(center, size):
    box = corners(center, size)
    projection = project_box(CAMERA, box)
    assert 0.0 <= projection.truncation <= 1.0
    if projection.amodal_box is None:
        return
    x0, y0, x1, y1 = projection.amodal_box
    assert 0.0 <= x0 < x1 <= 64.0 and 0.0 <= y0 < y1 <= 48.0
    uv, depth = project_points(CAMERA, box)
    if np.all(depth > 1e-3) and np.all((uv >= 0) & (uv <= [64, 48])):
        # Wholly in view: nothing truncated, and the amodal box is the corners' bounds.
        assert projection.truncation == pytest.approx(0.0, abs=1e-9)
        np.testing.assert_allclose(projection.amodal_box, [*uv.min(axis=0), *uv.max(axis=0)], atol=1e-9)


@settings(max_examples=6, deadline=None)
@given(order=st.permutations([0, 1, 2]))
def test_labels_do_not_depend_on_the_order_of_objects(order):
    ball = SceneObject(1, "ball", "sphere", (0.6, 0.6, 0.6), upright_pose(0.0, 0.0, 0.3))
    scene = SyntheticScene((ball,))
    camera = Camera(Intrinsics(50.0, 50.0, 24.0, 18.0, 48, 36), look_at([2.5, -1.5, 1.2], [0, 0, 0.3]))
    view = render_view(SyntheticField(scene), camera)
    objects = [
        BoxObject(1, 1, "ball", ball.object_to_world, size=np.array([0.6, 0.6, 0.6])),
        BoxObject(2, 1, "ball", ball.object_to_world, size=np.array([0.9, 0.9, 0.9])),  # same surface, bigger
        BoxObject(3, 1, "ball", ball.object_to_world, size=np.array([0.9, 0.9, 0.9])),  # same volume: id decides
    ]
    reference = labels_from_view(view, camera, objects, tolerance=0.01)
    shuffled = labels_from_view(view, camera, [objects[i] for i in order], tolerance=0.01)
    np.testing.assert_array_equal(shuffled.instance_mask, reference.instance_mask)
    assert shuffled.objects == reference.objects
    assert not (reference.instance_mask == 3).any()
