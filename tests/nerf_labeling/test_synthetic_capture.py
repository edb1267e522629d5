"""The synthetic capture writer: a valid nerfstudio transforms.json and exact ground truth files."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from nerf_labeling.cameras import check_rigid
from nerf_labeling.synthetic import SyntheticCapture, default_scene, write_synthetic_capture


def test_transforms_json_is_a_valid_nerfstudio_capture(tiny_synthetic_capture):
    capture = tiny_synthetic_capture
    data = json.loads(capture.transforms_path.read_text())
    assert data["camera_model"] == "PINHOLE"
    assert (data["w"], data["h"], data["cx"], data["cy"]) == (32, 24, 16.0, 12.0)
    assert data["fl_x"] == data["fl_y"] == pytest.approx(16.0 / np.tan(np.deg2rad(30.0)))
    assert [f["file_path"] for f in data["frames"]] == [f"images/frame_{i:05d}.png" for i in range(8)]
    for frame in data["frames"]:
        check_rigid(frame["transform_matrix"], atol=1e-9)
        with Image.open(capture.root / frame["file_path"]) as image:
            assert image.size == (32, 24) and image.mode == "RGB"


def test_cameras_look_at_the_scene(tiny_synthetic_capture):
    for camera in tiny_synthetic_capture.cameras:
        forward = -camera.camera_to_world[:3, 2]  # OpenGL: the camera looks down -Z
        to_scene = np.array([0.0, 0.0, 0.25]) - camera.center
        assert forward @ to_scene / np.linalg.norm(to_scene) == pytest.approx(1.0)


def test_ground_truth_files_equal_the_exact_render(tiny_synthetic_capture):
    capture = tiny_synthetic_capture
    for index in (0, 5):
        rgb, instance, depth = capture.scene.render(capture.cameras[index])
        assert capture.instance_mask(index).dtype == np.uint16
        np.testing.assert_array_equal(capture.instance_mask(index), instance)
        assert capture.depth(index).dtype == np.float32
        np.testing.assert_array_equal(capture.depth(index), depth)
        np.testing.assert_array_equal(capture.image(index), np.round(rgb * 255).astype(np.uint8))
    assert set(np.unique(capture.instance_mask(0))) >= {0, 1}


def test_objects_json_and_meshes_describe_the_scene(tiny_synthetic_capture):
    import trimesh

    capture = tiny_synthetic_capture
    entries = capture.objects()
    assert [e["instance_id"] for e in entries] == [1, 2, 3, 4, 5]
    for entry, obj in zip(entries, default_scene().objects):
        assert entry["class_name"] == obj.class_name
        np.testing.assert_array_equal(entry["center"], obj.center)
        np.testing.assert_array_equal(entry["rotation"], obj.rotation)
        np.testing.assert_array_equal(entry["object_to_world"], obj.object_to_world)
        mesh = trimesh.load(capture.root / entry["mesh"])
        np.testing.assert_allclose(mesh.bounding_box.extents, entry["size"], atol=0.01 * max(entry["size"]))
        np.testing.assert_allclose(mesh.bounds.mean(axis=0), 0.0, atol=1e-6)


def test_open_reads_back_what_was_written(tiny_synthetic_capture):
    reopened = SyntheticCapture.open(tiny_synthetic_capture.root)
    assert reopened.scene == tiny_synthetic_capture.scene
    assert reopened.image_paths == tiny_synthetic_capture.image_paths
    for a, b in zip(reopened.cameras, tiny_synthetic_capture.cameras):
        assert a.intrinsics == b.intrinsics
        np.testing.assert_array_equal(a.camera_to_world, b.camera_to_world)


def _steps(capture) -> np.ndarray:
    centres = np.array([camera.center for camera in capture.cameras])
    return np.linalg.norm(np.diff(centres, axis=0), axis=1)


def test_orbit_is_smooth_and_random_is_diverse_and_seeded(tmp_path):
    orbit = write_synthetic_capture(tmp_path / "orbit", n_frames=24, width=8, height=6)
    random = write_synthetic_capture(tmp_path / "random", n_frames=24, width=8, height=6, trajectory="random", seed=4)
    again = write_synthetic_capture(tmp_path / "again", n_frames=24, width=8, height=6, trajectory="random", seed=4)
    assert _steps(orbit).max() < 0.8
    assert np.median(_steps(random)) > 2 * np.median(_steps(orbit))
    for a, b in zip(random.cameras, again.cameras):
        np.testing.assert_array_equal(a.camera_to_world, b.camera_to_world)


def test_unknown_trajectory_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown trajectory 'spiral'"):
        write_synthetic_capture(tmp_path, n_frames=2, trajectory="spiral")


def test_frames_rendered_in_worker_processes_are_the_same_files(tmp_path):
    serial = write_synthetic_capture(tmp_path / "serial", n_frames=3, width=16, height=12, trajectory="random", seed=4)
    parallel = write_synthetic_capture(tmp_path / "parallel", n_frames=3, width=16, height=12, trajectory="random",
                                       seed=4, workers=2)
    for index in range(3):
        assert np.array_equal(serial.image(index), parallel.image(index))
        assert np.array_equal(serial.depth(index), parallel.depth(index))
        assert np.array_equal(serial.instance_mask(index), parallel.instance_mask(index))
