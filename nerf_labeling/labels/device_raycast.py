"""Ray casting against a triangle mesh in torch, on whatever device label rendering runs on.

Open3D's Embree raycaster (:mod:`nerf_labeling.meshes.raycast`) is the CPU path; a GPU worker casts
here instead, so neither Open3D nor a round trip through the CPU is needed there. Every ray is
tested against every triangle, without a BVH: Moeller-Trumbore's scalar triple products are
rewritten as matrix products of per-ray rows ``(o x d, d, o)`` with per-triangle columns made once, so
a block of rays x triangles costs four small matmuls and a few elementwise passes over ``(rays,
triangles)``; a GPU does the ~10^8 tests of a 640x480 frame against a few thousand triangles in a
few milliseconds. Float64 throughout: the products cancel, and float64 keeps clear of TF32 matmuls.
The mesh is stored once on the device in its own frame; rays are moved into that frame, as
:class:`~nerf_labeling.meshes.raycast.MeshRaycaster` does, so one caster serves every pose.
"""
from __future__ import annotations

import numpy as np
import torch

from nerf_labeling.meshes.raycast import rays_in_mesh_frame
from nerf_labeling.meshes.triangle_mesh import TriangleMesh
from nerf_labeling.typed import FloatArray

#: ray-triangle pairs per block: each block holds a few (rays, triangles) float64 temporaries
CPU_PAIRS_PER_BLOCK = 1 << 20
GPU_PAIRS_PER_BLOCK = 1 << 25


class TorchMeshRaycaster:
    """First-hit distances of rays against one mesh, computed on ``device``."""

    def __init__(self, mesh: TriangleMesh, device: str) -> None:
        self.mesh = mesh
        self.device = torch.device(device)
        corners = torch.as_tensor(mesh.vertices[mesh.faces], dtype=torch.float64, device=self.device)
        v0, e1, e2 = corners[:, 0], corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]
        normal = torch.linalg.cross(e1, e2, dim=-1)
        # With s = o - v0 and m = o x d (see _first_hit): det = e1.(d x e2) = -d.n,
        # det u = s.(d x e2) = m.e2 - d.(e2 x v0), det v = d.(s x e1) = -m.e1 - d.(v0 x e1),
        # det t = e2.(s x e1) = o.n - v0.n.
        self._det_columns = -normal.T.contiguous()
        self._u_columns = torch.cat([e2, -torch.linalg.cross(e2, v0, dim=-1)], dim=1).T.contiguous()
        self._v_columns = torch.cat([-e1, -torch.linalg.cross(v0, e1, dim=-1)], dim=1).T.contiguous()
        self._t_columns = normal.T.contiguous()
        self._t_offset = (v0 * normal).sum(dim=-1)
        self._pairs_per_block = CPU_PAIRS_PER_BLOCK if self.device.type == "cpu" else GPU_PAIRS_PER_BLOCK

    def distances(
        self, origins: FloatArray, directions: FloatArray, *, object_to_world: FloatArray | None = None
    ) -> np.ndarray:
        """Distance to the first hit of each ray (the contract of ``MeshRaycaster.distances``).

        Parameters
        ----------
        origins, directions : (N, 3) world frame, unit directions
        object_to_world : (4, 4) rigid pose of the mesh; identity when None

        Returns
        -------
        (N,) float32 metres along the ray, ``inf`` where the ray misses
        """
        origins, directions = rays_in_mesh_frame(origins, directions, object_to_world)
        o = torch.as_tensor(origins, device=self.device)
        d = torch.as_tensor(directions, device=self.device)
        return self.distances_on_device(o, d).float().cpu().numpy()

    @torch.no_grad()
    def distances_on_device(self, origins: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        """``(N, 3)`` float64 rays in the mesh's frame, on the device -> ``(N,)`` float64, ``inf`` on a miss."""
        best = torch.full((len(origins),), float("inf"), dtype=torch.float64, device=self.device)
        faces = len(self._t_offset)
        if faces == 0 or len(origins) == 0:
            return best
        face_block = min(faces, self._pairs_per_block)
        ray_block = max(1, self._pairs_per_block // face_block)
        for f0 in range(0, faces, face_block):
            columns = slice(f0, f0 + face_block)
            for r0 in range(0, len(origins), ray_block):
                rows = slice(r0, r0 + ray_block)
                best[rows] = torch.minimum(best[rows], self._first_hit(origins[rows], directions[rows], columns))
        return best

    def _first_hit(self, o: torch.Tensor, d: torch.Tensor, faces: slice) -> torch.Tensor:
        """Nearest hit ``t`` (R,) of rays ``o, d`` (R, 3) among the triangles in ``faces``."""
        moment_and_direction = torch.cat([torch.linalg.cross(o, d, dim=-1), d], dim=1)
        det = d @ self._det_columns[:, faces]
        u = moment_and_direction @ self._u_columns[:, faces]
        v = moment_and_direction @ self._v_columns[:, faces]
        t = o @ self._t_columns[:, faces] - self._t_offset[faces]
        # Scaled by det's sign, a hit needs u, v >= 0, u + v <= |det| and t > 0; det == 0 (a ray in the
        # triangle's plane) never hits.
        sign = torch.sign(det)
        u, v, t, size = u * sign, v * sign, t * sign, det.abs()
        hit = (size > 0) & (u >= 0) & (v >= 0) & (u + v <= size) & (t > 0)
        return torch.where(hit, t / size, torch.full_like(t, float("inf"))).amin(dim=1)
