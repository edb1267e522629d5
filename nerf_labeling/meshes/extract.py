"""An object's surface from a field's density inside its box: marching cubes, largest component."""
from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from nerf_labeling.meshes.triangle_mesh import TriangleMesh
from nerf_labeling.typed import FloatArray


def sample_box_grid(size: FloatArray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres of a grid filling a box of extents ``size`` (3,) centred on the origin.

    Samples sit half a cell inside the faces, so a floor the box rests on is not sampled.

    Returns
    -------
    points : (nx, ny, nz, 3) float64, object frame
    spacing : (3,) metres between neighbours along each axis (``resolution`` cells on the longest side)
    """
    size = np.asarray(size, dtype=np.float64)
    if resolution < 2:
        raise ValueError(f"resolution must be >= 2 cells along the longest side, got {resolution}")
    counts = np.maximum(np.ceil(size / (size.max() / resolution) - 1e-9).astype(int), 2)
    spacing = size / counts
    axes = [-s / 2.0 + (np.arange(n) + 0.5) * d for s, n, d in zip(size, counts, spacing)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1), spacing


def extract_mesh_in_box(
    density_fn,
    object_to_world: FloatArray,
    size: FloatArray,
    *,
    level: float | None = None,
    resolution: int = 64,
    chunk: int = 262144,
) -> TriangleMesh | None:
    """Marching cubes of the density inside an oriented box, cleaned to its largest connected piece.

    Parameters
    ----------
    density_fn : callable, ``(N, 3)`` world points -> ``(N,)`` density (1/metre), e.g. ``field.density``
    object_to_world : (4, 4) rigid pose of the box (its centre and axes)
    size : (3,) metres, box extents
    level : density (1/metre) of the surface; solids are where density exceeds it. None: the density
        at which one grid cell absorbs half the light, ``ln 2 / spacing`` (a field-agnostic default)
    resolution : grid cells along the box's longest side

    Returns
    -------
    The surface in the object (box) frame, metres, triangles facing outwards, closed where the solid
    touches the box (the box faces cap it); None when nothing inside the box exceeds ``level``.
    """
    from skimage.measure import marching_cubes  # heavy; only meshing needs it

    pose = np.asarray(object_to_world, dtype=np.float64)
    grid, spacing = sample_box_grid(size, resolution)
    level = float(np.log(2.0) / spacing.min()) if level is None else float(level)
    flat = grid.reshape(-1, 3) @ pose[:3, :3].T + pose[:3, 3]
    density = np.concatenate(
        [np.asarray(density_fn(flat[i : i + chunk]), dtype=np.float64) for i in range(0, len(flat), chunk)]
    ).reshape(grid.shape[:3])
    if not (density > level).any():
        return None
    # An empty layer outside the box closes the surface where the box cuts the solid; clamping the
    # vertices then puts that cap exactly on the box faces.
    padded = np.pad(density, 1, constant_values=0.0)
    vertices, faces, _, _ = marching_cubes(padded, level=level, spacing=tuple(spacing))
    half = np.asarray(size, dtype=np.float64) / 2.0
    vertices = np.clip(vertices + grid[0, 0, 0] - spacing, -half, half)
    mesh = largest_component(TriangleMesh(vertices, faces))
    return mesh if signed_volume(mesh) >= 0 else TriangleMesh(mesh.vertices, mesh.faces[:, ::-1])


def largest_component(mesh: TriangleMesh) -> TriangleMesh:
    """The connected piece (faces sharing vertices) with the most faces, unused vertices dropped."""
    faces = mesh.faces
    count = len(mesh.vertices)
    rows = np.concatenate([faces[:, 0], faces[:, 1]])
    cols = np.concatenate([faces[:, 1], faces[:, 2]])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    face_labels = labels[faces[:, 0]]
    keep = face_labels == np.bincount(face_labels).argmax()
    kept_faces = faces[keep]
    used = np.unique(kept_faces)
    remap = np.full(count, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return TriangleMesh(mesh.vertices[used], remap[kept_faces])


def signed_volume(mesh: TriangleMesh) -> float:
    """Cubic metres enclosed by a closed mesh; negative when its triangles face inwards."""
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)
