"""Box entropy, ActiveAnno3D's entropy query: how unsure a 3D detector is what the boxes it finds on a frame are.

Per kept box, the Shannon entropy (nats) of its class distribution ``Detections.class_probs``; per frame, the
mean over its boxes. That is what ActiveAnno3D's code does (walzimmer/active-anno-3d,
pcdet/query_strategies/entropy_sampling.py, inherited from Luoyadan/CRB-active-3Ddet): entropy of the softmax
of each box's class logits for the boxes left after NMS and the score threshold, aggregated with
``ACTIVE_TRAIN.AGGREGATION: mean`` (the only aggregation it implements; its configs all set it). The mean
ranks frames by how unsure the detector is about a typical box, not by how many boxes a frame holds: one
ambiguous box among many confident ones is diluted (a frame of 1 ambiguous and 9 confident boxes scores a
tenth of the ambiguous box's entropy), so frames full of objects are not favoured just for their count,
which keeps the boxes to label per frame, the real cost, in check.

A frame with no box above the detector's score threshold has no mean (the reference code takes the mean of
an empty tensor, NaN, and sorts it to an arbitrary place). Here it scores ``log C``, the entropy of a uniform
guess and the most a box can score: the platform's scenes place objects in every view, so a detector that
finds nothing there is missing them, and such a frame teaches it the most. Frames with equal scores (in
practice the no-box frames) are put in a random order drawn from the round's generator, so a weak detector
that finds nothing anywhere gives a random pick rather than the first frames of the capture in a row.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from active.acquisition.base import FrameScorer
from active.acquisition.inputs import AcquisitionInputs
from active.selection import SelectionResult

if TYPE_CHECKING:
    from active.models.detection3d.samples import Detections

#: how many of a frame's most uncertain boxes its pick reason names
BOXES_IN_REASON = 3
#: the longest reason (characters)
MAX_REASON_CHARS = 500


def box_entropies(class_probs: np.ndarray) -> np.ndarray:
    """(B,) float64 entropy in nats, in [0, log C], of each box's class distribution.

    class_probs : (B, C) per-class probabilities of each box; each row is divided by its sum, so rows that
        sum to 1 only up to float32 rounding still give entropies within [0, log C]
    """
    probs = np.asarray(class_probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] < 1:
        raise ValueError(f"class_probs must be (B, C), got {probs.shape}")
    totals = probs.sum(axis=1, keepdims=True)
    if not np.all(np.isfinite(probs)) or np.any(probs < 0) or np.any(totals <= 0):
        raise ValueError("class_probs must be finite, non-negative and not all zero in any row")
    probs = probs / totals
    logs = np.log(np.where(probs > 0, probs, 1.0))  # 0 log 0 = 0
    return -(probs * logs).sum(axis=1)


def frame_box_entropy(class_probs: np.ndarray) -> float:
    """A frame's score in nats: the mean entropy of its boxes, or ``log C`` when it has none.

    class_probs : (B, C) class probabilities of the frame's kept boxes; (0, C) for a frame without any
    """
    n_classes = np.shape(class_probs)[1]
    if len(class_probs) == 0:
        return float(np.log(n_classes))
    return float(box_entropies(class_probs).mean())


class DetectionEntropyAcquisition(FrameScorer):
    """Frames ranked by the mean class entropy of their detected 3D boxes (see the module's docstring).

    rng : orders frames with equal scores at random (None: lowest index first)
    """

    name = "detection_entropy"
    needs = frozenset({"detections"})
    label = "mean box entropy"

    def __init__(self, rng: np.random.Generator | None = None) -> None:
        self.rng = rng

    def compute_score(self, inputs: AcquisitionInputs) -> np.ndarray:
        detections = self._detections(inputs)
        return np.array([frame_box_entropy(d.class_probs) for d in detections], dtype=np.float64)

    def select(self, inputs: AcquisitionInputs, k: int) -> SelectionResult:
        """The ``k`` highest-scoring frames, each with a reason naming the boxes that made it uncertain."""
        detections = self._detections(inputs)
        scores = self.score(inputs)
        if not 0 <= k <= len(scores):
            raise ValueError(f"cannot pick {k} of {len(scores)} candidates")
        tie_order = self.rng.permutation(len(scores)) if self.rng is not None else np.arange(len(scores))
        picked = np.lexsort((tie_order, -scores))[:k].astype(np.int64)
        reasons = tuple(
            pick_reason(detections[index], float(scores[index]), rank, len(scores), inputs.class_names)
            for rank, index in enumerate(picked, start=1)
        )
        return SelectionResult(method=self.name, indices=picked, scores=scores[picked], reasons=reasons,
                               model_version=inputs.model_version)

    @staticmethod
    def _detections(inputs: AcquisitionInputs) -> list[Detections]:
        detections = inputs.require("detections")
        for index, frame in enumerate(detections):
            shape = np.shape(frame.class_probs)
            if len(shape) != 2 or (inputs.class_names and shape[1] != len(inputs.class_names)):
                raise ValueError(f"candidate {index}: class_probs is {shape}, expected (B, "
                                 f"{len(inputs.class_names) or 'C'}) for classes {inputs.class_names}")
        return detections


def pick_reason(
    detections: Detections, score: float, rank: int, pool_size: int, class_names: Sequence[str] = ()
) -> str:
    """Why a frame was picked, in plain words: its score and rank, then its most uncertain boxes, each with
    its two likeliest classes, its distance from the camera and its entropy (at most 500 characters)."""
    n_classes = np.shape(detections.class_probs)[1]
    place = f"rank {rank} of {pool_size}"
    if len(detections.class_probs) == 0:
        reason = (f"no box found (none above the detector's score threshold), so scored as unsure as a box can be "
                  f"({score:.2f} = log {n_classes}), {place}")
        return reason[:MAX_REASON_CHARS]
    entropies = box_entropies(detections.class_probs)
    most_unsure = np.argsort(-entropies, kind="stable")[:BOXES_IN_REASON]
    boxes = "; ".join(
        _describe_box(detections, int(i), float(entropies[i]), class_names) for i in most_unsure)
    count = len(entropies)
    rest = f"; and {count - len(most_unsure)} more" if count > len(most_unsure) else ""
    reason = (f"mean box entropy {score:.2f} (at most {np.log(n_classes):.2f}), {place}: "
              f"{count} box{'es' if count != 1 else ''}, most unsure: {boxes}{rest}")
    return reason if len(reason) <= MAX_REASON_CHARS else reason[:MAX_REASON_CHARS - 1] + "…"


def _describe_box(detections: Detections, index: int, entropy: float, class_names: Sequence[str]) -> str:
    """``"box 0.48 or can 0.41, 2.3 m away, entropy 0.93"``: the likeliest two classes (one if there is only
    one) and the box centre's distance from the camera along the ground (lidar x, y; metres)."""
    probs = np.asarray(detections.class_probs[index], dtype=np.float64)
    probs = probs / probs.sum()
    guesses = " or ".join(f"{_class_name(int(c), class_names)} {probs[c]:.2f}"
                          for c in np.argsort(-probs, kind="stable")[:2])
    x, y = np.asarray(detections.boxes[index], dtype=np.float64)[:2]
    return f"{guesses}, {np.hypot(x, y):.1f} m away, entropy {entropy:.2f}"


def _class_name(class_index: int, class_names: Sequence[str]) -> str:
    name = class_names[class_index] if class_index < len(class_names) else f"class {class_index}"
    return name if len(name) <= 20 else name[:19] + "…"
