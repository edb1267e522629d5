"""Training jobs go to their preset's queue, report elapsed time and time left, and say when a cap cut them short."""
import base64
import io
import json

import pytest
import redis
from django.conf import settings

from annotate.management.commands._progress import job_timing, wait_for_job
from annotate.models import Capture, CaptureStatus, Job, JobKind, JobStatus
from annotate.services.training import PRESET_CATALOG, estimate_time_left, start_training
from annotate.tasks import train_field_task
from nerf_labeling.training import TrainingProgress

QUEUES = ("cpu", "gpu")


@pytest.fixture
def broker():
    """The test's own Redis broker, its queue lists emptied before and after (no worker consumes it)."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("this test needs the Redis broker: set CELERY_BROKER_URL (as `make test` does)")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*QUEUES)
    yield client
    client.delete(*QUEUES)


def _queued_train_jobs(client, queue: str) -> list[int]:
    """Job ids of the training tasks waiting in the Redis list of ``queue``."""
    ids = []
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == "annotate.tasks.train_field_task":
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))  # Celery's message protocol 2
            ids.append(args[0])
    return ids


def test_training_jobs_are_enqueued_on_the_queue_their_preset_names(transactional_db, broker, project, manager):
    assert {entry["queue"] for entry in PRESET_CATALOG.values()} == set(QUEUES)
    jobs = {}
    for name in PRESET_CATALOG:
        capture = Capture.objects.create(project=project, name=name, status=CaptureStatus.READY)
        jobs[name] = start_training(capture=capture, user=manager, preset=name).pk
    for queue in QUEUES:
        expected = sorted(jobs[name] for name, entry in PRESET_CATALOG.items() if entry["queue"] == queue)
        assert sorted(_queued_train_jobs(broker, queue)) == expected, queue


def test_a_time_cap_that_stops_training_early_is_reported_as_cut_short(capture, manager):
    job = start_training(capture=capture, user=manager, preset="grid-default", max_seconds=1.0)
    train_field_task(job.id)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["cut_short"] is True and job.result["metrics"]["cut_short"] is True
    assert 0 < job.result["iterations"] < job.result["planned_iterations"] == 2000
    assert "cut short by the 1 s time cap" in job.message and f"of {job.result['planned_iterations']}" in job.message


def test_a_finished_training_reports_its_elapsed_time_and_all_its_iterations(capture, manager):
    job = start_training(capture=capture, user=manager, preset="grid-fast")
    train_field_task(job.id)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.result["cut_short"], job.result["iterations"], job.result["planned_iterations"]) == (False, 60, 60)
    assert job.result["elapsed_s"] > 0 and job.result["eta_s"] == 0
    assert job.message.startswith("Done. Field quality ") and "cut short" not in job.message


def test_the_time_left_follows_the_pace_so_far_and_stops_at_a_cap():
    assert estimate_time_left(TrainingProgress(0, 100, 1.0, 0.0), None) is None
    assert estimate_time_left(TrainingProgress(25, 100, 1.0, 10.0), None) == 30.0
    assert estimate_time_left(TrainingProgress(25, 100, 1.0, 10.0), 15.0) == 5.0


def test_the_cli_progress_bar_shows_elapsed_time_and_time_left(project):
    running = Job(kind=JobKind.TRAIN, status=JobStatus.RUNNING, result={"elapsed_s": 65.0, "eta_s": 130.0})
    assert job_timing(running) == "1 min 05 s elapsed, about 2 min 10 s left"
    assert job_timing(Job(kind=JobKind.TRAIN, status=JobStatus.RUNNING, result={})) == ""
    done = Job.objects.create(kind=JobKind.TRAIN, target="capture:0", project=project, status=JobStatus.SUCCEEDED,
                              progress=1.0, message="Done.", result={"elapsed_s": 75.0, "eta_s": 0.0})
    out = io.StringIO()
    wait_for_job(done, stdout=out)
    assert "1 min 15 s elapsed" in out.getvalue()


def _queued_jobs(client, queue: str, task: str) -> list[int]:
    """Job ids of ``task`` messages waiting in the Redis list of ``queue``."""
    return [json.loads(base64.b64decode(message["body"]))[0][0] for message in map(json.loads, client.lrange(queue, 0, -1))
            if message["headers"]["task"] == task]


@pytest.mark.parametrize("backend, queue", [("nerfacto", "gpu"), ("voxel-grid", "cpu")])
def test_renders_and_refinements_go_to_the_workers_that_can_load_the_field(transactional_db, broker, project, manager,
                                                                           backend, queue):
    """A nerfacto field loads only where nerfstudio is installed (GPU workers); the CPU image has none."""
    from annotate.management.commands._workers import job_queue
    from annotate.models import FieldModel, LabelClass, SceneObject
    from annotate.services.labels import start_refine, start_render

    capture = Capture.objects.create(project=project, name=backend, status=CaptureStatus.READY)
    FieldModel.objects.create(capture=capture, backend=backend, preset="p", verdict="good", checkpoint="fields/f.zip")
    label_class = LabelClass.objects.create(project=project, name="thing", class_id=1)
    obj = SceneObject.objects.create(capture=capture, instance_id=1, label_class=label_class, kind="mesh", mesh_file="meshes/m.ply", size=[1, 1, 1],
                                     object_to_world=[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    render, refine = start_render(capture=capture, user=manager), start_refine(obj=obj, user=manager)
    assert _queued_jobs(broker, queue, "annotate.tasks.render_labels_task") == [render.pk]
    assert _queued_jobs(broker, queue, "annotate.tasks.refine_object_task") == [refine.pk]
    assert job_queue(render) == job_queue(refine) == queue  # what `--wait` checks a worker listens on
