"""COLMAP sparse models, text and binary: poses and intrinsics round-trip, bad models are refused."""
from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerf_labeling.cameras import (
    Camera,
    Intrinsics,
    camera_to_world_to_colmap,
    colmap_to_camera_to_world,
    look_at,
    opengl_to_opencv,
    quaternion_to_rotation,
    rotation_to_quaternion,
)
from nerf_labeling.capture import (
    CaptureData,
    CaptureFormatError,
    CaptureFrame,
    CaptureNotFoundError,
    CapturePathError,
    CapturePoseError,
    read_colmap_model,
    write_colmap_model,
)

INTRINSICS = Intrinsics(100.0, 101.0, 32.5, 24.25, 64, 48)


def _capture(poses, model="PINHOLE", intrinsics=INTRINSICS, tmp=None):
    frames = tuple(
        CaptureFrame(f"img_{index}.png", Camera(intrinsics, pose), camera_model=model) for index, pose in enumerate(poses)
    )
    return CaptureData(tmp, frames, "nerfstudio", {})


def test_known_camera_reads_back_in_opengl_axes(tmp_path):
    # A camera at (0, 0, 5) looking straight down at the origin: COLMAP stores the world-to-camera map
    # of its OpenCV twin (x right, y down, z forward = world -Z).
    (tmp_path / "cameras.txt").write_text("# comment\n1 PINHOLE 64 48 100 101 32.5 24.25\n")
    # world-to-camera OpenCV rotation diag(1, -1, -1) is a half turn about x: q = (0, 1, 0, 0); t = -R c = (0, 0, 5)
    (tmp_path / "images.txt").write_text("# header\n7 0 1 0 0 0 0 5 1 shots/down.png\n\n")
    capture = read_colmap_model(tmp_path, tmp_path / "images")
    frame = capture.frames[0]
    assert capture.source_format == "colmap-text" and frame.file_path == "shots/down.png"
    expected = np.eye(4)  # OpenGL: looking down -Z (world down), +Y up in the image is world +Y
    expected[2, 3] = 5.0
    np.testing.assert_allclose(frame.camera.camera_to_world, expected, atol=1e-12)
    assert frame.camera.intrinsics == INTRINSICS and frame.camera_model == "PINHOLE"


rotations = st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(lambda q: np.linalg.norm(q) > 0.1)
translations = st.lists(st.floats(-50, 50), min_size=3, max_size=3)


def _pose(quaternion_xyzw, translation):
    from scipy.spatial.transform import Rotation

    pose = np.eye(4)
    pose[:3, :3] = Rotation.from_quat(quaternion_xyzw).as_matrix()
    pose[:3, 3] = translation
    return pose


@settings(max_examples=40, deadline=None)
@given(rotation=rotations, translation=translations)
def test_colmap_conversion_round_trips(rotation, translation):
    pose = _pose(rotation, translation)
    quaternion, t = camera_to_world_to_colmap(pose)
    assert quaternion[0] >= 0 and np.linalg.norm(quaternion) == pytest.approx(1.0)
    np.testing.assert_allclose(quaternion_to_rotation(rotation_to_quaternion(pose[:3, :3])), pose[:3, :3], atol=1e-12)
    np.testing.assert_allclose(colmap_to_camera_to_world(quaternion, t), pose, atol=1e-9)
    # COLMAP's camera centre is -R^T t and its optical axis (OpenCV +Z) is the OpenGL camera's -Z.
    rotation_w2c = quaternion_to_rotation(quaternion)
    np.testing.assert_allclose(-rotation_w2c.T @ t, pose[:3, 3], atol=1e-9)
    np.testing.assert_allclose(rotation_w2c[2], -pose[:3, 2], atol=1e-12)
    np.testing.assert_allclose(opengl_to_opencv(pose)[:3, :3], rotation_w2c.T, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    poses=st.lists(st.tuples(rotations, translations), min_size=1, max_size=4),
    binary=st.booleans(),
    model=st.sampled_from(["PINHOLE", "OPENCV", "OPENCV_FISHEYE"]),
)
def test_written_models_round_trip(tmp_path_factory, poses, binary, model):
    distortion = {"PINHOLE": (0.0,) * 6, "OPENCV": (0.1, -0.05, 0.001, 0.002, 0.0, 0.0),
                  "OPENCV_FISHEYE": (0.1, 0.02, 0.0, 0.0, 0.003, 0.0004)}[model]
    intrinsics = Intrinsics(100.0, 101.0, 32.5, 24.25, 64, 48, distortion)
    capture = _capture([_pose(q, t) for q, t in poses], model, intrinsics)
    directory = tmp_path_factory.mktemp("colmap")
    write_colmap_model(capture, directory, binary=binary)
    back = read_colmap_model(directory, directory)
    assert back.source_format == ("colmap-binary" if binary else "colmap-text")
    assert len(back.frames) == len(capture.frames)
    for original, read in zip(capture.frames, back.frames):
        assert (read.file_path, read.camera_model) == (original.file_path, model)
        assert read.camera.intrinsics == intrinsics
        np.testing.assert_allclose(read.camera.camera_to_world, original.camera.camera_to_world, atol=1e-9)


def test_binary_preferred_and_frames_sorted_by_name(tmp_path):
    poses = [look_at((3.0, 0.0, 1.0), (0, 0, 0)), look_at((0.0, 3.0, 1.0), (0, 0, 0))]
    capture = CaptureData(tmp_path, (
        CaptureFrame("z.png", Camera(INTRINSICS, poses[0])), CaptureFrame("a.png", Camera(INTRINSICS, poses[1]))
    ), "nerfstudio", {})
    write_colmap_model(capture, tmp_path, binary=True)
    write_colmap_model(_capture(poses[:1]), tmp_path, binary=False)
    back = read_colmap_model(tmp_path, tmp_path)
    assert back.source_format == "colmap-binary"
    assert [frame.file_path for frame in back.frames] == ["a.png", "z.png"]
    np.testing.assert_allclose(back.frames[0].camera.camera_to_world, poses[1], atol=1e-12)


def test_simple_radial_maps_to_opencv(tmp_path):
    (tmp_path / "cameras.txt").write_text("3 SIMPLE_RADIAL 64 48 90 32 24 0.125\n")
    (tmp_path / "images.txt").write_text("1 1 0 0 0 0 0 0 3 a.png\n1.0 2.0 -1\n")
    frame = read_colmap_model(tmp_path, tmp_path).frames[0]
    assert frame.camera_model == "OPENCV"
    assert frame.camera.intrinsics == Intrinsics(90.0, 90.0, 32.0, 24.0, 64, 48, (0.125, 0, 0, 0, 0, 0))


@pytest.mark.parametrize(
    "cameras, images, error, message",
    [
        ("1 FOV 64 48 90 90 32 24 0.1\n", "1 1 0 0 0 0 0 0 1 a.png\n\n", CaptureFormatError,
         "cameras.txt line 1: unsupported COLMAP camera model FOV"),
        ("1 PINHOLE 64 48 90 32\n", "1 1 0 0 0 0 0 0 1 a.png\n\n", CaptureFormatError, "PINHOLE takes 4 parameters, got 2"),
        ("1 PINHOLE 64 x 90 90 32 24\n", "", CaptureFormatError, "cameras.txt line 1: expected 'CAMERA_ID MODEL"),
        ("1 PINHOLE 64 48 90 90 32 24\n", "1 1 0 0 0 0 0 0 2 a.png\n\n", CaptureFormatError,
         "images.txt: image 1: refers to camera 2"),
        ("1 PINHOLE 64 48 90 90 32 24\n", "1 2 0 0 0 0 0 0 1 a.png\n\n", CapturePoseError, "not a unit quaternion"),
        ("1 PINHOLE 64 48 90 90 32 24\n", "1 nan 0 0 0 0 0 0 1 a.png\n\n", CapturePoseError, "NaN or infinite"),
        ("1 PINHOLE 64 48 90 90 32 24\n", "1 1 0 0 0 0 0\n", CaptureFormatError, "images.txt line 1: expected 'IMAGE_ID"),
        ("1 PINHOLE 64 48 90 90 32 24\n", "1 1 0 0 0 0 0 0 1 ../a.png\n\n", CapturePathError, "escapes the capture root"),
        ("1 PINHOLE 64 48 90 90 32 24\n", "1 1 0 0 0 0 0 0 1 a.png\n\n2 1 0 0 0 0 0 0 1 a.png\n\n", CapturePathError,
         "'a.png' appears twice"),
        ("1 PINHOLE 64 48 -90 90 32 24\n", "1 1 0 0 0 0 0 0 1 a.png\n\n", CaptureFormatError, "must be positive"),
        ("1 PINHOLE 64 48 90 90 32 24\n", "# nothing\n", CaptureFormatError, "no registered images"),
    ],
)
def test_bad_text_models(tmp_path, cameras, images, error, message):
    (tmp_path / "cameras.txt").write_text(cameras)
    (tmp_path / "images.txt").write_text(images)
    with pytest.raises(error, match=message):
        read_colmap_model(tmp_path, tmp_path)


def test_truncated_and_padded_binary_models(tmp_path):
    write_colmap_model(_capture([np.eye(4)]), tmp_path, binary=True)
    images = (tmp_path / "images.bin").read_bytes()
    (tmp_path / "images.bin").write_bytes(images[:-5])
    with pytest.raises(CaptureFormatError, match=r"images.bin: truncated at byte \d+"):
        read_colmap_model(tmp_path, tmp_path)
    (tmp_path / "images.bin").write_bytes(images + b"\x00\x00")
    with pytest.raises(CaptureFormatError, match="images.bin: 2 unexpected bytes after the last record"):
        read_colmap_model(tmp_path, tmp_path)
    (tmp_path / "images.bin").write_bytes(images)
    (tmp_path / "cameras.bin").write_bytes(struct.pack("<QiiQQ", 1, 1, 99, 64, 48) + b"\x00" * 32)
    with pytest.raises(CaptureFormatError, match="cameras.bin: camera 1: unsupported COLMAP camera model id 99"):
        read_colmap_model(tmp_path, tmp_path)


def test_missing_model(tmp_path):
    (tmp_path / "cameras.txt").write_text("")
    with pytest.raises(CaptureNotFoundError, match="no COLMAP model"):
        read_colmap_model(tmp_path, tmp_path)


def test_writer_refuses_distortion_colmap_cannot_hold(tmp_path):
    intrinsics = Intrinsics(100.0, 100.0, 32.0, 24.0, 64, 48, (0.1, 0.0, 0.0, 0.0, 0.2, 0.0))
    with pytest.raises(ValueError, match=r"OPENCV cannot hold distortion \['k3'\]"):
        write_colmap_model(_capture([np.eye(4)], "OPENCV", intrinsics), tmp_path / "model", binary=False)
    assert not (tmp_path / "model").exists()
