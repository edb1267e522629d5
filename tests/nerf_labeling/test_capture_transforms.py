"""Reading and writing transforms.json: nerfstudio and instant-ngp forms, every bad input, round trips."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.capture import (
    CaptureData,
    CaptureFormatError,
    CaptureFrame,
    CapturePathError,
    CapturePoseError,
    read_transforms_json,
    write_transforms_json,
)

POSE = look_at((1.0, 2.0, 3.0), (0.0, 0.0, 0.0))


def _frame(name="images/a.png", **extra):
    return {"file_path": name, "transform_matrix": POSE.tolist(), **extra}


def _nerfstudio(**top):
    data = {"camera_model": "PINHOLE", "fl_x": 50.0, "fl_y": 51.0, "cx": 16.0, "cy": 12.0, "w": 32, "h": 24}
    data.update(top)
    data.setdefault("frames", [_frame("images/a.png"), _frame("images/b.png")])
    return data


def _read(tmp_path, data, text=None):
    path = tmp_path / "transforms.json"
    path.write_text(json.dumps(data) if text is None else text)
    return read_transforms_json(path)


def test_nerfstudio_top_level_intrinsics(tmp_path):
    capture = _read(tmp_path, _nerfstudio())
    assert capture.source_format == "nerfstudio" and capture.root == tmp_path
    assert [frame.file_path for frame in capture.frames] == ["images/a.png", "images/b.png"]
    assert capture.frames[0].camera.intrinsics == Intrinsics(50.0, 51.0, 16.0, 12.0, 32, 24)
    np.testing.assert_array_equal(capture.frames[1].camera.camera_to_world, POSE)


def test_per_frame_intrinsics_override_the_top_level(tmp_path):
    frames = [_frame("a.png"), _frame("b.png", fl_x=80.0, w=64, h=48, cx=32.0, cy=24.0)]
    capture = _read(tmp_path, _nerfstudio(frames=frames))
    assert capture.frames[0].camera.intrinsics.fx == 50.0
    assert capture.frames[1].camera.intrinsics == Intrinsics(80.0, 51.0, 32.0, 24.0, 64, 48)


def test_opencv_distortion_lands_in_its_slots(tmp_path):
    capture = _read(tmp_path, _nerfstudio(camera_model="OPENCV", k1=0.1, k2=-0.02, p1=0.001, p2=0.002))
    frame = capture.frames[0]
    assert frame.camera_model == "OPENCV"
    assert frame.camera.intrinsics.distortion == (0.1, -0.02, 0.001, 0.002, 0.0, 0.0)


def test_fisheye_keeps_k1_to_k4(tmp_path):
    capture = _read(tmp_path, _nerfstudio(camera_model="OPENCV_FISHEYE", k1=0.1, k2=0.2, k3=0.3, k4=0.4))
    assert capture.frames[0].camera_model == "OPENCV_FISHEYE"
    assert capture.frames[0].camera.intrinsics.distortion == (0.1, 0.2, 0.0, 0.0, 0.3, 0.4)


def test_instant_ngp_camera_angle_and_metadata(tmp_path):
    data = {
        "camera_angle_x": 2 * math.atan(0.5),  # focal = width
        "w": 40,
        "h": 30,
        "aabb_scale": 16,
        "scale": 0.33,
        "offset": [0.5, 0.5, 0.5],
        "frames": [_frame("a.png", sharpness=31.5)],
    }
    capture = _read(tmp_path, data)
    intr = capture.frames[0].camera.intrinsics
    assert capture.source_format == "instant-ngp"
    assert (intr.fx, intr.fy, intr.cx, intr.cy) == pytest.approx((40.0, 40.0, 20.0, 15.0), abs=1e-12)
    assert capture.frames[0].camera_model == "PINHOLE"
    assert capture.metadata == {"aabb_scale": 16, "scale": 0.33, "offset": [0.5, 0.5, 0.5]}
    assert capture.frames[0].metadata == {"sharpness": 31.5}


def test_blender_style_paths_and_size_from_the_image(tmp_path):
    from PIL import Image

    (tmp_path / "train").mkdir()
    Image.new("RGB", (20, 10)).save(tmp_path / "train" / "r_0.png")
    capture = _read(tmp_path, {"camera_angle_x": 0.7, "frames": [_frame("./train/r_0")]})
    assert capture.frames[0].file_path == "train/r_0.png"
    assert (capture.frames[0].camera.intrinsics.width, capture.frames[0].camera.intrinsics.height) == (20, 10)


def test_depth_mask_and_applied_transform(tmp_path):
    frames = [_frame("a.png", depth_file_path="depth/a.png", mask_path="masks/a.png"), _frame("b.png", depth_path="d/b.npy")]
    applied = [[1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, 0]]
    capture = _read(tmp_path, _nerfstudio(frames=frames, applied_transform=applied))
    assert (capture.frames[0].depth_path, capture.frames[0].mask_path) == ("depth/a.png", "masks/a.png")
    assert (capture.frames[1].depth_path, capture.frames[1].mask_path) == ("d/b.npy", None)
    assert capture.metadata["applied_transform"] == applied


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"frames": [', "malformed JSON at line 1 column 13"),
        ("[1, 2]", "top level must be a JSON object"),
        ('{"w": 3}', "'frames' must be a non-empty list"),
    ],
)
def test_malformed_files(tmp_path, text, message):
    with pytest.raises(CaptureFormatError, match=message):
        _read(tmp_path, None, text=text)


def test_missing_file(tmp_path):
    with pytest.raises(CaptureFormatError, match="does not exist"):
        read_transforms_json(tmp_path / "transforms.json")


@pytest.mark.parametrize(
    "change, error, message",
    [
        (lambda d: d["frames"][1].pop("transform_matrix"), CaptureFormatError, r"frames\[1\]: missing key 'transform_matrix'"),
        (lambda d: d["frames"][0].pop("file_path"), CaptureFormatError, r"frames\[0\]: missing key 'file_path'"),
        (lambda d: [d.pop("fl_x"), d.pop("fl_y")], CaptureFormatError, r"frames\[0\]: missing intrinsics key 'fl_x'"),
        (lambda d: d.update(fl_x=float("nan")), CaptureFormatError, r"frames\[0\]: 'fl_x' must be finite"),
        (lambda d: d.update(cx="16"), CaptureFormatError, r"'cx' must be a number"),
        (lambda d: d.update(w=32.5), CaptureFormatError, r"'w' must be a positive whole number"),
        (lambda d: d.update(fl_y=-3.0), CaptureFormatError, r"'fl_y' must be positive"),
        (lambda d: d.update(camera_model="EQUIRECTANGULAR"), CaptureFormatError, "unsupported camera_model 'EQUIRECTANGULAR'"),
        (lambda d: d.update(applied_transform=[[1, 0], [0, 1]]), CaptureFormatError, "'applied_transform' must be a finite"),
        (lambda d: d["frames"][1]["transform_matrix"][0].__setitem__(3, float("inf")), CapturePoseError,
         r"frames\[1\]\.transform_matrix contains NaN or infinite"),
        (lambda d: d["frames"][0].update(transform_matrix=(np.diag([2.0, 1, 1, 1]) @ POSE).tolist()), CapturePoseError,
         r"frames\[0\]\.transform_matrix is not a rigid transform"),
        (lambda d: d["frames"][0].update(transform_matrix=np.diag([1.0, 1, 0, 1]).tolist()), CapturePoseError,
         r"frames\[0\]\.transform_matrix is not invertible"),
        (lambda d: d["frames"][0].update(transform_matrix=[[1, 0, 0], [0, 1, 0]]), CapturePoseError,
         "must be a 4x4 matrix"),
        (lambda d: d["frames"][0].update(transform_matrix=(POSE @ np.diag([1.0, 1, -1, 1])).tolist()), CapturePoseError,
         "not a rigid transform"),  # a reflection
        (lambda d: d["frames"][1].update(file_path="./images/a.png"), CapturePathError,
         r"frames\[1\]\.file_path 'images/a.png' repeats frames\[0\]"),
        (lambda d: d["frames"][1].update(file_path="../../etc/passwd"), CapturePathError, "escapes the capture root"),
        (lambda d: d["frames"][1].update(file_path="images/../../x.png"), CapturePathError, "escapes the capture root"),
        (lambda d: d["frames"][0].update(file_path="/etc/passwd"), CapturePathError, "is absolute"),
        (lambda d: d["frames"][0].update(file_path="C:\\images\\a.png"), CapturePathError, "is absolute"),
        (lambda d: d["frames"][0].update(file_path=""), CapturePathError, "non-empty path"),
        (lambda d: d["frames"][0].update(mask_path="../m.png"), CapturePathError, r"frames\[0\]\.mask_path"),
        (lambda d: d["frames"][0].update(depth_file_path="/d.png"), CapturePathError, r"frames\[0\]\.depth_file_path"),
    ],
)
def test_bad_inputs_name_file_frame_and_key(tmp_path, change, error, message):
    data = _nerfstudio()
    change(data)
    with pytest.raises(error, match=message) as caught:
        _read(tmp_path, data)
    assert "transforms.json" in str(caught.value)


def test_windows_separators_are_normalised(tmp_path):
    capture = _read(tmp_path, _nerfstudio(frames=[_frame("images\\a.png")]))
    assert capture.frames[0].file_path == "images/a.png"


rotations = st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(lambda q: np.linalg.norm(q) > 0.1)
translations = st.lists(st.floats(-100, 100, allow_subnormal=False), min_size=3, max_size=3)


def _pose(quaternion, translation):
    from scipy.spatial.transform import Rotation

    pose = np.eye(4)
    pose[:3, :3] = Rotation.from_quat(quaternion).as_matrix()
    pose[:3, 3] = translation
    return pose


@settings(max_examples=30, deadline=None)
@given(
    poses=st.lists(st.tuples(rotations, translations), min_size=1, max_size=4),
    focal=st.floats(1.0, 5000.0),
    distortion=st.lists(st.floats(-0.5, 0.5), min_size=6, max_size=6),
    model=st.sampled_from(["PINHOLE", "OPENCV", "OPENCV_FISHEYE"]),
    per_frame=st.booleans(),
)
def test_write_then_read_round_trips_exactly(tmp_path_factory, poses, focal, distortion, model, per_frame):
    frames = []
    for index, (quaternion, translation) in enumerate(poses):
        width = 64 + (index if per_frame else 0)
        intrinsics = Intrinsics(focal, focal * 1.01, width / 2 + 0.25, 20.5, width, 40,
                                tuple(distortion) if model != "PINHOLE" else (0.0,) * 6)
        frames.append(
            CaptureFrame(
                file_path=f"images/{index:03d}.jpg",
                camera=Camera(intrinsics, _pose(quaternion, translation)),
                camera_model=model,
                depth_path=f"depth/{index:03d}.npy" if index % 2 else None,
                mask_path="masks/0.png" if index == 0 else None,
                metadata={"sharpness": float(index)},
            )
        )
    capture = CaptureData(tmp_path_factory.mktemp("rt"), tuple(frames), "nerfstudio", {"aabb_scale": 4})
    path = capture.root / "transforms.json"
    write_transforms_json(capture, path)
    back = read_transforms_json(path)
    assert back == capture
