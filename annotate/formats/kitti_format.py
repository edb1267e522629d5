"""KITTI object detection: ``training/{image_2,label_2,calib}/NNNNNN.*`` as the devkit lays them out.

Frames are numbered 000000, 000001, ... in selection order; ``frames.csv`` maps the numbers back to the
platform's frames and ``ImageSets/train.txt`` lists them, as OpenPCDet and mmdet3d expect.
"""
from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator

import numpy as np

from annotate.formats.kitti_geometry import (
    FULLY_VISIBLE_MIN_VISIBLE,
    PARTLY_OCCLUDED_MIN_VISIBLE,
    kitti_object,
)
from annotate.formats.opencv_camera import opencv_camera_matrix
from annotate.formats.png_images import as_png, depth_to_png_mm
from annotate.formats.readme import write_readme
from annotate.formats.records import ExportSpec, LabeledFrame
from annotate.formats.registry import register_format
from annotate.formats.zip_writing import Spool, write_member
from nerf_labeling.cameras import Intrinsics

README = f"""
KITTI object detection (devkit layout) exported by Raylabel.

training/image_2/NNNNNN.png  the frames (re-encoded as PNG where the capture had JPEG).
training/label_2/NNNNNN.txt  one visible object a line, the devkit's 15 values:
    type            the project class mapped through the export's KITTI type table
    truncated       share of the object's projection outside the image, 0..1
    occluded        0 when >= {FULLY_VISIBLE_MIN_VISIBLE:.0%} of the object is visible, 1 when >= \
{PARTLY_OCCLUDED_MIN_VISIBLE:.0%}, else 2
                    (visible = not hidden by the scene or other objects, from the NeRF's depth)
    alpha           rotation_y - atan2(x, z), wrapped to [-pi, pi)
    left top right bottom  the visible (modal) 2D box as 0-based indices of the first and last
                    visible column and row (an object over columns 3..5 has left 3, right 5; one
                    cut by the image edge has left 0 or right W - 1, as in KITTI's own labels).
                    These are pixel centres in the coordinates of P2, whose principal point is
                    the platform's minus half a pixel (the platform centres pixels at +0.5)
    height width length    metres; length is the object's own x axis, width y, height z (up)
    x y z           bottom centre of the 3D box, camera axes x right, y down, z forward, metres
    rotation_y      about camera Y in [-pi, pi); 0 when the object's length points along camera +x
    Objects with no visible pixel are not written.
training/calib/NNNNNN.txt    P0..P3 = [K | 0] (one camera, so all four are equal), R0_rect identity,
                    Tr_velo_to_cam and Tr_imu_to_velo identity (there is no LiDAR or IMU: a reader
                    converting to "LiDAR" coordinates gets the camera's own frame).
training/depth_2/NNNNNN.png  (when exported) the field's depth for each frame.
ImageSets/train.txt         every frame number.
frames.csv                  number,frame_id,file_name: which platform frame each number is.

KITTI boxes are upright about the camera's Y axis. For a tilted object (camera pitched or rolled
against the object's up axis, or an object on its side) the label holds the upright box with the
object's centre, dimensions and heading projected onto the camera's XZ plane; its projection with
P2 is then not the object's true 2D extent (the modal 2D box still is).
"""


@register_format("kitti")
def write_kitti(archive: zipfile.ZipFile, frames: Iterator[LabeledFrame], spec: ExportSpec) -> None:
    """Write the selection as KITTI object detection (see the module docstring and README)."""
    count = 0
    with Spool() as mapping:
        mapping_rows = csv.writer(mapping, lineterminator="\n")
        mapping_rows.writerow(["number", "frame_id", "file_name"])
        for number, item in enumerate(frames):
            stem = f"{number:06d}"
            frame = item.frame
            write_member(archive, f"training/image_2/{stem}.png", as_png(frame.image_bytes()))
            write_member(archive, f"training/label_2/{stem}.txt", label_text(item, spec))
            write_member(archive, f"training/calib/{stem}.txt", calib_text(frame.camera.intrinsics))
            if spec.include_depth:
                write_member(archive, f"training/depth_2/{stem}.png", depth_to_png_mm(item.labels.depth))
            mapping_rows.writerow([stem, frame.frame_id, frame.file_name])
            count = number + 1
        mapping.store(archive, "frames.csv")
    write_member(archive, "ImageSets/train.txt", "".join(f"{n:06d}\n" for n in range(count)))
    write_readme(archive, spec.name, README, depth=spec.include_depth)


def label_text(item: LabeledFrame, spec: ExportSpec) -> str:
    """The ``label_2`` file of one frame: a line per object with a visible pixel."""
    lines = [
        kitti_object(obj, spec.kitti_type(spec.class_name(obj.class_id))).line()
        for obj in item.labels.objects
        if obj.modal_box is not None and obj.visible_pixels > 0
    ]
    return "".join(line + "\n" for line in lines)


def calib_text(intrinsics: Intrinsics) -> str:
    """The ``calib`` file: lines in the devkit's order, which readers such as OpenPCDet index by position."""
    projection = np.hstack([opencv_camera_matrix(intrinsics), np.zeros((3, 1))])
    identity_3x4 = np.hstack([np.eye(3), np.zeros((3, 1))])
    rows = [
        *((f"P{index}", projection) for index in range(4)),
        ("R0_rect", np.eye(3)),
        ("Tr_velo_to_cam", identity_3x4),
        ("Tr_imu_to_velo", identity_3x4),
    ]
    return "".join(f"{name}: " + " ".join(f"{v:.12e}" for v in matrix.ravel()) + "\n" for name, matrix in rows)

