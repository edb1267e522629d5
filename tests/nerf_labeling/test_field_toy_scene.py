"""A tiny analytic scene (two spheres on a finite checkered ground under a flat sky) for field tests.

Other field and training tests import :func:`toy_frames`; the tests here pin its own geometry.
"""
from __future__ import annotations

import numpy as np

from nerf_labeling.cameras import Camera, Intrinsics, camera_rays, look_at

SKY = np.array([0.6, 0.75, 0.95])
GROUND_RADIUS = 2.5
SPHERES = (  # centre, radius, colour
    (np.array([0.0, 0.0, 0.5]), 0.5, np.array([0.9, 0.2, 0.2])),
    (np.array([0.9, -0.6, 0.3]), 0.3, np.array([0.2, 0.3, 0.9])),
)


def toy_camera(angle: float, *, width: int = 32, height: int = 24, radius: float = 3.0, elevation: float = 1.5) -> Camera:
    """A camera on the orbit at ``angle`` (radians) looking at the scene centre."""
    eye = np.array([radius * np.cos(angle), radius * np.sin(angle), elevation])
    focal = 0.9 * width
    intrinsics = Intrinsics(fx=focal, fy=focal, cx=width / 2, cy=height / 2, width=width, height=height)
    return Camera(intrinsics=intrinsics, camera_to_world=look_at(eye, [0.0, 0.0, 0.3]))


def trace(origins: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ray-cast the scene: ``(N, 3)`` rays -> colours ``(N, 3)`` and hit distances ``(N,)`` (inf on sky)."""
    origins, directions = origins.astype(np.float64), directions.astype(np.float64)
    distance = np.full(len(origins), np.inf)
    colour = np.tile(SKY, (len(origins), 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_ground = -origins[:, 2] / directions[:, 2]
        hit = origins + directions * t_ground[:, None]
        on_ground = (t_ground > 0) & (np.hypot(hit[:, 0], hit[:, 1]) < GROUND_RADIUS)
        checker = (np.floor(hit[:, 0] * 2) + np.floor(hit[:, 1] * 2)) % 2
    ground_colour = np.where(checker[:, None] > 0, [0.8, 0.8, 0.6], [0.35, 0.5, 0.3])
    distance[on_ground] = t_ground[on_ground]
    colour[on_ground] = ground_colour[on_ground]
    for centre, radius, base in SPHERES:
        offset = origins - centre
        b = np.einsum("ij,ij->i", offset, directions)
        disc = b * b - (np.einsum("ij,ij->i", offset, offset) - radius * radius)
        t = -b - np.sqrt(np.maximum(disc, 0.0))
        closer = (disc > 0) & (t > 0) & (t < distance)
        normal = (offset + directions * t[:, None]) / radius
        shade = 0.55 + 0.45 * normal[:, 2:3]
        distance[closer] = t[closer]
        colour[closer] = (base * shade)[closer]
    return colour, distance


def toy_frames(count: int, *, width: int = 32, height: int = 24, phase: float = 0.0):
    """``count`` orbit views: list of ``(image (H, W, 3) float32, camera, z-depth (H, W) float32 or inf)``."""
    frames = []
    for angle in phase + np.linspace(0.0, 2.0 * np.pi, count, endpoint=False):
        camera = toy_camera(angle, width=width, height=height)
        rays = camera_rays(camera)
        colour, distance = trace(rays.origins, rays.directions)
        depth = (distance * rays.z_per_distance).reshape(height, width)
        frames.append((colour.reshape(height, width, 3).astype(np.float32), camera, depth.astype(np.float32)))
    return frames


def test_toy_scene_centre_pixel_hits_the_big_sphere_at_its_analytic_depth():
    intrinsics = Intrinsics(fx=30.0, fy=30.0, cx=16.5, cy=12.5, width=33, height=25)
    camera = Camera(intrinsics, look_at([3.0, 0.0, 0.5], [0.0, 0.0, 0.5]))
    rays = camera_rays(camera)
    colour, distance = trace(rays.origins, rays.directions)
    centre = 12 * 33 + 16  # the ray through (16.5, 12.5) is the optical axis
    assert distance[centre] == 2.5
    np.testing.assert_allclose(colour[centre], SPHERES[0][2] * 0.55)


def test_toy_scene_shows_sky_above_the_horizon():
    origins = np.array([[0.0, 0.0, 5.0]])
    colour, distance = trace(origins, np.array([[0.0, 0.0, 1.0]]))
    assert np.isinf(distance[0])
    np.testing.assert_array_equal(colour[0], SKY)
