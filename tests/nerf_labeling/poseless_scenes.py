"""Generated scenes rendered as a person without poses would bring them: a video file, loose photos.

The cameras that rendered them are returned beside the files, so SfM can be checked against the truth.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from nerf_labeling.cameras import Camera, look_at
from nerf_labeling.capture.similarity import Similarity, umeyama
from nerf_labeling.synthetic import SyntheticScene, default_scene, orbit_poses, random_hemisphere_poses
from nerf_labeling.synthetic.capture_writer import pinhole_intrinsics
from nerf_labeling.synthetic.video_writer import render_frames

WIDTH, HEIGHT = 320, 240


def orbit_cameras(n_frames: int, **orbit) -> list[Camera]:
    """Cameras along :func:`orbit_poses` (keyword arguments go to it)."""
    intrinsics = pinhole_intrinsics(WIDTH, HEIGHT, 60.0)
    return [Camera(intrinsics, pose) for pose in orbit_poses(n_frames, **orbit)]


def hemisphere_cameras(n_frames: int, seed: int = 0) -> list[Camera]:
    intrinsics = pinhole_intrinsics(WIDTH, HEIGHT, 60.0)
    poses = random_hemisphere_poses(
        np.random.default_rng(seed), n_frames, radius_range=(2.0, 2.6), elevation_degrees=(20.0, 45.0)
    )
    return [Camera(intrinsics, pose) for pose in poses]


def render(cameras: list[Camera], scene: SyntheticScene | None = None) -> list[np.ndarray]:
    """``scene`` (default: the default scene in its speckle texture; SIFT mismatches checker corners), uint8 RGB."""
    return render_frames(replace(default_scene(), texture="speckle") if scene is None else scene, cameras)


def far_ground_scene() -> SyntheticScene:
    """Bare speckled ground reaching far out, so cameras near ``(100, 100)`` see ground no other view shares."""
    return replace(default_scene(), objects=(), ground_half_extent=200.0, texture="speckle")


def rotation_angle_degrees(a: np.ndarray, b: np.ndarray) -> float:
    """Angle of the rotation between two ``(3, 3)`` rotations."""
    cosine = np.clip((np.trace(a.T @ b) - 1.0) / 2.0, -1.0, 1.0)
    return float(np.degrees(np.arccos(cosine)))


def pose_errors(
    estimated: list[np.ndarray], truth: list[np.ndarray]
) -> tuple[Similarity, np.ndarray, np.ndarray, float]:
    """Align estimated c2w poses onto the truth by a similarity of their centres.

    Returns the similarity, per-frame centre errors (metres), rotation errors (degrees), and the extent
    of the true camera positions (largest distance between two of them).
    """
    estimated, truth = np.stack(estimated), np.stack(truth)
    similarity = umeyama(estimated[:, :3, 3], truth[:, :3, 3])
    moved = np.stack([similarity.apply_to_pose(pose) for pose in estimated])
    position = np.linalg.norm(moved[:, :3, 3] - truth[:, :3, 3], axis=1)
    rotation = np.array([rotation_angle_degrees(m[:3, :3], t[:3, :3]) for m, t in zip(moved, truth)])
    centres = truth[:, :3, 3]
    extent = float(np.max(np.linalg.norm(centres[:, None] - centres[None], axis=-1)))
    return similarity, position, rotation, extent


def half_textureless_ground() -> tuple[SyntheticScene, list[Camera]]:
    """Bare ground, speckled where x < 0 and plain grey beyond, and 20 cameras flying along +x looking down:
    frames 0-9 see only texture, frames 14-19 only grey."""
    scene = replace(default_scene(), objects=(), ground_half_extent=200.0, texture="half_speckle")
    intrinsics = pinhole_intrinsics(WIDTH, HEIGHT, 60.0)
    xs = np.linspace(-4.0, 4.5, 20)
    return scene, [Camera(intrinsics, look_at((x, -1.0, 1.5), (x, 0.2, 0.0))) for x in xs]


def write_unrelated_photos(folder: Path, count: int, rng: np.random.Generator) -> list[str]:
    """Photos that share nothing: smooth random colour fields, each its own."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for index in range(count):
        coarse = rng.uniform(0, 255, size=(HEIGHT // 8, WIDTH // 8, 3)).astype(np.uint8)
        image = Image.fromarray(coarse).resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
        names.append(f"unrelated_{index:02d}.jpg")
        image.save(folder / names[-1], quality=95)
    return names
