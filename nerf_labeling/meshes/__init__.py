"""Triangle meshes: file I/O, ray casting, extraction from a field's density, alignment to a field."""
from nerf_labeling.meshes.triangle_mesh import MeshFileError, TriangleMesh, box_mesh, load_mesh, save_mesh

__all__ = ["MeshFileError", "TriangleMesh", "box_mesh", "load_mesh", "save_mesh"]
