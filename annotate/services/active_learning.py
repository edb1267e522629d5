"""Active-learning rounds: update the scoring model on accepted labels, score the pool, rank frames.

A round is a job. It trains the project's segmentation model on the rendered class masks of accepted
frames (continuing from the previous round's weights, ActiveAnno3D's continuous training, unless
``from_scratch``), and, when semi-supervised, also on the pool's unlabelled frames (FixMatch-style
consistency); it estimates how redundant the pool is, lets the policy pick the method when asked for
``auto``, and stores every candidate's score with the reason for each pick.

Redundancy is judged with the model the round starts from, before training: whether the frames look
alike is a property of the pool, and the policy's answer decides whether the round trains on the
unlabelled frames.
"""
from __future__ import annotations

import numpy as np
from django.db import transaction
from PIL import Image

from active.acquisition.registry import ACQUISITION_FUNCTIONS, SCORING_MODELS, acquisition_function
from annotate.adapters import frame_image
from annotate.errors import UserFacingError
from annotate.models import ActiveLearningRound, Frame, Job, JobKind, Project
from annotate.selectors import labelled_frames, pool_frames, read_frame_labels
from annotate.services.jobs import JobReporter, start_job
from annotate.services.round_steps import (
    AUTO, DETECTION3D, SEGMENTATION, load_with_progress, save_round, store_scoring_model,
)
from annotate.storage import scoring_model_key

#: PointPillars sizes a detection round may train (active.models.detection3d.DetectorConfig.size), and the
#: queue each trains on: the small one fits a CPU worker (small projects), mmdet3d's stock widths want the GPU.
DETECTOR_QUEUES = {"small": "cpu", "base": "gpu"}
DETECTOR_SIZES = tuple(DETECTOR_QUEUES)
#: Frames are scored at this size (width, height): small enough for a CPU, large enough for objects.
MODEL_IMAGE_SIZE = (64, 48)
TRAIN_STEPS = 150
MC_PASSES = 8


def start_round(
    *, project: Project, user, method: str = "auto", batch_size: int = 10, from_scratch: bool = False, seed: int = 0,
    train_steps: int = TRAIN_STEPS, semi_supervised: bool | None = None, scoring_model: str = SEGMENTATION,
    detector_size: str = "small",
) -> Job:
    """semi_supervised : also train on the unlabelled pool frames; None lets the policy decide (for ``auto``)
    or the chosen method's default (on for Coreset and random, off for single-sample uncertainty).
    Segmentation only.
    scoring_model : what ranks the frames: ``"segmentation"`` (the small segmentation model) or
    ``"detection3d"`` (a PointPillars 3D detector on each frame's pseudo-LiDAR scan; see
    annotate/services/detection_rounds.py)
    detector_size : ``"small"`` or ``"base"`` PointPillars (detection3d only); the round goes to the
    worker queue :data:`DETECTOR_QUEUES` names for it"""
    if scoring_model not in SCORING_MODELS:
        raise UserFacingError(f"Unknown scoring model {scoring_model!r}; choose one of {', '.join(SCORING_MODELS)}.")
    if detector_size not in DETECTOR_SIZES:
        raise UserFacingError(f"Unknown detector size {detector_size!r}; choose one of {', '.join(DETECTOR_SIZES)}.")
    usable = [entry["name"] for entry in round_methods() if scoring_model in entry["scoring_models"]]
    if method not in method_names():
        raise UserFacingError(f"Unknown method {method!r}; choose one of {', '.join(usable)}.")
    if method not in usable:
        supported = " or ".join(kind for kind in SCORING_MODELS if kind in acquisition_function(method).scoring_models)
        raise UserFacingError(f"{method} ranks frames with the {supported} model only; with the {scoring_model} "
                              f"model choose one of {', '.join(usable)}.")
    if scoring_model == DETECTION3D:
        n_classes = project.label_classes.count()
        if not n_classes:
            raise UserFacingError("The 3D detector learns the project's label classes, and it has none: add a "
                                  "class and place objects first.")
        if method == "detection_entropy" and n_classes < 2:
            raise UserFacingError("detection_entropy needs at least two label classes (with one, no box can be "
                                  "unsure of its class); use random or auto.")
    if scoring_model == DETECTION3D and semi_supervised:
        raise UserFacingError("Learning from unlabelled frames is for the segmentation model only; leave "
                              "semi_supervised empty for a detection3d round.")
    if batch_size < 1 or train_steps < 1:
        raise UserFacingError("batch_size and train_steps must be at least 1.")
    pool = pool_frames(project)
    if not pool.exists():
        raise UserFacingError("No unreviewed frames to rank: ingest a capture, or all frames are reviewed.")
    if method != AUTO and acquisition_function(method).needs_trained_model and not labelled_frames(project).exists():
        untrained = [name for name in usable if name == AUTO or not acquisition_function(name).needs_trained_model]
        raise UserFacingError(
            f"{method} needs a scoring model trained on accepted frames with labels; accept some frames "
            f"first, or use {' or '.join([', '.join(untrained[:-1]), untrained[-1]])} for the first round."
        )
    with transaction.atomic():
        return start_job(
            kind=JobKind.AL_ROUND, target=f"project:{project.pk}", project=project, user=user,
            params={"method": method, "batch_size": batch_size, "from_scratch": from_scratch, "seed": seed,
                    "train_steps": train_steps, "semi_supervised": semi_supervised,
                    "scoring_model": scoring_model, "detector_size": detector_size},
            work=JobKind.AL_ROUND, queue=DETECTOR_QUEUES[detector_size] if scoring_model == DETECTION3D else None,
        )


def method_names() -> list[str]:
    """Every method a round accepts: auto, then each registered acquisition function."""
    return [AUTO, *ACQUISITION_FUNCTIONS]


def round_methods() -> list[dict]:
    """What a round may use, for people to choose from: auto, then every registered acquisition function,
    each with the scoring models it can rank frames with."""
    policy = {"name": AUTO, "label": AUTO, "needs_trained_model": False, "scoring_models": list(SCORING_MODELS),
              "description": "chosen for how alike the frames are and how many get labelled; with the 3D detector, "
                            "box entropy once frames are accepted, else random"}
    return [policy, *({"name": entry.name, "label": entry.label, "description": entry.description,
                       "needs_trained_model": entry.needs_trained_model,
                       "scoring_models": [kind for kind in SCORING_MODELS if kind in entry.scoring_models]}
                      for entry in ACQUISITION_FUNCTIONS.values())]


def _small_image(frame: Frame) -> np.ndarray:
    return np.asarray(Image.fromarray(frame_image(frame)).resize(MODEL_IMAGE_SIZE, Image.BILINEAR))


def _small_mask(frame: Frame) -> np.ndarray:
    mask = read_frame_labels(frame).category_mask
    return np.asarray(Image.fromarray(mask.astype(np.int32)).resize(MODEL_IMAGE_SIZE, Image.NEAREST)).astype(np.int64)


def run_round(*, job: Job, reporter: JobReporter) -> dict:
    from active.acquisition import gather_inputs, make_acquisition
    from active.budget_curves import Budget
    from active.policy import choose_acquisition, semi_supervised_helps
    from active.redundancy import estimate_redundancy

    if job.params.get("scoring_model", SEGMENTATION) == DETECTION3D:
        from annotate.services.detection_rounds import run_detection_round

        return run_detection_round(job=job, reporter=reporter)
    project, params = job.project, job.params
    rng = np.random.default_rng(params["seed"])
    pool, labelled = list(pool_frames(project)), list(labelled_frames(project))
    if not pool:
        raise UserFacingError("No unreviewed frames to rank.")
    batch_size = min(int(params["batch_size"]), len(pool))
    reporter.progress(
        0.05, f"Loading {len(pool)} frames still to label and {len(labelled)} labelled frames", force=True)
    pool_images = _load_small_images(pool, reporter, start=0.05, end=0.15, what="pool frame")
    labelled_images = (_load_small_images(labelled, reporter, start=0.15, end=0.2, what="labelled frame")
                       if labelled else np.zeros((0, *pool_images.shape[1:]), np.uint8))

    start_model = _start_model(project, from_scratch=params["from_scratch"])
    reporter.progress(0.2, "Checking how alike the frames are", force=True)
    redundancy = estimate_redundancy(
        start_model.features(pool_images), rng, sequence_ids=np.array([f.capture_id for f in pool]),
        positions=np.array([f.index for f in pool]),
    )
    method, semi_supervised = params["method"], params.get("semi_supervised")
    if method == AUTO:
        labelled_share = max(len(labelled) / (len(pool) + len(labelled)), 1e-6)
        choice = choose_acquisition(redundancy, Budget(min(labelled_share, 1.0), batch_size / len(pool)), len(pool),
                                    has_labels=bool(labelled))
        method, reason = choice.method, choice.reason
        if semi_supervised is None:
            semi_supervised = choice.semi_supervised
        elif semi_supervised != choice.semi_supervised:
            reason += f". A manager turned learning from unlabelled frames {'on' if semi_supervised else 'off'}"
    else:
        reason = f"A manager chose {method} for this round"
        if semi_supervised is None:
            semi_supervised = semi_supervised_helps(method)
        if not labelled:
            reason += ", with no accepted frame yet to train the model on"
        elif semi_supervised:
            reason += ", the model also learning from the frames nobody labelled yet"
        else:
            reason += ", the model learning from labelled frames only"

    reporter.progress(0.2, "Updating the scoring model", force=True)
    model, model_row, quality = _updated_model(
        project, start_model, labelled, labelled_images, from_scratch=params["from_scratch"],
        steps=params["train_steps"], unlabelled_images=pool_images if semi_supervised else None, reporter=reporter,
    )

    reporter.progress(0.6, f"Scoring {len(pool)} frames with {method}", force=True)
    acquisition = make_acquisition(method, rng=rng)
    needs = acquisition.needs if labelled else acquisition.needs - {"labelled_features"}
    inputs = gather_inputs(
        model, pool_images, needs, labelled_images=labelled_images, mc_passes=MC_PASSES,
        on_progress=lambda done: reporter.progress(0.6 + 0.25 * done, f"Scoring {len(pool)} frames with {method}"),
    )
    selection = acquisition.select(inputs, batch_size)
    all_scores = acquisition.score(inputs) if acquisition_function(method).scores_every_frame else None
    reporter.progress(0.9, "Saving the ranking", force=True)
    al_round = _save_round(job, reporter, project, params, method, reason, redundancy, model_row, quality, pool,
                           selection, all_scores)
    return {"round": al_round.pk, "method": method, "reason": reason, "redundancy": redundancy.score,
            "picked": len(selection), "model_version": model.version, **quality}


def _start_model(project: Project, *, from_scratch: bool):
    """The model a round starts from: the project's last one, or fresh weights (first round, ``from_scratch``,
    or classes added since, which the old head does not fit)."""
    from active.models.segmentation_model import SegmentationModel, SegmentationModelConfig

    n_classes = 1 + max([c.class_id for c in project.label_classes.all()] or [1])
    previous = project.scoring_models.filter(kind=SEGMENTATION).order_by("-version").first()
    if previous is not None and not from_scratch:
        with previous.weights.open("rb") as handle:
            model = SegmentationModel.from_bytes(handle.read())
        if model.config.n_classes == n_classes:
            return model
    model = SegmentationModel.untrained(SegmentationModelConfig(n_classes=n_classes, seed=project.pk))
    if previous is not None:
        model.model_version = previous.version
    return model


def _load_small_images(frames: list[Frame], reporter: JobReporter, *, start: float, end: float, what: str):
    """(N, H, W, 3) uint8 frames at model size, reporting (and so heartbeating) while a big pool loads."""
    return np.stack(load_with_progress(frames, _small_image, reporter, start=start, end=end, what=what))


def _updated_model(
    project: Project, model, labelled: list[Frame], labelled_images: np.ndarray, *, from_scratch: bool,
    steps: int, unlabelled_images: np.ndarray | None, reporter: JobReporter,
):
    """The model for this round: ``model`` (from :func:`_start_model`) trained further on the labelled frames
    and, given ``unlabelled_images``, on those too (semi-supervised).

    Every training step reports progress, which is the job's heartbeat and where a cancel or a lost job
    stops the training."""
    from active.metrics import confusion_matrix, mean_iou

    n_classes = model.config.n_classes
    if not labelled:
        return model, None, {"labelled_frames": 0, "semi_supervised": False, "unlabelled_frames": 0}
    masks = np.stack([_small_mask(f) for f in labelled])
    model = model.fit(
        labelled_images, masks, steps=steps, from_scratch=from_scratch, unlabelled=unlabelled_images,
        on_step=lambda done, total: reporter.progress(
            0.2 + 0.3 * done / total, f"Training the scoring model: step {done} of {total}"),
    )
    predicted = model.predict_proba(labelled_images).argmax(axis=1)
    quality = {"labelled_frames": len(labelled), "semi_supervised": unlabelled_images is not None,
               "unlabelled_frames": 0 if unlabelled_images is None else len(unlabelled_images),
               "train_miou": round(float(mean_iou(confusion_matrix(masks, predicted, n_classes))), 4)}
    row = store_scoring_model(project, reporter, kind=SEGMENTATION, version=model.model_version,
                              weights=model.to_bytes(), metrics=quality,
                              key=scoring_model_key(project_id=project.pk, version=model.model_version))
    return model, row, quality


def _save_round(job, reporter, project, params, method, reason, redundancy, model_row, quality, pool, selection,
                all_scores):
    metrics = {**quality, "redundancy_threshold": redundancy.threshold, "sequence_share": redundancy.sequence_share}
    return save_round(job, reporter, project, params, method=method, reason=reason, redundancy=redundancy.score,
                      model_row=model_row, metrics=metrics, pool=pool, selection=selection, all_scores=all_scores)


def round_payload(al_round: ActiveLearningRound, *, limit: int | None = None) -> dict:
    picks = al_round.scores.filter(rank__isnull=False).select_related("frame__capture").order_by("rank")
    if limit:
        picks = picks[:limit]
    return {
        "id": al_round.pk, "job": al_round.job_id, "requested_method": al_round.requested_method,
        "method": al_round.method, "reason": al_round.reason, "redundancy": al_round.redundancy,
        "batch_size": al_round.batch_size, "metrics": al_round.metrics, "created_at": al_round.created_at,
        "scoring_model": al_round.scoring_model_kind,
        "model_version": al_round.scoring_model.version if al_round.scoring_model_id else None,
        "picks": [
            {"frame": s.frame_id, "capture": s.frame.capture_id, "capture_name": s.frame.capture.name,
             "index": s.frame.index, "score": s.score,
             "rank": s.rank, "reason": s.reason, "thumbnail_url": f"/api/frames/{s.frame_id}/thumbnail/"}
            for s in picks
        ],
    }
