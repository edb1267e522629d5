"""A field's quality verdict: the exact field is good, a barely trained one poor, and each measure sees its fault."""
from __future__ import annotations

import numpy as np
import pytest

from nerf_labeling.fields.base import RayRender
from nerf_labeling.fields.quality import (
    GOOD_CRISP_FRACTION,
    GOOD_DEPTH_DISAGREEMENT,
    GOOD_PSNR,
    USABLE_CRISP_FRACTION,
    USABLE_DEPTH_DISAGREEMENT,
    USABLE_PSNR,
    assess_field,
    judge,
)
from nerf_labeling.synthetic import SyntheticField


def _every_frame_held_out(capture) -> dict[int, np.ndarray]:
    return {i: capture.image(i) for i in range(len(capture.cameras))}


class ViewDependentDepthField(SyntheticField):
    """The exact scene, but every surface drawn 20 % nearer or farther depending on the camera's side:
    each view alone looks right, the views together do not agree."""

    def render_rays(self, origins, directions):
        exact = super().render_rays(origins, directions)
        factor = np.where(origins[:, 0] > 0, 1.2, 0.8).astype(np.float32)
        return RayRender(exact.rgb, exact.distance * factor, exact.opacity, exact.distance_std)


class FoggyField(SyntheticField):
    """The exact scene's colours and depths, but no surface is more than 80 % opaque."""

    def render_rays(self, origins, directions):
        exact = super().render_rays(origins, directions)
        return RayRender(exact.rgb, exact.distance, exact.opacity * 0.8, exact.distance_std)


def test_the_exact_field_is_judged_good_with_every_measure_at_its_best(tiny_synthetic_capture):
    capture = tiny_synthetic_capture
    quality = assess_field(SyntheticField(capture.scene), capture.cameras, _every_frame_held_out(capture))
    assert (quality.verdict, quality.reasons) == ("good", ())
    assert quality.held_out_psnr > 40.0  # only the 8-bit rounding of the images differs
    assert quality.depth_disagreement == pytest.approx(0.0, abs=1e-5)
    assert quality.crisp_fraction == 1.0
    assert [frame.index for frame in quality.frames] == list(range(8))
    assert all(frame.neighbour is not None and frame.neighbour != frame.index for frame in quality.frames)


def test_a_barely_trained_field_is_judged_poor_and_told_why(tiny_synthetic_capture):
    import torch

    from nerf_labeling.training import preset, train_field

    capture = tiny_synthetic_capture
    pairs = [(capture.image(i), camera) for i, camera in enumerate(capture.cameras)]
    torch.set_num_threads(1)
    field, _ = train_field(pairs[:7], preset("grid-fast"), seed=0)  # 60 iterations
    quality = assess_field(field, capture.cameras, {7: pairs[7][0]})
    assert quality.verdict == "poor"
    assert quality.held_out_psnr < USABLE_PSNR and quality.crisp_fraction < USABLE_CRISP_FRACTION
    assert any("crisp surface" in reason and "usable field needs" in reason for reason in quality.reasons)
    stored = quality.as_dict()
    assert stored["verdict"] == "poor" and stored["thresholds"]["held_out_psnr"] == {"good": GOOD_PSNR, "usable": USABLE_PSNR}


def test_surfaces_that_move_with_the_viewpoint_are_caught_by_depth_disagreement(tiny_synthetic_capture):
    capture = tiny_synthetic_capture
    quality = assess_field(ViewDependentDepthField(capture.scene), capture.cameras, _every_frame_held_out(capture))
    assert quality.depth_disagreement > USABLE_DEPTH_DISAGREEMENT
    assert quality.crisp_fraction == 1.0 and quality.verdict == "poor"


def test_a_foggy_field_has_no_crisp_pixels(tiny_synthetic_capture):
    capture = tiny_synthetic_capture
    quality = assess_field(FoggyField(capture.scene), capture.cameras, {})
    assert quality.crisp_fraction == 0.0 and quality.depth_disagreement == pytest.approx(0.0, abs=1e-5)
    assert quality.verdict == "poor"


def test_the_figures_are_the_same_for_the_same_field_and_seed(tiny_synthetic_capture):
    capture = tiny_synthetic_capture
    field = ViewDependentDepthField(capture.scene)
    held_out = _every_frame_held_out(capture)
    assert assess_field(field, capture.cameras, held_out) == assess_field(field, capture.cameras, held_out)


@pytest.mark.parametrize("measures, verdict", [
    ((GOOD_PSNR, GOOD_DEPTH_DISAGREEMENT, GOOD_CRISP_FRACTION), "good"),
    ((GOOD_PSNR - 0.1, GOOD_DEPTH_DISAGREEMENT, GOOD_CRISP_FRACTION), "usable"),
    ((USABLE_PSNR, USABLE_DEPTH_DISAGREEMENT, USABLE_CRISP_FRACTION), "usable"),
    ((GOOD_PSNR, USABLE_DEPTH_DISAGREEMENT + 0.001, GOOD_CRISP_FRACTION), "poor"),
    ((GOOD_PSNR, GOOD_DEPTH_DISAGREEMENT, USABLE_CRISP_FRACTION - 0.01), "poor"),
    ((None, GOOD_DEPTH_DISAGREEMENT, GOOD_CRISP_FRACTION), "usable"),  # unmeasured: never good
])
def test_the_verdict_follows_the_documented_thresholds(measures, verdict):
    psnr, disagreement, crisp = measures
    judged, reasons = judge(held_out_psnr=psnr, depth_disagreement=disagreement, crisp_fraction=crisp)
    assert judged == verdict
    assert bool(reasons) == (verdict != "good")
    if psnr is None:
        assert reasons == ["the held-out PSNR could not be measured"]
