"""A job whose claim the database refuses (a lock it cannot get in time) ends failed with a reason.

The broker has delivered the task either way, so a job left queued here would never run. Another
connection holds the job row's lock while the worker's connection allows itself only a short wait.
"""
import threading

import pytest
from django.db import connection, connections, transaction

from annotate.models import Job, JobKind, JobStatus
from annotate.services.jobs import run_job, start_job


def _hold_row_lock(job_id: int, locked: threading.Event, hold_s: float) -> None:
    try:
        with transaction.atomic():
            Job.objects.select_for_update().get(pk=job_id)
            locked.set()
            threading.Event().wait(hold_s)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_job_that_cannot_be_claimed_ends_failed_not_queued(project):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with a lock timeout need PostgreSQL")
    job = start_job(kind=JobKind.INGEST, target="capture:1", project=project)
    locked = threading.Event()
    holder = threading.Thread(target=_hold_row_lock, args=(job.id, locked, 0.3))
    holder.start()
    assert locked.wait(30)
    ran = []
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '100ms'")
    try:
        run_job(job.id, lambda job, reporter: ran.append(job.id))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        holder.join()
    job.refresh_from_db()
    assert ran == []
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("The job could not start because the database was busy or unreachable")
    assert job.finished_at is not None
