"""Bring your own field: a nerfstudio nerfacto run trained elsewhere imported as a capture's field.

The run is made here by training nerfacto for 2 steps on the CPU on the capture's own frames (our
trainer writes nerfstudio's run layout); its data directory is deleted, as on another machine.
"""
from __future__ import annotations

import importlib.util
import io
import shutil
import zipfile

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from annotate.errors import UserFacingError
from annotate.models import FieldModel, Job
from annotate.services.field_import import IMPORT_MIN_PSNR, import_nerfstudio_run
from annotate.tasks import import_field_task
from tests.annotate.archives import edit_transforms, write_capture_dir, zip_dir

needs_nerfstudio = pytest.mark.skipif(importlib.util.find_spec("nerfstudio") is None,
                                      reason="nerfstudio is not installed (GPU workers install requirements-gpu.txt)")


def fake_run_zip(*, method: str = "nerfacto", checkpoint: bool = True, transforms: bool = True) -> bytes:
    """A zip laid out as a nerfstudio run; the files hold placeholders (enough for the checks at upload)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("outputs/scene/nerfacto/2024/config.yml", f"method_name: {method}\n")
        if checkpoint:
            archive.writestr("outputs/scene/nerfacto/2024/nerfstudio_models/step-000000001.ckpt", b"weights")
        if transforms:
            archive.writestr("outputs/scene/nerfacto/2024/dataparser_transforms.json", "{}")
    return buffer.getvalue()


@pytest.fixture
def trained_run(capture, tmp_path):
    """``(field, run_dir)``: a 2-step nerfacto run on ``capture``'s frames, its training images removed."""
    from annotate.adapters import frame_camera, frame_image
    from nerf_labeling.training import preset, train_field

    config = preset("nerfacto")
    config.max_iterations, config.progress_every, config.eval_every = 2, 1, None
    config.device, config.rays_per_batch, config.work_dir = "cpu", 256, str(tmp_path / "training")
    pairs = [(frame_image(frame).astype(np.float32) / 255.0, frame_camera(frame)) for frame in capture.frames.all()]
    field, _ = train_field(pairs, config)
    shutil.rmtree(tmp_path / "training" / "data")
    return field, tmp_path / "training" / "run"


@pytest.mark.slow
@needs_nerfstudio
def test_an_imported_run_becomes_the_captures_field_and_renders_as_the_field_it_came_from(
    capture, manager, trained_run,
):
    from annotate.adapters import frame_camera, load_trained_field
    from nerf_labeling.cameras import camera_rays

    field, run_dir = trained_run
    # Two training steps cannot reach the real gate (IMPORT_MIN_PSNR); this test is about the import itself.
    job = import_nerfstudio_run(capture=capture, source=run_dir, user=manager, min_psnr=0.0)
    import_field_task(job.id)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    field_model = FieldModel.objects.get(job=job)
    assert (field_model.backend, field_model.preset) == ("nerfacto", "imported")
    assert field_model.metrics["imported"]
    assert field_model.metrics["capture_psnr"] == pytest.approx(field_model.quality["held_out_psnr"], abs=1e-3)
    assert field_model.verdict in ("good", "usable", "poor") and "PSNR" in job.message
    rays = camera_rays(frame_camera(capture.frames.order_by("index")[3]))
    imported = load_trained_field(field_model).render_rays(rays.origins, rays.directions)
    original = field.render_rays(rays.origins, rays.directions)
    for name in ("rgb", "distance", "opacity"):
        np.testing.assert_allclose(getattr(imported, name), getattr(original, name), rtol=0, atol=1e-6, err_msg=name)


@pytest.mark.slow
@needs_nerfstudio
def test_a_run_of_another_world_frame_is_refused_with_its_psnr(project, manager, trained_run, tmp_path):
    from annotate.services.captures import create_capture
    from annotate.tasks import ingest_capture_task

    def shift(data):  # the same scene, its world moved 3 m along x: the run's frame no longer agrees
        for frame in data["frames"]:
            frame["transform_matrix"][0][3] += 3.0

    root = write_capture_dir(tmp_path / "shifted", n_frames=10, width=32, height=24)
    edit_transforms(root, shift)
    other, ingest = create_capture(project=project, user=manager, name="shifted",
                                   archive=ContentFile(zip_dir(root), name="s.zip"))
    ingest_capture_task(ingest.id)
    other.refresh_from_db()
    job = import_nerfstudio_run(capture=other, source=trained_run[1], user=manager)
    import_field_task(job.id)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "does not match capture" in job.error and f"below the {IMPORT_MIN_PSNR:g} dB" in job.error
    assert not FieldModel.objects.filter(capture=other).exists()


@pytest.mark.parametrize("archive, message", [
    (fake_run_zip(checkpoint=False), "has no checkpoint"),
    (fake_run_zip(transforms=False), "has no dataparser_transforms.json"),
    (fake_run_zip(method="splatfacto"), "method is 'splatfacto'"),
    (b"not a zip", "is not a zip archive"),
])
def test_a_run_that_cannot_be_a_field_is_refused_at_once_and_nothing_is_stored(capture, manager, archive, message):
    upload = SimpleUploadedFile("run.zip", archive, content_type="application/zip")
    with pytest.raises(UserFacingError, match=message):
        import_nerfstudio_run(capture=capture, source=upload, user=manager)
    assert not Job.objects.filter(params__preset="imported").exists()


def test_a_directory_without_a_run_is_refused(capture, manager, tmp_path):
    with pytest.raises(UserFacingError, match="holds no config.yml"):
        import_nerfstudio_run(capture=capture, source=tmp_path, user=manager)


def test_importing_through_the_api_is_a_managers_action(capture, manager_api, annotator_api):
    def post(api):
        upload = SimpleUploadedFile("run.zip", fake_run_zip(), content_type="application/zip")
        return api.post(f"/api/captures/{capture.pk}/fields/import/", {"file": upload}, format="multipart")

    refused = post(annotator_api)
    assert refused.status_code == 403 and "manager" in refused.json()["error"]
    accepted = post(manager_api)
    assert accepted.status_code == 202, accepted.json()
    assert accepted.json()["kind"] == "train" and accepted.json()["status"] == "queued"


def test_the_import_field_command_starts_the_job_or_says_what_is_wrong(capture, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    good, bad = tmp_path / "run.zip", tmp_path / "bad.zip"
    good.write_bytes(fake_run_zip())
    bad.write_bytes(fake_run_zip(transforms=False))
    out = io.StringIO()
    call_command("import_field", "--capture", str(capture.pk), str(good), stdout=out)
    job = Job.objects.get(pk=int(out.getvalue()))
    assert job.params["preset"] == "imported" and job.params["queue"] == "gpu"
    job.delete()
    with pytest.raises(CommandError, match="has no dataparser_transforms.json"):
        call_command("import_field", "--capture", str(capture.pk), str(bad), stdout=io.StringIO())
