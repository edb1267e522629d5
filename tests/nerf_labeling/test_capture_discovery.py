"""find_capture: transforms.json at the root or one folder down, COLMAP models in their usual places."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.capture import (
    CaptureData,
    CaptureFrame,
    CaptureNotFoundError,
    find_capture,
    write_colmap_model,
)

INTRINSICS = Intrinsics(30.0, 30.0, 16.0, 12.0, 32, 24)


def _write_transforms(folder, name="a.png"):
    folder.mkdir(parents=True, exist_ok=True)
    data = {"camera_model": "PINHOLE", "fl_x": 30.0, "fl_y": 30.0, "cx": 16.0, "cy": 12.0, "w": 32, "h": 24,
            "frames": [{"file_path": name, "transform_matrix": np.eye(4).tolist()}]}
    (folder / "transforms.json").write_text(json.dumps(data))


def _colmap(folder):
    frame = CaptureFrame("shot.png", Camera(INTRINSICS, look_at((2.0, 0.0, 1.0), (0, 0, 0))))
    write_colmap_model(CaptureData(folder, (frame,), "nerfstudio", {}), folder, binary=False)


def test_transforms_at_the_root(tmp_path):
    _write_transforms(tmp_path)
    _colmap(tmp_path / "sparse" / "0")  # transforms.json wins
    capture = find_capture(tmp_path)
    assert capture.source_format == "nerfstudio" and capture.root == tmp_path


def test_transforms_one_folder_down_ignoring_macos_junk(tmp_path):
    _write_transforms(tmp_path / "my_scene")
    _write_transforms(tmp_path / "__MACOSX")
    capture = find_capture(tmp_path)
    assert capture.root == tmp_path / "my_scene"


def test_two_captures_are_refused(tmp_path):
    _write_transforms(tmp_path / "one")
    _write_transforms(tmp_path / "two")
    with pytest.raises(CaptureNotFoundError, match=r"several captures found \(one/transforms.json, two/transforms.json\)"):
        find_capture(tmp_path)


@pytest.mark.parametrize("location", ["sparse/0", "sparse", "."])
def test_colmap_locations(tmp_path, location):
    _colmap(tmp_path / location)
    (tmp_path / "images").mkdir()
    capture = find_capture(tmp_path)
    assert capture.source_format == "colmap-text"
    assert capture.root == tmp_path / "images"
    assert capture.frames[0].file_path == "shot.png"


def test_colmap_images_beside_the_model_when_there_is_no_images_folder(tmp_path):
    _colmap(tmp_path / "sparse" / "0")
    assert find_capture(tmp_path).root == tmp_path


def test_colmap_project_inside_a_single_top_folder(tmp_path):
    _colmap(tmp_path / "garden" / "sparse" / "0")
    (tmp_path / "garden" / "images").mkdir()
    (tmp_path / "__MACOSX").mkdir()
    assert find_capture(tmp_path).root == tmp_path / "garden" / "images"


def test_nothing_found_says_where_it_looked(tmp_path):
    (tmp_path / "deep" / "deeper").mkdir(parents=True)
    _write_transforms(tmp_path / "deep" / "deeper")  # two levels down is not searched
    with pytest.raises(CaptureNotFoundError) as caught:
        find_capture(tmp_path)
    message = str(caught.value)
    assert "transforms.json at the top of the capture and in its sub-folders" in message
    assert str(tmp_path) not in message  # the folder it was unpacked in is the server's business
    assert "COLMAP model" in message and "sparse/0, sparse, ." in message


def test_root_must_be_a_directory(tmp_path):
    with pytest.raises(CaptureNotFoundError, match="not a directory"):
        find_capture(tmp_path / "missing")
