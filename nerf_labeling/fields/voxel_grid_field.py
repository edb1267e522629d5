"""The built-in CPU backend behind the :class:`RadianceField` interface, in the capture's world frame."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import torch

from nerf_labeling.fields.base import RadianceField, RayRender
from nerf_labeling.fields.normalisation import SceneNormalisation
from nerf_labeling.fields.registry import FIELD_MANIFEST, read_manifest, register_field
from nerf_labeling.fields.voxel_grid_model import GridRenderSettings, VoxelGridModel

FORMAT_VERSION = 1
TENSORS_FILE = "grids.pt"


def _check_rays(origins: np.ndarray, directions: np.ndarray) -> None:
    if origins.ndim != 2 or origins.shape[1] != 3 or directions.shape != origins.shape:
        raise ValueError(f"origins and directions must both be (N, 3), got {origins.shape} and {directions.shape}")


@register_field("voxel-grid")
class VoxelGridField(RadianceField):
    """A trained :class:`VoxelGridModel` plus the normalisation from the capture's world frame."""

    def __init__(self, model: VoxelGridModel, normalisation: SceneNormalisation, *, chunk: int = 4096):
        self.model = model.eval()
        self.normalisation = normalisation
        self.chunk = chunk

    @property
    def bounds(self) -> np.ndarray:
        return self.normalisation.world_bounds()

    def _to_normalised(self, origins: np.ndarray, directions: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        norm = self.normalisation
        o = torch.from_numpy(norm.points_to_normalised(origins).astype(np.float32))
        d = torch.from_numpy(norm.directions_to_normalised(directions).astype(np.float32))
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
            return torch.cat(values).numpy().astype(np.float32)

        return RayRender(
            rgb=np.clip(cat([p.rgb for p in parts], 3), 0.0, 1.0),
            distance=cat([p.comp.median_distance for p in parts]) * scale,
            opacity=np.clip(cat([p.comp.opacity for p in parts]), 0.0, 1.0),
            distance_std=cat([p.comp.distance_std for p in parts]) * scale,
        )

    @torch.no_grad()
    def density(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points)
        if points.ndim != 2 or points.shape[1] != 3:
            raise ValueError(f"points must be (N, 3), got {points.shape}")
        normalised = self.normalisation.points_to_normalised(points)
        inside = np.all(np.abs(normalised) <= 1.0, axis=1)
        sigma = self.model.sigma(torch.from_numpy(normalised.astype(np.float32))).numpy()
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
        model.load_state_dict(torch.load(path / TENSORS_FILE, weights_only=True))
        return cls(model, SceneNormalisation.from_dict(manifest["normalisation"]))
