"""Incremental label rendering: skip unchanged frames, relabel changed objects, render a new field in full."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.fields import render_view
from nerf_labeling.labels import BoxObject, labels_from_view
from nerf_labeling.labels.incremental import FramePlan, RenderAction, labels_for_plan, plan_frame_render
from nerf_labeling.synthetic.field import SyntheticField
from nerf_labeling.synthetic.presets import upright_pose
from nerf_labeling.synthetic.scene import SceneObject, SyntheticScene

TOLERANCE = 0.01


def plan(previous_field, previous_versions, field, versions) -> FramePlan:
    return plan_frame_render(previous_field=previous_field, previous_versions=previous_versions, field=field,
                             versions=versions)


def test_a_frame_without_labels_is_rendered_in_full():
    assert plan(None, {}, 7, {1: 1}) == FramePlan(RenderAction.FULL)


def test_labels_from_another_field_are_rendered_in_full_even_with_the_same_objects():
    assert plan(6, {1: 1, 2: 3}, 7, {1: 1, 2: 3}) == FramePlan(RenderAction.FULL)


def test_labels_from_the_same_field_and_object_versions_are_skipped():
    assert plan(7, {1: 1, 2: 3}, 7, {1: 1, 2: 3}) == FramePlan(RenderAction.SKIP)


def test_only_the_objects_edited_added_or_removed_are_relabelled():
    assert plan(7, {1: 1, 2: 3}, 7, {1: 1, 2: 4}) == FramePlan(RenderAction.RELABEL, frozenset({2}))
    assert plan(7, {1: 1}, 7, {1: 1, 5: 1}) == FramePlan(RenderAction.RELABEL, frozenset({5}))
    assert plan(7, {1: 1, 2: 3}, 7, {2: 3}) == FramePlan(RenderAction.RELABEL, frozenset({1}))
    assert plan(7, {1: 1, 2: 3}, 7, {}) == FramePlan(RenderAction.RELABEL, frozenset({1, 2}))


versions_strategy = st.dictionaries(st.integers(1, 8), st.integers(1, 4), max_size=6)


@given(versions_strategy, versions_strategy)
def test_with_the_same_field_the_changed_objects_are_exactly_those_whose_version_differs(before, after):
    result = plan(3, before, 3, after)
    differing = {i for i in set(before) | set(after) if before.get(i) != after.get(i)}
    assert result.changed == differing
    assert result.action is (RenderAction.SKIP if before == after else RenderAction.RELABEL)


BALL = SceneObject(1, "ball", "sphere", (0.6, 0.6, 0.6), upright_pose(0.0, 0.0, 0.3))
CRATE = SceneObject(2, "crate", "box", (0.4, 0.4, 0.4), upright_pose(-1.2, 0.9, 0.2, 30.0))


def as_box(obj: SceneObject, class_id: int) -> BoxObject:
    return BoxObject(obj.instance_id, class_id, obj.class_name, obj.object_to_world, size=np.array(obj.size))


@pytest.fixture(scope="module")
def frame():
    """A camera and the exact field's render of a ball and a crate seen from it."""
    cam = Camera(Intrinsics(60.0, 60.0, 32.0, 24.0, 64, 48), look_at((3.0, -2.0, 1.5), (0.0, 0.0, 0.3)))
    return cam, render_view(SyntheticField(SyntheticScene((BALL, CRATE))), cam)


def test_a_relabel_updates_the_previous_labels_to_what_a_full_render_gives(frame):
    cam, view = frame
    ball, crate = as_box(BALL, 1), as_box(CRATE, 2)
    before = labels_from_view(view, cam, [ball, crate], tolerance=TOLERANCE)
    moved = replace(crate, object_to_world=upright_pose(-0.3, 0.2, 0.2, 45.0), version=2)
    step = plan(1, {1: 1, 2: 1}, 1, {1: 1, 2: 2})
    updated = labels_for_plan(step, view, cam, [ball, moved], lambda: before, tolerance=TOLERANCE)
    full = labels_from_view(view, cam, [ball, moved], tolerance=TOLERANCE)
    np.testing.assert_array_equal(updated.instance_mask, full.instance_mask)
    assert updated.objects == full.objects and updated.objects != before.objects


def test_a_full_render_does_not_read_the_previous_labels_and_a_skip_renders_nothing(frame):
    cam, view = frame
    objects = [as_box(BALL, 1)]

    def previous():
        raise AssertionError("a full render must not read the stored labels")

    full = labels_for_plan(FramePlan(RenderAction.FULL), view, cam, objects, previous, tolerance=TOLERANCE)
    assert [label.instance_id for label in full.objects] == [1]
    with pytest.raises(ValueError, match="nothing to render"):
        labels_for_plan(FramePlan(RenderAction.SKIP), view, cam, objects, previous, tolerance=TOLERANCE)
