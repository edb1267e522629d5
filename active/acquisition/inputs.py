"""What acquisition functions read: model outputs on the candidate frames, gathered once per round."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from active.models.detection3d.samples import DetectionSample, Detections

#: the names an acquisition function may list in its ``needs``
INPUT_NAMES = ("probs", "flipped_probs", "mc_probs", "features", "labelled_features", "detections")
#: the inputs a 3D detector gives (:func:`gather_detection_inputs`); a segmentation model gives the others
#: (:func:`gather_inputs`)
DETECTION_INPUTS = frozenset({"detections"})
#: frames per ``predict`` call in :func:`gather_detection_inputs`: progress (a job's heartbeat) after each chunk
DETECTION_CHUNK_FRAMES = 8


@dataclass(frozen=True)
class AcquisitionInputs:
    """Model outputs for the N candidate (unlabelled) frames; only what the function needs is filled.

    probs : (N, C, H, W) float class probabilities per pixel
    flipped_probs : (N, C, H, W) probabilities predicted on the horizontally flipped frames, still in the
        flipped frames' pixel order (EquAL flips them back)
    mc_probs : (T, N, C, H, W) probabilities from T Monte-Carlo dropout passes
    features : (N, D) pooled decoder features of the candidates
    labelled_features : (M, D) pooled decoder features of the already labelled frames
    detections : N :class:`~active.models.detection3d.samples.Detections`, one per candidate, in candidate
        order: the 3D boxes a detector kept on that frame with each box's class probabilities (B, C)
    class_names : the C class names that index ``Detections.class_probs`` (the detector's classes)
    model_version : version of the model that produced them
    """

    n_candidates: int
    probs: np.ndarray | None = None
    flipped_probs: np.ndarray | None = None
    mc_probs: np.ndarray | None = None
    features: np.ndarray | None = None
    labelled_features: np.ndarray | None = None
    detections: list[Detections] | None = None
    class_names: tuple[str, ...] = ()
    model_version: str | None = None

    def __post_init__(self) -> None:
        if self.detections is not None and len(self.detections) != self.n_candidates:
            raise ValueError(f"{len(self.detections)} detections for {self.n_candidates} candidates")

    def require(self, name: str) -> Any:
        """The input ``name`` (an array, or the list of detections); raises if the caller did not gather it."""
        value = getattr(self, name)
        if value is None:
            how = "gather_detection_inputs" if name in DETECTION_INPUTS else "gather_inputs"
            raise ValueError(f"this acquisition function needs {name!r}; gather it with {how}")
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
    if needs & DETECTION_INPUTS:
        raise ValueError(f"a segmentation model does not give {sorted(needs & DETECTION_INPUTS)}; "
                         "this function scores a 3D detector's output (gather_detection_inputs)")
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


class DetectionScoringModel(Protocol):
    """What detection acquisition needs from a 3D detector (see
    :class:`active.models.detection3d.detection_model.DetectionModel`): its version, its classes
    (``config.classes``) and ``predict``, one :class:`Detections` per sample."""

    version: str
    config: Any

    def predict(self, samples: list[DetectionSample]) -> list[Detections]: ...


def gather_detection_inputs(
    model: DetectionScoringModel,
    samples: Sequence[DetectionSample],
    needs: frozenset[str],
    *,
    on_progress: Callable[[float], None] | None = None,
    chunk_frames: int = DETECTION_CHUNK_FRAMES,
) -> AcquisitionInputs:
    """Run the detector once over the candidate frames, ``chunk_frames`` at a time, for what ``needs`` asks.

    samples : the N candidate frames (point clouds in the lidar frame; their boxes are not read)
    needs : the acquisition function's ``needs``: ``{"detections"}``, or empty (random), in which case the
        detector does not run
    on_progress : called with the fraction done (0 to 1) after each chunk, so a caller can report progress
        (a job's heartbeat) or stop by raising
    Gives ``detections`` (one per sample, in order) and ``class_names`` (the detector's ``config.classes``).
    """
    unknown = set(needs) - set(INPUT_NAMES)
    if unknown:
        raise ValueError(f"unknown acquisition inputs {sorted(unknown)}")
    if needs - DETECTION_INPUTS:
        raise ValueError(f"a 3D detector does not give {sorted(needs - DETECTION_INPUTS)}; "
                         "this function scores a segmentation model's output (gather_inputs)")
    if chunk_frames < 1:
        raise ValueError("chunk_frames must be at least 1")
    report = on_progress or (lambda fraction: None)
    samples = list(samples)
    detections: list[Detections] | None = None
    if "detections" in needs:
        detections = []
        for start in range(0, len(samples), chunk_frames):
            chunk = samples[start:start + chunk_frames]
            predicted = model.predict(chunk)
            if len(predicted) != len(chunk):
                raise ValueError(f"the detector gave {len(predicted)} results for {len(chunk)} frames")
            detections.extend(predicted)
            report(len(detections) / len(samples))
    return AcquisitionInputs(n_candidates=len(samples), detections=detections,
                             class_names=tuple(model.config.classes), model_version=model.version)
