"""The interface every trained radiance field offers to the rest of the platform.

Everything here speaks the capture's own world frame (metres where the capture has a scale,
OpenGL camera axes); a backend that normalises the scene for training maps back before answering.
Arrays in and out are numpy, so label rendering, meshing and exports never touch a backend's tensors.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nerf_labeling.cameras import Camera, camera_rays


@dataclass(frozen=True)
class RayRender:
    """What a field sees along each ray.

    rgb : (N, 3) float32 in [0, 1]
    distance : (N,) float32, metres along the (unit) ray to the first surface: where the accumulated
        opacity reaches 1/2 (the median termination distance, sharp at object outlines); on rays whose
        opacity stays below 1/2, the expected distance divided by opacity; 0 where opacity is 0
    opacity : (N,) float32 in [0, 1], accumulated alpha
    distance_std : (N,) float32, standard deviation of the termination distance (a per-ray confidence:
        small on a crisp surface, large on fog or a blurred edge)
    """

    rgb: np.ndarray
    distance: np.ndarray
    opacity: np.ndarray
    distance_std: np.ndarray


@dataclass(frozen=True)
class RenderedView:
    """A field rendered from one camera.

    rgb : (H, W, 3) float32 in [0, 1]
    depth : (H, W) float32, z-depth along the optical axis in metres
    opacity : (H, W) float32 in [0, 1]
    depth_std : (H, W) float32, metres (along the axis)
    """

    rgb: np.ndarray
    depth: np.ndarray
    opacity: np.ndarray
    depth_std: np.ndarray


class RadianceField(abc.ABC):
    """A trained field that can be rendered, queried for density, saved and loaded."""

    #: name of the backend that produced this field (its entry in :mod:`nerf_labeling.backends`)
    backend_name: str = ""

    #: rays :func:`render_view` hands to one :meth:`render_rays` call; a backend on a GPU raises it
    #: so a whole frame crosses between host and device in one batch
    ray_batch: int = 65536

    @property
    def device(self) -> str:
        """The torch device the field computes on (``"cpu"``, ``"cuda:0"``); CPU-only backends say ``"cpu"``."""
        return "cpu"

    def to(self, device: str) -> "RadianceField":
        """Compute on ``device`` from now on; returns the field itself.

        Backends that compute on the CPU only (the exact synthetic field) stay there, so a worker can
        hand every field its own device; label rendering follows :attr:`device`.
        """
        return self

    @property
    @abc.abstractmethod
    def bounds(self) -> np.ndarray:
        """``(2, 3)`` float64 axis-aligned bounds (min, max) of the modelled scene, world frame."""

    @abc.abstractmethod
    def render_rays(self, origins: np.ndarray, directions: np.ndarray) -> RayRender:
        """Render ``(N, 3)`` world-frame origins and unit directions (float32)."""

    @abc.abstractmethod
    def density(self, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` world points -> ``(N,)`` float32 volume density (1/metre)."""

    @abc.abstractmethod
    def save(self, path: str | Path) -> None:
        """Write the field to ``path`` (a directory or file the backend chooses) so :meth:`load` restores it exactly."""

    @classmethod
    @abc.abstractmethod
    def load(cls, path: str | Path) -> "RadianceField":
        """Read a field written by :meth:`save`."""

    def render_camera(self, camera: Camera, *, chunk: int) -> RenderedView:
        """Every pixel of ``camera``, ``chunk`` rays per :meth:`render_rays` call (use :func:`render_view`).

        A backend on a GPU may override this to make the rays and finish the images on its device.
        """
        rays = camera_rays(camera)
        parts = [
            self.render_rays(rays.origins[start : start + chunk], rays.directions[start : start + chunk])
            for start in range(0, len(rays.origins), chunk)
        ]
        height, width = camera.intrinsics.height, camera.intrinsics.width

        def stack(name: str) -> np.ndarray:
            return np.concatenate([getattr(part, name) for part in parts], axis=0)

        z_scale = rays.z_per_distance
        return RenderedView(
            rgb=stack("rgb").reshape(height, width, 3).astype(np.float32),
            depth=(stack("distance") * z_scale).reshape(height, width).astype(np.float32),
            opacity=stack("opacity").reshape(height, width).astype(np.float32),
            depth_std=(stack("distance_std") * z_scale).reshape(height, width).astype(np.float32),
        )


def render_view(field: RadianceField, camera: Camera, *, chunk: int | None = None) -> RenderedView:
    """Render every pixel of ``camera``; depth is returned as z-depth (see :mod:`nerf_labeling.cameras`).

    ``chunk`` rays go to the field per call (None: the field's own :attr:`~RadianceField.ray_batch`).
    """
    return field.render_camera(camera, chunk=chunk or field.ray_batch)
