"""A project whose capture has an exact field and ground-truth boxes: the label pipeline without training."""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from django.core.files.base import ContentFile

from annotate.adapters import store_field_directory
from annotate.models import FieldModel
from annotate.services.captures import create_capture
from annotate.services.scene_objects import import_objects
from annotate.storage import StagedFiles
from annotate.tasks import ingest_capture_task
from nerf_labeling.fields.quality import assess_field
from nerf_labeling.synthetic import SyntheticCapture, SyntheticField, write_synthetic_capture
from tests.annotate.archives import zip_dir


def _wait_until_ended(job, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while job.is_active and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()


def exact_scene_capture(project, user, root: Path, *, n_frames=8, width=64, height=48, trajectory="orbit"):
    """Ingest a synthetic capture, give it its exact field (assessed as training would: judged good) and
    the ground-truth boxes.

    Returns ``(capture, synthetic)`` where ``synthetic`` holds the exact ground truth per frame.
    """
    synthetic = write_synthetic_capture(root / "scene", n_frames=n_frames, width=width, height=height,
                                        trajectory=trajectory)
    upload = root / "upload"
    shutil.copytree(synthetic.root, upload, ignore=shutil.ignore_patterns("ground_truth", "meshes"))
    capture, job = create_capture(project=project, user=user, name="exact", archive=ContentFile(zip_dir(upload), name="scene.zip"))
    ingest_capture_task(job.id)
    _wait_until_ended(job)  # a live worker may have taken the job first
    capture.refresh_from_db()
    with tempfile.TemporaryDirectory() as workdir, StagedFiles() as staged:
        SyntheticField(synthetic.scene).save(Path(workdir))
        checkpoint = store_field_directory(Path(workdir), f"fields/test/{capture.pk}/exact.zip", staged)
    # The exact field never saw any frame, so every frame is held out.
    quality = assess_field(SyntheticField(synthetic.scene), synthetic.cameras,
                           {i: synthetic.image(i) for i in range(n_frames)}).as_dict()
    FieldModel.objects.create(capture=capture, backend="synthetic", preset="exact", checkpoint=checkpoint,
                              quality=quality, verdict=quality["verdict"])
    boxes = [
        {"instance_id": o["instance_id"], "class": o["class_name"], "center": o["center"], "size": o["size"],
         "rotation": o["rotation"]}
        for o in synthetic.objects()
    ]
    import_objects(capture=capture, user=user, data={"objects": boxes})
    return capture, SyntheticCapture.open(synthetic.root)
