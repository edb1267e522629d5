"""The one place that imports every export format, so each registers itself in the registry."""
from nerf_labeling.formats import bop_format, coco_format, kitti_format, nerfstudio_format  # noqa: F401
