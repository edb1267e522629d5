"""Ray casting against a triangle mesh with Open3D's ``RaycastingScene`` (Embree BVH, CPU).

The scene is built once in the mesh's own frame; a placed copy is cast by moving the rays into that
frame instead (distances along unit rays are unchanged by a rigid transform), so one raycaster
serves every pose and every frame.
"""
from __future__ import annotations

import numpy as np

from nerf_labeling.meshes.triangle_mesh import TriangleMesh
from nerf_labeling.typed import FloatArray


def rays_in_mesh_frame(
    origins: FloatArray, directions: FloatArray, object_to_world: FloatArray | None
) -> tuple[np.ndarray, np.ndarray]:
    """``(N, 3)`` float64 world rays moved into the frame of a mesh placed at ``object_to_world`` (None: identity)."""
    origins = np.asarray(origins, dtype=np.float64).reshape(-1, 3)
    directions = np.asarray(directions, dtype=np.float64).reshape(-1, 3)
    if origins.shape != directions.shape:
        raise ValueError(f"origins {origins.shape} and directions {directions.shape} differ")
    if object_to_world is not None:
        pose = np.asarray(object_to_world, dtype=np.float64)
        origins = (origins - pose[:3, 3]) @ pose[:3, :3]
        directions = directions @ pose[:3, :3]
    return origins, directions


class MeshRaycaster:
    """First-hit distances of rays against one mesh (thread-safe reads, Open3D uses all cores)."""

    def __init__(self, mesh: TriangleMesh) -> None:
        import open3d as o3d  # heavy; imported only where rays are cast

        self.mesh = mesh
        self._scene = o3d.t.geometry.RaycastingScene()
        self._scene.add_triangles(
            o3d.core.Tensor(mesh.vertices.astype(np.float32)),
            o3d.core.Tensor(mesh.faces.astype(np.uint32)),
        )
        self._tensor = o3d.core.Tensor

    def distances(
        self, origins: FloatArray, directions: FloatArray, *, object_to_world: FloatArray | None = None
    ) -> np.ndarray:
        """Distance to the first hit of each ray.

        Parameters
        ----------
        origins, directions : (N, 3) world frame, unit directions
        object_to_world : (4, 4) rigid pose of the mesh; identity when None

        Returns
        -------
        (N,) float32 metres along the ray, ``inf`` where the ray misses
        """
        origins, directions = rays_in_mesh_frame(origins, directions, object_to_world)
        if len(origins) == 0:
            return np.zeros(0, dtype=np.float32)
        rays = np.concatenate([origins, directions], axis=1).astype(np.float32)
        hits = self._scene.cast_rays(self._tensor(rays))
        return hits["t_hit"].numpy().astype(np.float32)

    def surface_distances(self, points: FloatArray) -> np.ndarray:
        """``(N, 3)`` points in the mesh's frame -> ``(N,)`` float64 unsigned distance to the surface, metres."""
        points = np.asarray(points, dtype=np.float32).reshape(-1, 3)
        if len(points) == 0:
            return np.zeros(0)
        return self._scene.compute_distance(self._tensor(points)).numpy().astype(np.float64)

    def signed_surface_distances(self, points: FloatArray) -> np.ndarray:
        """``(N, 3)`` points in the mesh's frame -> ``(N,)`` float64 distance to the surface, metres, negative
        inside the mesh (the sign is meaningful for a closed mesh only)."""
        points = np.asarray(points, dtype=np.float32).reshape(-1, 3)
        if len(points) == 0:
            return np.zeros(0)
        return self._scene.compute_signed_distance(self._tensor(points)).numpy().astype(np.float64)
