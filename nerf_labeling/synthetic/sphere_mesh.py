"""A UV sphere as a :class:`TriangleMesh` built with numpy alone.

``object_mesh`` (trimesh) is the synthetic scenes' reference tessellation; this one needs no trimesh,
so device benchmarks and GPU tests can give the mesh pipeline a curved mesh on a bare CUDA machine.
"""
from __future__ import annotations

import numpy as np

from nerf_labeling.meshes.triangle_mesh import TriangleMesh


def uv_sphere_mesh(radius: float, segments: int = 48) -> TriangleMesh:
    """A closed sphere centred at the origin: ``segments`` around, ``segments // 2`` rings (``segments >= 6``).

    Faces: ``segments * (segments - 2)``, counter-clockwise seen from outside.
    """
    if segments < 6:
        raise ValueError(f"a sphere needs at least 6 segments, got {segments}")
    rings = segments // 2
    polar = np.linspace(0.0, np.pi, rings + 1)[1:-1]
    azimuth = np.linspace(0.0, 2.0 * np.pi, segments, endpoint=False)
    p, a = np.meshgrid(polar, azimuth, indexing="ij")
    ring_points = np.stack([np.sin(p) * np.cos(a), np.sin(p) * np.sin(a), np.cos(p)], axis=-1).reshape(-1, 3)
    vertices = np.concatenate([[[0.0, 0.0, 1.0]], ring_points, [[0.0, 0.0, -1.0]]]) * radius
    bottom = len(vertices) - 1
    j = np.arange(segments)
    k = (j + 1) % segments
    faces = [np.stack([np.zeros(segments, dtype=np.int64), 1 + j, 1 + k], axis=1)]
    for ring in range(rings - 2):
        upper, lower = 1 + ring * segments, 1 + (ring + 1) * segments
        faces += [
            np.stack([upper + j, lower + j, lower + k], axis=1),
            np.stack([upper + j, lower + k, upper + k], axis=1),
        ]
    last = 1 + (rings - 2) * segments
    faces.append(np.stack([last + j, np.full(segments, bottom), last + k], axis=1))
    return TriangleMesh(vertices=vertices, faces=np.concatenate(faces))
