"""Benchmark: KITTI corner error with the devkit's projection over generated captures.

Run from the repository root::

    python -m bench.bench_kitti

Two synthetic captures of the default scene (objects upright on the ground, world +Z up), 640x480,
60 degree field of view: the 60-frame orbit (cameras 18-30 degrees down) and 60 random hemisphere views
(12-65 degrees down). For every object in front of a camera the KITTI label line and calib file are
written by the exporter's own functions, then read back the way the devkit does (``computeBox3D`` from
h, w, l, location, rotation_y; ``projectToImage`` with P2) and the 8 corners compared with the true
corners projected by the real camera. "level camera" is the previous convention, shown for comparison:
labels in the tilted camera itself, ``R0_rect`` identity, ``P2 = [K | 0]``.
"""
from __future__ import annotations

import math

import numpy as np

from nerf_labeling.cameras import Camera, opencv_camera_matrix, project_points
from nerf_labeling.formats.kitti_format import calib_text
from nerf_labeling.formats.kitti_geometry import camera_to_rectified, kitti_object
from nerf_labeling.labels.records import ObjectLabel
from nerf_labeling.synthetic.capture_writer import pinhole_intrinsics
from nerf_labeling.synthetic.presets import default_scene
from nerf_labeling.synthetic.trajectories import orbit_poses, random_hemisphere_poses

INTRINSICS = pinhole_intrinsics(640, 480, 60.0)


def devkit_corners(line: str) -> np.ndarray:
    """``(8, 3)`` corners of a label line, as the devkit's computeBox3D builds them."""
    values = [float(v) for v in line.split()[8:15]]
    h, w, l, x, y, z, ry = values  # noqa: E741 - the devkit's names
    corners = np.array(
        [
            [l / 2, l / 2, -l / 2, -l / 2, l / 2, l / 2, -l / 2, -l / 2],
            [0, 0, 0, 0, -h, -h, -h, -h],
            [w / 2, -w / 2, -w / 2, w / 2, w / 2, -w / 2, -w / 2, w / 2],
        ]
    )
    c, s = math.cos(ry), math.sin(ry)
    return (np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]) @ corners).T + [x, y, z]


def devkit_p2(calib: str) -> np.ndarray:
    rows = dict(line.split(":", 1) for line in calib.splitlines())
    return np.array(rows["P2"].split(), dtype=np.float64).reshape(3, 4)


def project(points: np.ndarray, projection: np.ndarray) -> np.ndarray:
    projected = np.hstack([points, np.ones((len(points), 1))]) @ projection.T
    return projected[:, :2] / projected[:, 2:]


def corner_error_px(projected: np.ndarray, truth: np.ndarray) -> float:
    """Largest distance from a corner to the nearest corner of the other set, both ways (px)."""
    distances = np.linalg.norm(projected[:, None, :] - truth[None, :, :], axis=-1)
    return float(max(distances.min(axis=0).max(), distances.min(axis=1).max()))


def object_label(obj, camera: Camera) -> ObjectLabel:
    """What the label renderer gives the exporter for ``obj``; the 2D fields are placeholders."""
    object_to_camera = camera.world_to_camera @ obj.object_to_world
    box = (0.0, 0.0, 1.0, 1.0)
    return ObjectLabel(obj.instance_id, 1, obj.class_name, box, box, tuple(object_to_camera[:3, 3]), obj.size,
                       tuple(map(tuple, object_to_camera)), 1, 1.0, 0.0)


def capture_errors(poses: np.ndarray) -> dict[str, list[float]]:
    errors: dict[str, list[float]] = {"gravity-aligned R0_rect": [], "level camera (before)": []}
    for pose in poses:
        camera = Camera(INTRINSICS, pose)
        level_p2 = np.hstack([opencv_camera_matrix(INTRINSICS), np.zeros((3, 1))])
        for obj in default_scene().objects:
            truth, depth = project_points(camera, obj.box_corners())
            if depth.min() < 0.1:
                continue
            truth -= 0.5  # KITTI puts pixel centres at integers
            label = object_label(obj, camera)
            line = kitti_object(label, "Car", rectification=camera_to_rectified(camera)).line()
            errors["gravity-aligned R0_rect"].append(
                corner_error_px(project(devkit_corners(line), devkit_p2(calib_text(camera))), truth)
            )
            level_line = kitti_object(label, "Car").line()
            errors["level camera (before)"].append(corner_error_px(project(devkit_corners(level_line), level_p2), truth))
    return errors


def camera_pitch_degrees(poses: np.ndarray) -> tuple[float, float]:
    """Smallest and largest angle of the optical axis (OpenGL -Z) below the horizon."""
    down = np.degrees(np.arcsin(np.clip(poses[:, 2, 2], -1.0, 1.0)))
    return float(down.min()), float(down.max())


def main() -> None:
    captures = {
        "orbit, 60 frames": orbit_poses(60),
        "random hemisphere, 60 frames": random_hemisphere_poses(np.random.default_rng(0), 60),
    }
    print("| capture | camera pitch down (deg) | convention | boxes | max corner error (px) | mean (px) |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for name, poses in captures.items():
        low, high = camera_pitch_degrees(poses)
        for convention, values in capture_errors(poses).items():
            print(
                f"| {name} | {low:.0f}-{high:.0f} | {convention} | {len(values)} | "
                f"{max(values):.2e} | {np.mean(values):.2e} |"
            )


if __name__ == "__main__":
    main()
