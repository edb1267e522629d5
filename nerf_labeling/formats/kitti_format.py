"""KITTI object detection: ``training/{image_2,label_2,calib}/NNNNNN.*`` as the devkit lays them out.

Frames are numbered 000000, 000001, ... in selection order (mmdet3d's converter needs numeric names);
``frames.csv`` maps the numbers back to the platform's frames and ``ImageSets/train.txt`` lists them, as
OpenPCDet and mmdet3d expect.

Labels are in each frame's gravity-aligned rectified camera and the calib file carries the real
camera's tilt, so that the devkit's label projection ``P2 · [X_rect; 1]`` (``computeBox3D`` +
``projectToImage``, OpenPCDet's ``rect_to_img``, mmdet3d's ``points_cam2img`` with ``cam2img = P2``) lands
exactly on the real image's pixels. See README below and :mod:`nerf_labeling.formats.kitti_geometry`.
"""
from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator

import numpy as np

from nerf_labeling.cameras import Camera
from nerf_labeling.formats.kitti_geometry import (
    FULLY_VISIBLE_MIN_VISIBLE,
    PARTLY_OCCLUDED_MIN_VISIBLE,
    RECTIFIED_TO_LIDAR,
    camera_to_rectified,
    kitti_object,
    rectified_projection,
)
from nerf_labeling.formats.png_images import as_png, depth_to_png_mm
from nerf_labeling.formats.readme import write_readme
from nerf_labeling.formats.records import ExportSpec, LabeledFrame
from nerf_labeling.formats.registry import register_format
from nerf_labeling.formats.zip_writing import Spool, write_member

README = f"""
KITTI object detection (devkit layout) exported by Raylabel.

WHICH FRAME IS WHICH: files are numbered NNNNNN = 000000, 000001, ... in export order (numeric
names, as mmdet3d's converter requires). frames.csv (number,frame_id,file_name) says which
platform frame and which capture image each number is; match frames through it.

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
                    These are pixel centres in the coordinates of P2, whose K's principal point
                    is the platform's minus half a pixel (the platform centres pixels at +0.5)
    height width length    metres; length is the object's own x axis, width y, height z (up)
    x y z           bottom centre of the 3D box in the RECTIFIED camera (below): x right, y down
                    (along gravity), z forward (horizontal), metres
    rotation_y      about rectified Y in [-pi, pi); 0 when the object's length points along +x
    Objects with no visible pixel are not written.
training/calib/NNNNNN.txt    the devkit's 7 lines, in its order:
    R0_rect         the rotation from the real camera (x right, y down, z along the optical
                    axis) to the rectified camera: the same centre, y along gravity, z the optical
                    axis made horizontal. It holds the frame's camera tilt (pitch and roll).
    P0..P3          K · [R0_rect^T | 0], all four equal (one camera), K the real camera's
                    intrinsics: K = P2[:, :3] · R0_rect.
    Tr_velo_to_cam  R0_rect^T · [[0, -1, 0], [0, 0, -1], [1, 0, 0]] (no translation): there is
                    no LiDAR, so "velodyne" coordinates are the rectified camera in KITTI's LiDAR
                    axes (x forward and level, y left, z up, origin at the camera), the frame a
                    pseudo-LiDAR scan of depth_2 is in: R0_rect · Tr_velo_to_cam is KITTI's nominal
                    axis swap, so LiDAR readers (mmdet3d's KittiDataset) get upright boxes.
    Tr_imu_to_velo  identity (no IMU).
training/depth_2/NNNNNN.png  (when exported) the field's depth for each frame.
ImageSets/train.txt         every frame number.
frames.csv                  number,frame_id,file_name: which platform frame each number is.

Projection (the KITTI devkit's, exactly): build a label's 8 corners as the devkit's computeBox3D
does (from h, w, l, x y z and rotation_y) and project them with P2 alone:
    pixel = P2 · [X_rect; 1]   (then divide by the third coordinate)
This lands on the real image's pixels (pixel centres at integers) to float precision, because
P2 · X_rect = K · R0_rect^T · X_rect = K · X_camera. The devkit's chain for velodyne points,
P2 · R0_rect · Tr_velo_to_cam · X_velo with X_velo = [z, -x, -y] of X_rect, lands on the same
pixels. Readers that do this (devkit
computeBox3D/projectToImage, OpenPCDet calibration_kitti rect_to_img and
boxes3d_kitti_camera_to_imageboxes, mmdet3d points_cam2img with cam2img = P2) are exact.
Do NOT read fx, fy, cx, cy off P2's entries (P2 is not [K | 0] when the camera is tilted):
use K = P2[:, :3] · R0_rect. To lift a depth_2 pixel (u, v, d): X_camera = d · K^-1 [u, v, 1],
then X_rect = R0_rect · X_camera and X_velo = [z, -x, -y] of X_rect.

KITTI boxes are upright about the rectified Y axis (gravity), so objects standing upright in the
world are exact whatever the camera's pitch and roll. For an object tilted against gravity (on
its side) the label holds the upright box with the object's centre, dimensions and heading
projected onto the rectified XZ plane; its projection is then not the object's true 2D extent
(the modal 2D box still is).
"""


@register_format(
    "kitti",
    description="KITTI object detection: images, 3D boxes with 2D boxes and camera calibration per frame",
    needs_metric=True,
)
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
            rectification = camera_to_rectified(frame.camera)
            write_member(archive, f"training/label_2/{stem}.txt", label_text(item, spec, rectification))
            write_member(archive, f"training/calib/{stem}.txt", calib_text(frame.camera))
            if spec.include_depth:
                write_member(archive, f"training/depth_2/{stem}.png", depth_to_png_mm(item.labels.depth))
            mapping_rows.writerow([stem, frame.frame_id, frame.file_name])
            count = number + 1
        mapping.store(archive, "frames.csv")
    write_member(archive, "ImageSets/train.txt", "".join(f"{n:06d}\n" for n in range(count)))
    write_readme(archive, spec.name, README, depth=spec.include_depth)


def label_text(item: LabeledFrame, spec: ExportSpec, rectification: np.ndarray) -> str:
    """The ``label_2`` file of one frame: a line per object with a visible pixel, in the rectified
    camera that ``rectification`` (the frame's ``R0_rect``) turns the real camera into."""
    lines = [
        kitti_object(obj, spec.kitti_type(spec.class_name(obj.class_id)), rectification=rectification).line()
        for obj in item.labels.objects
        if obj.modal_box is not None and obj.visible_pixels > 0
    ]
    return "".join(line + "\n" for line in lines)


def calib_text(camera: Camera) -> str:
    """The ``calib`` file: lines in the devkit's order, which readers such as OpenPCDet index by position.

    ``R0_rect`` turns the real camera into the gravity-aligned one the labels are in, and
    ``P2 = K [R0_rect^T | 0]`` undoes that turn, so readers that project labels with P2 alone (all
    the standard ones) hit the real image's pixels. ``Tr_velo_to_cam`` takes the rectified camera in
    LiDAR axes to the real camera, so ``R0_rect · Tr_velo_to_cam`` is KITTI's axis swap.
    """
    rectification = camera_to_rectified(camera)
    projection = rectified_projection(camera)
    identity_3x4 = np.hstack([np.eye(3), np.zeros((3, 1))])
    velodyne_to_camera = np.hstack([rectification.T @ RECTIFIED_TO_LIDAR.T, np.zeros((3, 1))])
    rows = [
        *((f"P{index}", projection) for index in range(4)),
        ("R0_rect", rectification),
        ("Tr_velo_to_cam", velodyne_to_camera),
        ("Tr_imu_to_velo", identity_3x4),
    ]
    return "".join(f"{name}: " + " ".join(f"{v:.12e}" for v in matrix.ravel()) + "\n" for name, matrix in rows)

