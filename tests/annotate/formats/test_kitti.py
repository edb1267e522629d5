"""KITTI export read back by a reader written here from the devkit's readme, not from the writer."""
import dataclasses
import io
import math

import numpy as np
import pytest
from PIL import Image

from annotate.formats.kitti_geometry import kitti_object
from annotate.formats.records import ExportFrame
from tests.annotate.formats.scenes import INTRINSICS, Box, default_camera, render_frame, three_box_frames, upright_pose


def read_label(text: str) -> list[dict]:
    """devkit readme: type truncated occluded alpha bbox(4) dimensions(h w l) location(x y z) rotation_y."""
    objects = []
    for line in text.splitlines():
        v = line.split(" ")
        assert len(v) == 15, line
        objects.append(
            {
                "type": v[0],
                "truncated": float(v[1]),
                "occluded": int(v[2]),
                "alpha": float(v[3]),
                "bbox": np.array(v[4:8], dtype=float),
                "hwl": np.array(v[8:11], dtype=float),
                "location": np.array(v[11:14], dtype=float),
                "rotation_y": float(v[14]),
            }
        )
    return objects


def read_calib_like_openpcdet(text: str) -> dict:
    """OpenPCDet's calibration_kitti.get_calib_from_file reads P2, P3, R0, Tr_velo2cam by line position."""
    lines = text.splitlines()
    return {
        "P2": np.array(lines[2].strip().split(" ")[1:], dtype=np.float32).reshape(3, 4),
        "P3": np.array(lines[3].strip().split(" ")[1:], dtype=np.float32).reshape(3, 4),
        "R0": np.array(lines[4].strip().split(" ")[1:], dtype=np.float32).reshape(3, 3),
        "Tr_velo2cam": np.array(lines[5].strip().split(" ")[1:], dtype=np.float32).reshape(3, 4),
        "names": [line.split(":")[0] for line in lines],
    }


def box_corners(obj: dict) -> np.ndarray:
    """(8, 3) corners in camera coordinates, as the devkit's computeBox3D builds them."""
    h, w, l = obj["hwl"]
    x = np.array([l, l, -l, -l, l, l, -l, -l]) / 2
    y = np.array([0, 0, 0, 0, -h, -h, -h, -h])
    z = np.array([w, -w, -w, w, w, -w, -w, w]) / 2
    c, s = math.cos(obj["rotation_y"]), math.sin(obj["rotation_y"])
    rotation = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return (rotation @ np.stack([x, y, z])).T + obj["location"]


def test_the_3d_box_projected_with_p2_is_the_amodal_box(export_zip):
    archive = export_zip("kitti")
    for number, frame in enumerate(three_box_frames()):
        calib = read_calib_like_openpcdet(archive.read(f"training/calib/{number:06d}.txt").decode())
        labels = read_label(archive.read(f"training/label_2/{number:06d}.txt").decode())
        truth = frame.load_labels().objects
        assert len(labels) == len(truth)
        for obj, expected in zip(labels, truth):
            corners = box_corners(obj)
            projected = np.hstack([corners, np.ones((8, 1))]) @ calib["P2"].T
            uv = projected[:, :2] / projected[:, 2:]
            # KITTI puts pixel centres at integers and clips boxes to the centres' range [0, W - 1].
            limits = [INTRINSICS.width - 1, INTRINSICS.height - 1, INTRINSICS.width - 1, INTRINSICS.height - 1]
            projected_box = np.clip([*uv.min(axis=0), *uv.max(axis=0)], 0, limits)
            amodal = np.clip(np.array(expected.amodal_box) - 0.5, 0, limits)  # platform centres are at +0.5
            np.testing.assert_allclose(projected_box, amodal, atol=0.01)
            x0, y0, x1, y1 = expected.modal_box  # pixel edges: first and last pixel are x0 and x1 - 1
            assert obj["bbox"].tolist() == [x0, y0, x1 - 1, y1 - 1]
            assert obj["truncated"] == pytest.approx(expected.truncation, abs=0.005)


KNOWN = [
    # yaw, box centre (OpenGL camera), expected location (x right, y down, z forward), expected alpha
    (math.pi / 2, (0.0, -0.5, -10.0), (0.0, 1.25, 10.0), math.pi / 2),
    (0.0, (5.0, 0.0, -5.0), (5.0, 0.75, 5.0), -math.pi / 4),
    (-3.0, (-5.0, 1.0, -5.0), (-5.0, -0.25, 5.0), -3.0 + math.pi / 4),
    (3.0, (-5.0, 0.0, -5.0), (-5.0, 0.75, 5.0), 3.0 + math.pi / 4 - 2 * math.pi),
]


@pytest.mark.parametrize(("yaw", "centre", "location", "alpha"), KNOWN)
def test_location_rotation_and_alpha_on_known_poses(export_zip, yaw, centre, location, alpha):
    box = Box(1, 1, upright_pose(yaw, centre), (4.0, 2.0, 1.5))
    frame = ExportFrame(1, "f.png", b"\x89PNG\r\n\x1a\n", default_camera(), render_frame([box], _wide()))
    obj = kitti_object(frame.load_labels().objects[0], "Car")
    assert obj.location == pytest.approx(location, abs=1e-9)
    assert obj.rotation_y == pytest.approx(yaw, abs=1e-9)
    assert obj.alpha == pytest.approx(alpha, abs=1e-9)
    assert obj.dimensions == (1.5, 2.0, 4.0)
    assert -math.pi <= obj.alpha < math.pi


def _wide():
    return dataclasses.replace(INTRINSICS, fx=8.0, fy=8.0)


def test_a_tilted_object_keeps_its_centre_size_and_heading():
    box = Box(1, 1, upright_pose(0.7, (0.3, -0.2, -6.0), tilt=0.4), (1.0, 0.5, 0.8))
    obj = kitti_object(render_frame([box]).objects[0], "Car")
    assert obj.rotation_y == pytest.approx(0.7, abs=1e-12)
    assert obj.location == pytest.approx((0.3, 0.2 + 0.4, 6.0), abs=1e-12)
    assert obj.dimensions == (0.8, 0.5, 1.0)


@pytest.mark.parametrize(("visible", "level"), [(1.0, 0), (0.9, 0), (0.89, 1), (0.5, 1), (0.49, 2), (0.0, 2)])
def test_occlusion_levels_follow_the_documented_thresholds(visible, level):
    obj = three_box_frames()[0].load_labels().objects[0]
    assert kitti_object(dataclasses.replace(obj, visible_fraction=visible), "Car").occluded == level


def test_types_levels_calib_and_layout(export_zip):
    archive = export_zip("kitti", kitti_types={"traffic cone": "Misc"})
    first = read_label(archive.read("training/label_2/000000.txt").decode())
    assert [(o["type"], o["occluded"]) for o in first] == [("Car", 0), ("Misc", 1), ("Car", 0)]
    calib = read_calib_like_openpcdet(archive.read("training/calib/000001.txt").decode())
    assert calib["names"] == ["P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo"]
    k = INTRINSICS.K - [[0, 0, 0.5], [0, 0, 0.5], [0, 0, 0]]
    np.testing.assert_allclose(calib["P2"], np.hstack([k, np.zeros((3, 1))]), rtol=1e-6)
    np.testing.assert_array_equal(calib["R0"], np.eye(3))
    np.testing.assert_array_equal(calib["Tr_velo2cam"], np.eye(3, 4))
    assert archive.read("ImageSets/train.txt") == b"000000\n000001\n"
    assert archive.read("frames.csv").decode().splitlines() == [
        "number,frame_id,file_name",
        "000000,0,scene/frame_0000.png",
        "000001,7,scene/frame_0001.png",
    ]
    readme = archive.read("README.txt").decode()
    assert "occluded        0 when >= 90% of the object is visible, 1 when >= 50%, else 2" in readme


def test_default_type_table_and_jpeg_frames_become_png(export_zip):
    frame = three_box_frames()[0]
    buffer = io.BytesIO()
    Image.new("RGB", (INTRINSICS.width, INTRINSICS.height), (10, 20, 30)).save(buffer, format="JPEG")
    jpeg_frame = dataclasses.replace(frame, file_name="a.jpg", image=buffer.getvalue())
    archive = export_zip("kitti", frames=[jpeg_frame])
    assert [o["type"] for o in read_label(archive.read("training/label_2/000000.txt").decode())] == [
        "Car",
        "traffic_cone",
        "Car",
    ]
    with Image.open(io.BytesIO(archive.read("training/image_2/000000.png"))) as image:
        assert (image.format, image.size) == ("PNG", (INTRINSICS.width, INTRINSICS.height))
