"""Single-sample scorers: each implements ``compute_score``; reduction and ordering live here once."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from active.acquisition.inputs import AcquisitionInputs
from active.selection import SelectionResult, rank_reasons, top_k


class FrameScorer:
    """Scores each candidate frame on its own and picks the ``k`` highest (ties: lowest index).

    Subclasses set ``name`` (their registry name), ``needs`` and ``label`` (the start of each pick's reason)
    and implement :meth:`compute_score`, returning per-pixel scores ``(N, H, W)`` or per-frame scores
    ``(N,)``; :meth:`score` averages pixels to ``(N,)``.
    """

    name: ClassVar[str]
    needs: ClassVar[frozenset[str]] = frozenset({"probs"})
    label: ClassVar[str]

    def compute_score(self, inputs: AcquisitionInputs) -> np.ndarray:
        raise NotImplementedError

    def score(self, inputs: AcquisitionInputs) -> np.ndarray:
        """``(N,)`` float64 frame scores, higher means more worth labelling."""
        scores = np.asarray(self.compute_score(inputs), dtype=np.float64)
        if scores.ndim == 0 or len(scores) != inputs.n_candidates:
            raise ValueError(f"{type(self).__name__} scored {scores.shape}, expected {inputs.n_candidates} frames")
        return scores.reshape(len(scores), -1).mean(axis=1)

    def select(self, inputs: AcquisitionInputs, k: int) -> SelectionResult:
        """The ``k`` highest-scoring candidates, each with its score and rank as the reason."""
        scores = self.score(inputs)
        picked = top_k(scores, k)
        return SelectionResult(
            method=self.name,
            indices=picked,
            scores=scores[picked],
            reasons=rank_reasons(scores, picked, len(scores), lambda s: f"{self.label} {s:.3g}"),
            model_version=inputs.model_version,
        )
