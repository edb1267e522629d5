"""A zip of photos without poses is ingested through structure-from-motion, upright, with its sparse points."""
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from annotate.errors import JobCancelled, UserFacingError
from annotate.models import CaptureStatus, Job, JobStatus
from annotate.services.captures import INGEST_CANCELLED, create_capture, delete_capture, ingest_capture
from annotate.services.jobs import JobReporter
from annotate.tasks import ingest_capture_task
from nerf_labeling.synthetic.video_writer import write_photos, write_video
from tests.nerf_labeling.poseless_scenes import (
    hemisphere_cameras,
    orbit_cameras,
    pose_errors,
    render,
    write_unrelated_photos,
)


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for path in sorted(folder.iterdir()):
            zipped.write(path, f"holiday/{path.name}")
    return buffer.getvalue()


def _ingest(project, user, data: bytes, name: str = "photos.zip"):
    capture, job = create_capture(project=project, user=user, name="", archive=ContentFile(data, name=name))
    ingest_capture_task(job.id)
    capture.refresh_from_db()
    job.refresh_from_db()
    return capture, job


def test_photos_without_poses_become_upright_frames_with_sparse_points(project, manager, tmp_path, media_root):
    cameras = hemisphere_cameras(16)
    paths = write_photos(tmp_path / "photos", render(cameras))

    capture, job = _ingest(project, manager, _zip_folder(tmp_path / "photos"))

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (capture.status, capture.source_format) == (CaptureStatus.READY, "sfm-photos")
    sfm = capture.metadata["sfm"]
    assert (sfm["registered"], sfm["images"], sfm["unregistered"]) == (16, 16, {})
    assert capture.metadata["units"] == "arbitrary"
    frames = list(capture.frames.order_by("index"))
    truth = {f"holiday/{path.name}": camera for path, camera in zip(paths, cameras)}
    assert [frame.file_name for frame in frames] == sorted(truth)
    similarity, position, _, extent = pose_errors(
        [np.array(frame.camera_to_world) for frame in frames],
        [truth[frame.file_name].camera_to_world for frame in frames],
    )
    assert position.max() < 0.01 * extent
    assert np.degrees(np.arccos(similarity.rotation[2, 2])) < 2.0  # world +Z is up
    with default_storage.open(sfm["sparse_points"], "rb") as stored:
        points = np.load(io.BytesIO(stored.read()))
        assert points["xyz"].shape[0] > 500 and points["rgb"].dtype == np.uint8

    delete_capture(capture=capture)
    assert not default_storage.exists(sfm["sparse_points"])


def test_unrelated_photos_fail_the_ingest_with_what_happened(project, manager, tmp_path, media_root):
    write_unrelated_photos(tmp_path / "photos", 8, np.random.default_rng(5))

    capture, job = _ingest(project, manager, _zip_folder(tmp_path / "photos"))

    assert job.status == JobStatus.FAILED
    assert "structure-from-motion placed only" in job.error and "of 8 images" in job.error
    assert capture.status == CaptureStatus.FAILED and capture.error == job.error
    assert capture.frames.count() == 0


def test_a_video_becomes_frames_posed_by_sfm_and_says_what_it_dropped(project, manager, tmp_path, media_root):
    cameras = orbit_cameras(40)
    frames = render(cameras)
    frames[7] = frames[6]  # the camera paused
    video = write_video(tmp_path / "walk.mp4", frames, fps=3)  # 3 frames per second are kept

    capture, job = _ingest(project, manager, video.read_bytes(), name="walk.mp4")

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (capture.status, capture.source_format) == (CaptureStatus.READY, "sfm-video")
    assert capture.archive.name.endswith(".mp4")
    assert capture.metadata["video"]["decoded"] == 40
    assert list(capture.metadata["video"]["dropped"]) == ["frame_00007"]
    stored = list(capture.frames.order_by("index"))
    assert len(stored) >= 37 and capture.metadata["sfm"]["registered"] == len(stored)
    _, position, rotation, extent = pose_errors(
        [np.array(frame.camera_to_world) for frame in stored],
        [cameras[int(frame.file_name[6:11])].camera_to_world for frame in stored],
    )
    assert position.max() < 0.01 * extent and rotation.max() < 0.5


def test_a_file_that_is_neither_zip_nor_video_is_refused(project, manager, media_root):
    with pytest.raises(UserFacingError, match=r"notes.txt is not a zip archive.*or a video \(.mp4"):
        _ingest(project, manager, b"just words", name="notes.txt")


class StopsWhenTold(JobReporter):
    """A job's reporter whose stop flag (the heartbeat thread's, on a cancel) rises at the first report
    saying ``when``, in the middle of the step that report starts; it keeps every message it was given."""

    def __init__(self, job: Job, when: str):
        Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=1)
        super().__init__(job.pk, attempt=1, min_interval_s=0.0)
        self.when = when
        self.messages: list[str] = []

    def progress(self, fraction: float, message: str = "", **kwargs) -> None:
        self.messages.append(message)
        if self.when in message:
            self.stop_requested = True
        super().progress(fraction, message, **kwargs)


def test_a_cancel_during_feature_extraction_stops_sfm_before_matching(project, manager, tmp_path, media_root):
    write_photos(tmp_path / "photos", render(hemisphere_cameras(12)))
    capture, job = create_capture(
        project=project, user=manager, name="", archive=ContentFile(_zip_folder(tmp_path / "photos"), name="p.zip")
    )
    reporter = StopsWhenTold(job, "features started")

    with pytest.raises(JobCancelled):
        ingest_capture(job=job, reporter=reporter)

    assert not any("features done" in message or "matching" in message for message in reporter.messages)
    capture.refresh_from_db()
    assert (capture.status, capture.error) == (CaptureStatus.FAILED, INGEST_CANCELLED)
    assert capture.archive and capture.frames.count() == 0  # the upload is kept for a retry


def test_a_cancel_while_a_video_decodes_stops_the_ingest(project, manager, tmp_path, media_root):
    video = write_video(tmp_path / "walk.mp4", render(orbit_cameras(30)), fps=3)
    capture, job = create_capture(
        project=project, user=manager, name="", archive=ContentFile(video.read_bytes(), name="walk.mp4")
    )
    reporter = StopsWhenTold(job, "Choosing frames: 3 of")

    with pytest.raises(JobCancelled):
        ingest_capture(job=job, reporter=reporter)

    decoded = [message for message in reporter.messages if message.startswith("Choosing frames:")]
    assert decoded[0] == "Choosing frames: 1 of about 30 decoded" and len(decoded) == 3
    capture.refresh_from_db()
    assert (capture.status, capture.error) == (CaptureStatus.FAILED, INGEST_CANCELLED)
