"""Triangle meshes: file I/O, ray casting, extraction from a field's density, alignment to a field."""
from nerf_labeling.meshes.triangle_mesh import (
    MESH_SUFFIXES,
    MeshFileError,
    TriangleMesh,
    box_mesh,
    load_mesh,
    load_mesh_bytes,
    save_mesh,
)

__all__ = ["MESH_SUFFIXES", "MeshFileError", "TriangleMesh", "box_mesh", "load_mesh", "load_mesh_bytes", "save_mesh"]
