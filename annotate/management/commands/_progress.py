"""Follow a job from the command line with a progress bar; shared by the management commands."""
import time

from django.core.management.base import CommandError
from tqdm import tqdm

from annotate.management.commands._workers import require_a_worker_for
from annotate.models import Job, JobStatus

#: How long a job may sit queued before the command asks whether any worker listens, and how often after.
WORKER_CHECK_AFTER_S = 3.0
WORKER_CHECK_EVERY_S = 30.0


def format_duration(seconds: float) -> str:
    """``45 s``, ``3 min 05 s``, ``1 h 02 min`` (as the browser's job panels write it)."""
    total = max(0, round(seconds))
    if total < 60:
        return f"{total} s"
    minutes = total // 60
    if minutes < 60:
        return f"{minutes} min {total % 60:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def job_timing(job: Job) -> str:
    """``3 min 05 s elapsed, about 1 min 30 s left`` from the job's ``result.elapsed_s``/``eta_s``; '' without them."""
    result = job.result or {}
    if not isinstance(result.get("elapsed_s"), (int, float)):
        return ""
    text = f"{format_duration(result['elapsed_s'])} elapsed"
    if job.status == JobStatus.RUNNING and isinstance(result.get("eta_s"), (int, float)):
        text += f", about {format_duration(result['eta_s'])} left"
    return text


def wait_for_job(job: Job, *, stdout, poll_s: float = 0.5, describe=None) -> Job:
    """Block until ``job`` ends, drawing its progress; raise CommandError if it did not succeed.

    A job still queued after a few seconds with no worker listening on its queue would wait at 0 %
    forever: the command says so and stops waiting (the job stays queued for a worker started later).
    """
    next_check = time.monotonic() + WORKER_CHECK_AFTER_S
    with tqdm(total=100, desc=job.get_kind_display(), unit="%", file=stdout, leave=True) as bar:
        while True:
            job.refresh_from_db()
            bar.n = round(job.progress * 100)
            status = describe(job) if describe else job.message[:60]
            bar.set_postfix_str(" · ".join(filter(None, [status, job_timing(job)])), refresh=False)
            bar.refresh()
            if not job.is_active:
                break
            if job.status == JobStatus.QUEUED and time.monotonic() >= next_check:
                require_a_worker_for(job)
                next_check = time.monotonic() + WORKER_CHECK_EVERY_S
            time.sleep(poll_s)
    if job.status != JobStatus.SUCCEEDED:
        raise CommandError(f"Job {job.id} {job.status}: {job.error or job.message}")
    return job
