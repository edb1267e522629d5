import dataclasses
import json
from pathlib import PurePosixPath

import numpy as np
import pytest

from nerf_labeling.cameras import Camera
from nerf_labeling.capture.transforms_reader import read_transforms_json
from nerf_labeling.formats.png_images import read_png
from tests.nerf_labeling.formats.scenes import three_box_frames


def test_the_project_reader_reads_back_cameras_images_masks_and_depth(export_zip, tmp_path):
    export_zip("nerfstudio", include_depth=True)
    root = tmp_path / "nerfstudio"
    capture = read_transforms_json(root / "transforms.json")
    frames = three_box_frames()
    assert len(capture.frames) == len(frames)
    for read, frame in zip(capture.frames, frames):
        labels = frame.load_labels()
        assert read.file_path == f"images/{frame.file_name}"
        assert read.camera.intrinsics == frame.camera.intrinsics
        assert np.array_equal(read.camera.camera_to_world, frame.camera.camera_to_world)
        assert read.camera_model == "PINHOLE"
        assert (root / read.file_path).read_bytes() == frame.image_bytes()
        assert np.array_equal(read_png((root / read.mask_path).read_bytes()), (labels.instance_mask > 0) * 255)
        instance_mask = read_png((root / read.metadata["instance_mask_path"]).read_bytes())
        assert instance_mask.dtype == np.uint16 and np.array_equal(instance_mask, labels.instance_mask)
        millimetres = read_png((root / read.depth_path).read_bytes())
        assert np.array_equal(millimetres, np.rint(labels.depth.astype(np.float64) * 1000))
        assert read.metadata["raylabel_frame_id"] == frame.frame_id


def test_distortion_and_per_frame_intrinsics_survive(export_zip, tmp_path):
    first, second = three_box_frames()
    distorted = dataclasses.replace(first.camera.intrinsics, distortion=(0.1, -0.02, 0.001, 0.002, 0.003, 0.0))
    first = dataclasses.replace(first, camera=Camera(distorted, first.camera.camera_to_world))
    export_zip("nerfstudio", frames=[first, second])
    data = json.loads((tmp_path / "nerfstudio" / "transforms.json").read_text())
    assert (data["camera_model"], data["k1"], data["p2"]) == ("OPENCV", 0.1, 0.002)
    capture = read_transforms_json(tmp_path / "nerfstudio" / "transforms.json")
    assert [f.camera.intrinsics for f in capture.frames] == [distorted, second.camera.intrinsics]
    assert [f.camera_model for f in capture.frames] == ["OPENCV", "PINHOLE"]
    assert "depth_file_path" not in data["frames"][0]


def test_nerfstudios_own_dataparser_reads_the_export(export_zip, tmp_path):
    dataparsers = pytest.importorskip(
        "nerfstudio.data.dataparsers.nerfstudio_dataparser",
        reason="nerfstudio is not installed (GPU workers install requirements-gpu.txt)",
    )
    export_zip("nerfstudio", include_depth=True)
    root = tmp_path / "nerfstudio"
    config = dataparsers.NerfstudioDataParserConfig(
        data=root, orientation_method="none", center_method="none", auto_scale_poses=False,
        scale_factor=1.0, eval_mode="all",
    )
    outputs = config.setup().get_dataparser_outputs(split="train")
    frames = three_box_frames()
    assert [path.name for path in outputs.image_filenames] == [PurePosixPath(f.file_name).name for f in frames]
    for index, frame in enumerate(frames):
        intrinsics = frame.camera.intrinsics
        cameras = outputs.cameras
        np.testing.assert_allclose(
            cameras.camera_to_worlds[index].numpy(), frame.camera.camera_to_world[:3], atol=1e-5
        )
        np.testing.assert_allclose(
            [float(cameras.fx[index]), float(cameras.fy[index]), float(cameras.cx[index]), float(cameras.cy[index])],
            [intrinsics.fx, intrinsics.fy, intrinsics.cx, intrinsics.cy], rtol=1e-6,
        )
    assert len(outputs.mask_filenames) == len(frames)
    assert all(path.is_file() for path in outputs.mask_filenames)
