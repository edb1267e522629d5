"""Celery tasks: thin wrappers that hand a job id to a service and let ``run_job`` record the outcome.

Every task takes a job id, is safe to run twice, and is routed to a named queue (``cpu`` or ``gpu``).
Each registers itself as the task of its kind of work (:func:`~annotate.services.jobs.job_task`), so
services start jobs by kind and never import this module. Heavy libraries are imported inside the
services' work functions, never at module level: the web process imports this module and must not load torch.
"""
from celery import shared_task

from annotate.models import JobKind
from annotate.services.active_learning import run_round
from annotate.services.captures import ingest_capture
from annotate.services.exports import run_export
from annotate.services.field_import import IMPORT_FIELD, import_capture_field
from annotate.services.jobs import job_task, run_job
from annotate.services.labels import refine_object, render_capture_labels
from annotate.services.orchestration import train_then_follow_up


@job_task(JobKind.INGEST)
@shared_task
def ingest_capture_task(job_id: int) -> None:
    run_job(job_id, ingest_capture)


@job_task(JobKind.TRAIN)
@shared_task
def train_field_task(job_id: int) -> None:
    run_job(job_id, train_then_follow_up)


@job_task(JobKind.RENDER)
@shared_task
def render_labels_task(job_id: int) -> None:
    run_job(job_id, render_capture_labels)


@job_task(JobKind.REFINE)
@shared_task
def refine_object_task(job_id: int) -> None:
    run_job(job_id, refine_object)


@job_task(JobKind.EXPORT)
@shared_task
def export_dataset_task(job_id: int) -> None:
    run_job(job_id, run_export)


@job_task(JobKind.AL_ROUND)
@shared_task
def active_learning_round_task(job_id: int) -> None:
    run_job(job_id, run_round)


@job_task(IMPORT_FIELD)
@shared_task
def import_field_task(job_id: int) -> None:
    run_job(job_id, import_capture_field)
