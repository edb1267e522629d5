"""Synthetic scenes of analytic solids with exact ground truth: ray casting, an exact field, captures."""
from nerf_labeling.synthetic.capture_writer import SyntheticCapture, write_synthetic_capture
from nerf_labeling.synthetic.field import SyntheticField
from nerf_labeling.synthetic.meshes import object_mesh
from nerf_labeling.synthetic.presets import default_scene, random_scene, upright_pose
from nerf_labeling.synthetic.scene import RayHits, SceneObject, SyntheticScene
from nerf_labeling.synthetic.trajectories import orbit_poses, random_hemisphere_poses

__all__ = [
    "RayHits",
    "SceneObject",
    "SyntheticCapture",
    "SyntheticField",
    "SyntheticScene",
    "default_scene",
    "object_mesh",
    "orbit_poses",
    "random_hemisphere_poses",
    "random_scene",
    "upright_pose",
    "write_synthetic_capture",
]
