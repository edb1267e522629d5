"""BALD: mutual information between the prediction and the weights, over Monte-Carlo dropout passes."""
from __future__ import annotations

import numpy as np

from active.acquisition.base import FrameScorer
from active.acquisition.entropy_maps import pixel_entropy
from active.acquisition.inputs import AcquisitionInputs
from active.checks import check_probabilities


def mutual_information_map(mc_probs: np.ndarray) -> np.ndarray:
    """(N, H, W) ``H(mean_t p_t) - mean_t H(p_t)`` in nats, >= 0.

    mc_probs : (T, N, C, H, W) probabilities of T stochastic forward passes
    """
    check_probabilities("mc_probs", mc_probs, 5, "(T, N, C, H, W)")
    mc = np.asarray(mc_probs, dtype=np.float64)
    predictive = pixel_entropy(mc.mean(axis=0), class_axis=1)
    expected = pixel_entropy(mc, class_axis=2).mean(axis=0)
    # Rounding can leave tiny negatives where all passes agree.
    return np.maximum(predictive - expected, 0.0)


class BaldAcquisition(FrameScorer):
    """Mean over pixels of the BALD mutual information."""

    name = "bald"
    needs = frozenset({"mc_probs"})
    label = "how much the model's guesses disagree (BALD)"

    def compute_score(self, inputs: AcquisitionInputs) -> np.ndarray:
        return mutual_information_map(inputs.require("mc_probs"))
