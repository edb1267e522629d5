"""Labelling budgets written I-S (initial %, per-cycle %) and the area under mIoU-vs-labelled-% curves."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Budget:
    """initial : fraction of the pool labelled before the first cycle; per_cycle : fraction added per cycle."""

    initial: float
    per_cycle: float

    def __post_init__(self) -> None:
        if not (0 < self.initial <= 1 and 0 < self.per_cycle <= 1):
            raise ValueError(f"budget fractions must lie in (0, 1], got {self}")

    @classmethod
    def parse(cls, text: str) -> "Budget":
        """``"10-10"`` -> Budget(0.10, 0.10); ``"2-2"`` -> Budget(0.02, 0.02) (percent of the pool)."""
        initial, per_cycle = (float(part) / 100.0 for part in text.split("-"))
        return cls(initial, per_cycle)

    def __str__(self) -> str:
        return f"{100 * self.initial:g}-{100 * self.per_cycle:g}"

    def fractions(self, up_to: float) -> np.ndarray:
        """Labelled fractions after each cycle: initial, initial + per_cycle, ... while <= ``up_to``."""
        n_cycles = int(np.floor((up_to - self.initial) / self.per_cycle + 1e-9))
        return self.initial + self.per_cycle * np.arange(n_cycles + 1)

    def counts(self, pool_size: int, up_to: float) -> np.ndarray:
        """Labelled frame counts after each cycle for a pool of ``pool_size`` frames (rounded)."""
        return np.round(self.fractions(up_to) * pool_size).astype(np.int64)


def _curve_up_to(fractions: np.ndarray, values: np.ndarray, budget: float) -> tuple[np.ndarray, np.ndarray]:
    fractions = np.asarray(fractions, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if fractions.ndim != 1 or fractions.shape != values.shape or len(fractions) == 0:
        raise ValueError("fractions and values must be 1-D of the same non-zero length")
    if np.any(np.diff(fractions) <= 0):
        raise ValueError("labelled fractions must increase")
    if not fractions[0] <= budget <= fractions[-1] + 1e-12:
        raise ValueError(f"budget {budget} lies outside the curve's range [{fractions[0]}, {fractions[-1]}]")
    inside = fractions < budget
    end = np.interp(budget, fractions, values)
    return np.append(fractions[inside], budget), np.append(values[inside], end)


def miou_at_budget(fractions: np.ndarray, mious: np.ndarray, budget: float) -> float:
    """mIoU at labelled fraction ``budget``, linearly interpolated between cycles."""
    _, values = _curve_up_to(fractions, mious, budget)
    return float(values[-1])


def auc_at_budget(fractions: np.ndarray, mious: np.ndarray, budget: float) -> float:
    """AUC@B: trapezoid area under mIoU vs labelled fraction from the first cycle up to ``budget``,
    divided by the span it covers (``budget - fractions[0]``), so a constant curve ``c`` gives ``c``.

    With a single point at ``budget`` it is that point's mIoU.
    """
    xs, ys = _curve_up_to(fractions, mious, budget)
    if len(xs) == 1 or xs[-1] == xs[0]:
        return float(ys[-1])
    area = float(np.sum((xs[1:] - xs[:-1]) * (ys[1:] + ys[:-1]) / 2.0))
    return area / float(xs[-1] - xs[0])
