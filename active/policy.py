"""Which acquisition function to use, from the pool's redundancy and the labelling budget.

After Table 7 of "Best Practices in Active Learning for Semantic Segmentation" (Mittal et al., 2023):
redundant pools -> Coreset at every budget; diverse pools with a low budget -> random; diverse pools with
a high budget -> single-sample uncertainty (EquAL where horizontal flips preserve labels, else entropy).
"""
from __future__ import annotations

from dataclasses import dataclass

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
    """method : registry name of the acquisition function; reason : one sentence saying why."""

    method: str
    reason: str
    redundant: bool
    low_budget: bool


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
    config: PolicyConfig = PolicyConfig(),
) -> PolicyChoice:
    """The acquisition function for this pool and budget, and a sentence explaining the choice."""
    low = is_low_budget(budget, pool_size, config)
    per_cycle = f"{budget.per_cycle:.0%} of {pool_size} frames per cycle"
    if redundancy.is_redundant:
        reason = (
            f"pool is redundant ({redundancy.score:.2f} of frames have a near-duplicate neighbour, threshold "
            f"{redundancy.threshold:.2f}), so batch-based Coreset; the paper finds single-sample uncertainty "
            f"collapses onto near-duplicates at every budget"
        )
        return PolicyChoice("coreset", reason, True, low)
    diverse = (
        f"pool is diverse (only {redundancy.score:.2f} of frames have a near-duplicate neighbour, threshold "
        f"{redundancy.threshold:.2f})"
    )
    if low:
        reason = (
            f"{diverse} and the budget is low ({per_cycle}), so random; the paper finds no method beats "
            f"random sampling while the model has seen so few labels"
        )
        return PolicyChoice("random", reason, False, True)
    method = "equal" if flips_make_sense else "entropy"
    name = "EquAL (entropy plus flip disagreement)" if flips_make_sense else "entropy"
    reason = (
        f"{diverse} and the budget is high ({per_cycle}), so single-sample uncertainty, {name}; "
        f"the paper finds it best on diverse data with a high budget"
    )
    return PolicyChoice(method, reason, False, False)
