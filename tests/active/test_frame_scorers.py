"""Exact rankings of the single-sample scorers on tiny hand-made probability arrays."""
import numpy as np
import pytest

from active.acquisition import (
    ACQUISITION_FUNCTIONS,
    AcquisitionFunction,
    AcquisitionInputs,
    make_acquisition,
    register_acquisition,
)
from active.acquisition.bald_acquisition import BaldAcquisition
from active.acquisition.entropy_acquisition import EntropyAcquisition
from active.acquisition.equal_acquisition import EqualAcquisition
from active.acquisition.random_acquisition import RandomAcquisition

LN2 = np.log(2.0)
H91 = -(0.9 * np.log(0.9) + 0.1 * np.log(0.1))  # entropy of (0.9, 0.1)


def probs(*frames):
    """(N, C, 1, W) from per-frame lists of per-pixel class distributions."""
    return np.array([[list(pixel) for pixel in frame] for frame in frames], dtype=np.float64).transpose(0, 2, 1)[
        :, :, None, :
    ]


def test_entropy_scores_and_ranking_are_exact():
    p = probs([(0.5, 0.5), (0.5, 0.5)], [(0.9, 0.1), (1.0, 0.0)], [(0.5, 0.5), (1.0, 0.0)])
    inputs = AcquisitionInputs(n_candidates=3, probs=p)
    np.testing.assert_allclose(EntropyAcquisition().score(inputs), [LN2, H91 / 2, LN2 / 2])
    result = EntropyAcquisition().select(inputs, 3)
    assert result.indices.tolist() == [0, 2, 1]
    assert result.reasons[0] == "how unsure the model is (mean pixel entropy) 0.693, rank 1 of 3"
    assert result.method == "entropy"


def test_equal_ties_go_to_the_lowest_index():
    p = probs([(0.9, 0.1)], [(0.5, 0.5)], [(0.9, 0.1)], [(0.5, 0.5)])
    assert EntropyAcquisition().select(AcquisitionInputs(4, probs=p), 4).indices.tolist() == [1, 3, 0, 2]


def test_equal_adds_disagreement_with_the_unflipped_prediction_of_the_flipped_frame():
    # Both frames predict (0.9, 0.1) left and (0.1, 0.9) right: equal entropy.
    p = probs([(0.9, 0.1), (0.1, 0.9)], [(0.9, 0.1), (0.1, 0.9)])
    consistent = p[0][..., ::-1]  # the flipped frame's prediction is the mirror image: no disagreement
    inconsistent = p[1]  # the flipped frame predicts as if unflipped: 1.6 L1 per pixel
    inputs = AcquisitionInputs(2, probs=p, flipped_probs=np.stack([consistent, inconsistent]))
    np.testing.assert_allclose(EqualAcquisition().score(inputs), [H91, H91 + 1.6])
    assert EqualAcquisition().select(inputs, 2).indices.tolist() == [1, 0]
    np.testing.assert_allclose(EqualAcquisition(weight=0.5).score(inputs), [H91, H91 + 0.8])


def test_bald_ranks_by_disagreement_between_passes_not_by_entropy():
    # Frame 0: passes agree on (0.5, 0.5); frame 1: passes certain and opposite; frame 2: (0.9,0.1) vs (0.1,0.9).
    mc = np.stack([probs([(0.5, 0.5)], [(1.0, 0.0)], [(0.9, 0.1)]), probs([(0.5, 0.5)], [(0.0, 1.0)], [(0.1, 0.9)])])
    inputs = AcquisitionInputs(3, mc_probs=mc)
    np.testing.assert_allclose(BaldAcquisition().score(inputs), [0.0, LN2, LN2 - H91], atol=1e-12)
    assert BaldAcquisition().select(inputs, 3).indices.tolist() == [1, 2, 0]


def test_random_is_seeded_and_needs_a_generator():
    inputs = AcquisitionInputs(50)
    first = RandomAcquisition(np.random.default_rng(3)).select(inputs, 10).indices
    again = RandomAcquisition(seed=3).select(inputs, 10).indices
    other = RandomAcquisition(seed=4).select(inputs, 10).indices
    assert first.tolist() == again.tolist() and first.tolist() != other.tolist()
    assert len(set(first.tolist())) == 10
    with pytest.raises(ValueError):
        RandomAcquisition()


def test_registry_holds_the_six_methods_and_refuses_duplicates():
    assert sorted(ACQUISITION_FUNCTIONS) == ["bald", "coreset", "detection_entropy", "entropy", "equal", "random"]
    assert isinstance(make_acquisition("random", seed=0), RandomAcquisition)
    with pytest.raises(ValueError, match="already registered"):
        register_acquisition(AcquisitionFunction("entropy", "Again", "again", "builtins:object"))
    with pytest.raises(KeyError, match="margin"):
        make_acquisition("margin")


@pytest.mark.parametrize("name", sorted(ACQUISITION_FUNCTIONS))
def test_each_entry_says_what_its_class_does(name):
    entry = ACQUISITION_FUNCTIONS[name]
    cls = entry.load()
    assert cls.name == name and entry.label and entry.description
    assert set(cls.needs) <= {"probs", "flipped_probs", "mc_probs", "features", "labelled_features", "detections"}
    # Entropy, EquAL, BALD and box entropy read the model's class predictions, meaningless before it learnt
    # from labels.
    assert entry.needs_trained_model == bool(cls.needs & {"probs", "flipped_probs", "mc_probs", "detections"})
    # A function that reads a 3D detector's boxes ranks a detector's frames only; the others rank segmentation's.
    reads_boxes = "detections" in cls.needs
    assert ("segmentation" in entry.scoring_models) == (not reads_boxes)
    assert not reads_boxes or "detection3d" in entry.scoring_models
    assert entry.scores_every_frame == callable(getattr(cls, "score", None))


def test_make_acquisition_hands_the_rng_only_to_functions_that_draw_at_random():
    rng = np.random.default_rng(5)
    assert make_acquisition("random", rng=rng).rng is rng
    assert isinstance(make_acquisition("entropy", rng=rng), EntropyAcquisition)


def test_missing_inputs_and_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="probs"):
        EntropyAcquisition().score(AcquisitionInputs(2))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        EntropyAcquisition().score(AcquisitionInputs(2, probs=np.ones((2, 3))))
    with pytest.raises(ValueError):
        EntropyAcquisition().select(AcquisitionInputs(1, probs=probs([(1.0, 0.0)])), 2)
