"""Stored files: keys from ids, images typed by what was decoded, no server paths in messages, no leftovers."""
import json
import os
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from annotate.models import Capture, CaptureStatus, Frame, JobStatus
from annotate.scratch import scratch_dir
from annotate.services.captures import create_capture
from annotate.services.projects import create_label_class, create_project
from annotate.tasks import ingest_capture_task
from tests.annotate.archives import edit_transforms, zip_dir


def _ingest(project, user, data: bytes):
    capture, job = create_capture(project=project, user=user, name="", archive=ContentFile(data, name="capture.zip"))
    ingest_capture_task(job.id)
    capture.refresh_from_db()
    job.refresh_from_db()
    return capture, job


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """A var folder of this test's own, so its scratch holds only what the test puts there."""
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def _stored_files(media_root: Path) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in Path(media_root).rglob("*") if p.is_file())


def _server_folders(media_root) -> list[str]:
    return [tempfile.gettempdir(), str(media_root), str(django_settings.VAR_DIR), str(scratch_dir())]


# --- a PNG named frame.html is stored and served as a PNG -------------------------------------------


def _rename_images_to_html(capture_dir: Path) -> None:
    for image in sorted((capture_dir / "images").glob("*.png")):
        image.rename(image.with_suffix(".html"))
    edit_transforms(capture_dir, lambda data: [f.update(file_path=f["file_path"].replace(".png", ".html"))
                                               for f in data["frames"]])


def test_a_png_named_html_is_stored_as_png_and_served_as_an_image_with_nosniff(
    project, manager, manager_api, capture_dir
):
    _rename_images_to_html(capture_dir)
    capture, job = _ingest(project, manager, zip_dir(capture_dir))
    assert job.status == JobStatus.SUCCEEDED, job.error
    frame = capture.frames.order_by("index").first()
    assert frame.file_name.endswith(".html")  # the user's name is kept as data, not as the storage key
    assert frame.image.name.endswith(".png")
    response = manager_api.get(f"/api/frames/{frame.pk}/image/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "html" not in response.get("Content-Disposition", "")
    thumb = manager_api.get(f"/api/frames/{frame.pk}/thumbnail/")
    assert (thumb["Content-Type"], thumb["X-Content-Type-Options"]) == ("image/jpeg", "nosniff")


def test_a_file_that_was_never_stored_or_is_lost_is_a_404_naming_it(project, manager, manager_api, capture_dir):
    """Found by the API fuzzer: a field without a preview, or a frame whose image left storage, was a 500."""
    from annotate.models import FieldModel

    capture, _ = _ingest(project, manager, zip_dir(capture_dir))
    field_model = FieldModel.objects.create(capture=capture, backend="synthetic", preset="exact", checkpoint="x.zip")
    for what in ("preview", "cameras"):
        response = manager_api.get(f"/api/fields/{field_model.pk}/{what}/")
        assert response.status_code == 404, response.content
        assert what in response.json()["error"]
    frame = capture.frames.order_by("index").first()
    frame.image.storage.delete(frame.image.name)
    response = manager_api.get(f"/api/frames/{frame.pk}/image/")
    assert response.status_code == 404
    assert response.json()["error"] == "The image file is missing from storage."


# --- messages name the user's files, never the server's folders -------------------------------------


@pytest.mark.parametrize(
    "case, build",
    [
        ("no capture in the archive", lambda d: zip_dir(d / "images")),
        ("an image that does not decode", lambda d: ((d / "images" / "frame_00001.png").write_bytes(b"hello"),
                                                     zip_dir(d))[1]),
    ],
)
def test_a_broken_capture_message_names_no_server_path(project, manager, capture_dir, media_root, case, build):
    capture, job = _ingest(project, manager, build(capture_dir))
    assert capture.status == CaptureStatus.FAILED and capture.error
    for folder in _server_folders(media_root):
        assert folder not in capture.error and folder not in job.error, (case, capture.error)


def test_a_broken_mesh_message_names_the_uploaded_file_not_a_temporary_one(annotator_api, project, media_root):
    capture = Capture.objects.create(project=project, name="scene", status=CaptureStatus.READY)
    mug = create_label_class(project=project, name="mug")
    obj = annotator_api.post(
        f"/api/captures/{capture.pk}/objects/", {"label_class": mug.pk, "center": [0, 0, 0], "size": [1, 1, 1]},
        format="json",
    ).json()
    response = annotator_api.post(
        f"/api/objects/{obj['id']}/mesh/", {"file": SimpleUploadedFile("mug.obj", b"this is not a mesh"), "version": 1},
        format="multipart",
    )
    error = response.json()["error"]
    assert response.status_code == 400 and error.startswith("mug.obj: "), error
    for folder in _server_folders(media_root):
        assert folder not in error, error
    assert ".obj" not in error.replace("mug.obj", "")  # no temporary file's name either


# --- rejected uploads keep their row and reason, not their bytes; a manager can delete them ---------


def test_a_rejected_upload_keeps_its_reason_but_not_its_archive_and_a_manager_can_delete_it(
    project, manager, manager_api, annotator_api, capture_dir, media_root
):
    (capture_dir / "images" / "frame_00001.png").write_bytes(b"not an image")
    capture, job = _ingest(project, manager, zip_dir(capture_dir))
    assert (capture.status, job.status) == (CaptureStatus.FAILED, JobStatus.FAILED)
    assert "frame_00001.png" in capture.error
    assert not capture.archive and _stored_files(media_root) == []
    assert annotator_api.delete(f"/api/captures/{capture.pk}/").status_code == 403
    assert manager_api.delete(f"/api/captures/{capture.pk}/").status_code == 204
    assert not Capture.objects.filter(pk=capture.pk).exists()


def _age(path: Path, seconds: float) -> None:
    old = time.time() - seconds
    for item in [*path.rglob("*"), path] if path.is_dir() else [path]:
        os.utime(item, (old, old))


def test_an_ingest_sweeps_what_killed_workers_left_in_scratch_but_not_fresh_work(
    project, manager, capture_zip, settings
):
    settings.RAYLABEL_SCRATCH_MAX_AGE_S = 3600
    stale = scratch_dir() / "export-killed"
    stale.mkdir()
    (stale / ".export.zip.abc123.part").write_bytes(b"half a zip")
    _age(stale, 2 * 3600)
    stale_file = scratch_dir() / "stray.part"
    stale_file.write_bytes(b"x")
    _age(stale_file, 2 * 3600)
    fresh = scratch_dir() / "export-running"
    fresh.mkdir()
    (fresh / ".export.zip.def456.part").write_bytes(b"being written")
    _age(fresh, 2 * 3600)
    os.utime(fresh / ".export.zip.def456.part")  # still growing: the folder's newest file is fresh
    try:
        capture, job = _ingest(project, manager, capture_zip)
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert not stale.exists() and not stale_file.exists()
        assert (fresh / ".export.zip.def456.part").exists()
        assert [p.name for p in scratch_dir().iterdir()] == ["export-running"]  # the ingest's own folder is gone
    finally:
        import shutil

        shutil.rmtree(fresh, ignore_errors=True)


# --- exports are stored under ids, whatever the project is called -----------------------------------


@pytest.fixture
def labelled_named(manager, tmp_path):
    """A labelled project whose name is an absolute path (to ``tmp_path/evil``) and a path traversal."""
    from annotate.services.labels import start_render
    from annotate.tasks import render_labels_task
    from tests.annotate.scenes import exact_scene_capture

    project = create_project(name=f"{tmp_path}/evil", user=manager)
    capture, _ = exact_scene_capture(project, manager, tmp_path / "scene", n_frames=3)
    render_labels_task(start_render(capture=capture, user=manager).id)
    return project


def test_an_export_is_stored_under_ids_and_downloads_under_a_sanitised_name(
    labelled_named, manager_api, tmp_path, media_root
):
    from annotate.models import Job
    from annotate.tasks import export_dataset_task

    project = labelled_named
    response = manager_api.post(f"/api/projects/{project.pk}/exports/", {"format": "coco"}, format="json")
    assert response.status_code == 202, response.json()
    export_dataset_task(response.json()["id"])
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    # Nothing was written where the name points, and the key holds ids, not the name.
    assert not (tmp_path / "evil-coco.zip").exists()
    assert list(tmp_path.glob("evil*")) == []
    assert job.artifact.name.startswith(f"exports/{project.pk}/job-{job.pk}/")
    assert "evil" not in job.artifact.name
    assert (Path(media_root) / job.artifact.name).is_file()

    project.name = 'Küche "A"/../../b\r\nSet-Cookie: x=1'
    project.save()
    download = manager_api.get(f"/api/jobs/{job.pk}/download/")
    assert download.status_code == 200
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/zip"


# --- the scoring model's weights are stored under the project ----------------------------------------


def test_active_learning_model_weights_are_stored_under_the_project(project, manager, manager_api, tmp_path, media_root):
    from annotate.models import Job
    from annotate.services.labels import start_render
    from annotate.services.review import review_frame
    from annotate.tasks import active_learning_round_task, render_labels_task
    from tests.annotate.scenes import exact_scene_capture

    capture, _ = exact_scene_capture(project, manager, tmp_path, n_frames=6)
    render_labels_task(start_render(capture=capture, user=manager).id)
    for frame in Frame.objects.filter(capture=capture, index__lt=3):
        review_frame(frame=frame, user=manager, decision="accepted")
    body = {"method": "entropy", "batch_size": 2, "train_steps": 2}
    response = manager_api.post(f"/api/projects/{project.pk}/al-rounds/", body, format="json")
    active_learning_round_task(response.json()["id"])
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    weights = project.scoring_models.get().weights
    assert weights.name.startswith(f"scoring-models/{project.pk}/")
    assert (Path(media_root) / weights.name).is_file()
    assert [p.name for p in Path(media_root).iterdir() if p.is_file()] == []  # nothing at the media root
