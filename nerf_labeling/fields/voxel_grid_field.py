"""The built-in CPU backend behind the :class:`RadianceField` interface, in the capture's world frame."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import torch

from nerf_labeling.cameras import Camera
from nerf_labeling.fields.base import RadianceField, RayRender, RenderedView
from nerf_labeling.fields.device_rays import camera_rays_on
from nerf_labeling.fields.normalisation import SceneNormalisation
from nerf_labeling.fields.saved_field import FIELD_MANIFEST, read_manifest
from nerf_labeling.fields.voxel_grid_model import GridRenderSettings, VoxelGridModel

FORMAT_VERSION = 1
TENSORS_FILE = "grids.pt"

#: rays per batch through the model: cache-sized on the CPU; on a CUDA device as many as its memory
#: allows (a batch holds a few ``rays x samples per ray`` temporaries: 3.2 GB peak at 2**17 rays on a
#: 192**3 grid), up to a whole 640x480 frame (an H200 renders one in 35 ms at 2**17 rays a batch, 29 ms
#: at 2**19); other accelerators, whose memory is not asked, take ``OTHER_DEVICE_CHUNK``
CPU_CHUNK = 4096
GPU_RAYS_PER_GIB = 1 << 13
GPU_CHUNK_MAX = 1 << 19
OTHER_DEVICE_CHUNK = 1 << 17
#: rays per :meth:`render_rays` call on a GPU: a whole 640x480 frame crosses to the device at once
GPU_RAY_BATCH = 1 << 20


def _check_rays(origins: np.ndarray, directions: np.ndarray) -> None:
    if origins.ndim != 2 or origins.shape[1] != 3 or directions.shape != origins.shape:
        raise ValueError(f"origins and directions must both be (N, 3), got {origins.shape} and {directions.shape}")


class VoxelGridField(RadianceField):
    """A trained :class:`VoxelGridModel` plus the normalisation from the capture's world frame.

    The field computes where its model lives (:meth:`to` moves it); ``chunk`` rays go through the
    model at a time, None choosing a size for the device.
    """

    backend_name = "voxel-grid"

    def __init__(self, model: VoxelGridModel, normalisation: SceneNormalisation, *, chunk: int | None = None):
        self.model = model.eval()
        self.normalisation = normalisation
        self._chunk = chunk

    @property
    def device(self) -> str:
        return str(self.model.density.device)

    def to(self, device: str) -> "VoxelGridField":
        self.model.to(device)
        return self

    @property
    def _on_cpu(self) -> bool:
        return self.model.density.device.type == "cpu"

    @property
    def chunk(self) -> int:
        """Rays per batch through the model."""
        if self._chunk is not None:
            return self._chunk
        device = self.model.density.device
        if device.type == "cpu":
            return CPU_CHUNK
        if device.type != "cuda":
            return OTHER_DEVICE_CHUNK
        gibibytes = torch.cuda.get_device_properties(device).total_memory // 2**30
        return int(min(GPU_CHUNK_MAX, max(1, gibibytes) * GPU_RAYS_PER_GIB))

    @property
    def ray_batch(self) -> int:
        return RadianceField.ray_batch if self._on_cpu else GPU_RAY_BATCH

    @property
    def bounds(self) -> np.ndarray:
        return self.normalisation.world_bounds()

    def _to_normalised(self, origins: np.ndarray, directions: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        norm = self.normalisation
        device = self.model.density.device
        o = torch.from_numpy(norm.points_to_normalised(origins).astype(np.float32)).to(device)
        d = torch.from_numpy(norm.directions_to_normalised(directions).astype(np.float32)).to(device)
        return o, d

    @torch.no_grad()
    def render_rays(self, origins: np.ndarray, directions: np.ndarray) -> RayRender:
        origins, directions = np.asarray(origins), np.asarray(directions)
        _check_rays(origins, directions)
        o, d = self._to_normalised(origins, directions)
        parts = [self.model.render(o[i : i + self.chunk], d[i : i + self.chunk]) for i in range(0, len(o), self.chunk)]
        scale = np.float32(self.normalisation.scale)

        def cat(values: list[torch.Tensor], width: int | None = None) -> np.ndarray:
            if not values:
                return np.zeros((0, width) if width else (0,), dtype=np.float32)
            return torch.cat(values).cpu().numpy().astype(np.float32)

        return RayRender(
            rgb=np.clip(cat([p.rgb for p in parts], 3), 0.0, 1.0),
            distance=cat([p.comp.median_distance for p in parts]) * scale,
            opacity=np.clip(cat([p.comp.opacity for p in parts]), 0.0, 1.0),
            distance_std=cat([p.comp.distance_std for p in parts]) * scale,
        )

    @torch.no_grad()
    def render_camera(self, camera: Camera, *, chunk: int) -> RenderedView:
        """On a GPU the rays are made, rendered and turned into images there, and copied back once.

        On the CPU this is the generic path through :meth:`render_rays` (``chunk`` rays per call); the
        device path feeds the model :attr:`chunk` rays at a time and gives the same images to float32
        rounding.
        """
        if self._on_cpu:
            return super().render_camera(camera, chunk=chunk)
        device = self.model.density.device
        origins, directions, z_per_distance = camera_rays_on(camera, device)
        norm = self.normalisation
        centre = torch.as_tensor(norm.centre, dtype=torch.float64, device=device)
        rotation = torch.as_tensor(norm.rotation, dtype=torch.float64, device=device)
        o = ((origins.double() - centre) @ rotation.T / norm.scale).float()
        d = (directions.double() @ rotation.T).float()
        parts = [self.model.render(o[i : i + self.chunk], d[i : i + self.chunk]) for i in range(0, len(o), self.chunk)]
        scale = float(np.float32(norm.scale))
        rgb = torch.cat([p.rgb for p in parts]).clamp(0.0, 1.0)
        depth = torch.cat([p.comp.median_distance for p in parts]) * scale * z_per_distance
        opacity = torch.cat([p.comp.opacity for p in parts]).clamp(0.0, 1.0)
        depth_std = torch.cat([p.comp.distance_std for p in parts]) * scale * z_per_distance
        # One flat buffer: a single copy, and each image a contiguous slice of it.
        images = torch.cat([rgb.reshape(-1), depth, opacity, depth_std]).cpu().numpy()
        shape, count = (camera.intrinsics.height, camera.intrinsics.width), len(depth)
        return RenderedView(
            rgb=images[: 3 * count].reshape(*shape, 3),
            depth=images[3 * count : 4 * count].reshape(shape),
            opacity=images[4 * count : 5 * count].reshape(shape),
            depth_std=images[5 * count :].reshape(shape),
        )

    @torch.no_grad()
    def density(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points)
        if points.ndim != 2 or points.shape[1] != 3:
            raise ValueError(f"points must be (N, 3), got {points.shape}")
        normalised = self.normalisation.points_to_normalised(points)
        inside = np.all(np.abs(normalised) <= 1.0, axis=1)
        points_on_device = torch.from_numpy(normalised.astype(np.float32)).to(self.model.density.device)
        sigma = self.model.sigma(points_on_device).cpu().numpy()
        # Density per normalised unit -> per world unit; nothing is modelled outside the cube.
        return np.where(inside, sigma / self.normalisation.scale, 0.0).astype(np.float32)

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        manifest = {
            "backend": self.backend_name,
            "format_version": FORMAT_VERSION,
            "resolution": self.model.resolution,
            "settings": dataclasses.asdict(self.model.settings),
            "normalisation": self.normalisation.to_dict(),
        }
        torch.save(self.model.state_dict(), path / TENSORS_FILE)
        (path / FIELD_MANIFEST).write_text(json.dumps(manifest, indent=2))

    @classmethod
    def load(cls, path: str | Path) -> "VoxelGridField":
        path = Path(path)
        manifest = read_manifest(path)
        if manifest.get("backend") != cls.backend_name or manifest.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path} does not hold a {cls.backend_name!r} field of format {FORMAT_VERSION}")
        model = VoxelGridModel(manifest["resolution"], GridRenderSettings(**manifest["settings"]))
        model.load_state_dict(torch.load(path / TENSORS_FILE, map_location="cpu", weights_only=True))
        return cls(model, SceneNormalisation.from_dict(manifest["normalisation"]))
