"""Ready-made scenes: one fixed scene with known occlusions, and random scenes for diversity."""
from __future__ import annotations

import numpy as np

from nerf_labeling.synthetic.scene import SceneObject, SyntheticScene

#: class name given to each shape by :func:`random_scene`
CLASS_OF_SHAPE = {"box": "box", "sphere": "ball", "cylinder": "can"}


def upright_pose(x: float, y: float, z: float, yaw_degrees: float = 0.0) -> np.ndarray:
    """``(4, 4)`` object-to-world pose at ``(x, y, z)`` turned by ``yaw`` about world +Z."""
    yaw = np.deg2rad(yaw_degrees)
    pose = np.eye(4)
    pose[:3, :3] = [[np.cos(yaw), -np.sin(yaw), 0.0], [np.sin(yaw), np.cos(yaw), 0.0], [0.0, 0.0, 1.0]]
    pose[:3, 3] = [x, y, z]
    return pose


def default_scene() -> SyntheticScene:
    """Five objects standing close together on the ground, so the default orbit sees occlusions.

    Ids: 1 large box (centre), 2 ball, 3 can, 4 small box, 5 small ball.
    """
    objects = (
        SceneObject(1, "box", "box", (0.6, 0.4, 0.5), upright_pose(0.0, 0.0, 0.25, 20.0), (0.85, 0.35, 0.25)),
        SceneObject(2, "ball", "sphere", (0.5, 0.5, 0.5), upright_pose(0.55, 0.35, 0.25, 0.0), (0.25, 0.55, 0.85)),
        SceneObject(3, "can", "cylinder", (0.3, 0.3, 0.6), upright_pose(-0.5, 0.3, 0.3, 0.0), (0.3, 0.8, 0.35)),
        SceneObject(4, "box", "box", (0.3, 0.3, 0.3), upright_pose(-0.1, -0.6, 0.15, 45.0), (0.9, 0.8, 0.2)),
        SceneObject(5, "ball", "sphere", (0.3, 0.3, 0.3), upright_pose(0.5, -0.4, 0.15, 30.0), (0.7, 0.3, 0.8)),
    )
    return SyntheticScene(objects=objects, name="default")


def _random_size(rng: np.random.Generator, shape: str) -> tuple[float, float, float]:
    if shape == "box":
        return tuple(float(s) for s in rng.uniform(0.2, 0.7, size=3))
    diameter = float(rng.uniform(0.2, 0.6))
    if shape == "sphere":
        return (diameter, diameter, diameter)
    return (diameter, diameter, float(rng.uniform(0.2, 0.8)))


def random_scene(
    rng: np.random.Generator, n_objects: int, *, spread: float = 1.2, max_tries: int = 1000
) -> SyntheticScene:
    """``n_objects`` random upright solids resting on the ground within ``spread`` metres of the origin.

    Objects never overlap (their footprint circles are kept apart); ids are ``1..n_objects``.
    """
    objects: list[SceneObject] = []
    footprints: list[tuple[float, float, float]] = []
    for _ in range(max_tries):
        if len(objects) == n_objects:
            break
        shape = str(rng.choice(list(CLASS_OF_SHAPE)))
        size = _random_size(rng, shape)
        footprint = float(np.hypot(size[0], size[1]) / 2.0)
        x, y = rng.uniform(-spread, spread, size=2)
        if any(np.hypot(x - fx, y - fy) < footprint + fr + 0.02 for fx, fy, fr in footprints):
            continue
        pose = upright_pose(float(x), float(y), size[2] / 2.0, float(rng.uniform(0.0, 360.0)))
        color = tuple(float(c) for c in rng.uniform(0.15, 0.95, size=3))
        objects.append(
            SceneObject(len(objects) + 1, CLASS_OF_SHAPE[shape], shape, size, pose, color,
                        tiles_per_metre=float(rng.uniform(5.0, 12.0)))
        )
        footprints.append((float(x), float(y), footprint))
    if len(objects) < n_objects:
        raise ValueError(f"could not place {n_objects} non-overlapping objects within spread {spread} m")
    return SyntheticScene(objects=tuple(objects), name="random")
