"""Which acquisition function to use, and whether the model also learns from unlabelled frames, from the
pool's redundancy and the labelling budget.

After Table 7 of "Best Practices in Active Learning for Semantic Segmentation" (Mittal et al., 2023):
redundant pools -> Coreset with semi-supervised training at every budget; diverse pools with a low budget ->
random with semi-supervised training; diverse pools with a high budget -> single-sample uncertainty (EquAL
where horizontal flips preserve labels, else entropy), semi-supervised training optional and off: the paper
finds single-sample methods gain little or nothing from it, and it doubles a round's training time.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from active.acquisition.registry import acquisition_function
from active.budget_curves import Budget
from active.redundancy import RedundancyEstimate


@dataclass(frozen=True)
class PolicyConfig:
    """A budget is LOW when one cycle adds at most ``low_budget_max_fraction`` of the pool or fewer than
    ``low_budget_min_frames`` frames.

    Why: the paper's low-budget runs add about 2 % per cycle and its high-budget runs 10 %; with few labels
    per cycle the model's uncertainty is not yet informative and random sampling does as well. 5 % sits
    between the two (about their geometric mean); the frame floor (two minibatches of 8) keeps tiny pools,
    where 10 % is a handful of frames, in the low-budget cell.
    """

    low_budget_max_fraction: float = 0.05
    low_budget_min_frames: int = 16


@dataclass(frozen=True)
class PolicyChoice:
    """method : registry name of the acquisition function; semi_supervised : whether the round's model also
    learns from the unlabelled frames; reason : one sentence saying why."""

    method: str
    reason: str
    redundant: bool
    low_budget: bool
    semi_supervised: bool


#: How a reason says that the round's model also learns from unlabelled frames.
LEARNS_FROM_UNLABELLED = "The model also learns from the frames nobody labelled yet, from its own confident guesses"


#: Methods that gain from semi-supervised training (Table 7): those that do not pick the frames the model is
#: least sure about, whose neighbours it therefore guesses well enough to learn from.
SEMI_SUPERVISED_METHODS = frozenset({"coreset", "random"})


def semi_supervised_helps(method: str) -> bool:
    """Whether a round with ``method`` trains on the unlabelled frames when nobody says otherwise."""
    return method in SEMI_SUPERVISED_METHODS


def is_low_budget(budget: Budget, pool_size: int, config: PolicyConfig = PolicyConfig()) -> bool:
    """Whether one cycle of ``budget`` on a pool of ``pool_size`` frames counts as a low budget."""
    per_cycle_frames = budget.per_cycle * pool_size
    return budget.per_cycle <= config.low_budget_max_fraction or per_cycle_frames < config.low_budget_min_frames


def choose_acquisition(
    redundancy: RedundancyEstimate,
    budget: Budget,
    pool_size: int,
    *,
    flips_make_sense: bool = True,
    has_labels: bool = True,
    config: PolicyConfig = PolicyConfig(),
) -> PolicyChoice:
    """The acquisition function and the semi-supervised setting for this pool and budget, and a sentence telling
    the manager why, in plain words.

    has_labels : whether any frame is labelled yet; without one, a function that needs a trained model
        gives way to random, and the reason leaves out how the model trains (it has nothing to train on)
    """
    choice, training = _choice_for_pool(redundancy, budget, pool_size, flips_make_sense, config)
    if has_labels:
        return replace(choice, reason=f"{choice.reason}. {training}")
    if not acquisition_function(choice.method).needs_trained_model:
        return choice
    reason = f"{choice.reason}. No frame is accepted yet, though, so this first round picks at random"
    return replace(choice, method="random", reason=reason)


def _choice_for_pool(
    redundancy: RedundancyEstimate, budget: Budget, pool_size: int, flips_make_sense: bool, config: PolicyConfig
) -> tuple[PolicyChoice, str]:
    """The cell's choice with the reason for its method, and the sentence on how the model trains."""
    low = is_low_budget(budget, pool_size, config)
    per_cycle = f"{budget.per_cycle:.0%} of the {pool_size} frames per round"
    look_alike = f"{redundancy.score:.0%} of frames have a near-twin"
    if redundancy.is_redundant:
        reason = (
            f"Most frames look alike ({look_alike}, as in a video), so the round picks frames that cover the "
            "whole scene (Coreset): the frames the model is least sure about would be near-copies of each other"
        )
        training = (f"{LEARNS_FROM_UNLABELLED}: frames that cover the scene leave the rest close to a labelled "
                    "one, where the model's guesses are good enough to learn from")
        return PolicyChoice("coreset", reason, True, low, True), training
    diverse = f"Frames differ from each other (only {look_alike})"
    if low:
        reason = (
            f"{diverse} and few get labelled ({per_cycle}), so the round picks at random: with so few labels, "
            "no smarter choice does better"
        )
        training = (f"{LEARNS_FROM_UNLABELLED}: with so few labels, the unlabelled frames are most of what it "
                    "can learn from")
        return PolicyChoice("random", reason, False, True, True), training
    method = "equal" if flips_make_sense else "entropy"
    name = "EquAL: unsure, or changes its answer on a mirrored image" if flips_make_sense else "entropy"
    reason = (
        f"{diverse} and many get labelled ({per_cycle}), so the round picks the frames the model is least "
        f"sure about ({name})"
    )
    training = (
        "The model learns from labelled frames only: the frames it is unsure about are the ones where its own "
        "guesses would teach it least, and learning from unlabelled frames would more than double the training "
        "time for little gain (you can still switch it on)"
    )
    return PolicyChoice(method, reason, False, False, False), training
