"""Celery tasks: thin wrappers that load rows, call a service and let ``run_job`` record the outcome.

Every task takes a job id, is safe to run twice, and is routed to a named queue (``cpu`` or ``gpu``).
Heavy libraries are imported inside the services they need, never here: the web process imports this
module to enqueue tasks and must not load torch.
"""
from celery import shared_task

from annotate.services.jobs import run_job


@shared_task
def ingest_capture_task(job_id: int) -> None:
    from annotate.models import Capture
    from annotate.services.captures import ingest_capture

    def work(job, reporter):
        capture = Capture.objects.get(pk=job.params["capture_id"])
        return ingest_capture(capture=capture, reporter=reporter)

    run_job(job_id, work)
