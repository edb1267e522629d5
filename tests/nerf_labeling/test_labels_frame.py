"""Frame labels from an exact field: both pipelines against the scene's own ground truth."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import ndimage

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.fields import RenderedView, render_view
from nerf_labeling.labels import BoxObject, FrameLabels, MeshObject, labels_from_view, relabel_objects, render_frame_labels
from nerf_labeling.labels.box_meshes import with_extracted_mesh
from nerf_labeling.labels.frame_labels import base_confidence, LabelConfig
from nerf_labeling.labels.object_raster import without_specks
from nerf_labeling.meshes import TriangleMesh
from nerf_labeling.synthetic.field import SyntheticField
from nerf_labeling.synthetic.meshes import object_mesh
from nerf_labeling.synthetic.presets import upright_pose
from nerf_labeling.synthetic.scene import SceneObject, SyntheticScene

TOLERANCE = 0.01


def camera(eye=(3.0, -2.0, 1.5), target=(0.0, 0.0, 0.3), width=64, height=48, focal=60.0) -> Camera:
    return Camera(Intrinsics(focal, focal, width / 2, height / 2, width, height), look_at(eye, target))


CLASS_IDS = {"ball": 1, "crate": 2}


def as_box(obj: SceneObject) -> BoxObject:
    return BoxObject(obj.instance_id, CLASS_IDS[obj.class_name], obj.class_name, obj.object_to_world, size=np.array(obj.size))


def as_mesh(obj: SceneObject) -> MeshObject:
    return MeshObject(obj.instance_id, CLASS_IDS[obj.class_name], obj.class_name, obj.object_to_world,
                      mesh=TriangleMesh.from_trimesh(object_mesh(obj, sections=96)))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def mask_box(mask: np.ndarray) -> tuple[float, float, float, float]:
    rows, cols = np.nonzero(mask)
    return (float(cols.min()), float(rows.min()), float(cols.max() + 1), float(rows.max() + 1))


BALL = SceneObject(1, "ball", "sphere", (0.6, 0.6, 0.6), upright_pose(0.0, 0.0, 0.3))
CRATE = SceneObject(2, "crate", "box", (0.4, 0.4, 0.4), upright_pose(-1.2, 0.9, 0.2, 30.0))


def test_a_ball_in_its_box_gets_a_round_mask_without_the_floor_under_it():
    scene = SyntheticScene((BALL,))  # resting on the ground, which fills the box's footprint around it
    cam = camera()
    _, truth, _ = scene.render(cam)
    labels = render_frame_labels(SyntheticField(scene), cam, [as_box(BALL)], tolerance=TOLERANCE)
    ball = truth == 1
    assert iou(labels.binary_mask(1), ball) == 1.0
    silhouette = labels.object_depth > 0  # no extracted mesh yet: the box stands in for the shape
    assert iou(silhouette, ball) < 0.8  # the box outline is clearly not the ball
    assert labels.objects[0].visible_fraction == pytest.approx(ball.sum() / silhouette.sum())


def test_a_floater_inside_the_box_but_apart_from_the_object_is_not_labelled():
    # A small blob of stray density in a top corner of the ball's box (the kind a trained field leaves)
    # has its surface inside the box, but it is a speck apart from the ball in the image.
    floater = SceneObject(9, "ball", "sphere", (0.08, 0.08, 0.08), upright_pose(0.25, 0.25, 0.55))
    scene = SyntheticScene((BALL, floater))
    cam = camera(width=256, height=192, focal=240.0)
    _, truth, _ = scene.render(cam)
    assert (truth == 9).sum() > 10  # the floater is seen, apart from the ball
    labels = render_frame_labels(SyntheticField(scene), cam, [as_box(BALL)], tolerance=TOLERANCE)
    assert iou(labels.binary_mask(1), truth == 1) == 1.0
    assert labels.objects[0].modal_box == mask_box(truth == 1)


def test_specks_are_dropped_and_large_pieces_kept():
    mask = np.zeros((40, 40), dtype=bool)
    mask[0:20, 0:20] = True  # the largest piece: 400 pixels
    mask[30:37, 30:37] = True  # 49 pixels, at least 10% of it: kept (an object split by an occluder)
    mask[0:3, 30:33] = True  # 9 pixels: a speck
    mask[25, 10], mask[26, 11] = True, True  # diagonal neighbours make one 2-pixel piece
    kept = without_specks(mask, 0.1)
    expected = mask.copy()
    expected[0:3, 30:33] = False
    expected[25, 10], expected[26, 11] = False, False
    np.testing.assert_array_equal(kept, expected)
    lone = np.zeros((5, 5), dtype=bool)
    lone[2, 2] = True
    np.testing.assert_array_equal(without_specks(lone, 0.1), lone)  # a lone piece is the largest


def test_a_small_piece_cut_off_by_an_occluder_or_the_image_border_is_kept():
    mask = np.zeros((40, 40), dtype=bool)
    mask[0:20, 0:20] = True
    mask[30:33, 30:33] = True  # small, beside an occluder
    mask[37:40, 0:3] = True  # small, not touching anything
    cut = np.zeros_like(mask)
    cut[30:33, 33:36] = True  # the occluder's pixels, right of the small piece
    expected = mask.copy()
    expected[37:40, 0:3] = False
    np.testing.assert_array_equal(without_specks(mask, 0.1, cut=cut), expected)


def test_a_sliver_of_an_object_seen_past_an_occluder_is_kept():
    # A post stands in front of a crate, leaving a sliver of the crate visible on the far side of it.
    crate = SceneObject(2, "crate", "box", (0.8, 0.4, 0.4), upright_pose(0.0, 0.0, 0.2))
    post = SceneObject(3, "crate", "box", (0.1, 0.1, 0.9), upright_pose(0.4, -0.5, 0.45))
    scene = SyntheticScene((crate, post))
    cam = camera(eye=(3.0, -2.0, 1.0), target=(0.0, 0.0, 0.2), width=256, height=192, focal=300.0)
    _, truth, _ = scene.render(cam)
    pieces, count = ndimage.label(truth == 2, structure=np.ones((3, 3), dtype=bool))
    sizes = np.bincount(pieces.ravel())[1:]
    assert count == 2 and sizes.min() < 0.1 * sizes.max()  # the crate is split, one side a sliver
    labels = render_frame_labels(SyntheticField(scene), cam, [as_box(crate)], tolerance=TOLERANCE)
    assert iou(labels.binary_mask(2), truth == 2) == 1.0


def test_the_extracted_mesh_gives_the_ball_its_true_silhouette():
    scene = SyntheticScene((BALL,))
    field = SyntheticField(scene)
    obj = with_extracted_mesh(field, as_box(BALL), level=5000.0, resolution=40)
    cam = camera()
    labels = render_frame_labels(field, cam, [obj], tolerance=TOLERANCE)
    _, truth, _ = scene.render(cam)
    assert iou(labels.object_depth > 0, truth == 1) > 0.97
    assert labels.objects[0].visible_fraction > 0.97


@pytest.mark.parametrize("pipeline", [as_box, as_mesh])
def test_an_object_behind_another_is_absent_where_hidden(pipeline):
    front = SceneObject(1, "crate", "box", (0.5, 0.5, 0.5), upright_pose(1.0, -0.6, 0.25, 10.0))
    back = SceneObject(2, "crate", "box", (0.6, 0.6, 0.8), upright_pose(0.0, 0.0, 0.4, -20.0))
    scene = SyntheticScene((front, back))
    cam = camera(eye=(3.0, -1.8, 0.9), target=(0.0, 0.0, 0.4))
    _, truth, truth_depth = scene.render(cam)
    alone = SyntheticScene((back,), ground_half_extent=0.0).render(cam)[1] == 2
    labels = render_frame_labels(SyntheticField(scene), cam, [pipeline(front), pipeline(back)], tolerance=TOLERANCE)
    hidden = alone & (truth == 1)
    assert hidden.sum() > 50  # the scene really has the back crate partly behind the front one
    assert not labels.binary_mask(2)[hidden].any()
    np.testing.assert_array_equal(labels.instance_mask, truth)
    label = labels.objects[1]
    assert label.visible_pixels == (truth == 2).sum()
    assert label.visible_fraction == pytest.approx((truth == 2).sum() / alone.sum())
    assert label.modal_box == mask_box(truth == 2)
    # With nothing else in the scene, the nearest object's depth is what the field sees on objects.
    on_objects = truth > 0
    np.testing.assert_allclose(labels.object_depth[on_objects], truth_depth[on_objects], atol=1e-5)
    np.testing.assert_allclose(labels.depth, truth_depth, atol=1e-5)


@pytest.mark.parametrize("pipeline", [as_box, as_mesh])
def test_boxes_and_poses_are_exact(pipeline):
    scene = SyntheticScene((BALL, CRATE))
    cam = camera()
    labels = render_frame_labels(SyntheticField(scene), cam, [pipeline(BALL), pipeline(CRATE)], tolerance=TOLERANCE)
    for label, obj in zip(labels.objects, (BALL, CRATE)):
        expected = cam.world_to_camera @ obj.object_to_world
        np.testing.assert_allclose(label.object_to_camera, expected, atol=1e-12)
        np.testing.assert_allclose(label.box_center_camera, expected[:3, 3], atol=1e-12)
        assert label.box_size == pytest.approx(obj.size, abs=1e-3 if pipeline is as_mesh else 0.0)


def test_mesh_visibility_follows_the_tolerance():
    scene = SyntheticScene((CRATE,))
    cam = camera()
    field = SyntheticField(scene)
    # The mesh pushed back from the field's surface along the view: visible within the tolerance only.
    direction = CRATE.center - cam.center
    direction /= np.linalg.norm(direction)

    def pushed(distance: float) -> MeshObject:
        pose = CRATE.object_to_world.copy()
        pose[:3, 3] += distance * direction
        return replace(as_mesh(CRATE), object_to_world=pose)

    view = render_view(field, cam)
    within = labels_from_view(view, cam, [pushed(0.5 * 0.05)], tolerance=0.05)
    beyond = labels_from_view(view, cam, [pushed(2.0 * 0.05)], tolerance=0.05)
    assert within.objects[0].visible_fraction > 0.9
    assert beyond.objects[0].visible_fraction < 0.3


def test_a_truncated_object_has_amodal_box_clipped_and_modal_box_of_its_visible_pixels():
    # Camera at the origin looking down -Z; a 2 m cube 5 m away whose front face straddles the right edge.
    cam = Camera(Intrinsics(40.0, 40.0, 32.0, 24.0, 64, 48), np.eye(4))
    cube = SceneObject(1, "crate", "box", (2.0, 2.0, 2.0), upright_pose(3.2, 0.01, -5.0))
    blocker = SceneObject(2, "crate", "box", (2.0, 1.0, 0.5), upright_pose(2.4, 0.5, -3.0))
    scene = SyntheticScene((cube, blocker), ground_half_extent=0.0)
    labels = render_frame_labels(SyntheticField(scene), cam, [as_box(cube), as_box(blocker)], tolerance=TOLERANCE)
    label = labels.objects[0]
    # Front face (depth 4): u = 32 + 10 (3.2 -+ 1) = 54..74, v = 24 - 10 (0.01 +- 1) = 13.9..33.9. Back
    # face (depth 6): u = 32 + 20/3 (3.2 -+ 1) = 46.67..60. Outline: the front square (400 px²) plus a
    # trapezoid to its left, 7.33 wide with sides 13.33 and 20 (122.22 px²); x > 64 is cut off (200 px²).
    # (The 1 cm offset keeps pixel centres off the outline's edges.)
    assert label.amodal_box == pytest.approx((46.0 + 2.0 / 3.0, 13.9, 64.0, 33.9))
    assert label.truncation == pytest.approx(200.0 / (400.0 + 22.0 / 3.0 * (40.0 / 3.0 + 20.0) / 2.0))
    _, truth, _ = scene.render(cam)
    assert label.modal_box == mask_box(truth == 1)
    assert label.modal_box[1] > label.amodal_box[1]  # the blocker hides the cube's top rows
    alone = SyntheticScene((cube,), ground_half_extent=0.0).render(cam)[1] == 1
    assert label.visible_fraction == pytest.approx((truth == 1).sum() / alone.sum())


def test_visible_fraction_and_truncation_on_constructed_cases():
    cam = Camera(Intrinsics(40.0, 40.0, 32.0, 24.0, 64, 48), np.eye(4))
    inside = SceneObject(1, "crate", "box", (2.0, 2.0, 2.0), upright_pose(0.0, 0.0, -5.0))
    behind = SceneObject(2, "crate", "box", (1.0, 1.0, 1.0), upright_pose(0.0, 0.0, 5.0))
    scene = SyntheticScene((inside, behind), ground_half_extent=0.0)
    labels = render_frame_labels(SyntheticField(scene), cam, [as_box(inside), as_box(behind)], tolerance=TOLERANCE)
    assert [label.instance_id for label in labels.objects] == [1]  # the one behind the camera is left out
    label = labels.objects[0]
    assert (label.visible_fraction, label.truncation) == (1.0, 0.0)
    assert label.visible_pixels == 20 * 20
    assert label.modal_box == label.amodal_box == (22.0, 14.0, 42.0, 34.0)


def test_overlapping_boxes_give_a_shared_surface_to_the_smaller_box():
    scene = SyntheticScene((BALL,))
    cam = camera()
    big = BoxObject(7, 2, "ball-region", BALL.object_to_world, size=np.array([1.0, 1.0, 1.0]))
    labels = render_frame_labels(SyntheticField(scene), cam, [big, as_box(BALL)], tolerance=TOLERANCE)
    _, truth, _ = scene.render(cam)
    assert iou(labels.binary_mask(1), truth == 1) == 1.0
    # The big box keeps only the floor it contains beyond the ball's box (resolved the same way every time).
    assert not (labels.binary_mask(7) & (truth == 1)).any()
    np.testing.assert_array_equal(labels.category_mask[truth == 1], 1)


def test_relabelling_changed_objects_equals_a_full_render():
    ball, crate = as_box(BALL), as_mesh(CRATE)
    third = as_box(SceneObject(3, "crate", "box", (0.3, 0.3, 0.3), upright_pose(0.8, 1.2, 0.15)))
    scene = SyntheticScene((BALL, CRATE, replace(CRATE, instance_id=3, object_to_world=third.object_to_world)))
    cam = camera()
    view = render_view(SyntheticField(scene), cam)
    before = labels_from_view(view, cam, [ball, crate, third], tolerance=TOLERANCE)
    moved = replace(crate, object_to_world=upright_pose(-0.3, 0.2, 0.2, 45.0), version=2)
    for objects, changed in (([ball, moved, third], {2}), ([ball, third], {2}), ([ball], {2, 3})):
        updated = relabel_objects(before, view, cam, objects, changed, tolerance=TOLERANCE)
        full = labels_from_view(view, cam, objects, tolerance=TOLERANCE)
        for name in ("instance_mask", "category_mask", "depth", "object_depth", "confidence"):
            np.testing.assert_array_equal(getattr(updated, name), getattr(full, name), err_msg=name)
        assert updated.objects == full.objects


def test_labels_survive_serialisation():
    scene = SyntheticScene((BALL, CRATE))
    cam = camera()
    labels = render_frame_labels(SyntheticField(scene), cam, [as_box(BALL), as_mesh(CRATE)], tolerance=TOLERANCE)
    again = FrameLabels.from_bytes(labels.to_bytes())
    np.testing.assert_array_equal(again.instance_mask, labels.instance_mask)
    assert again.objects == labels.objects


def test_confidence_is_one_on_an_exact_field_and_follows_the_formula_elsewhere():
    scene = SyntheticScene((BALL,))
    cam = camera()
    labels = render_frame_labels(SyntheticField(scene), cam, [as_box(BALL)], tolerance=TOLERANCE)
    assert np.all(labels.confidence == 1.0)
    view = RenderedView(
        rgb=np.zeros((1, 3, 3), np.float32),
        depth=np.ones((1, 3), np.float32),
        opacity=np.array([[0.0, 0.75, 0.25]], np.float32),
        depth_std=np.full((1, 3), 0.02, np.float32),
    )
    expected = [1.0, 0.5 * np.exp(-0.5), 0.5]  # |2a - 1|, times the spread term where there is a surface
    np.testing.assert_allclose(base_confidence(view, LabelConfig(0.02))[0], expected, rtol=1e-6)
