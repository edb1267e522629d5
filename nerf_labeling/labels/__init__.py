"""Label rendering: placed objects + a radiance field -> masks, depth, 2D/3D boxes and poses per frame."""
from nerf_labeling.labels.frame_labels import (
    LabelConfig,
    labels_from_view,
    relabel_objects,
    render_frame_labels,
    suggest_tolerance,
)
from nerf_labeling.labels.records import FrameLabels, ObjectLabel
from nerf_labeling.labels.scene_objects import (
    BoxObject,
    MeshObject,
    SceneObject,
    SceneObjectError,
    read_scene_objects,
    write_scene_objects,
)

__all__ = [
    "BoxObject",
    "FrameLabels",
    "LabelConfig",
    "MeshObject",
    "ObjectLabel",
    "SceneObject",
    "SceneObjectError",
    "labels_from_view",
    "read_scene_objects",
    "relabel_objects",
    "render_frame_labels",
    "suggest_tolerance",
    "write_scene_objects",
]
