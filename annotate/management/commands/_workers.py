"""Whether a Celery worker listens on the queue a job waits in; used by the commands' ``--wait``."""
from django.core.management.base import CommandError
from kombu.exceptions import KombuError

from annotate.models import Job, JobKind, JobStatus
from annotate.services.jobs import JOB_TASKS
from annotate.services.training import preset_queue

#: How long workers get to answer; a worker busy in a prefork pool still answers at once.
ANSWER_TIMEOUT_S = 1.5
START_A_WORKER = "celery -A config worker -Q cpu,gpu"


def job_queue(job: Job) -> str:
    """The queue ``job`` was sent to: the one ``start_job`` recorded, else its task's route."""
    from config.celery import app

    if job.params.get("queue"):
        return job.params["queue"]
    if job.kind == JobKind.TRAIN:  # a job queued before queues were recorded: its preset names it
        return preset_queue(job.params.get("preset"))
    return app.amqp.router.route({}, JOB_TASKS[job.kind].name)["queue"].name  # the task's route (CELERY_TASK_ROUTES)


def workers_listening_on(queue: str) -> list[str] | None:
    """Names of the workers that answer and consume ``queue``; None when the broker cannot be asked."""
    from config.celery import app

    try:
        replies = app.control.inspect(timeout=ANSWER_TIMEOUT_S).active_queues() or {}
    except (KombuError, OSError, NotImplementedError):
        return None
    return sorted(worker for worker, queues in replies.items() if any(q.get("name") == queue for q in queues or ()))


def require_a_worker_for(job: Job) -> None:
    """Raise CommandError saying how to start a worker when none would ever take ``job``.

    A worker running a task in a single-threaded (solo) pool cannot answer, so while any job is running
    somewhere the silence is taken for a busy worker, not for none.
    """
    queue = job_queue(job)
    if Job.objects.filter(status=JobStatus.RUNNING).exists():
        return
    if workers_listening_on(queue) != []:
        return
    raise CommandError(
        f"Job {job.id} is queued, but no worker listens on the {queue!r} queue, so it will not start. "
        f"Start one with `{START_A_WORKER}`; the job stays queued and runs once a worker is up "
        f"(follow it at /api/jobs/{job.id}/)."
    )
