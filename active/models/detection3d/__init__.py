"""3D object detection as a scoring model: mmdet3d's PointPillars on pseudo-LiDAR from the field's depth.

Importing this package does not import mmdet3d, mmengine or mmcv; :class:`DetectionModel` loads them
when it builds or trains a network (install them with ``scripts/install_mmdet3d.sh``).
"""
from active.models.detection3d.config import MODEL_SIZES, DetectorConfig
from active.models.detection3d.detection_model import DetectionModel
from active.models.detection3d.samples import Detections, DetectionSample

__all__ = ["MODEL_SIZES", "DetectionModel", "DetectionSample", "Detections", "DetectorConfig"]
