"""A trained nerfstudio nerfacto model behind the :class:`RadianceField` interface (GPU workers).

nerfstudio is imported only when a field is built or loaded. Its dataparser moves the capture into its
own frame, ``x_ns = scale * (R @ x + t)`` with ``transform = [R | t]`` (3x4); this adaptor maps rays in
and distances, densities and bounds back, so callers only ever see the capture's world frame.

A saved field is the nerfstudio run's ``config.yml``, ``dataparser_transforms.json`` and checkpoint
(under ``run/``) plus ``field.json``; it loads through :mod:`nerf_labeling.fields.nerfstudio_run`
without the training images, exactly as it rendered when trained.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from nerf_labeling.fields.base import RadianceField, RayRender
from nerf_labeling.fields.nerfstudio_run import (
    build_nerfacto_model, capture_frame_transform, find_nerfstudio_run, import_nerfstudio, read_dataparser_transform,
)
from nerf_labeling.fields.saved_field import FIELD_MANIFEST, read_manifest

DATA_DIR, RUN_DIR = "data", "run"


class NerfactoField(RadianceField):
    """A nerfacto model in eval mode plus its dataparser transform.

    model : nerfstudio ``NerfactoModel``
    run : the run directory's files the field saves (None: the field cannot be saved)
    transform : (3, 4) float64, capture world -> nerfstudio frame before scaling
    scale : float, nerfstudio units per capture unit
    scene_box : (2, 3) float64, the dataparser's scene box (nerfstudio frame)
    """

    backend_name = "nerfacto"

    def __init__(
        self, model, transform: np.ndarray, scale: float, scene_box: np.ndarray, *,
        run=None, chunk: int = 1 << 14,
    ):
        import_nerfstudio()
        self.model = model.eval()
        self.transform = np.asarray(transform, dtype=np.float64).reshape(3, 4)
        self.scale = float(scale)
        self.scene_box = np.asarray(scene_box, dtype=np.float64).reshape(2, 3)
        self.run = run
        self.chunk = chunk

    @property
    def _device(self):
        return next(self.model.parameters()).device

    @property
    def device(self) -> str:
        return str(self._device)

    def to(self, device: str) -> "NerfactoField":
        self.model.to(device)
        return self

    @property
    def bounds(self) -> np.ndarray:
        corners = np.array(np.meshgrid(*self.scene_box.T)).reshape(3, -1).T
        rotation, offset = self.transform[:, :3], self.transform[:, 3]
        world = (corners / self.scale - offset) @ rotation
        return np.stack([world.min(axis=0), world.max(axis=0)])

    def render_rays(self, origins: np.ndarray, directions: np.ndarray) -> RayRender:
        import torch

        origins, directions = np.asarray(origins, np.float64), np.asarray(directions, np.float64)
        if origins.ndim != 2 or origins.shape[1] != 3 or directions.shape != origins.shape:
            raise ValueError(f"origins and directions must both be (N, 3), got {origins.shape} and {directions.shape}")
        rotation, offset = self.transform[:, :3], self.transform[:, 3]
        o = torch.from_numpy((self.scale * (origins @ rotation.T + offset)).astype(np.float32))
        d = torch.from_numpy((directions @ rotation.T).astype(np.float32))
        parts = [self._render_chunk(o[i : i + self.chunk], d[i : i + self.chunk]) for i in range(0, len(o), self.chunk)]
        rgb, distance, opacity, std = (np.concatenate([p[k] for p in parts]) if parts else np.zeros(0) for k in range(4))
        return RayRender(
            rgb=rgb.reshape(-1, 3).astype(np.float32),
            distance=(distance / self.scale).astype(np.float32),
            opacity=opacity.astype(np.float32),
            distance_std=(std / self.scale).astype(np.float32),
        )

    def _render_chunk(self, origins, directions) -> tuple[np.ndarray, ...]:
        import torch
        from nerfstudio.cameras.rays import RayBundle
        from nerfstudio.field_components.field_heads import FieldHeadNames

        from nerf_labeling.fields.volume_rendering import median_termination

        model, device = self.model, self._device
        n = len(origins)
        with torch.no_grad():
            bundle = RayBundle(
                origins=origins.to(device),
                directions=directions.to(device),
                pixel_area=torch.full((n, 1), 1e-6, device=device),
                camera_indices=torch.zeros((n, 1), dtype=torch.long, device=device),
            )
            bundle = model.collider(bundle)
            samples, _, _ = model.proposal_sampler(bundle, density_fns=model.density_fns)
            outputs = model.field.forward(samples, compute_normals=False)
            weights = samples.get_weights(outputs[FieldHeadNames.DENSITY])
            rgb = model.renderer_rgb(rgb=outputs[FieldHeadNames.RGB], weights=weights)
            starts, ends = samples.frustums.starts, samples.frustums.ends
            mids = (starts + ends) / 2.0
            opacity = weights.sum(dim=-2)
            safe = opacity.clamp(min=1e-6)
            distance = (weights * mids).sum(dim=-2) / safe
            variance = (weights * (mids - distance[..., None, :]) ** 2).sum(dim=-2) / safe
            present = opacity > 1e-6
            distance = torch.where(present, distance, torch.zeros_like(distance))
            std = torch.where(present, variance.clamp(min=0).sqrt(), torch.zeros_like(variance))
            sigma = outputs[FieldHeadNames.DENSITY].reshape(n, -1)
            lengths = (ends - starts).reshape(n, -1)
            optical_before = torch.cumsum(sigma * lengths, dim=1) - sigma * lengths
            ray_index = torch.arange(n, device=device)[:, None].expand_as(sigma)
            median = median_termination(
                sigma.reshape(-1), optical_before.reshape(-1), starts.reshape(-1), lengths.reshape(-1),
                ray_index.reshape(-1), fallback=distance.reshape(-1),
            )
        flat = (median, opacity.clamp(0, 1), std)
        return (rgb.clamp(0, 1).float().cpu().numpy(),) + tuple(t.reshape(n).float().cpu().numpy() for t in flat)

    def density(self, points: np.ndarray) -> np.ndarray:
        import torch

        points = np.asarray(points, np.float64)
        if points.ndim != 2 or points.shape[1] != 3:
            raise ValueError(f"points must be (N, 3), got {points.shape}")
        rotation, offset = self.transform[:, :3], self.transform[:, 3]
        ns_points = torch.from_numpy((self.scale * (points @ rotation.T + offset)).astype(np.float32)).to(self._device)
        with torch.no_grad():
            sigma = self.model.field.density_fn(ns_points).reshape(-1).float().cpu().numpy()
        # Density per nerfstudio unit -> per capture unit (lengths shrink by 1 / scale).
        return (sigma * self.scale).astype(np.float32)

    def save(self, path: str | Path) -> None:
        if self.run is None:
            raise ValueError("this nerfacto field was not built from a nerfstudio run directory")
        path = Path(path)
        self.run.copy_to(path / RUN_DIR)
        manifest = {
            "backend": self.backend_name,
            "transform": self.transform.tolist(),
            "scale": self.scale,
            "scene_box": self.scene_box.tolist(),
        }
        (path / FIELD_MANIFEST).write_text(json.dumps(manifest, indent=2))

    @classmethod
    def load(cls, path: str | Path, *, device: str | None = None) -> "NerfactoField":
        """The field saved at ``path``, on ``device`` (None: CUDA where present, else the CPU).

        The manifest's transform (the capture's frame) is authoritative.
        """
        import_nerfstudio()
        manifest = read_manifest(path)
        run = find_nerfstudio_run(Path(path) / RUN_DIR, require_transforms=False)  # the manifest has it
        return cls(build_nerfacto_model(run, device=device), np.asarray(manifest["transform"]), manifest["scale"],
                   np.asarray(manifest["scene_box"]), run=run)


def load_nerfstudio_run(
    run_dir: str | Path, *, applied_transform: np.ndarray | None = None, applied_scale: float | None = None,
    device: str | None = None,
) -> NerfactoField:
    """A nerfacto run directory as a :class:`NerfactoField` in the capture's world frame (``device``: see
    :func:`build_nerfacto_model`).

    ``applied_transform`` / ``applied_scale``: the ``transforms.json`` keys of the capture the run was
    trained from, when it has them (see :func:`capture_frame_transform`).
    """
    import_nerfstudio()
    run = find_nerfstudio_run(run_dir)
    transform, scale = capture_frame_transform(
        *read_dataparser_transform(run), applied_transform=applied_transform, applied_scale=applied_scale
    )
    model = build_nerfacto_model(run, device=device)
    scene_box = model.field.aabb.detach().cpu().numpy()
    return NerfactoField(model, transform, scale, scene_box, run=run)
