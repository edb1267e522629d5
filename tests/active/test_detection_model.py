"""The 3D detection scoring model: mmdet3d's PointPillars trained on pseudo-LiDAR from exact synthetic depth.

Skipped where mmdet3d is not installed (``scripts/install_mmdet3d.sh``; ``make test`` installs it).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

pytest.importorskip("mmdet3d")

from nerf_labeling.cameras import Camera, Intrinsics  # noqa: E402
from nerf_labeling.labels import BoxObject, render_frame_labels  # noqa: E402
from nerf_labeling.labels.pseudo_lidar import boxes_in_lidar, points_from_depth  # noqa: E402
from nerf_labeling.synthetic import SyntheticField, random_hemisphere_poses, random_scene  # noqa: E402

from active.models.detection3d import DetectionModel, Detections, DetectionSample, DetectorConfig  # noqa: E402

CLASSES = ("box", "ball", "can")
STEPS = 30


def scene_samples(seed: int, n_frames: int, *, n_objects: int = 6, width: int = 96, height: int = 72):
    """Pseudo-LiDAR samples of one random scene seen from cameras 2.2-3 m away, 12-42° above the ground,
    with the boxes of the objects that show at least one pixel; and the scene."""
    rng = np.random.default_rng(seed)
    scene = random_scene(rng, n_objects)
    field = SyntheticField(scene)
    placed = [BoxObject(o.instance_id, CLASSES.index(o.class_name) + 1, o.class_name, o.object_to_world,
                        size=np.array(o.size))
              for o in scene.objects]
    focal = 0.9 * width
    poses = random_hemisphere_poses(rng, n_frames, radius_range=(2.2, 3.0), elevation_degrees=(12.0, 42.0))
    samples = []
    for index, pose in enumerate(poses):
        camera = Camera(Intrinsics(focal, focal, width / 2, height / 2, width, height), pose)
        rgb, _, depth = scene.render(camera)
        labels = render_frame_labels(field, camera, placed, tolerance=0.01)
        seen = [obj for obj in labels.objects if obj.visible_pixels > 0]
        samples.append(DetectionSample(
            sample_id=str(index),
            points=points_from_depth(depth, rgb, camera),
            boxes=boxes_in_lidar(seen, camera),
            labels=np.array([CLASSES.index(obj.class_name) for obj in seen], dtype=np.int64),
        ))
    return samples, scene


def detector_config(scene, **overrides) -> DetectorConfig:
    sizes = [np.mean([o.size for o in scene.objects if o.class_name == name] or [[0.4, 0.4, 0.4]], axis=0)
             for name in CLASSES]
    return DetectorConfig(classes=CLASSES, class_sizes=tuple(tuple(s) for s in sizes), **overrides)


@pytest.fixture(scope="module")
def samples_and_scene():
    return scene_samples(seed=7, n_frames=8)


@pytest.fixture(scope="module")
def trained(samples_and_scene):
    samples, scene = samples_and_scene
    calls = []
    model = DetectionModel.untrained(detector_config(scene)).fit(
        samples, steps=STEPS, on_step=lambda done, total: calls.append((done, total)))
    return model, calls


def keeping_low_scores(model: DetectionModel) -> DetectionModel:
    """The same weights with a low score threshold: a few dozen iterations leave every score low."""
    return DetectionModel(replace(model.config, score_threshold=0.02), model.state_dict, model.model_version,
                          model.losses)


def test_training_lowers_the_loss_and_reports_every_step(trained):
    model, calls = trained
    assert calls == [(done, STEPS) for done in range(1, STEPS + 1)]
    assert len(model.losses) == STEPS and np.all(np.isfinite(model.losses))
    assert np.mean(model.losses[-5:]) < 0.8 * np.mean(model.losses[:5])
    assert model.model_version == 1 and model.version == "pointpillars-v1"


def test_the_first_fit_fixes_anchor_heights_at_the_ground_below_the_camera(samples_and_scene, trained):
    samples, _ = samples_and_scene
    model, _ = trained
    heights = model.config.anchor_bottom_heights
    assert heights is not None and len(heights) == len(CLASSES)
    boxes = np.concatenate([s.boxes for s in samples])
    labels = np.concatenate([s.labels for s in samples])
    for index, height in enumerate(heights):
        assert height == pytest.approx(boxes[labels == index, 2].mean(), abs=1e-6)
    assert max(heights) < 0  # the ground is below the camera


def test_a_continued_fit_starts_lower_than_one_from_scratch_and_fits_are_deterministic(samples_and_scene, trained):
    samples, _ = samples_and_scene
    model, _ = trained
    continued = model.fit(samples, steps=2)
    scratch = model.fit(samples, steps=2, from_scratch=True)
    again = model.fit(samples, steps=2, from_scratch=True)
    assert continued.model_version == scratch.model_version == 2
    assert continued.losses[0] < 0.9 * scratch.losses[0]  # same seed and version: the same first batch
    assert scratch.losses == again.losses
    for key, value in scratch.state_dict.items():
        assert torch.equal(value, again.state_dict[key]), key


def test_bytes_round_trip_gives_identical_predictions(samples_and_scene, trained):
    samples, _ = samples_and_scene
    model = keeping_low_scores(trained[0])
    restored = DetectionModel.from_bytes(model.to_bytes())
    assert restored.config == model.config and restored.model_version == model.model_version
    assert restored.losses == model.losses
    before, after = model.predict(samples[:3]), restored.predict(samples[:3])
    assert sum(len(found) for found in before) > 0
    for ours, theirs in zip(before, after):
        for name in ("boxes", "scores", "labels", "class_probs"):
            np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name))


def test_predictions_have_class_probabilities_and_boxes_in_the_lidar_frame(samples_and_scene, trained):
    samples, _ = samples_and_scene
    model = keeping_low_scores(trained[0])
    detections = model.predict(samples)
    assert len(detections) == len(samples) and all(isinstance(d, Detections) for d in detections)
    assert sum(len(d) for d in detections) > 0
    x_min, y_min, _, x_max, y_max, _ = model.config.point_cloud_range
    for found in detections:
        assert found.class_probs.shape == (len(found), len(CLASSES))
        np.testing.assert_allclose(found.class_probs.sum(axis=1), 1.0, atol=1e-5)
        assert np.all(found.class_probs >= 0)
        assert np.all(found.scores > model.config.score_threshold)
        assert np.all((found.boxes[:, 0] >= x_min) & (found.boxes[:, 0] <= x_max))
        assert np.all((found.boxes[:, 1] >= y_min) & (found.boxes[:, 1] <= y_max))
        assert np.all(found.boxes[:, 3:6] > 0)
        assert np.all(np.isin(found.labels, np.arange(len(CLASSES))))


def test_a_frame_without_points_in_range_gets_no_detections_and_a_raise_in_on_step_stops_training(trained):
    model, _ = trained
    far = DetectionSample("far", np.array([[50.0, 0.0, 0.0, 0.5]], np.float32), np.zeros((0, 7)), np.zeros(0))
    (found,) = model.predict([far])
    assert len(found) == 0 and found.class_probs.shape == (0, len(CLASSES))

    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        raise Stop(done)

    near = DetectionSample("near", np.array([[2.0, 0.0, -1.0, 0.5]] * 10, np.float32), np.zeros((0, 7)), np.zeros(0))
    with pytest.raises(Stop):
        model.fit([near], steps=5, on_step=stop)


def test_class_probabilities_are_the_softmax_of_the_class_logits():
    from active.models.detection3d.detection_head import class_probabilities

    probs = class_probabilities(np.array([[0.2, 0.2, 0.0], [0.9, 0.05, 0.05], [0.0, 0.0, 0.0]]))
    logits = np.log(np.array([9.0, 0.05 / 0.95, 0.05 / 0.95]))
    softmax = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(probs, [[0.5, 0.5, 0.0], softmax, [1 / 3, 1 / 3, 1 / 3]], atol=1e-5)
    assert probs.dtype == np.float32


def test_a_box_kept_under_two_classes_counts_once_under_its_best():
    import torch

    from active.models.detection3d.detection_head import one_box_per_anchor

    box, other = [1.0, 0.0, -1.0, 0.4, 0.3, 0.2, 0.1], [3.0, 1.0, -1.0, 0.4, 0.3, 0.2, 0.0]
    bboxes = torch.tensor([box, other, box])  # the first anchor passed for two classes
    keep = one_box_per_anchor(bboxes, torch.tensor([0.3, 0.5, 0.6]))
    assert keep.tolist() == [2, 1]


def test_pseudo_lidar_boxes_hold_their_objects_points_by_mmcvs_own_box_test():
    """boxes_in_lidar speaks mmdet3d's LiDAR box convention: mmcv's points-in-boxes op agrees, yaw included."""
    from mmcv.ops import points_in_boxes_cpu

    samples, scene = scene_samples(seed=3, n_frames=2, n_objects=5)
    for sample in samples:
        grown = sample.boxes.copy()
        grown[:, 2] -= 1e-3
        grown[:, 3:6] += 2e-3
        inside = points_in_boxes_cpu(torch.from_numpy(sample.points[None, :, :3]).contiguous(),
                                     torch.from_numpy(grown[None]).contiguous())[0].numpy().astype(bool)
        # each box holds some points; points above the ground (z > ground + 1 cm) are in exactly one box
        assert inside.sum(axis=0).min() > 0
        above_ground = sample.points[:, 2] > sample.boxes[:, 2].min() + 0.01
        assert np.all(inside[above_ground].sum(axis=1) == 1)


def test_training_leaves_the_workers_process_settings_as_they_were(trained):
    """mmengine's Runner forces the start method to fork and OpenCV to 0 threads unless told otherwise; a
    worker that later spawns processes (nerfacto's data process) must find its own settings."""
    import multiprocessing

    import cv2

    model, _ = trained
    method, threads = multiprocessing.get_start_method(allow_none=True), cv2.getNumThreads()
    multiprocessing.set_start_method("spawn", force=True)
    cv2.setNumThreads(3)
    try:
        near = DetectionSample("near", np.array([[2.0, 0.0, -1.0, 0.5]] * 10, np.float32), np.zeros((0, 7)),
                               np.zeros(0))
        model.fit([near], steps=1)
        assert multiprocessing.get_start_method() == "spawn"
        assert cv2.getNumThreads() == 3
    finally:
        multiprocessing.set_start_method(method, force=True)
        cv2.setNumThreads(threads)
