"""Scene preview: a binary PLY of surface points and a compact camera JSON for the browser."""
from __future__ import annotations

import json

import numpy as np

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.fields.preview import PLY_VERTEX, write_preview
from nerf_labeling.fields.voxel_grid_field import VoxelGridField
from tests.nerf_labeling.test_field_voxel_grid import similarity, slab_model


def read_ply(path) -> np.ndarray:
    data = path.read_bytes()
    header, body = data.split(b"end_header\n", 1)
    assert header.startswith(b"ply\nformat binary_little_endian 1.0\n")
    count = int(header.split(b"element vertex ")[1].split(b"\n")[0])
    return np.frombuffer(body, dtype=PLY_VERTEX, count=count)


def test_preview_points_lie_on_the_surface_and_cameras_round_trip(tmp_path):
    norm = similarity(2.0, 0.0, (1.0, 0.0, 0.0))  # the slab's face sits near world x = 1 + 2 * 0.45
    field = VoxelGridField(slab_model(), norm)
    intrinsics = Intrinsics(fx=12.0, fy=12.0, cx=8.0, cy=6.0, width=16, height=12)
    cameras = [Camera(intrinsics, look_at([0.0, y, 0.0], [3.0, y, 0.0])) for y in (-0.5, 0.5)]
    files = write_preview(field, cameras, tmp_path / "preview", max_points=100)
    vertices = read_ply(files.points_path)
    assert files.point_count == len(vertices) == 100  # 2 x 16 x 12 crisp hits, capped
    assert np.all(np.abs(vertices["x"] - 1.9) < 0.15)
    summary = json.loads(files.cameras_path.read_text())
    assert len(summary["frames"]) == 2 and summary["frames"][1]["width"] == 16
    np.testing.assert_allclose(summary["frames"][0]["camera_to_world"], cameras[0].camera_to_world, atol=1e-6)
    np.testing.assert_allclose(summary["bounds"], field.bounds)


def test_preview_can_write_two_named_files(tmp_path):
    field = VoxelGridField(slab_model(), similarity(1.0, 0.0, (0, 0, 0)))
    camera = Camera(Intrinsics(8.0, 8.0, 4.0, 3.0, 8, 6), look_at([0.0, 0.0, 0.0], [1.0, 0.0, 0.0]))
    files = write_preview(field, [camera], tmp_path / "scene.ply", tmp_path / "cams.json")
    vertices = read_ply(files.points_path)
    assert files.points_path.name == "scene.ply" and 40 <= len(vertices) <= 48  # one per crisp pixel
    assert np.all(np.abs(vertices["x"] - 0.45) < 0.08)
    assert json.loads((tmp_path / "cams.json").read_text())["up"] == [0.0, 0.0, 1.0]


class _HazyField:
    """Half-opaque fog 2 m in front of every ray, with a wide depth spread: no crisp surface anywhere."""

    bounds = np.array([[-5.0, -5.0, -5.0], [5.0, 5.0, 5.0]])

    def render_rays(self, origins, directions):
        from nerf_labeling.fields.base import RayRender

        n = len(origins)
        return RayRender(
            rgb=np.full((n, 3), 0.5, np.float32), distance=np.full(n, 2.0, np.float32),
            opacity=np.full(n, 0.6, np.float32), distance_std=np.full(n, 0.5, np.float32),
        )


def test_a_field_without_crisp_surfaces_still_previews_its_most_opaque_points(tmp_path):
    intrinsics = Intrinsics(fx=12.0, fy=12.0, cx=8.0, cy=6.0, width=16, height=12)
    camera = Camera(intrinsics, look_at([0.0, 0.0, 0.0], [3.0, 0.0, 0.0]))
    files = write_preview(_HazyField(), [camera], tmp_path / "preview", max_points=1000)
    vertices = read_ply(files.points_path)
    assert len(vertices) == 16 * 12
    distances = np.sqrt(vertices["x"] ** 2 + vertices["y"] ** 2 + vertices["z"] ** 2)
    np.testing.assert_allclose(distances, 2.0, atol=1e-5)
