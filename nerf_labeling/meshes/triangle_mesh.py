"""A plain triangle mesh (numpy arrays) and reading/writing it with trimesh.

Supported files: OBJ, PLY, STL and GLB (read by ``trimesh.load`` as triangles); a file holding a scene
of several meshes is flattened into one mesh with every node's transform applied.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nerf_labeling.typed import FloatArray

#: The mesh files the project takes, everywhere (this library, uploads, the browser's viewer): single
#: files only, as a stored mesh is one file (a .gltf may keep its buffers beside it).
MESH_SUFFIXES = (".obj", ".ply", ".stl", ".glb")
_SUFFIX_LIST = ", ".join(MESH_SUFFIXES)


class MeshFileError(ValueError):
    """A mesh file that is missing, of an unknown kind, or holds no triangles."""


@dataclass(frozen=True, eq=False)
class TriangleMesh:
    """Triangles in some frame named by whoever holds the mesh.

    vertices : (V, 3) float64, metres
    faces : (F, 3) int64, counter-clockwise seen from outside
    """

    vertices: np.ndarray
    faces: np.ndarray

    def __post_init__(self) -> None:
        vertices = np.ascontiguousarray(self.vertices, dtype=np.float64)
        faces = np.ascontiguousarray(self.faces, dtype=np.int64)
        if vertices.ndim != 2 or vertices.shape[1] != 3:
            raise ValueError(f"vertices must be (V, 3), got {vertices.shape}")
        if faces.ndim != 2 or faces.shape[1] != 3:
            raise ValueError(f"faces must be (F, 3), got {faces.shape}")
        if len(faces) == 0 or faces.min() < 0 or faces.max() >= len(vertices):
            raise ValueError(f"faces must index the {len(vertices)} vertices and be non-empty")
        if not np.all(np.isfinite(vertices)):
            raise ValueError("vertices contain NaN or infinite values")
        object.__setattr__(self, "vertices", vertices)
        object.__setattr__(self, "faces", faces)

    @property
    def bounds(self) -> np.ndarray:
        """``(2, 3)`` axis-aligned (min, max) of the vertices."""
        return np.stack([self.vertices.min(axis=0), self.vertices.max(axis=0)])

    @property
    def extents(self) -> np.ndarray:
        """``(3,)`` metres, size of the axis-aligned bounding box."""
        low, high = self.bounds
        return high - low

    @property
    def is_closed(self) -> bool:
        """Whether the surface is closed (watertight): with vertices at the same place merged, every edge
        is shared by exactly two triangles (inside and outside are then defined)."""
        _, merged = np.unique(np.round(self.vertices, 9), axis=0, return_inverse=True)
        faces = merged.reshape(-1)[self.faces]
        edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
        _, counts = np.unique(edges, axis=0, return_counts=True)
        return bool(np.all(counts == 2))

    def transformed(self, transform: FloatArray) -> "TriangleMesh":
        """The mesh with ``(4, 4)`` ``transform`` applied to its vertices."""
        transform = np.asarray(transform, dtype=np.float64)
        return TriangleMesh(self.vertices @ transform[:3, :3].T + transform[:3, 3], self.faces)

    def to_trimesh(self):
        import trimesh

        return trimesh.Trimesh(self.vertices, self.faces, process=False)

    @classmethod
    def from_trimesh(cls, mesh) -> "TriangleMesh":
        return cls(np.asarray(mesh.vertices), np.asarray(mesh.faces))


def load_mesh(path: str | Path, *, name: str | None = None) -> TriangleMesh:
    """Read an OBJ/PLY/STL/GLB file into one :class:`TriangleMesh` (units as stored).

    Errors call the file ``name`` (say, the name it was uploaded under, when ``path`` is a server's
    temporary copy), by default ``path``; the reader's own message is cut to that name too.
    """
    import trimesh

    path = Path(path)
    name = str(path) if name is None else name
    if path.suffix.lower() not in MESH_SUFFIXES:
        raise MeshFileError(f"{name}: unsupported mesh file type {path.suffix!r}; use one of {_SUFFIX_LIST}")
    if not path.is_file():
        raise MeshFileError(f"{name}: no such mesh file")
    try:
        # force="mesh" flattens a GLB scene graph, applying each node's transform.
        loaded = trimesh.load(path, force="mesh", process=False)
    except Exception as error:  # trimesh raises many kinds for a corrupt file
        reason = str(error).replace(str(path), name).replace(str(path.parent), "")
        raise MeshFileError(f"{name}: could not read mesh ({reason})") from error
    faces = getattr(loaded, "faces", None)
    if faces is None or len(faces) == 0:
        raise MeshFileError(f"{name}: holds no triangles")
    try:
        return TriangleMesh.from_trimesh(loaded)
    except ValueError as error:  # triangles trimesh reads but a TriangleMesh refuses (NaN vertices, ...)
        raise MeshFileError(f"{name}: {error}") from None


def load_mesh_bytes(data: bytes, *, name: str) -> TriangleMesh:
    """Read the bytes of a mesh file called ``name`` (an upload, a stored file) as :func:`load_mesh` reads files.

    The suffix of ``name`` picks the format; errors call the file ``name``.
    """
    with tempfile.TemporaryDirectory(prefix="raylabel-mesh-") as folder:
        path = Path(folder) / f"mesh{Path(name).suffix.lower()}"
        path.write_bytes(data)
        return load_mesh(path, name=name)


def save_mesh(mesh: TriangleMesh, path: str | Path) -> Path:
    """Write ``mesh`` to ``path``; the suffix picks the format (one of :data:`MESH_SUFFIXES`)."""
    path = Path(path)
    if path.suffix.lower() not in MESH_SUFFIXES:
        raise MeshFileError(f"{path}: unsupported mesh file type {path.suffix!r}; use one of {_SUFFIX_LIST}")
    path.parent.mkdir(parents=True, exist_ok=True)
    mesh.to_trimesh().export(path)
    return path


def box_mesh(size: FloatArray) -> TriangleMesh:
    """The closed box of extents ``size`` (3,) metres centred on the origin (12 outward triangles)."""
    import trimesh

    return TriangleMesh.from_trimesh(trimesh.creation.box(extents=np.asarray(size, dtype=np.float64)))
