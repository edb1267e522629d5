"""Training and scoring report their progress step by step, so a job running them keeps its heartbeat,
and the reports change nothing in the results."""
import numpy as np

from active.acquisition import gather_inputs
from active.models.segmentation_model import SegmentationModel, SegmentationModelConfig


def _data():
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(4, 8, 12, 3), dtype=np.uint8)
    masks = rng.integers(0, 3, size=(4, 8, 12))
    return images, masks


def test_fit_reports_every_step_and_trains_the_same_weights():
    images, masks = _data()
    model = SegmentationModel.untrained(SegmentationModelConfig(n_classes=3, width=4))
    steps = []
    reported = model.fit(images, masks, steps=5, on_step=lambda done, total: steps.append((done, total)))
    silent = model.fit(images, masks, steps=5)
    assert steps == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    np.testing.assert_array_equal(reported.predict_proba(images), silent.predict_proba(images))


def test_scoring_reports_after_every_model_pass_up_to_done():
    images, _ = _data()
    model = SegmentationModel.untrained(SegmentationModelConfig(n_classes=3, width=4))
    needs = frozenset({"probs", "mc_probs", "features"})
    fractions = []
    reported = gather_inputs(model, images, needs, mc_passes=3, on_progress=fractions.append)
    silent = gather_inputs(model, images, needs, mc_passes=3)
    assert fractions == [1 / 5, 2 / 5, 3 / 5, 4 / 5, 1.0]  # probs, three MC passes, features
    np.testing.assert_array_equal(reported.mc_probs, silent.mc_probs)
