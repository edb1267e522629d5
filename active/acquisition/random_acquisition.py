"""Random acquisition: a uniform random draw per frame from a seeded generator."""
from __future__ import annotations

import numpy as np

from active.acquisition.base import FrameScorer
from active.acquisition.inputs import AcquisitionInputs


class RandomAcquisition(FrameScorer):
    """Scores are uniform draws, so the top k are a uniform random subset.

    rng : the generator to draw from; or ``seed`` to make one
    """

    name = "random"
    needs = frozenset()
    label = "random draw"

    def __init__(self, rng: np.random.Generator | None = None, *, seed: int | None = None) -> None:
        if rng is None and seed is None:
            raise ValueError("RandomAcquisition needs an rng or a seed; it never uses global randomness")
        self.rng = rng if rng is not None else np.random.default_rng(seed)

    def compute_score(self, inputs: AcquisitionInputs) -> np.ndarray:
        return self.rng.random(inputs.n_candidates)
