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

    run_job(job_id, lambda job, reporter: ingest_capture(
        capture=Capture.objects.get(pk=job.params["capture_id"]), reporter=reporter))


@shared_task
def train_field_task(job_id: int) -> None:
    from annotate.services.training import train_capture

    run_job(job_id, lambda job, reporter: train_capture(job=job, reporter=reporter))


@shared_task
def render_labels_task(job_id: int) -> None:
    from annotate.services.labels import render_capture_labels

    run_job(job_id, lambda job, reporter: render_capture_labels(job=job, reporter=reporter))


@shared_task
def refine_object_task(job_id: int) -> None:
    from annotate.services.labels import refine_object

    run_job(job_id, lambda job, reporter: refine_object(job=job, reporter=reporter))


@shared_task
def export_dataset_task(job_id: int) -> None:
    from annotate.services.exports import run_export

    run_job(job_id, lambda job, reporter: run_export(job=job, reporter=reporter))


@shared_task
def active_learning_round_task(job_id: int) -> None:
    from annotate.services.active_learning import run_round

    run_job(job_id, lambda job, reporter: run_round(job=job, reporter=reporter))


@shared_task
def import_field_task(job_id: int) -> None:
    from annotate.services.field_import import import_capture_field

    run_job(job_id, lambda job, reporter: import_capture_field(job=job, reporter=reporter))
