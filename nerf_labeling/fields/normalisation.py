"""Scene normalisation: a similarity transform from a capture's world frame into a unit training cube.

Captures come in arbitrary units and orientation (COLMAP). Backends train in a frame where the
region the cameras look at fills ``[-1, 1]^3`` with world "up" along +Z, and map every answer back.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nerf_labeling.cameras import Camera


@dataclass(frozen=True)
class SceneNormalisation:
    """``x_normalised = rotation @ (x_world - centre) / scale``.

    centre : (3,) float64, world frame, capture units
    rotation : (3, 3) float64, world -> normalised axes (proper rotation)
    scale : float, capture units per normalised unit
    """

    centre: np.ndarray
    rotation: np.ndarray
    scale: float

    def points_to_normalised(self, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` world points -> ``(N, 3)`` float64 normalised points."""
        return (np.asarray(points, dtype=np.float64) - self.centre) @ self.rotation.T / self.scale

    def points_to_world(self, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` normalised points -> ``(N, 3)`` float64 world points."""
        return np.asarray(points, dtype=np.float64) * self.scale @ self.rotation + self.centre

    def directions_to_normalised(self, directions: np.ndarray) -> np.ndarray:
        """``(N, 3)`` world unit directions -> ``(N, 3)`` float64 normalised unit directions."""
        return np.asarray(directions, dtype=np.float64) @ self.rotation.T

    def world_bounds(self) -> np.ndarray:
        """``(2, 3)`` float64 world AABB (min, max) enclosing the normalised cube ``[-1, 1]^3``."""
        corners = np.array(np.meshgrid([-1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0])).reshape(3, -1).T
        world = self.points_to_world(corners)
        return np.stack([world.min(axis=0), world.max(axis=0)])

    def to_dict(self) -> dict:
        """JSON-ready form; Python floats round-trip exactly through ``json``."""
        return {"centre": self.centre.tolist(), "rotation": self.rotation.tolist(), "scale": self.scale}

    @classmethod
    def from_dict(cls, data: dict) -> "SceneNormalisation":
        return cls(
            centre=np.asarray(data["centre"], dtype=np.float64),
            rotation=np.asarray(data["rotation"], dtype=np.float64),
            scale=float(data["scale"]),
        )


def normalisation_from_cameras(cameras: Sequence[Camera], *, margin: float = 1.1) -> SceneNormalisation:
    """Fit the cube to the cameras: centred on the point their optical axes pass closest to.

    The cube's half-size is ``margin`` times the farthest camera's distance from that focus, so every
    camera sits inside it and the ground it looks at is modelled; +Z follows the cameras' mean up
    vector. Falls back to the mean camera centre when the axes are near-parallel (e.g. a forward sweep).
    """
    if len(cameras) == 0:
        raise ValueError("need at least one camera to normalise a scene")
    poses = np.stack([np.asarray(cam.camera_to_world, dtype=np.float64) for cam in cameras])
    centres = poses[:, :3, 3]
    centre = _optical_axes_focus(centres, -poses[:, :3, 2])
    rotation = _rotation_taking_to_z(poses[:, :3, 1].mean(axis=0))
    radius = float(np.linalg.norm(centres - centre, axis=1).max())
    if radius <= 0.0:
        radius = 1.0
    return SceneNormalisation(centre=centre, rotation=rotation, scale=margin * radius)


def _optical_axes_focus(centres: np.ndarray, forwards: np.ndarray) -> np.ndarray:
    """Least-squares point nearest to all lines ``centre + t * forward`` (as nerfstudio's "focus")."""
    forwards = forwards / np.linalg.norm(forwards, axis=1, keepdims=True)
    projectors = np.eye(3)[None] - forwards[:, :, None] * forwards[:, None, :]
    lhs = projectors.sum(axis=0)
    rhs = np.einsum("nij,nj->i", projectors, centres)
    if len(centres) < 2 or np.linalg.cond(lhs) > 1e6:
        return centres.mean(axis=0)
    focus = np.linalg.solve(lhs, rhs)
    # A focus far beyond the cameras (near-parallel axes) would waste the cube on empty space.
    spread = np.linalg.norm(centres - centres.mean(axis=0), axis=1).max()
    if np.linalg.norm(focus - centres.mean(axis=0)) > 10.0 * max(spread, 1e-9):
        return centres.mean(axis=0)
    return focus


def _rotation_taking_to_z(up: np.ndarray) -> np.ndarray:
    """Proper rotation ``(3, 3)`` mapping the direction ``up`` onto +Z (identity if already +Z)."""
    norm = np.linalg.norm(up)
    if norm < 1e-9:
        return np.eye(3)
    a = up / norm
    z = np.array([0.0, 0.0, 1.0])
    v = np.cross(a, z)
    c = float(a @ z)
    if c < -1.0 + 1e-12:
        return np.diag([1.0, -1.0, -1.0])
    skew = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    return np.eye(3) + skew + skew @ skew / (1.0 + c)
