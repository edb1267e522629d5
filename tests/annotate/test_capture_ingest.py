"""Capture ingest: a good archive becomes frames; every bad one fails clearly and leaves nothing behind."""
import io
import json
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile
from PIL import Image

from annotate.errors import UserFacingError
from annotate.models import Capture, CaptureStatus, Frame, Job, JobStatus
from annotate.services.captures import create_capture, delete_capture
from annotate.tasks import ingest_capture_task
from nerf_labeling.capture import read_transforms_json
from tests.annotate.archives import edit_transforms, zip_dir


def _upload(project, user, data: bytes, name="capture.zip"):
    return create_capture(project=project, user=user, name="", archive=ContentFile(data, name=name))


def _ingest(project, user, data: bytes):
    capture, job = _upload(project, user, data)
    ingest_capture_task(job.id)
    capture.refresh_from_db()
    job.refresh_from_db()
    return capture, job


def _stored_files(media_root: Path) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in Path(media_root).rglob("*") if p.is_file())


def test_a_valid_capture_becomes_frames_with_poses_images_and_thumbnails(
    project, manager, capture_dir, capture_zip, media_root
):
    capture, job = _ingest(project, manager, capture_zip)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (capture.status, capture.source_format) == (CaptureStatus.READY, "nerfstudio")
    assert job.result["frames"] == 4
    expected = read_transforms_json(capture_dir / "transforms.json")
    frames = list(capture.frames.order_by("index"))
    assert [f.file_name for f in frames] == [f.file_path for f in expected.frames]
    for frame, source in zip(frames, expected.frames):
        np.testing.assert_array_equal(np.array(frame.camera_to_world), source.camera.camera_to_world)
        assert (frame.width, frame.height, frame.fx) == (32, 24, source.camera.intrinsics.fx)
        with frame.image.open("rb") as stored:
            assert stored.read() == (capture_dir / source.file_path).read_bytes()
        with frame.thumbnail.open("rb") as thumb:
            assert Image.open(thumb).format == "JPEG"


def test_ingest_twice_replaces_frames_instead_of_duplicating_them(project, manager, capture_zip, media_root):
    capture, job = _ingest(project, manager, capture_zip)
    files_after_first = _stored_files(media_root)
    from annotate.services.captures import restart_ingest

    # A ready capture is never re-ingested (that would drop its review work); one whose ingest is
    # reported failed may be, and the retry must still replace whatever frames are left.
    Capture.objects.filter(pk=capture.pk).update(status=CaptureStatus.FAILED)
    capture.refresh_from_db()
    again = restart_ingest(capture=capture, user=manager)
    ingest_capture_task(again.id)
    assert capture.frames.count() == 4
    assert _stored_files(media_root) == files_after_first


def test_deleting_a_capture_removes_its_files(project, manager, capture_zip, media_root):
    capture, _ = _ingest(project, manager, capture_zip)
    delete_capture(capture=capture)
    assert _stored_files(media_root) == []
    assert not Frame.objects.exists()


def test_an_upload_that_is_not_a_zip_is_refused_and_nothing_is_stored(project, manager, media_root):
    with pytest.raises(UserFacingError, match="not a zip archive"):
        _upload(project, manager, b"GIF89a not a zip", name="photo.gif")
    assert not Capture.objects.exists() and not Job.objects.exists()
    assert _stored_files(media_root) == []


def test_an_oversize_upload_is_refused_with_the_limit(project, manager, capture_zip, settings, media_root):
    settings.RAYLABEL_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(UserFacingError, match=r"the limit for a capture archive is 1000 bytes"):
        _upload(project, manager, capture_zip)
    assert not Capture.objects.exists()
    assert _stored_files(media_root) == []


def _zip_entries(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_with(capture_dir: Path, extra: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    entries = {
        str(p.relative_to(capture_dir)): p.read_bytes()
        for p in sorted(capture_dir.rglob("*"))
        if p.is_file() and str(p.relative_to(capture_dir)) not in drop
    }
    entries.update(extra or {})
    return _zip_entries(entries)


def _symlink_zip(capture_dir: Path) -> bytes:
    buffer = io.BytesIO(_zip_with(capture_dir))
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo("images/link.png")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def _bomb_zip(megabytes: int) -> bytes:
    return _zip_entries({"transforms.json": b"{}", "images/zeros.png": b"\0" * (megabytes * 1024 * 1024)})


def _break_pose(data):
    data["frames"][1]["transform_matrix"][0][0] = 5.0


def _singular_pose(data):
    data["frames"][0]["transform_matrix"] = [[0.0] * 4, [0.0] * 4, [0.0] * 4, [0, 0, 0, 1]]


def _duplicate_name(data):
    data["frames"][1]["file_path"] = data["frames"][0]["file_path"]


def _escape_path(data):
    data["frames"][0]["file_path"] = "../outside.png"


def _missing_key(data):
    del data["frames"][2]["transform_matrix"]


BAD_CAPTURES = {
    # name: (builder(capture_dir) -> zip bytes, words the error must contain)
    "no transforms.json": (lambda d: _zip_with(d, drop=("transforms.json",)), "transforms.json"),
    "malformed json": (lambda d: _zip_with(d, extra={"transforms.json": b"{not json"}), "transforms.json"),
    "missing image": (lambda d: _zip_with(d, drop=("images/frame_00002.png",)), "frame_00002.png"),
    "not an image": (lambda d: _zip_with(d, extra={"images/frame_00001.png": b"hello"}), "frame_00001.png"),
    "zip slip": (lambda d: _zip_with(d, extra={"../evil.txt": b"x"}), "evil.txt"),
    "symlink": (_symlink_zip, "link.png"),
    "zip bomb over the unpacked limit": (lambda d: _bomb_zip(20), "over the limit of 5242880"),
    "zip bomb by compression ratio": (lambda d: _bomb_zip(2), "zeros.png"),
}

BAD_TRANSFORMS = {
    "non-rigid pose": (_break_pose, "rigid"),
    "non-invertible pose": (_singular_pose, "invertible"),
    "duplicate file names": (_duplicate_name, "frame_00000.png"),
    "path escaping the archive": (_escape_path, "outside.png"),
    "missing transform_matrix": (_missing_key, "transform_matrix"),
}


def _assert_failed_cleanly(capture, job, words, media_root):
    assert job.status == JobStatus.FAILED
    assert capture.status == CaptureStatus.FAILED
    assert words in job.error and capture.error == job.error
    assert not job.error.startswith("Internal error"), job.error
    assert not Frame.objects.exists()
    # A rejected upload keeps its row and reason, not its bytes: not even the archive stays.
    assert _stored_files(media_root) == []
    assert not capture.archive


@pytest.mark.parametrize("case", sorted(BAD_CAPTURES))
def test_bad_archives_fail_clearly_and_leave_nothing_behind(
    case, project, manager, capture_dir, settings, media_root
):
    settings.RAYLABEL_MAX_UNPACKED_BYTES = 5 * 1024 * 1024
    build, words = BAD_CAPTURES[case]
    capture, job = _ingest(project, manager, build(capture_dir))
    _assert_failed_cleanly(capture, job, words, media_root)


@pytest.mark.parametrize("case", sorted(BAD_TRANSFORMS))
def test_bad_transforms_fail_clearly_and_leave_nothing_behind(case, project, manager, capture_dir, media_root):
    edit, words = BAD_TRANSFORMS[case]
    edit_transforms(capture_dir, edit)
    capture, job = _ingest(project, manager, zip_dir(capture_dir))
    _assert_failed_cleanly(capture, job, words, media_root)


def test_mixed_image_sizes_without_per_frame_intrinsics_fail(project, manager, capture_dir, media_root):
    path = capture_dir / "images" / "frame_00003.png"
    Image.open(path).resize((64, 48)).save(path)
    capture, job = _ingest(project, manager, zip_dir(capture_dir))
    _assert_failed_cleanly(capture, job, "frame_00003.png", media_root)


def test_an_oversized_image_fails_with_the_pixel_limit(project, manager, capture_zip, settings, media_root):
    settings.RAYLABEL_MAX_IMAGE_PIXELS = 100
    capture, job = _ingest(project, manager, capture_zip)
    _assert_failed_cleanly(capture, job, "pixels", media_root)


def test_a_capture_inside_a_top_level_folder_is_found(project, manager, capture_dir, media_root):
    capture, job = _ingest(project, manager, zip_dir(capture_dir, prefix="my-scene/"))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert capture.frames.count() == 4


def test_per_frame_intrinsics_allow_mixed_sizes(project, manager, capture_dir, media_root):
    path = capture_dir / "images" / "frame_00003.png"
    Image.open(path).resize((64, 48)).save(path)

    def per_frame(data):
        frame = data["frames"][3]
        frame.update(w=64, h=48, fl_x=data["fl_x"] * 2, fl_y=data["fl_y"] * 2, cx=32.0, cy=24.0)

    edit_transforms(capture_dir, per_frame)
    capture, job = _ingest(project, manager, zip_dir(capture_dir))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert capture.frames.get(index=3).width == 64
