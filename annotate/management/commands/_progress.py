"""Follow a job from the command line with a progress bar; shared by the management commands."""
import time

from django.core.management.base import CommandError
from tqdm import tqdm

from annotate.models import Job, JobStatus


def wait_for_job(job: Job, *, stdout, poll_s: float = 0.5, describe=None) -> Job:
    """Block until ``job`` ends, drawing its progress; raise CommandError if it did not succeed."""
    with tqdm(total=100, desc=job.get_kind_display(), unit="%", file=stdout, leave=True) as bar:
        while True:
            job.refresh_from_db()
            bar.n = round(job.progress * 100)
            bar.set_postfix_str(describe(job) if describe else job.message[:60], refresh=False)
            bar.refresh()
            if not job.is_active:
                break
            time.sleep(poll_s)
    if job.status != JobStatus.SUCCEEDED:
        raise CommandError(f"Job {job.id} {job.status}: {job.error or job.message}")
    return job
