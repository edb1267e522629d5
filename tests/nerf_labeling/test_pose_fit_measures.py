"""Pose refinement is honest: it reports residual, overlap, seen fraction and how firmly the seen surface pins the
position, and refuses a fit past a threshold."""
from __future__ import annotations

import numpy as np
import pytest

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.labels import MeshObject
from nerf_labeling.labels.pose_refinement import (
    MAX_FIT_RMSE,
    MIN_FIT_CONSTRAINT,
    MIN_FIT_OVERLAP,
    MIN_SEEN_FRACTION,
    PoseFit,
    PoseFitRejected,
    refine_mesh_pose,
)
from nerf_labeling.meshes import box_mesh
from nerf_labeling.synthetic.field import SyntheticField
from nerf_labeling.synthetic.presets import upright_pose
from nerf_labeling.synthetic.scene import SceneObject, SyntheticScene
from tests.nerf_labeling.test_meshes_align import L_POSE, l_shape_mesh, l_shape_scene, orbit, perturbed, pose_error


def test_a_good_fit_reports_its_residual_overlap_and_seen_fraction():
    start = perturbed(L_POSE, 10.0, 0.10, np.random.default_rng(0))
    obj = MeshObject(1, 1, "bracket", start, mesh=l_shape_mesh(), version=4)
    refined, fit = refine_mesh_pose(SyntheticField(l_shape_scene()), obj, orbit(), image_scale=1.0)
    assert pose_error(refined.object_to_world, L_POSE)[0] < 0.005
    assert fit.rmse < 0.002 and fit.overlap > 0.9
    # The L stands on the ground: its underside is hidden, the rest is in view of the orbit.
    assert 0.6 < fit.seen_fraction < 0.9
    assert fit.failures() == []
    assert fit.constraint > MIN_FIT_CONSTRAINT
    assert abs(fit.surface_offset) < 0.001  # the exact field's surface is the mesh's
    assert set(fit.as_dict()) == {"rmse", "inlier_fraction", "overlap", "seen_fraction", "used_global_search",
                                  "points_used", "constraint", "surface_offset"}


def test_a_mesh_placed_where_the_field_shows_no_such_object_is_refused():
    # An empty spot of the ground: ICP settles the mesh's underside on the ground (tight residual,
    # high inlier fraction: the old code accepted it), but the field confirms almost none of its seen sides.
    obj = MeshObject(1, 1, "bracket", upright_pose(0.8, -0.7, 0.15, 25.0), mesh=l_shape_mesh(), version=4)
    with pytest.raises(PoseFitRejected, match=r"overlap\), below the 80% required") as rejected:
        refine_mesh_pose(SyntheticField(l_shape_scene()), obj, orbit(), image_scale=1.0)
    assert rejected.value.fit.overlap < 0.1 and rejected.value.fit.seen_fraction > MIN_SEEN_FRACTION


def test_a_field_of_an_empty_scene_refuses_the_fit():
    obj = MeshObject(1, 1, "bracket", L_POSE, mesh=l_shape_mesh(), version=4)
    with pytest.raises(PoseFitRejected, match="overlap"):
        refine_mesh_pose(SyntheticField(SyntheticScene(())), obj, orbit(), image_scale=1.0)


def test_no_surface_near_the_object_is_refused_in_plain_words():
    obj = MeshObject(1, 1, "bracket", upright_pose(0.0, 0.0, 2.0), mesh=l_shape_mesh(), version=4)
    with pytest.raises(PoseFitRejected, match="almost no surface near the object") as rejected:
        refine_mesh_pose(SyntheticField(l_shape_scene()), obj, orbit(), image_scale=1.0)
    assert rejected.value.fit is None


def test_a_fit_that_could_slide_along_the_one_face_seen_is_refused():
    # Three cameras in front of a thin upright box see only its front face: the fit is tight (RMSE,
    # overlap and seen fraction all pass) but nothing pins the position along that face.
    size, truth = (0.1, 0.6, 0.4), upright_pose(0.0, 0.0, 0.2)
    field = SyntheticField(SyntheticScene((SceneObject(1, "box", "box", size, truth),)))
    cameras = [Camera(Intrinsics(70.0, 70.0, 40.0, 30.0, 80, 60), look_at([1.5, y, 0.15], [0.0, y / 2, 0.15]))
               for y in (-0.3, 0.0, 0.3)]
    obj = MeshObject(1, 1, "box", upright_pose(0.02, 0.03, 0.2), mesh=box_mesh(size), version=1)
    with pytest.raises(PoseFitRejected, match="pins the position only weakly") as rejected:
        refine_mesh_pose(field, obj, cameras, image_scale=1.0)
    fit = rejected.value.fit
    assert len(fit.failures()) == 1 and fit.constraint < 0.01
    assert fit.rmse < 0.002 and fit.overlap > MIN_FIT_OVERLAP and fit.seen_fraction > MIN_SEEN_FRACTION


def test_each_measure_past_its_threshold_is_named_with_its_value():
    fit = PoseFit(np.eye(4), rmse=0.008, inlier_fraction=0.5, overlap=0.3, seen_fraction=0.1,
                  used_global_search=False, points_used=100, constraint=0.01)
    messages = " ".join(fit.failures())
    assert "RMSE) is 8.0 mm, above the 5 mm allowed" in messages
    assert "only 30% of the mesh the cameras saw" in messages and "below the 80% required" in messages
    assert "saw only 10% of the mesh, below the 20% required" in messages
    assert f"pins the position only weakly (constraint 0.010, below the {MIN_FIT_CONSTRAINT:g} required)" in messages
    good = PoseFit(np.eye(4), MAX_FIT_RMSE, 0.9, MIN_FIT_OVERLAP, MIN_SEEN_FRACTION, False, 100, MIN_FIT_CONSTRAINT)
    assert good.failures() == []


def test_on_a_random_scene_boxes_are_recovered_within_5_mm_and_half_a_degree(tmp_path):
    """The accuracy target, on a scene drawn with a seed the refinement was never tuned on. The box at
    (1.13, -0.94), near the edge of the orbit's views, used to slide 12.9 cm along the one face that pins
    it (barely seen); fitting only the surface seen at each step of the ICP keeps it in place."""
    from nerf_labeling.synthetic import write_synthetic_capture
    from nerf_labeling.synthetic.presets import random_scene

    scene = random_scene(np.random.default_rng(20261129), 5)
    capture = write_synthetic_capture(tmp_path / "scene", n_frames=8, width=96, height=72, scene=scene)
    field, rng = SyntheticField(scene), np.random.default_rng(7)
    boxes = [o for o in scene.objects if o.shape == "box"]
    assert boxes
    for truth in boxes:
        start = perturbed(truth.object_to_world, 10.0, 0.10, rng)
        obj = MeshObject(truth.instance_id, 1, "box", start, mesh=box_mesh(truth.size), version=1)
        refined, fit = refine_mesh_pose(field, obj, capture.cameras)
        metres, degrees = pose_error(refined.object_to_world, truth.object_to_world)
        assert metres <= 0.005 and degrees <= 0.5, (truth.instance_id, metres, degrees)
        assert fit.failures() == [] and fit.seen_fraction > MIN_SEEN_FRACTION
