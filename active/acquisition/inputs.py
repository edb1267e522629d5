"""What acquisition functions read: model outputs on the candidate frames, gathered once per round."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

#: the names an acquisition function may list in its ``needs``
INPUT_NAMES = ("probs", "flipped_probs", "mc_probs", "features", "labelled_features")


@dataclass(frozen=True)
class AcquisitionInputs:
    """Model outputs for the N candidate (unlabelled) frames; only what the function needs is filled.

    probs : (N, C, H, W) float class probabilities per pixel
    flipped_probs : (N, C, H, W) probabilities predicted on the horizontally flipped frames, still in the
        flipped frames' pixel order (EquAL flips them back)
    mc_probs : (T, N, C, H, W) probabilities from T Monte-Carlo dropout passes
    features : (N, D) pooled decoder features of the candidates
    labelled_features : (M, D) pooled decoder features of the already labelled frames
    model_version : version of the model that produced them
    """

    n_candidates: int
    probs: np.ndarray | None = None
    flipped_probs: np.ndarray | None = None
    mc_probs: np.ndarray | None = None
    features: np.ndarray | None = None
    labelled_features: np.ndarray | None = None
    model_version: str | None = None

    def require(self, name: str) -> np.ndarray:
        """The input ``name``; raises if the caller did not gather it."""
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"this acquisition function needs {name!r}; gather it with gather_inputs")
        return value


class ScoringModel(Protocol):
    """The model outputs acquisition needs (see :class:`active.models.SegmentationModel`)."""

    version: str

    def predict_proba(self, images: np.ndarray) -> np.ndarray: ...

    def predict_mc(
        self, images: np.ndarray, passes: int, *, on_pass: Callable[[int, int], None] | None = None
    ) -> np.ndarray: ...

    def features(self, images: np.ndarray) -> np.ndarray: ...


def gather_inputs(
    model: ScoringModel,
    candidate_images: np.ndarray,
    needs: frozenset[str],
    *,
    labelled_images: np.ndarray | None = None,
    mc_passes: int = 8,
    on_progress: Callable[[float], None] | None = None,
) -> AcquisitionInputs:
    """Run ``model`` on the frames once for everything in ``needs``.

    candidate_images : (N, H, W, 3) uint8 RGB frames to choose from
    labelled_images : (M, H, W, 3) uint8 RGB frames already labelled (needed for ``labelled_features``)
    on_progress : called with the fraction done (0 to 1) after each model pass, so a caller can
        report progress (a job's heartbeat) or stop by raising
    """
    unknown = set(needs) - set(INPUT_NAMES)
    if unknown:
        raise ValueError(f"unknown acquisition inputs {sorted(unknown)}")
    if "labelled_features" in needs and labelled_images is None:
        raise ValueError("labelled_features needs labelled_images")
    report = on_progress or (lambda fraction: None)
    total = len(needs) + (mc_passes - 1 if "mc_probs" in needs else 0)
    done = 0

    def finished(passes: int = 1) -> None:
        nonlocal done
        done += passes
        report(done / total)

    outputs = {}
    if "probs" in needs:
        outputs["probs"] = model.predict_proba(candidate_images)
        finished()
    if "flipped_probs" in needs:
        outputs["flipped_probs"] = model.predict_proba(np.ascontiguousarray(candidate_images[:, :, ::-1]))
        finished()
    if "mc_probs" in needs:
        outputs["mc_probs"] = model.predict_mc(candidate_images, mc_passes, on_pass=lambda *_: finished())
    if "features" in needs:
        outputs["features"] = model.features(candidate_images)
        finished()
    if "labelled_features" in needs:
        outputs["labelled_features"] = model.features(labelled_images)
        finished()
    return AcquisitionInputs(n_candidates=len(candidate_images), model_version=model.version, **outputs)
