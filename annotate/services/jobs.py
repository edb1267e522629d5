"""Starting, running, reporting and cancelling jobs.

A job is started inside the caller's transaction and its Celery task is enqueued only after that
transaction commits. The task calls :func:`run_job`, which claims the row, runs the work with a
:class:`JobReporter` and records the outcome; running it twice for one job is harmless.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotate.errors import ConflictError, JobCancelled, UserFacingError
from annotate.models import Job, JobStatus, Project
from annotate.models.jobs import ACTIVE_STATUSES

logger = logging.getLogger(__name__)

#: A job redelivered after its worker died more often than this is failed rather than retried.
MAX_ATTEMPTS = 3


def job_summary(job: Job) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "target": job.target,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
    }


def start_job(
    *,
    kind: str,
    target: str,
    project: Project,
    user=None,
    params: dict | None = None,
    task=None,
) -> Job:
    """Create a queued job and enqueue ``task(job.id)`` once the transaction commits.

    Raises :class:`ConflictError` carrying the running job when one of the same kind and target is
    queued or running.
    """
    expire_stale_jobs()
    running = Job.objects.filter(kind=kind, target=target, status__in=ACTIVE_STATUSES).first()
    if running is not None:
        raise _already_running(running)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, target=target, project=project, created_by=user, params=params or {}
            )
    except IntegrityError:
        # Someone started the same job between our check and our insert.
        running = Job.objects.filter(kind=kind, target=target, status__in=ACTIVE_STATUSES).first()
        if running is None:
            raise
        raise _already_running(running) from None
    if task is not None:
        task.delay_on_commit(job.id)
    return job


def _already_running(job: Job) -> ConflictError:
    return ConflictError(
        f"A {job.get_kind_display().lower()} job for {job.target} is already {job.status} "
        f"(job {job.id}, {job.progress:.0%}).",
        current={"job": job_summary(job)},
    )


def cancel_job(*, job: Job) -> Job:
    """Cancel a queued job at once; ask a running one to stop at its next progress report."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status == JobStatus.QUEUED:
            _finish(job, JobStatus.CANCELLED, message="Cancelled before it started.")
        elif job.status == JobStatus.RUNNING:
            job.cancel_requested = True
            job.message = "Cancelling…"
            job.save(update_fields=["cancel_requested", "message"])
        else:
            raise ConflictError(f"Job {job.id} has already ended ({job.status}).")
    return job


def _heartbeat_deadline():
    return timezone.now() - timedelta(seconds=settings.RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S)


def _is_stale(job: Job) -> bool:
    return job.heartbeat_at is None or job.heartbeat_at < _heartbeat_deadline()


def expire_stale_jobs() -> int:
    """Fail running jobs whose worker stopped reporting; returns how many were failed."""
    return Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=_heartbeat_deadline()).update(
        status=JobStatus.FAILED,
        error="The worker running this job stopped responding; start the job again.",
        finished_at=timezone.now(),
    )


class JobReporter:
    """Handed to the work function: reports progress and raises :class:`JobCancelled` on request.

    Writes are throttled to one every ``min_interval_s`` seconds, except the final ones.
    """

    def __init__(self, job_id: int, *, min_interval_s: float = 0.5):
        self.job_id = job_id
        self.min_interval_s = min_interval_s
        self._last_write = 0.0

    def progress(self, fraction: float, message: str = "", *, force: bool = False, **result) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < self.min_interval_s:
            return
        self._last_write = now
        fields = {
            "progress": min(max(float(fraction), 0.0), 1.0),
            "heartbeat_at": timezone.now(),
        }
        if message:
            fields["message"] = message[:500]
        Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(**fields)
        if result:
            self.update_result(**result)
        self.check_cancelled()

    def update_result(self, **values) -> None:
        """Merge ``values`` into the job's result (e.g. a training curve visible while it runs)."""
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=self.job_id)
            job.result = {**job.result, **values}
            job.save(update_fields=["result"])

    def check_cancelled(self) -> None:
        if Job.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            raise JobCancelled()


def run_job(job_id: int, work: Callable[[Job, JobReporter], dict | None]) -> None:
    """Claim job ``job_id``, run ``work`` and record the outcome. Safe to call twice."""
    job = _claim(job_id)
    if job is None:
        return
    reporter = JobReporter(job.id)
    try:
        result = work(job, reporter) or {}
    except JobCancelled:
        _finish_by_id(job.id, JobStatus.CANCELLED, message="Cancelled.")
    except UserFacingError as error:
        _finish_by_id(job.id, JobStatus.FAILED, error=str(error))
    except Exception as error:  # the job must end visibly, whatever broke
        logger.exception("Job %s (%s) failed", job.id, job.kind)
        _finish_by_id(
            job.id, JobStatus.FAILED, error=f"Internal error ({type(error).__name__}): {error}"
        )
    else:
        _finish_by_id(job.id, JobStatus.SUCCEEDED, result=result, progress=1.0, message="Done.")


def _claim(job_id: int) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in ACTIVE_STATUSES:
            return None  # deleted, or a duplicate delivery of a finished job
        if job.status == JobStatus.RUNNING and not _is_stale(job):
            return None  # another worker is on it (a broker may deliver a long task twice)
        if job.cancel_requested:
            _finish(job, JobStatus.CANCELLED, message="Cancelled.")
            return None
        if job.attempts >= MAX_ATTEMPTS:
            _finish(
                job,
                JobStatus.FAILED,
                error=f"The worker stopped during this job {job.attempts} times; giving up.",
            )
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.heartbeat_at = timezone.now()
        job.progress = 0.0
        job.message = "Started." if job.attempts == 1 else f"Restarted (attempt {job.attempts})."
        job.save()
        return job


def _finish_by_id(job_id: int, status: str, **fields) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        _finish(job, status, **fields)


def _finish(job: Job, status: str, **fields) -> None:
    job.status = status
    job.finished_at = timezone.now()
    if "result" in fields:
        fields["result"] = {**job.result, **fields["result"]}
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
