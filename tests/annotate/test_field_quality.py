"""The field's quality verdict in the platform: stored after training, enforced before labels, carried by labels."""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotate.models import FieldModel, FrameLabel, Job, JobKind
from annotate.services.labels import start_render
from annotate.services.scene_objects import import_objects
from annotate.tasks import render_labels_task, train_field_task
from nerf_labeling.fields.quality import judge
from tests.annotate.scenes import _wait_until_ended, exact_scene_capture

BOX = {"objects": [{"instance_id": 1, "class": "box", "center": [0.0, 0.0, 0.25], "size": [0.6, 0.4, 0.5],
                    "rotation": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}]}


@pytest.fixture
def poorly_trained(capture, manager, manager_api):
    """The tiny capture with a box, trained for grid-fast's 60 iterations with a render asked for after."""
    import_objects(capture=capture, user=manager, data=BOX)
    response = manager_api.post(f"/api/captures/{capture.pk}/train/", {"preset": "grid-fast", "render_after": True},
                                format="json")
    train_field_task(response.json()["id"])
    return manager_api.get(f"/api/jobs/{response.json()['id']}/").json()


def _run_render(job_id: int) -> Job:
    render_labels_task(job_id)
    return Job.objects.get(pk=job_id)


def test_a_barely_trained_field_is_judged_poor_and_its_render_after_training_is_skipped(capture, poorly_trained, manager_api):
    job = poorly_trained
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["verdict"] == "poor"
    quality = job["result"]["quality"]
    assert quality["held_out_psnr"] < quality["thresholds"]["held_out_psnr"]["usable"]
    assert {entry["index"] for entry in quality["frames"]} <= set(capture.frames.values_list("index", flat=True))
    assert [e["index"] for e in quality["frames"] if e["held_out_psnr"] is not None] == [9]  # the held-out frame
    render = job["result"]["render"]
    assert render["job"] is None and "judged poor" in render["reason"] and "allow_poor_field" in render["reason"]
    assert "Field quality poor" in job["message"] and "Labels were not rendered" in job["message"]
    assert not Job.objects.filter(kind=JobKind.RENDER).exists()

    field = manager_api.get(f"/api/captures/{capture.pk}/fields/").json()["results"][0]
    assert (field["verdict"], field["quality"]) == ("poor", quality)


def test_rendering_from_a_poor_field_needs_the_override_and_its_labels_say_poor(capture, poorly_trained, manager_api):
    refused = manager_api.post(f"/api/captures/{capture.pk}/render/")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert "judged poor" in error and "held-out PSNR" in error and '"allow_poor_field": true' in error
    assert not Job.objects.filter(kind=JobKind.RENDER).exists()

    accepted = manager_api.post(f"/api/captures/{capture.pk}/render/", {"allow_poor_field": True}, format="json")
    assert accepted.status_code == 202, accepted.json()
    job = _run_render(accepted.json()["id"])
    assert job.status == "succeeded", job.error
    assert job.result["field_verdict"] == "poor"
    assert set(FrameLabel.objects.filter(frame__capture=capture).values_list("field_verdict", flat=True)) == {"poor"}
    frame = capture.frames.first()
    assert manager_api.get(f"/api/frames/{frame.pk}/labels/").json()["field_verdict"] == "poor"


def test_labels_from_the_exact_field_carry_its_good_verdict(project, manager, manager_api, tmp_path):
    capture, _ = exact_scene_capture(project, manager, tmp_path)
    assert FieldModel.objects.get(capture=capture).verdict == "good"
    job = _run_render(start_render(capture=capture, user=manager).pk)
    assert job.status == "succeeded", job.error
    frame = capture.frames.first()
    assert manager_api.get(f"/api/frames/{frame.pk}/labels/").json()["field_verdict"] == "good"


def test_a_queued_render_does_not_use_a_poor_field_trained_after_it_was_queued(project, manager, tmp_path):
    capture, _ = exact_scene_capture(project, manager, tmp_path)
    job = start_render(capture=capture, user=manager)
    exact = FieldModel.objects.get(capture=capture)
    verdict, reasons = judge(held_out_psnr=26.0, depth_disagreement=0.002, crisp_fraction=0.0)
    FieldModel.objects.create(  # a newer field, judged poor, now the capture's current one
        capture=capture, backend=exact.backend, preset="grid-fast", checkpoint=exact.checkpoint.name,
        verdict=verdict, quality={"verdict": verdict, "reasons": reasons},
    )
    job = _run_render(job.pk)
    assert job.status == "failed" and "judged poor" in job.error and "crisp surface is 0%" in job.error
    assert not FrameLabel.objects.filter(frame__capture=capture).exists()


def test_render_labels_command_refuses_a_poor_field_unless_told_to_allow_it(capture, poorly_trained):
    with pytest.raises(CommandError, match=r"judged poor.*--allow-poor-field"):
        call_command("render_labels", str(capture.pk), stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("render_labels", str(capture.pk), "--allow-poor-field", stdout=out, stderr=io.StringIO())
    job = Job.objects.get(pk=int(out.getvalue().strip()))
    assert (job.kind, job.params["allow_poor_field"]) == ("render", True)


@pytest.mark.django_db(transaction=True)
def test_train_nerf_prints_the_verdict_and_its_figures(celery_worker_process, tiny_capture):
    _wait_until_ended(Job.objects.get(kind=JobKind.INGEST))  # the worker may have taken the ingest first
    err = io.StringIO()
    call_command("train_nerf", str(tiny_capture.pk), "--preset", "grid-fast", "--wait", stdout=io.StringIO(), stderr=err)
    printed = err.getvalue()
    assert "Field quality poor: held-out PSNR" in printed and "crisp surface on" in printed
    assert "a usable field needs" in printed  # the reasons, one per line
