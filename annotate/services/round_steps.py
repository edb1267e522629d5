"""What both kinds of active-learning round do alike (annotate/services/active_learning.py for the
segmentation model, annotate/services/detection_rounds.py for the 3D detector): load frames with a
heartbeat, store a trained scoring model, save the ranking."""
from __future__ import annotations

import numpy as np
from django.core.files.base import ContentFile
from django.db import transaction

from annotate.models import ActiveLearningRound, Frame, FrameScore, Job, Project, ScoringModel, ScoringModelKind
from annotate.services.jobs import JobReporter
from annotate.storage import StagedFiles

#: The method that lets the policy (active.policy) choose from the pool's redundancy and the budget.
AUTO = "auto"
SEGMENTATION, DETECTION3D = ScoringModelKind.SEGMENTATION.value, ScoringModelKind.DETECTION3D.value


def load_with_progress(frames: list[Frame], load, reporter: JobReporter, *, start: float, end: float,
                       what: str) -> list:
    """``[load(frame) for frame in frames]``, reporting (and so heartbeating) after each while a big pool loads."""
    loaded = []
    for done, frame in enumerate(frames, start=1):
        loaded.append(load(frame))
        reporter.progress(start + (end - start) * done / len(frames), f"Loaded {what} {done} of {len(frames)}")
    return loaded


def store_scoring_model(project: Project, reporter: JobReporter, *, kind: str, version: int, weights: bytes,
                        metrics: dict, key: str) -> ScoringModel:
    """Store a trained model's ``weights`` under the storage ``key`` and its :class:`ScoringModel` row."""
    reporter.ensure_owned()  # a round failed meanwhile must not add a model version
    with StagedFiles() as staged:
        weights_key = staged.save(key, ContentFile(weights))
        return ScoringModel.objects.create(
            project=project, kind=kind, version=version, metrics=metrics, weights=weights_key
        )


def save_round(job: Job, reporter: JobReporter, project: Project, params: dict, *, method: str, reason: str,
               redundancy: float | None, model_row: ScoringModel | None, metrics: dict, pool: list[Frame],
               selection, all_scores: np.ndarray | None) -> ActiveLearningRound:
    """The round's row with a score for every pool frame (``all_scores``, or the picks' only) and each
    pick's rank and reason; it replaces the round of an earlier run of the same job."""
    picked = {int(index): (rank, float(score), text) for rank, (index, score, text) in
              enumerate(zip(selection.indices, selection.scores, selection.reasons), start=1)}
    with transaction.atomic():
        reporter.ensure_owned()  # locks the job row: no round is saved for a job failed or taken over
        ActiveLearningRound.objects.filter(job=job).delete()  # a rerun of the job replaces its round
        al_round = ActiveLearningRound.objects.create(
            project=project, job=job, requested_method=params["method"], method=method, reason=reason,
            redundancy=redundancy, batch_size=params["batch_size"], scoring_model=model_row, metrics=metrics,
            scoring_model_kind=params.get("scoring_model", SEGMENTATION),
        )
        rows = []
        for position, frame in enumerate(pool):
            if position in picked:
                rank, score, text = picked[position]
                rows.append(FrameScore(al_round=al_round, frame=frame, score=score, rank=rank, reason=text[:500]))
            elif all_scores is not None:
                rows.append(FrameScore(al_round=al_round, frame=frame, score=float(all_scores[position])))
        FrameScore.objects.bulk_create(rows, batch_size=1000)
    return al_round
