"""Starting, running, reporting and cancelling jobs.

A job is started inside the caller's transaction and its Celery task is enqueued only after that
transaction commits. Services name the work a job does (:data:`JOB_TASKS`' key), never the task, so they
never import ``annotate.tasks``. The task calls :func:`run_job`, which claims the row, runs the work with
a :class:`JobReporter` and records the outcome; running it twice for one job is harmless.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from celery import Task
from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from annotate.errors import (
    USER_FACING_ERRORS,
    ConflictError,
    JobCancelled,
    JobNoLongerOwned,
    ServiceUnavailableError,
)
from annotate.models import Job, JobStatus, Project
from annotate.models.jobs import ACTIVE_STATUSES

logger = logging.getLogger(__name__)

#: A job redelivered after its worker died more often than this is failed rather than retried.
MAX_ATTEMPTS = 3

QUEUE_UNREACHABLE = (
    "Could not start the job: the task queue is unreachable. Try again in a minute; if this keeps "
    "happening, ask an administrator to check the broker (CELERY_BROKER_URL)."
)

#: Pauses (seconds) between tries to record that a job could not start because the database was busy.
START_FAILURE_RETRY_DELAYS_S = (0.0, 0.5, 1.0, 2.0, 4.0)


#: The Celery task that runs each kind of work, by name: a job kind, or ``import_field`` (a train-kind job
#: that imports a field instead). ``annotate.tasks`` fills it; the app loads that module when it is ready.
JOB_TASKS: dict[str, Task] = {}


def job_task(work: str) -> Callable[[Task], Task]:
    """Decorator registering the Celery task that runs jobs doing ``work``; refuses a name already taken."""

    def register(task: Task) -> Task:
        if work in JOB_TASKS:
            raise ValueError(f"a task for {work!r} jobs is already registered")
        JOB_TASKS[work] = task
        return task

    return register


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
    work: str | None = None,
    queue: str | None = None,
) -> Job:
    """Create a queued job and enqueue the task registered for ``work`` once the transaction commits.

    ``work`` is a key of :data:`JOB_TASKS`; None creates the row alone (nothing is enqueued).

    ``queue`` names the Celery queue to send it to (e.g. a training preset's ``cpu`` or ``gpu``) and is
    recorded in the job's params, so anyone can tell which workers it waits for; None keeps the task's
    route from ``CELERY_TASK_ROUTES``.

    Raises :class:`ConflictError` carrying the running job when one of the same kind and target is
    queued or running.
    """
    if work is not None and work not in JOB_TASKS:
        raise LookupError(f"No task runs {work!r} jobs: annotate.tasks registers them when the app is ready.")
    expire_stale_jobs()
    running = Job.objects.filter(kind=kind, target=target, status__in=ACTIVE_STATUSES).first()
    if running is not None:
        raise _already_running(running)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, target=target, project=project, created_by=user,
                params={**(params or {}), **({"queue": queue} if queue else {})},
            )
    except IntegrityError:
        # Someone started the same job between our check and our insert.
        running = Job.objects.filter(kind=kind, target=target, status__in=ACTIVE_STATUSES).first()
        if running is None:
            raise
        raise _already_running(running) from None
    if work is not None:
        transaction.on_commit(lambda: _enqueue(job, JOB_TASKS[work], queue))
    return job


def _enqueue(job: Job, task: Task, queue: str | None = None) -> None:
    """Send ``task(job.id)`` to the broker; if the broker cannot be reached, fail the job and say so.

    Runs after the job row is committed, so the failed row stays visible and frees its target: the
    same job can be started again at once, instead of answering 409 for a job no worker will ever see.
    """
    try:
        if queue is None:
            task.delay(job.id)
        else:
            task.apply_async((job.id,), queue=queue)
    except (BrokerError, OSError) as error:
        logger.error("Could not enqueue job %s (%s): %s", job.id, job.kind, error)
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, error=QUEUE_UNREACHABLE, message="Not started.", finished_at=timezone.now()
        )
        job.refresh_from_db()
        raise ServiceUnavailableError(QUEUE_UNREACHABLE) from error


def _already_running(job: Job) -> ConflictError:
    return ConflictError(
        f"A {job.get_kind_display().lower()} job for {job.target} is already {job.status} "
        f"(job {job.id}, {job.progress:.0%}).",
        current={"job": job_summary(job)},
    )


def cancel_job(*, job: Job) -> Job:
    """Cancel a queued job at once; ask a running one to stop (at its next report, or mid-step through
    ``reporter.stop_requested``; work that does neither ends cancelled after the heartbeat timeout)."""
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
    """Fail running jobs whose worker stopped reporting and queued jobs no worker started in time.

    A silent job whose cancel was requested ends cancelled, not failed: its heartbeat stops at the cancel
    (:class:`Heartbeat`), so work stuck in one long step still ends. Returns how many jobs were ended. A worker still busy with a failed job notices at its next report
    (:class:`JobReporter` raises :class:`JobNoLongerOwned`) and records nothing.
    """
    stale = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=_heartbeat_deadline())
    cancelled = stale.filter(cancel_requested=True).update(
        status=JobStatus.CANCELLED,
        message="Cancelled.",
        finished_at=timezone.now(),
    )
    silent = stale.filter(cancel_requested=False).update(
        status=JobStatus.FAILED,
        error="The worker running this job stopped responding; start the job again.",
        finished_at=timezone.now(),
    )
    claim_timeout_s = settings.RAYLABEL_JOB_CLAIM_TIMEOUT_S
    unclaimed = Job.objects.filter(
        status=JobStatus.QUEUED, created_at__lt=timezone.now() - timedelta(seconds=claim_timeout_s)
    ).update(
        status=JobStatus.FAILED,
        error=(
            f"No worker started this job within {_duration(claim_timeout_s)}: check that a Celery worker "
            "is running for its queue, then start the job again."
        ),
        finished_at=timezone.now(),
    )
    return cancelled + silent + unclaimed


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


class JobReporter:
    """Handed to the work function: reports progress and raises :class:`JobCancelled` on request.

    Each written report is also the job's heartbeat. It raises :class:`JobNoLongerOwned` once the row is
    no longer this worker's (failed as silent, or restarted by a newer ``attempt``), so stale work stops
    instead of overwriting what the user now sees. Writes are throttled to one every ``min_interval_s``
    seconds, except forced ones.
    """

    def __init__(self, job_id: int, *, attempt: int | None = None, min_interval_s: float = 0.5):
        self.job_id = job_id
        self.attempt = attempt
        self.min_interval_s = min_interval_s
        self._last_write = 0.0
        #: set by the job's heartbeat thread once a cancel is requested: work that cannot report in the
        #: middle of a long step (a feature extraction) reads it there and stops
        self.stop_requested = False

    def _owned_rows(self):
        """The job's row while it is running as this worker's attempt (empty once it is not)."""
        rows = Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING)
        return rows if self.attempt is None else rows.filter(attempts=self.attempt)

    def _lost(self) -> JobNoLongerOwned:
        return JobNoLongerOwned(f"job {self.job_id} (attempt {self.attempt}) is no longer run by this worker")

    def ensure_owned(self) -> None:
        """Raise :class:`JobNoLongerOwned` unless the job is still this worker's.

        Inside a transaction it locks the row, so the job cannot be failed or taken over before the
        transaction (which writes the job's results) commits.
        """
        rows = self._owned_rows()
        if transaction.get_connection().in_atomic_block:
            rows = rows.select_for_update()
        if rows.values_list("pk", flat=True).first() is None:
            raise self._lost()

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
        if not self._owned_rows().update(**fields):
            raise self._lost()
        if result:
            self.update_result(**result)
        self.check_cancelled()

    def beat(self) -> bool:
        """Mark the job alive without reporting progress; False once it is no longer this worker's."""
        return bool(self._owned_rows().update(heartbeat_at=timezone.now()))

    def update_result(self, **values) -> None:
        """Merge ``values`` into the job's result (e.g. a training curve visible while it runs)."""
        with transaction.atomic():
            job = self._owned_rows().select_for_update().first()
            if job is None:
                raise self._lost()
            job.result = {**job.result, **values}
            job.save(update_fields=["result"])

    def check_cancelled(self) -> None:
        if Job.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            raise JobCancelled()


class Heartbeat:
    """While the work runs, a thread marks the job alive every quarter of the heartbeat timeout.

    The web process fails a running job whose heartbeat is older than ``RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S``:
    that must mean its worker died, never that one step (a training step on a loaded machine, a feature
    extraction over a large capture) took long between two progress reports. The thread also watches for
    a cancel: it raises ``reporter.stop_requested`` for work that can stop mid-step, and stops beating, so
    work that never reaches a report is ended by the timeout as cancelled instead of running on for good.
    Inside a transaction (tests that run a job in their own) the thread is not started: its writes would
    wait on that transaction's lock on the row.
    """

    def __init__(self, reporter: JobReporter):
        self.reporter = reporter
        self.interval_s = min(max(settings.RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S / 4, 0.1), 60.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{reporter.job_id}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        if not connection.in_atomic_block:
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval_s):
                try:
                    if Job.objects.filter(pk=self.reporter.job_id, cancel_requested=True).exists():
                        self.reporter.stop_requested = True
                        return
                    if not self.reporter.beat():
                        return  # failed or taken over: the work notices at its next report
                except DatabaseError:
                    logger.warning("Job %s: a heartbeat could not be written; trying again", self.reporter.job_id)
                    connection.close()  # a broken connection is reopened by the next query
        finally:
            connection.close()  # this thread's own connection


def run_job(job_id: int, work: Callable[..., dict | None]) -> None:
    """Claim job ``job_id``, run ``work(job=..., reporter=...)`` and record the outcome. Safe to call twice.

    The outcome is recorded only while the job is still this attempt's: a job failed meanwhile (its
    worker went silent too long) or restarted elsewhere keeps what it shows.
    """
    job = _claim_or_fail(job_id)
    if job is None:
        return
    reporter = JobReporter(job.id, attempt=job.attempts)
    try:
        with Heartbeat(reporter):
            result = work(job=job, reporter=reporter) or {}
    except JobNoLongerOwned:
        logger.warning("Job %s attempt %s stopped: the job was failed or taken over", job.id, job.attempts)
        return
    except JobCancelled:
        _finish_by_id(job.id, JobStatus.CANCELLED, attempt=job.attempts, message="Cancelled.")
    except USER_FACING_ERRORS as error:
        _finish_by_id(job.id, JobStatus.FAILED, attempt=job.attempts, error=str(error))
    except OperationalError as error:
        logger.exception("Job %s (%s) lost its database", job.id, job.kind)
        _finish_by_id(job.id, JobStatus.FAILED, attempt=job.attempts,
                      error=f"The database was busy or unreachable while this job ran ({error}); start it again.")
    except Exception as error:  # the job must end visibly, whatever broke
        logger.exception("Job %s (%s) failed", job.id, job.kind)
        _finish_by_id(
            job.id, JobStatus.FAILED, attempt=job.attempts, error=f"Internal error ({type(error).__name__}): {error}"
        )
    else:
        message = str(result.pop("message", "Done."))  # work may say more than "Done.", e.g. that it was cut short
        _finish_by_id(
            job.id, JobStatus.SUCCEEDED, attempt=job.attempts, result=result, progress=1.0, message=message
        )


def _claim_or_fail(job_id: int) -> Job | None:
    """Claim the job; if the database refuses (locked, unreachable), fail the job visibly.

    The broker considers the task delivered either way, so a job left queued here would never run.
    """
    try:
        return _claim(job_id)
    except OperationalError as error:
        logger.exception("Job %s could not be claimed", job_id)
        _fail_unstarted(
            job_id, f"The job could not start because the database was busy or unreachable ({error}); start it again."
        )
        return None


def _fail_unstarted(job_id: int, error: str) -> None:
    """Mark a queued job failed, waiting out a briefly busy database; logs if it never can."""
    for delay_s in START_FAILURE_RETRY_DELAYS_S:
        time.sleep(delay_s)
        try:
            Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
                status=JobStatus.FAILED, error=error[:2000], message="Not started.", finished_at=timezone.now()
            )
            return
        except OperationalError:
            logger.warning("Could not yet record that job %s failed to start", job_id)
    logger.error("Job %s stays queued: the database refused every write; the claim timeout will fail it", job_id)


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


def _finish_by_id(job_id: int, status: str, *, attempt: int, **fields) -> bool:
    """Record the outcome of ``attempt``; refused (False) when the job is no longer that attempt's."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != JobStatus.RUNNING or job.attempts != attempt:
            logger.warning(
                "Not recording %s for job %s attempt %s: the job is %s (attempt %s)",
                status, job_id, attempt, job.status, job.attempts,
            )
            return False
        _finish(job, status, **fields)
        return True


def _finish(job: Job, status: str, **fields) -> None:
    job.status = status
    job.finished_at = timezone.now()
    if "result" in fields:
        fields["result"] = {**job.result, **fields["result"]}
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
