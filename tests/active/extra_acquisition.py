"""An acquisition function that only a test registers: the API, a round and the dashboard must take it
from the registry, with no name of it anywhere in the app."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np

from active.acquisition import ACQUISITION_FUNCTIONS, AcquisitionFunction, AcquisitionInputs, register_acquisition
from active.acquisition.base import FrameScorer

LAST_FIRST = AcquisitionFunction(
    "last-first", "Last first", "the frames furthest down the list", "tests.active.extra_acquisition:LastFirst")


class LastFirst(FrameScorer):
    """Scores each candidate by its position, so the last candidates are picked first."""

    name = "last-first"
    needs = frozenset()
    label = "position in the list"

    def compute_score(self, inputs: AcquisitionInputs) -> np.ndarray:
        return np.arange(inputs.n_candidates, dtype=np.float64)


@contextmanager
def last_first_registered() -> Iterator[AcquisitionFunction]:
    """``last-first`` in the registry of this process while the block runs."""
    register_acquisition(LAST_FIRST)
    try:
        yield LAST_FIRST
    finally:
        del ACQUISITION_FUNCTIONS[LAST_FIRST.name]
