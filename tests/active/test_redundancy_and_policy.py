"""The redundancy estimate on made-up features, and the policy's choice for every cell of Table 7."""
import numpy as np
import pytest

from active.budget_curves import Budget
from active.policy import (
    LEARNS_FROM_UNLABELLED,
    PolicyConfig,
    choose_acquisition,
    is_low_budget,
    semi_supervised_helps,
)
from active.redundancy import RedundancyEstimate, estimate_redundancy


def video_like(rng, n_sequences=10, length=40, dim=32):
    """Runs of consecutive frames: slow random walks from random starts."""
    starts = rng.normal(size=(n_sequences, 1, dim))
    walks = starts + np.cumsum(rng.normal(scale=0.01, size=(n_sequences, length, dim)), axis=1)
    return walks.reshape(-1, dim), np.repeat(np.arange(n_sequences), length)


def test_consecutive_frames_are_redundant_and_independent_frames_are_not():
    rng = np.random.default_rng(0)
    features, sequences = video_like(rng)
    redundant = estimate_redundancy(features, rng, sequence_ids=sequences)
    assert redundant.score == 1.0 and redundant.is_redundant
    assert redundant.sequence_share == 1.0 and redundant.close_share == 1.0
    diverse = estimate_redundancy(rng.normal(size=(400, 32)), rng)
    assert diverse.score == 0.0 and not diverse.is_redundant and diverse.sequence_share is None


def test_temporal_neighbours_count_even_when_not_much_closer():
    rng = np.random.default_rng(2)
    features = rng.normal(size=(200, 32))
    order = np.argsort(features[:, 0])  # sort frames along one axis: neighbours in time are not duplicates
    features = features[order]
    loose = estimate_redundancy(features, rng, ratio=0.01)
    assert loose.score == 0.0
    features[1::2] = features[0::2] + 0.3 * rng.normal(size=(100, 32))  # every odd frame near its predecessor
    paired = estimate_redundancy(features, rng, sequence_ids=np.zeros(200, int), ratio=0.01)
    assert paired.close_share == 0.0 and paired.score == paired.sequence_share == 1.0


def test_exact_duplicates_count_as_redundant():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(100, 64))
    features = np.concatenate([base, base[:60]])  # 60 augmented-duplicate pairs: 120 of 160 frames
    assert estimate_redundancy(features, rng).score == pytest.approx(120 / 160)


def estimate(score):
    return RedundancyEstimate(score, 0.5, 0.3, 1.0, score, None, 1000)


@pytest.mark.parametrize(
    "score, budget, flips, method, semi_supervised",
    [
        (0.82, "2-2", True, "coreset", True),  # redundant, low budget
        (0.82, "10-10", True, "coreset", True),  # redundant, high budget
        (0.10, "2-2", True, "random", True),  # diverse, low budget
        (0.10, "10-10", True, "equal", False),  # diverse, high budget, flips preserve labels
        (0.10, "10-10", False, "entropy", False),  # diverse, high budget, no flips
    ],
)
def test_policy_follows_table_7(score, budget, flips, method, semi_supervised):
    choice = choose_acquisition(estimate(score), Budget.parse(budget), 1000, flips_make_sense=flips)
    assert (choice.method, choice.semi_supervised) == (method, semi_supervised)
    assert choice.redundant == (score >= 0.5)


@pytest.mark.parametrize(
    "pool, budget, cell",
    [
        ("video", "2-2", ("coreset", True, True, True)),
        ("video", "10-10", ("coreset", True, True, False)),
        ("independent", "2-2", ("random", True, False, True)),
        ("independent", "10-10", ("entropy", False, False, False)),
    ],
)
def test_policy_picks_each_table_7_cell_from_a_constructed_pool(pool, budget, cell):
    """(method, semi-supervised, redundant, low budget) from the features of a made-up pool of 400 frames."""
    rng = np.random.default_rng(3)
    if pool == "video":
        features, sequences = video_like(rng)
    else:
        features, sequences = rng.normal(size=(400, 32)), None
    redundancy = estimate_redundancy(features, rng, sequence_ids=sequences)
    choice = choose_acquisition(redundancy, Budget.parse(budget), len(features), flips_make_sense=False)
    assert (choice.method, choice.semi_supervised, choice.redundant, choice.low_budget) == cell


def test_the_reason_says_whether_the_model_learns_from_unlabelled_frames_and_why():
    redundant = choose_acquisition(estimate(0.82), Budget.parse("10-10"), 1000).reason
    assert redundant.endswith(f"{LEARNS_FROM_UNLABELLED}: frames that cover the scene leave the rest close to a "
                              "labelled one, where the model's guesses are good enough to learn from")
    low = choose_acquisition(estimate(0.1), Budget.parse("2-2"), 1000).reason
    assert f"{LEARNS_FROM_UNLABELLED}: with so few labels, the unlabelled frames are most of what it can learn" in low
    high = choose_acquisition(estimate(0.1), Budget.parse("10-10"), 1000).reason
    assert "learns from labelled frames only" in high and "you can still switch it on" in high
    for reason in (redundant, low, high):
        assert "paper" not in reason and "SSL" not in reason and "semi" not in reason
    first = choose_acquisition(estimate(0.82), Budget.parse("10-10"), 1000, has_labels=False)
    assert first.semi_supervised and "learns" not in first.reason  # nothing to learn from before the first label


def test_semi_supervised_by_default_only_for_methods_that_gain_from_it():
    assert [m for m in ("random", "entropy", "equal", "bald", "coreset") if semi_supervised_helps(m)] == \
        ["random", "coreset"]


def test_policy_says_why():
    choice = choose_acquisition(estimate(0.82), Budget.parse("10-10"), 1000)
    assert choice.reason.startswith("Most frames look alike (82% of frames have a near-twin, as in a video)")
    assert "cover the whole scene (Coreset)" in choice.reason
    low = choose_acquisition(estimate(0.1), Budget.parse("2-2"), 1000).reason
    assert low.startswith("Frames differ from each other (only 10% of frames have a near-twin)")
    assert "picks at random" in low and "2% of the 1000 frames per round" in low


@pytest.mark.parametrize("score, budget, method", [(0.10, "10-10", "random"), (0.82, "10-10", "coreset")])
def test_without_labels_a_choice_that_needs_a_trained_model_gives_way_to_random(score, budget, method):
    choice = choose_acquisition(estimate(score), Budget.parse(budget), 1000, has_labels=False)
    assert choice.method == method
    assert choice.reason.endswith("so this first round picks at random") == (method != "coreset")


def test_policy_reasons_are_plain_words_for_the_manager():
    choices = [choose_acquisition(estimate(score), Budget.parse(budget), 1000) for score, budget in
               [(0.82, "10-10"), (0.1, "2-2"), (0.1, "10-10")]]
    for choice in choices:
        assert not any(term in choice.reason for term in ("paper", "threshold", "pool", "single-sample", "_"))


def test_low_budget_threshold():
    assert is_low_budget(Budget.parse("5-5"), 10_000)  # 5 % of the pool
    assert not is_low_budget(Budget.parse("6-6"), 10_000)
    assert is_low_budget(Budget.parse("10-10"), 150)  # only 15 frames per cycle
    assert not is_low_budget(Budget.parse("10-10"), 160)
    assert not is_low_budget(Budget.parse("5-5"), 10_000, PolicyConfig(low_budget_max_fraction=0.04))
