"""Capture archives for tests: a valid synthetic capture, and ways to break it."""
from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

from nerf_labeling.synthetic import write_synthetic_capture


def write_capture_dir(root: Path, *, n_frames: int = 4, width: int = 32, height: int = 24) -> Path:
    """A small valid nerfstudio capture (transforms.json + PNG images) in ``root``."""
    write_synthetic_capture(root, n_frames=n_frames, width=width, height=height)
    # The ground truth is not part of an upload.
    shutil.rmtree(root / "ground_truth")
    shutil.rmtree(root / "meshes")
    return root


def zip_dir(root: Path, *, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + str(path.relative_to(root)))
    return buffer.getvalue()


def edit_transforms(root: Path, edit) -> None:
    path = root / "transforms.json"
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
