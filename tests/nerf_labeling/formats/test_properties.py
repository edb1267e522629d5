"""Properties of the small conversions every format relies on, over generated inputs."""
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask
from scipy.spatial.transform import Rotation

from nerf_labeling.formats.coco_masks import instance_rles
from nerf_labeling.formats.kitti_geometry import wrap_angle
from nerf_labeling.formats.opencv_camera import to_opencv_camera_frame
from nerf_labeling.formats.png_images import MAX_DEPTH_M, depth_to_png_mm, read_png

FAST = settings(max_examples=40, deadline=None)


@FAST
@given(st.floats(-100.0, 100.0))
def test_wrapped_angles_lie_in_the_kitti_range_and_keep_their_direction(angle):
    wrapped = wrap_angle(angle)
    assert -math.pi <= wrapped < math.pi
    assert abs(math.cos(wrapped) - math.cos(angle)) < 1e-9
    assert abs(math.sin(wrapped) - math.sin(angle)) < 1e-9


@FAST
@given(arrays(np.uint16, (7, 9), elements=st.integers(0, 4)))
def test_rles_decode_to_each_instance_exactly(instance_mask):
    ids = [1, 2, 3, 4]
    for instance_id, rle in zip(ids, instance_rles(instance_mask, ids)):
        assert np.array_equal(coco_mask.decode(rle).astype(bool), instance_mask == instance_id)
        assert coco_mask.area(rle) == (instance_mask == instance_id).sum()


@FAST
@given(arrays(np.float32, (5, 6), elements=st.floats(0.0, 80.0, width=32)))
def test_depth_pngs_hold_millimetres_to_half_a_millimetre(depth):
    millimetres = read_png(depth_to_png_mm(depth)).astype(np.float64)
    expected = np.minimum(depth.astype(np.float64), MAX_DEPTH_M) * 1000.0
    assert np.all(np.abs(millimetres - expected) <= 0.5 + 1e-6)


@FAST
@given(arrays(np.float64, 3, elements=st.floats(-3, 3)), arrays(np.float64, 3, elements=st.floats(-5, 5)))
def test_poses_into_the_camera_flip_only_the_camera_y_and_z_axes(euler_angles, translation):
    pose = np.eye(4)
    pose[:3, :3] = Rotation.from_euler("xyz", euler_angles).as_matrix()
    pose[:3, 3] = translation
    # an OpenGL camera point (x, y, z) is the OpenCV point (x, -y, -z)
    expected = np.diag([1.0, -1.0, -1.0, 1.0]) @ pose
    np.testing.assert_allclose(to_opencv_camera_frame(pose), expected, atol=1e-12)
