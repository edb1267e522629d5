"""EquAL: entropy plus disagreement with the prediction on the horizontally flipped frame.

As defined by its authors (Golestaneh and Kitani) and in "Best Practices in Active Learning for Semantic
Segmentation", not as in that paper's public code, which only adds the flipped frame's entropy.
"""
from __future__ import annotations

import numpy as np

from active.acquisition.base import FrameScorer
from active.acquisition.entropy_maps import frame_entropy_map
from active.acquisition.inputs import AcquisitionInputs
from active.checks import check_probabilities, check_same_shape


def flip_disagreement(probs: np.ndarray, flipped_probs: np.ndarray) -> np.ndarray:
    """(N, H, W) L1 distance ``sum_c |p_c - q_c|`` in [0, 2] between each pixel's prediction ``p`` and the
    prediction ``q`` of the flipped frame, flipped back so the same scene point is compared.

    probs, flipped_probs : (N, C, H, W); ``flipped_probs`` in the flipped frames' pixel order
    """
    check_probabilities("flipped_probs", flipped_probs, 4, "(N, C, H, W)")
    check_same_shape("flipped_probs", flipped_probs, np.shape(probs))
    # Image-space mirror along W, not a camera-axis convention.
    unflipped = np.asarray(flipped_probs, dtype=np.float64)[..., ::-1]
    return np.abs(np.asarray(probs, dtype=np.float64) - unflipped).sum(axis=1)


class EqualAcquisition(FrameScorer):
    """Mean over pixels of ``entropy(p) + weight * |p - flip(f(flip(x)))|_1``.

    weight : scale of the disagreement (in [0, 2]) against the entropy (in [0, log C] nats)
    """

    name = "equal"
    needs = frozenset({"probs", "flipped_probs"})
    label = "how unsure the model is, plus its changes on a mirrored image (EquAL)"

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = float(weight)

    def compute_score(self, inputs: AcquisitionInputs) -> np.ndarray:
        probs = inputs.require("probs")
        entropy = frame_entropy_map(probs)
        return entropy + self.weight * flip_disagreement(probs, inputs.require("flipped_probs"))
