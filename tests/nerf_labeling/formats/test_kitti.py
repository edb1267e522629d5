"""KITTI export read back by a reader written here from the devkit's readme, not from the writer."""
import dataclasses
import io
import math

import numpy as np
import pytest
from PIL import Image

from nerf_labeling.cameras import Camera, look_at, opengl_to_opencv, project_points
from nerf_labeling.formats.kitti_geometry import camera_to_rectified, kitti_object
from nerf_labeling.formats.records import ExportFrame
from tests.nerf_labeling.formats.scenes import (
    INTRINSICS,
    Box,
    default_camera,
    png_bytes,
    render_frame,
    three_box_frames,
    upright_pose,
)


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


def read_calib_like_the_devkit(text: str) -> dict:
    """The devkit's readCalibration: ``name: values`` lines, each matrix row-major."""
    matrices = {}
    for line in text.splitlines():
        name, values = line.split(":", 1)
        matrices[name] = np.array(values.split(), dtype=np.float64)
    return {
        "P2": matrices["P2"].reshape(3, 4),
        "R0_rect": matrices["R0_rect"].reshape(3, 3),
        "Tr_velo_to_cam": matrices["Tr_velo_to_cam"].reshape(3, 4),
    }


#: KITTI's nominal velodyne -> camera rotation: LiDAR axes (x forward, y left, z up) to x right, y down, z forward
LIDAR_AXES_TO_CAMERA = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]])


def project_to_image(points: np.ndarray, projection: np.ndarray) -> np.ndarray:
    """The devkit's projectToImage: ``(N, 3)`` points, ``(3, 4)`` P -> ``(N, 2)`` pixels."""
    projected = np.hstack([points, np.ones((len(points), 1))]) @ projection.T
    return projected[:, :2] / projected[:, 2:]


def test_the_2d_box_and_truncation_are_the_visible_ones(export_zip):
    archive = export_zip("kitti")
    for number, frame in enumerate(three_box_frames()):
        labels = read_label(archive.read(f"training/label_2/{number:06d}.txt").decode())
        truth = frame.load_labels().objects
        assert len(labels) == len(truth)
        for obj, expected in zip(labels, truth):
            x0, y0, x1, y1 = expected.modal_box  # pixel edges: first and last pixel are x0 and x1 - 1
            assert obj["bbox"].tolist() == [x0, y0, x1 - 1, y1 - 1]
            assert obj["truncated"] == pytest.approx(expected.truncation, abs=0.005)


def world_box_pose(yaw: float, centre: tuple[float, float, float]) -> np.ndarray:
    """Object -> world for a box standing on the ground (object +z = world +Z up), turned by ``yaw``."""
    c, s = math.cos(yaw), math.sin(yaw)
    pose = np.eye(4)
    pose[:3, :3] = [[c, -s, 0], [s, c, 0], [0, 0, 1]]
    pose[:3, 3] = centre
    return pose


WORLD_BOXES = [  # (yaw, centre, (l, w, h)): upright in the world, around (0, 5, 0)
    (0.3, (-0.8, 5.0, 0.3), (1.0, 0.5, 0.6)),
    (-2.0, (0.9, 5.6, 0.45), (1.4, 0.7, 0.9)),
    (2.9, (0.1, 4.2, 0.2), (0.5, 0.4, 0.4)),
]


def tilted_camera(pitch_down: float, roll: float, azimuth: float) -> Camera:
    """A camera looking at (0, 5, 0.3) from 5 m, ``pitch_down`` below the horizon, rolled by ``roll``."""
    direction = np.array(
        [math.sin(azimuth) * math.cos(pitch_down), math.cos(azimuth) * math.cos(pitch_down), -math.sin(pitch_down)]
    )
    target = np.array([0.0, 5.0, 0.3])
    pose = look_at(target - 5.0 * direction, target)
    c, s = math.cos(roll), math.sin(roll)
    pose[:3, :3] = pose[:3, :3] @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])  # about the optical axis
    return Camera(INTRINSICS, pose)


def world_box_frame(camera: Camera) -> tuple[ExportFrame, list[np.ndarray]]:
    """A frame of :data:`WORLD_BOXES` and each box's 8 true corner pixels (KITTI's: centres at integers)."""
    boxes, true_pixels = [], []
    for index, (yaw, centre, size) in enumerate(WORLD_BOXES):
        object_to_world = world_box_pose(yaw, centre)
        boxes.append(Box(index + 1, 1, camera.world_to_camera @ object_to_world, size))
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float)
        corners_world = (signs * np.asarray(size) / 2.0) @ object_to_world[:3, :3].T + object_to_world[:3, 3]
        uv, _ = project_points(camera, corners_world)
        true_pixels.append(uv - 0.5)
    return ExportFrame(3, "scene/tilted.png", png_bytes(), camera, render_frame(boxes)), true_pixels


def corner_error_px(projected: np.ndarray, truth: np.ndarray) -> float:
    """Largest distance from a corner to the nearest corner of the other set, both ways (px)."""
    distances = np.linalg.norm(projected[:, None, :] - truth[None, :, :], axis=-1)
    return float(max(distances.min(axis=0).max(), distances.min(axis=1).max()))


CAMERA_TILTS = [  # pitch down, roll, azimuth (radians)
    (0.0, 0.0, 0.0),
    (math.radians(15), math.radians(3), 0.7),
    (math.radians(42), math.radians(-5), -2.0),
]


@pytest.mark.parametrize(("pitch_down", "roll", "azimuth"), CAMERA_TILTS)
def test_the_devkit_projection_of_label_corners_lands_on_the_true_pixels(export_zip, pitch_down, roll, azimuth):
    frame, true_pixels = world_box_frame(tilted_camera(pitch_down, roll, azimuth))
    archive = export_zip("kitti", frames=[frame])
    calib = read_calib_like_the_devkit(archive.read("training/calib/000000.txt").decode())
    labels = read_label(archive.read("training/label_2/000000.txt").decode())
    assert len(labels) == len(WORLD_BOXES)
    for obj, truth in zip(labels, true_pixels):
        assert corner_error_px(project_to_image(box_corners(obj), calib["P2"]), truth) < 1e-3
    # the velodyne chain P2 . R0_rect . Tr_velo_to_cam: "velodyne" points are the rectified camera's in
    # LiDAR axes (x forward, y left, z up), so R0_rect . Tr_velo_to_cam is KITTI's nominal axis swap
    chain = calib["P2"] @ np.vstack([np.hstack([calib["R0_rect"], np.zeros((3, 1))]), [0, 0, 0, 1]])
    chain = chain @ np.vstack([calib["Tr_velo_to_cam"], [0, 0, 0, 1]])
    np.testing.assert_allclose(np.linalg.solve(calib["P2"][:, :3], chain[:, :3]), LIDAR_AXES_TO_CAMERA, atol=1e-9)
    for obj, truth in zip(labels, true_pixels):
        in_velodyne = box_corners(obj) @ LIDAR_AXES_TO_CAMERA  # [z, -x, -y] of X_rect
        assert corner_error_px(project_to_image(in_velodyne, chain), truth) < 1e-3


@pytest.mark.parametrize("pitch_down", [0.0, 0.5, math.pi / 2, -math.pi / 2])
def test_the_rectified_camera_is_the_real_one_levelled(pitch_down):
    camera = tilted_camera(pitch_down, math.radians(4), 0.3)
    rectification = camera_to_rectified(camera)
    np.testing.assert_allclose(rectification @ rectification.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(rectification) == pytest.approx(1.0)
    rectified_to_world = opengl_to_opencv(camera.camera_to_world)[:3, :3] @ rectification.T
    np.testing.assert_allclose(rectified_to_world[:, 1], [0, 0, -1], atol=1e-12)  # y along gravity
    assert rectified_to_world[2, 2] == pytest.approx(0.0, abs=1e-12)  # z horizontal


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
    np.testing.assert_allclose(calib["P2"][:, :3] @ calib["R0"], k, atol=1e-4)
    np.testing.assert_array_equal(calib["P2"][:, 3], np.zeros(3))
    np.testing.assert_allclose(calib["R0"], camera_to_rectified(three_box_frames()[1].camera), atol=1e-7)
    rectified_to_camera = calib["R0"].T
    np.testing.assert_allclose(calib["Tr_velo2cam"][:, :3], rectified_to_camera @ LIDAR_AXES_TO_CAMERA, atol=1e-6)
    np.testing.assert_array_equal(calib["Tr_velo2cam"][:, 3], np.zeros(3))
    assert archive.read("ImageSets/train.txt") == b"000000\n000001\n"
    assert archive.read("frames.csv").decode().splitlines() == [
        "number,frame_id,file_name",
        "000000,0,scene/frame_0000.png",
        "000001,7,scene/frame_0001.png",
    ]
    readme = archive.read("README.txt").decode()
    assert "occluded        0 when >= 90% of the object is visible, 1 when >= 50%, else 2" in readme
    assert readme.index("frames.csv (number,frame_id,file_name)") < readme.index("training/image_2")
    assert "pixel = P2 · [X_rect; 1]" in readme


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
