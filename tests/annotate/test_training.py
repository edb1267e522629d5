"""Training a capture's field as a job: progress with a loss/PSNR curve, metrics, preview, cancel."""
import json
import struct
import threading
import time

import numpy as np
import pytest
from django.db import close_old_connections

from annotate.models import FieldModel, Job
from annotate.services.jobs import cancel_job
from annotate.services.training import start_training
from annotate.tasks import train_field_task


def _ply_vertices(data: bytes) -> np.ndarray:
    header, _, body = data.partition(b"end_header\n")
    count = int(next(line.split()[2] for line in header.decode().splitlines() if line.startswith("element vertex")))
    record = struct.Struct("<fffBBB")
    assert len(body) == count * record.size
    return np.array([record.unpack_from(body, i * record.size)[:3] for i in range(count)]).reshape(-1, 3)


def test_a_training_job_records_a_curve_metrics_and_serves_a_preview(capture, manager, manager_api):
    response = manager_api.post(f"/api/captures/{capture.pk}/train/", {"preset": "grid-fast"}, format="json")
    assert response.status_code == 202, response.json()
    assert manager_api.post(f"/api/captures/{capture.pk}/train/", {"preset": "grid-fast"}, format="json").status_code == 409
    train_field_task(response.json()["id"])
    job = manager_api.get(f"/api/jobs/{response.json()['id']}/").json()
    assert job["status"] == "succeeded", job["error"]
    iterations = [point[0] for point in job["result"]["curve"]]
    assert iterations == sorted(iterations) and iterations[-1] == job["result"]["metrics"]["iterations"]
    assert job["result"]["metrics"]["held_out_psnr"] > 0

    fields = manager_api.get(f"/api/captures/{capture.pk}/fields/").json()["results"]
    assert [f["preset"] for f in fields] == ["grid-fast"]
    preview = b"".join(manager_api.get(fields[0]["preview_url"]).streaming_content)
    assert preview.startswith(b"ply\nformat binary_little_endian 1.0\n")
    # 60 iterations leave few crisp surfaces, so the cloud may be sparse; it must still be well formed.
    assert np.isfinite(_ply_vertices(preview)).all()
    cameras = json.loads(b"".join(manager_api.get(fields[0]["cameras_url"]).streaming_content))
    assert len(cameras["frames"]) == 10


def test_the_trained_field_loads_back_in_a_worker_and_renders(capture, manager):
    from annotate.adapters import frame_camera, load_trained_field
    from nerf_labeling.fields import render_view

    job = start_training(capture=capture, user=manager, preset="grid-fast")
    train_field_task(job.id)
    field = load_trained_field(FieldModel.objects.get(job=job))
    view = render_view(field, frame_camera(capture.frames.first()))
    assert view.depth.shape == (24, 32) and np.isfinite(view.depth).all()


def test_unknown_presets_and_unready_captures_are_refused(capture, manager_api, project):
    response = manager_api.post(f"/api/captures/{capture.pk}/train/", {"preset": "turbo"}, format="json")
    assert response.status_code == 400 and "grid-default" in response.json()["error"]
    from annotate.models import Capture

    pending = Capture.objects.create(project=project, name="pending")
    assert manager_api.post(f"/api/captures/{pending.pk}/train/").status_code == 409


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_training_stops_it_and_stores_nothing(capture, manager):
    job = start_training(capture=capture, user=manager, preset="grid-default")
    worker = threading.Thread(target=lambda: (train_field_task(job.id), close_old_connections()))
    worker.start()
    deadline = time.monotonic() + 120
    while not Job.objects.get(pk=job.pk).result.get("curve") and time.monotonic() < deadline:
        time.sleep(0.2)  # wait until training reports its first iterations
    cancel_job(job=Job.objects.get(pk=job.pk))
    worker.join(timeout=120)
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert job.result["curve"][-1][0] < 2000  # stopped long before the preset's last iteration
    assert not FieldModel.objects.filter(job=job).exists()


def test_train_nerf_command_queues_a_training_that_renders_after(capture):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("train_nerf", capture.pk, "--preset", "grid-fast", "--render-after", stdout=out)
    job = Job.objects.get(pk=int(out.getvalue().strip()))
    assert (job.kind, job.params["preset"], job.params["render_after"]) == ("train", "grid-fast", True)
