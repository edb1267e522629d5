"""A camera's rays made on a torch device: the numbers of :func:`nerf_labeling.cameras.camera_rays`.

On a GPU worker, making a 640x480 frame's rays in numpy and copying them over costs more than
rendering them; here they are made where they are used, with the same formula (float64, then
float32 like ``camera_rays``), so CPU and GPU renders of a frame see the same rays to float32 precision.
"""
from __future__ import annotations

import numpy as np
import torch

from nerf_labeling.cameras import Camera, CameraRays


def camera_rays_on(camera: Camera, device: str | torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Rays of every pixel centre of ``camera`` on ``device``, pixel after pixel along rows.

    Returns
    -------
    origins, directions : (H * W, 3) float32, world frame, unit directions
    z_per_distance : (H * W,) float32, z-depth per unit of distance along each ray
    """
    intr = camera.intrinsics
    u = torch.arange(intr.width, dtype=torch.float64, device=device) + 0.5
    v = torch.arange(intr.height, dtype=torch.float64, device=device) + 0.5
    # OpenGL camera: +Y up and looking down -Z, so image rows grow against +Y.
    x = ((u - intr.cx) / intr.fx)[None, :].expand(intr.height, -1)
    y = (-(v - intr.cy) / intr.fy)[:, None].expand(-1, intr.width)
    local = torch.stack([x, y, -torch.ones_like(x)], dim=-1).reshape(-1, 3)
    norms = torch.linalg.norm(local, dim=-1, keepdim=True)
    pose = torch.as_tensor(camera.camera_to_world, dtype=torch.float64, device=device)
    directions = (local / norms) @ pose[:3, :3].T
    origins = pose[:3, 3].expand_as(directions)
    return origins.float(), directions.float(), (1.0 / norms[:, 0]).float()


def camera_rays_made_on(camera: Camera, device: str | torch.device) -> CameraRays:
    """:func:`~nerf_labeling.cameras.camera_rays` (numpy, float32), made on ``device`` and copied back at once."""
    origins, directions, z_per_distance = camera_rays_on(camera, device)
    count = len(z_per_distance)
    # One flat buffer: a single copy, and each array a contiguous slice of it.
    packed = torch.cat([origins.reshape(-1), directions.reshape(-1), z_per_distance]).cpu().numpy()
    return CameraRays(
        origins=packed[: 3 * count].reshape(count, 3),
        directions=packed[3 * count : 6 * count].reshape(count, 3),
        z_per_distance=packed[6 * count :],
    )
