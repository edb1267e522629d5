"""A video without poses, end to end on a real worker over Redis: SfM places its frames, a known distance
sets the metric scale, a field is trained, a box is placed, labels are rendered and a COCO export is made."""
import io
import json
import zipfile

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotate.services.projects import create_label_class, create_project
from nerf_labeling.capture.similarity import umeyama
from nerf_labeling.synthetic import default_scene
from nerf_labeling.synthetic.video_writer import write_video
from tests.fixtures.worker import wait_for_job
from tests.nerf_labeling.poseless_scenes import orbit_cameras, render

pytestmark = pytest.mark.integration

N_FRAMES = 24


def _succeeded(api, job_id: int, timeout_s: float = 600) -> dict:
    job = wait_for_job(api, job_id, timeout_s=timeout_s)
    assert job["status"] == "succeeded", job["error"]
    return job


def _centres(frames: list[dict]) -> np.ndarray:
    return np.array([np.array(frame["camera_to_world"])[:3, 3] for frame in frames])


def _distances(points: np.ndarray) -> np.ndarray:
    return np.linalg.norm(points[:, None] - points[None], axis=-1)


def test_video_sfm_scale_train_box_labels_coco(celery_worker_process, transactional_db, tmp_path):
    lead = get_user_model().objects.create_user("lead", password="pw")
    project = create_project(name="Walkaround", user=lead)
    create_label_class(project=project, name="box")
    api = APIClient()
    api.force_authenticate(lead)
    cameras = orbit_cameras(N_FRAMES)
    video = write_video(tmp_path / "walk.mp4", render(cameras), fps=3)  # every frame is kept

    upload = api.post(f"/api/projects/{project.pk}/captures/",
                      {"file": SimpleUploadedFile("walk.mp4", video.read_bytes())}, format="multipart")
    assert upload.status_code == 202, upload.json()
    _succeeded(api, upload.json()["job"]["id"], timeout_s=300)
    capture_id = upload.json()["capture"]["id"]
    capture = api.get(f"/api/captures/{capture_id}/").json()
    assert (capture["source_format"], capture["units"]) == ("sfm-video", "arbitrary")
    kitti = api.post(f"/api/projects/{project.pk}/exports/", {"format": "kitti"}, format="json")
    assert kitti.status_code == 400 and "have no scale yet" in kitti.json()["error"]

    frames = api.get(f"/api/captures/{capture_id}/frames/?limit=100").json()["results"]
    assert len(frames) >= 0.95 * N_FRAMES
    truth = np.array([cameras[int(f["file_name"][6:11])].camera_to_world[:3, 3] for f in frames])
    first, last = 0, len(frames) // 2  # about opposite on the orbit: a long, well-measured distance
    metres = float(np.linalg.norm(truth[first] - truth[last]))
    scaled = api.post(f"/api/captures/{capture_id}/scale/", {
        "point_a": _centres(frames)[first].tolist(), "point_b": _centres(frames)[last].tolist(), "metres": metres,
    }, format="json")
    assert scaled.status_code == 200, scaled.json()

    frames = api.get(f"/api/captures/{capture_id}/frames/?limit=100").json()["results"]
    centres = _centres(frames)
    extent = _distances(truth).max()
    assert np.abs(_distances(centres) - _distances(truth)).max() < 0.01 * extent  # metres now, within 1 %
    to_sfm = umeyama(truth, centres)  # the truth's world into the capture's (heading is SfM's own)
    assert to_sfm.scale == pytest.approx(1.0, abs=0.01) and to_sfm.rotation[2, 2] > np.cos(np.radians(2.0))

    _succeeded(api, api.post(f"/api/captures/{capture_id}/train/", {"preset": "grid-fast"}, format="json").json()["id"])
    big_box = default_scene().objects[0]
    pose = big_box.object_to_world
    created = api.post(f"/api/captures/{capture_id}/objects/", {
        "label_class": project.label_classes.get().pk, "center": to_sfm.apply(pose[None, :3, 3])[0].tolist(),
        "size": list(big_box.size), "rotation": (to_sfm.rotation @ pose[:3, :3]).tolist(),
    }, format="json")
    assert created.status_code == 201, created.json()
    render_job = api.post(f"/api/captures/{capture_id}/render/", {"allow_poor_field": True}, format="json")
    assert render_job.status_code == 202, render_job.json()
    assert _succeeded(api, render_job.json()["id"])["result"]["rendered"] == len(frames)

    export = api.post(f"/api/projects/{project.pk}/exports/", {"format": "coco"}, format="json")
    assert export.status_code == 202, export.json()
    job = _succeeded(api, export.json()["id"])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(api.get(job["artifact_url"]).streaming_content)))
    coco = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json") and "instances" in n)))
    assert len(coco["images"]) == len(frames)
    seen = [a for a in coco["annotations"] if a["category_id"] == project.label_classes.get().class_id]
    assert len(seen) >= 0.9 * len(frames)  # the big box stands in the middle: nearly every frame sees it
