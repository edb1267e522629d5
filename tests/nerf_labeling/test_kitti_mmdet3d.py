"""The KITTI export read by mmdet3d itself: its own converter makes the info file, its KittiDataset loads it.

A generated scene seen by pitched (and one rolled) cameras is labelled by the platform from its exact field,
exported with the KITTI writer and unzipped as written. mmdet3d's converter (``tools/dataset_converters``,
shipped inside the package under ``.mim``) turns it into an info ``.pkl``: ``kitti_data_utils.get_kitti_image_info``
reads images, labels and calib, and ``update_infos_to_v2.update_pkl_infos`` writes the v2 info file that
``KittiDataset`` loads. Two things the converter wants come from the velodyne scans, which a camera export
has none of: ``create_kitti_info_file`` always reads them (it also wants ``ImageSets/val.txt`` and
``test.txt``), so the test calls ``get_kitti_image_info(..., velodyne=False)`` itself and gives each info
the two fields ``update_kitti_infos`` then reads, ``point_cloud.velodyne_path`` (a path, no file) and
``annos.num_points_in_gt`` (-1 each: unknown, the converter's own value for DontCare rows).

mmdet3d keeps only KITTI's eight types (another type becomes label -1 and is dropped), so the project's
classes are exported through ``kitti_types`` as Car, Pedestrian and Cyclist.
"""
from __future__ import annotations

import importlib.util
import io
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

mmdet3d = pytest.importorskip("mmdet3d")

from nerf_labeling.cameras import Camera, project_points  # noqa: E402
from nerf_labeling.formats.export import write_export  # noqa: E402
from nerf_labeling.formats.records import ExportClass, ExportFrame, ExportSpec  # noqa: E402
from nerf_labeling.labels import BoxObject, render_frame_labels  # noqa: E402
from nerf_labeling.labels.pseudo_lidar import boxes_in_lidar  # noqa: E402
from nerf_labeling.synthetic import SyntheticField, random_hemisphere_poses, random_scene  # noqa: E402
from nerf_labeling.synthetic.capture_writer import pinhole_intrinsics  # noqa: E402

CLASSES = (ExportClass(1, "ball"), ExportClass(2, "box"), ExportClass(3, "can"))
KITTI_TYPES = {"ball": "Pedestrian", "box": "Car", "can": "Cyclist"}
#: the dataset's classes: the exported KITTI types, in KittiDataset's own order
DATASET_CLASSES = ("Pedestrian", "Cyclist", "Car")
CORNER_TOLERANCE_PX = 0.01


def converter_module(name: str):
    """A module of mmdet3d's dataset converters, loaded from its file (the tools are not a package)."""
    path = Path(mmdet3d.__file__).parent / ".mim" / "tools" / "dataset_converters" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"mmdet3d_dataset_converters_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rolled(pose: np.ndarray, roll: float) -> np.ndarray:
    """``pose`` turned by ``roll`` radians about its optical axis."""
    c, s = math.cos(roll), math.sin(roll)
    turned = pose.copy()
    turned[:3, :3] = pose[:3, :3] @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    return turned


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The unzipped export of 3 frames of a random scene, and per frame its visible objects with their true
    corner pixels (KITTI's: pixel centres at integers) and camera."""
    rng = np.random.default_rng(20261130)
    scene = random_scene(rng, 7, spread=1.0)
    poses = random_hemisphere_poses(rng, 3)
    poses[1] = rolled(poses[1], math.radians(6))
    intrinsics = pinhole_intrinsics(160, 120, 60.0)
    ids = {item.name: item.id for item in CLASSES}
    placed = [BoxObject(o.instance_id, ids[o.class_name], o.class_name, o.object_to_world, size=np.array(o.size))
              for o in scene.objects]
    frames, truth = [], []
    for index, pose in enumerate(poses):
        camera = Camera(intrinsics, pose)
        labels = render_frame_labels(SyntheticField(scene), camera, placed, tolerance=0.01)
        rgb, _, _ = scene.render(camera)
        buffer = io.BytesIO()
        Image.fromarray(np.round(rgb * 255).astype(np.uint8)).save(buffer, format="PNG")
        frames.append(ExportFrame(index, f"scene/frame_{index:04d}.png", buffer.getvalue(), camera, labels))
        visible = [o for o in labels.objects if o.modal_box is not None and o.visible_pixels > 0]
        corners = [project_points(camera, scene.object(o.instance_id).box_corners())[0] - 0.5 for o in visible]
        truth.append({"objects": visible, "corners": corners, "camera": camera,
                      "pixels": np.round(rgb * 255).astype(np.uint8)})
    root = tmp_path_factory.mktemp("kitti_mmdet3d")
    spec = ExportSpec(classes=CLASSES, kitti_types=KITTI_TYPES)
    with zipfile.ZipFile(write_export("kitti", frames, spec, root / "kitti.zip")) as archive:
        archive.extractall(root / "kitti")
    assert all(len(frame["objects"]) >= 3 for frame in truth)  # the check below has boxes to compare
    return root, truth


@pytest.fixture(scope="module")
def info_file(exported) -> Path:
    """mmdet3d's v2 info file of the export, made by mmdet3d's converter functions."""
    import mmengine

    root, _ = exported
    data_root = root / "kitti"
    kitti_data_utils = converter_module("kitti_data_utils")
    update_infos_to_v2 = converter_module("update_infos_to_v2")
    image_ids = [int(line) for line in (data_root / "ImageSets" / "train.txt").read_text().split()]
    infos = kitti_data_utils.get_kitti_image_info(
        str(data_root), training=True, label_info=True, velodyne=False, calib=True, image_ids=image_ids,
        num_worker=1, relative_path=True)
    for info in infos:
        info["point_cloud"]["velodyne_path"] = f"training/velodyne/{info['image']['image_idx']:06d}.bin"
        info["annos"]["num_points_in_gt"] = np.full(len(info["annos"]["name"]), -1, dtype=np.int32)
    mmengine.dump(infos, data_root / "kitti_infos_train.pkl")
    (root / "v2").mkdir()
    update_infos_to_v2.update_pkl_infos("kitti", out_dir=str(root / "v2"),
                                        pkl_path=str(data_root / "kitti_infos_train.pkl"))
    return root / "v2" / "kitti_infos_train.pkl"


def kitti_dataset(root: Path, info_file: Path, *, box_type_3d: str, pipeline: list):
    from mmdet3d.datasets import KittiDataset
    from mmdet3d.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    return KittiDataset(
        data_root=str(root / "kitti"), ann_file=str(info_file), metainfo={"classes": DATASET_CLASSES},
        data_prefix={"pts": "training/velodyne", "img": "training/image_2"}, pipeline=pipeline,
        modality={"use_lidar": box_type_3d == "LiDAR", "use_camera": True}, box_type_3d=box_type_3d,
        filter_empty_gt=False, test_mode=False)


def corner_error_px(projected: np.ndarray, truth: np.ndarray) -> float:
    """Largest distance from a corner to the nearest corner of the other set, both ways (px)."""
    distances = np.linalg.norm(projected[:, None, :] - truth[None, :, :], axis=-1)
    return float(max(distances.min(axis=0).max(), distances.min(axis=1).max()))


def test_kitti_dataset_loads_the_export_with_exact_3d_boxes_2d_boxes_and_classes(exported, info_file):
    from mmdet3d.structures import CameraInstance3DBoxes, points_cam2img

    root, truth = exported
    dataset = kitti_dataset(root, info_file, box_type_3d="Camera", pipeline=[
        {"type": "LoadImageFromFileMono3D"},
        {"type": "LoadAnnotations3D", "with_bbox": True, "with_label": True, "with_bbox_3d": True,
         "with_label_3d": True},
        {"type": "Pack3DDetInputs", "keys": ["img", "gt_bboxes", "gt_bboxes_labels", "gt_bboxes_3d", "gt_labels_3d"]},
    ])
    assert len(dataset) == len(truth)
    for index, expected in enumerate(truth):
        item = dataset[index]
        sample = item["data_samples"]
        boxes_3d = sample.gt_instances_3d.bboxes_3d
        assert isinstance(boxes_3d, CameraInstance3DBoxes)
        assert len(boxes_3d) == len(expected["objects"])
        np.testing.assert_array_equal(item["inputs"]["img"].numpy()[::-1].transpose(1, 2, 0), expected["pixels"])
        cam2img = np.asarray(sample.metainfo["cam2img"], dtype=np.float64)
        for corners, true_pixels in zip(boxes_3d.corners.numpy().astype(np.float64), expected["corners"]):
            assert corner_error_px(points_cam2img(corners, cam2img), true_pixels) < CORNER_TOLERANCE_PX
        modal = [(x0, y0, x1 - 1, y1 - 1) for x0, y0, x1, y1 in (o.modal_box for o in expected["objects"])]
        np.testing.assert_allclose(sample.gt_instances.bboxes.numpy(), modal, atol=1e-4)
        classes = [DATASET_CLASSES.index(KITTI_TYPES[o.class_name]) for o in expected["objects"]]
        assert sample.gt_instances_3d.labels_3d.tolist() == classes
        assert sample.gt_instances.labels.tolist() == classes


def test_lidar_boxes_are_the_pseudo_lidar_frames_boxes_and_project_onto_the_true_corners(exported, info_file):
    from mmdet3d.structures import LiDARInstance3DBoxes, points_cam2img

    root, truth = exported
    dataset = kitti_dataset(root, info_file, box_type_3d="LiDAR", pipeline=[])
    for index, expected in enumerate(truth):
        info = dataset.get_data_info(index)
        boxes_3d = info["ann_info"]["gt_bboxes_3d"]
        assert isinstance(boxes_3d, LiDARInstance3DBoxes)
        lidar2img = np.asarray(info["images"]["CAM2"]["lidar2img"], dtype=np.float64)
        for corners, true_pixels in zip(boxes_3d.corners.numpy().astype(np.float64), expected["corners"]):
            assert corner_error_px(points_cam2img(corners, lidar2img), true_pixels) < CORNER_TOLERANCE_PX
        np.testing.assert_allclose(boxes_3d.tensor.numpy(), boxes_in_lidar(expected["objects"], expected["camera"]),
                                   atol=1e-4)
