"""Object meshes as BOP models: PLY in millimetres and the ``models_info.json`` entry of each."""
from __future__ import annotations

from typing import Any

import numpy as np

from nerf_labeling.meshes import TriangleMesh, load_mesh_bytes

M_TO_MM = 1000.0


def model_trimesh(source: Any):
    """A ``trimesh.Trimesh`` of an object model: a :class:`TriangleMesh`, a trimesh or PLY bytes (metres)."""
    import trimesh

    if isinstance(source, (bytes, bytearray)):
        source = load_mesh_bytes(bytes(source), name="object model.ply")
    if isinstance(source, TriangleMesh):
        return source.to_trimesh()
    if isinstance(source, trimesh.Trimesh):
        return source
    raise TypeError(
        f"an object model must be a TriangleMesh, a trimesh.Trimesh or PLY bytes, got {type(source).__name__}"
    )


def model_ply_mm(mesh) -> bytes:
    """Binary PLY of ``mesh`` scaled from metres to millimetres, with vertex normals (BOP's renderers use them)."""
    import trimesh

    scaled = mesh.copy()
    scaled.apply_scale(M_TO_MM)
    return trimesh.exchange.ply.export_ply(scaled, encoding="binary", vertex_normal=True)


def model_info_mm(mesh) -> dict:
    """BOP ``models_info.json`` entry: diameter (largest vertex distance) and bounding box, millimetres."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64) * M_TO_MM
    hull = vertices if len(vertices) < 4 else np.asarray(mesh.convex_hull.vertices) * M_TO_MM
    diameter = float(np.max(np.linalg.norm(hull[:, None, :] - hull[None, :, :], axis=-1)))
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    info = {"diameter": diameter}
    for axis, lo, size in zip("xyz", low, high - low):
        info[f"min_{axis}"] = float(lo)
        info[f"size_{axis}"] = float(size)
    return info


def projected_bbox(
    vertices_mm: np.ndarray, rotation: np.ndarray, translation_mm: np.ndarray, camera_matrix: np.ndarray
) -> list[int]:
    """BOP ``bbox_obj`` ``[x, y, w, h]``: the pixels (centres at integers) the whole model covers.

    vertices_mm : (N, 3) model vertices; rotation : (3, 3) and translation_mm : (3,) model -> camera
    (OpenCV axes); camera_matrix : (3, 3) OpenCV K.
    The silhouette's extremes are vertices, so projecting them gives the unclipped box; like the
    BOP toolkit's ``calc_2d_bbox`` on a rendered mask, ``w`` is last column minus first column.
    Returns ``[-1, -1, -1, -1]`` when a vertex is behind the camera.
    """
    camera_points = vertices_mm @ rotation.T + translation_mm
    if np.any(camera_points[:, 2] <= 0):
        return [-1, -1, -1, -1]
    uv = (camera_points @ camera_matrix.T)[:, :2] / camera_points[:, 2:3]
    first = np.ceil(uv.min(axis=0))  # pixels whose centre the silhouette covers
    last = np.floor(uv.max(axis=0))
    return [int(first[0]), int(first[1]), int(last[0] - first[0]), int(last[1] - first[1])]
