"""A video uploaded through the API is stored as the capture's upload; a file that only has a video's name is refused."""
import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from annotate.models import Capture, Job
from nerf_labeling.synthetic.video_writer import write_video


def _upload(api, project, data: bytes, name: str):
    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return api.post(f"/api/projects/{project.pk}/captures/", {"file": file}, format="multipart")


def test_a_small_generated_video_is_accepted_with_its_ingest_job(project, manager_api, tmp_path):
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, size=(48, 64, 3), dtype=np.uint8) for _ in range(12)]
    video = write_video(tmp_path / "walk.mp4", frames, fps=6)

    response = _upload(manager_api, project, video.read_bytes(), "walk.mp4")

    assert response.status_code == 202, response.json()
    capture = Capture.objects.get(pk=response.json()["capture"]["id"])
    assert capture.name == "walk" and capture.archive.name.endswith(".mp4")
    assert capture.archive.read() == video.read_bytes()
    assert response.json()["job"]["kind"] == "ingest"


def test_a_file_renamed_to_mp4_gets_a_clear_400_and_nothing_is_stored(project, manager_api, media_root):
    response = _upload(manager_api, project, b"%PDF-1.4 a report, not a video" * 40, "report.mp4")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("report.mp4 is not a video that can be read (") and "Upload a video (.mp4" in error
    assert not Capture.objects.exists() and not Job.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))
