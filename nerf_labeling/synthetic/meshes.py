"""Triangle meshes of synthetic objects in their own frames (the mesh pipeline's ground truth)."""
from __future__ import annotations

from nerf_labeling.synthetic.scene import SceneObject


def object_mesh(obj: SceneObject, *, sections: int = 48):
    """A ``trimesh.Trimesh`` of ``obj`` in its own frame, centred on its bounding box.

    Boxes are exact; spheres and cylinders are tessellated with ``sections`` segments around.
    """
    import trimesh  # heavy; only the mesh pipeline needs it

    if obj.shape == "box":
        return trimesh.creation.box(extents=obj.size)
    if obj.shape == "sphere":
        return trimesh.creation.uv_sphere(radius=obj.size[0] / 2.0, count=[sections // 2, sections])
    return trimesh.creation.cylinder(radius=obj.size[0] / 2.0, height=obj.size[2], sections=sections)
