import io
import json

import numpy as np
import pytest
import trimesh
from scipy.spatial import ConvexHull
from skimage.draw import polygon as fill_polygon

from nerf_labeling.formats.errors import ExportError
from nerf_labeling.formats.png_images import read_png
from nerf_labeling.formats.records import ExportFrame
from tests.nerf_labeling.formats.scenes import INTRINSICS, Box, default_camera, png_bytes, render_frame, upright_pose

SIZES = {1: (0.8, 0.5, 0.6), 2: (1.2, 0.6, 0.9)}
OFFSETS = {1: (0.0, 0.0, 0.0), 2: (0.0, 0.0, 0.45)}  # class 2's mesh origin is at its base


def _meshes():
    meshes = {}
    for class_id, size in SIZES.items():
        mesh = trimesh.creation.box(extents=size)
        mesh.apply_translation(OFFSETS[class_id])
        meshes[class_id] = mesh
    meshes[2] = trimesh.exchange.ply.export_ply(meshes[2])  # PLY bytes are accepted too
    return meshes


def _box(instance_id, class_id, yaw, centre, tilt=0.0):
    return Box(instance_id, class_id, upright_pose(yaw, centre, tilt=tilt), SIZES[class_id], OFFSETS[class_id])


def _frames(scene_ids=(0, 0, 1)):
    layouts = [
        [
            _box(1, 1, 0.4, (-0.4, -0.3, -4.0), tilt=0.3),
            _box(2, 2, -1.2, (0.1, -0.6, -6.0)),
            _box(3, 1, 2.5, (1.2, 0.2, -5.0)),
        ],
        [_box(1, 1, 1.4, (0.5, 0.0, -3.5))],
        [_box(5, 2, 0.2, (-0.8, -0.5, -5.0)), _box(6, 1, -0.3, (0.9, 0.1, -4.5))],
    ]
    return [
        ExportFrame(10 + i, f"s/f{i}.png", png_bytes(seed=i), default_camera(i), render_frame(boxes), scene_id=scene)
        for i, (boxes, scene) in enumerate(zip(layouts, scene_ids))
    ]


def _silhouette(vertices_mm, rotation, translation, camera_matrix):
    """Pixels (centres at integers) inside the projected convex model, from the file's numbers alone."""
    points = vertices_mm @ rotation.T + translation
    uv = (points @ camera_matrix.T)[:, :2] / points[:, 2:]
    outline = uv[ConvexHull(uv).vertices]
    mask = np.zeros((INTRINSICS.height, INTRINSICS.width), bool)
    rows, cols = fill_polygon(outline[:, 1], outline[:, 0], mask.shape)
    mask[rows, cols] = True
    return mask


def test_poses_reproject_the_models_onto_the_masks(export_zip):
    frames = _frames()
    archive = export_zip("bop", object_models=_meshes(), frames=frames)
    models = {
        class_id: trimesh.load(io.BytesIO(archive.read(f"models/obj_{class_id:06d}.ply")), file_type="ply")
        for class_id in SIZES
    }
    checked = 0
    for scene_id, image_ids in ((0, [0, 1]), (1, [0])):
        folder = f"train/{scene_id:06d}"
        gt = json.loads(archive.read(f"{folder}/scene_gt.json"))
        info = json.loads(archive.read(f"{folder}/scene_gt_info.json"))
        cameras = json.loads(archive.read(f"{folder}/scene_camera.json"))
        assert sorted(gt) == sorted(info) == sorted(cameras) == [str(i) for i in image_ids]
        for image_id in image_ids:
            frame = frames[checked]
            camera_matrix = np.array(cameras[str(image_id)]["cam_K"]).reshape(3, 3)
            assert cameras[str(image_id)]["depth_scale"] == 1.0
            objects = frame.load_labels().objects
            for gt_id, (pose, gt_info, obj) in enumerate(zip(gt[str(image_id)], info[str(image_id)], objects)):
                rotation = np.array(pose["cam_R_m2c"]).reshape(3, 3)
                vertices = np.asarray(models[pose["obj_id"]].vertices)
                silhouette = _silhouette(vertices, rotation, np.array(pose["cam_t_m2c"]), camera_matrix)
                visible = read_png(archive.read(f"{folder}/mask_visib/{image_id:06d}_{gt_id:06d}.png")) > 0
                assert np.array_equal(visible, frame.load_labels().instance_mask == obj.instance_id)
                assert visible.sum() == gt_info["px_count_visib"] > 0
                assert not (visible & ~silhouette).any()
                if gt_info["visib_fract"] == 1.0:
                    assert np.array_equal(silhouette, visible)
                    rows, cols = np.nonzero(silhouette)
                    expected_box = [cols.min(), rows.min(), np.ptp(cols), np.ptp(rows)]
                    assert gt_info["bbox_obj"] == pytest.approx(expected_box, abs=1)
                rows, cols = np.nonzero(visible)
                assert gt_info["bbox_visib"] == [cols.min(), rows.min(), np.ptp(cols), np.ptp(rows)]
            checked += 1
    assert checked == 3


def test_models_are_millimetres_with_their_info(export_zip):
    archive = export_zip("bop", object_models=_meshes(), frames=_frames())
    model = trimesh.load(io.BytesIO(archive.read("models/obj_000002.ply")), file_type="ply")
    np.testing.assert_allclose(model.bounds, [[-600, -300, 0], [600, 300, 900]], atol=1e-3)
    info = json.loads(archive.read("models/models_info.json"))
    assert info["2"]["diameter"] == pytest.approx(1000 * np.linalg.norm(SIZES[2]))
    assert (info["2"]["min_z"], info["2"]["size_x"]) == (pytest.approx(0.0), pytest.approx(1200.0))


def test_translations_and_camera_pose_in_opencv_millimetres(export_zip):
    frames = _frames()
    archive = export_zip("bop", object_models=_meshes(), frames=frames)
    gt = json.loads(archive.read("train/000000/scene_gt.json"))["1"][0]
    np.testing.assert_allclose(gt["cam_t_m2c"], [500.0, -0.0, 3500.0], atol=1e-9)  # y and z flip from OpenGL
    camera = json.loads(archive.read("train/000000/scene_camera.json"))["1"]
    flip = np.diag([1.0, -1.0, -1.0])
    world_to_camera = frames[1].camera.world_to_camera
    np.testing.assert_allclose(np.reshape(camera["cam_R_w2c"], (3, 3)), flip @ world_to_camera[:3, :3], atol=1e-12)
    np.testing.assert_allclose(camera["cam_t_w2c"], 1000 * flip @ world_to_camera[:3, 3], atol=1e-9)
    millimetres = read_png(archive.read("train/000000/depth/000001.png"))
    assert np.array_equal(millimetres, np.rint(frames[1].load_labels().depth.astype(np.float64) * 1000))
    rows = archive.read("frames.csv").decode().splitlines()
    assert rows == ["scene_id,image_id,frame_id,file_name", "0,0,10,s/f0.png", "0,1,11,s/f1.png", "1,0,12,s/f2.png"]


def test_frames_must_arrive_grouped_by_scene(export_zip, tmp_path):
    with pytest.raises(ExportError, match="BOP needs frames grouped by scene with ids 0..999999; scene 0 is not"):
        export_zip("bop", object_models=_meshes(), frames=_frames(scene_ids=(0, 1, 0)))
    assert not (tmp_path / "bop.zip").exists()


def test_objects_of_classes_without_a_mesh_are_left_out(export_zip):
    meshes = _meshes()
    del meshes[2]
    archive = export_zip("bop", object_models=meshes, frames=_frames())
    gt = json.loads(archive.read("train/000000/scene_gt.json"))
    assert [pose["obj_id"] for pose in gt["0"]] == [1, 1]
    assert "models/obj_000002.ply" not in archive.namelist()
