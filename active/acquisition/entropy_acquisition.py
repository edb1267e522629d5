"""Entropy acquisition: mean per-pixel predictive entropy of a frame."""
from __future__ import annotations

import numpy as np

from active.acquisition.base import FrameScorer
from active.acquisition.entropy_maps import frame_entropy_map
from active.acquisition.inputs import AcquisitionInputs


class EntropyAcquisition(FrameScorer):
    """Mean over pixels of ``-sum_c p_c log p_c`` (nats)."""

    name = "entropy"
    needs = frozenset({"probs"})
    label = "how unsure the model is (mean pixel entropy)"

    def compute_score(self, inputs: AcquisitionInputs) -> np.ndarray:
        return frame_entropy_map(inputs.require("probs"))
