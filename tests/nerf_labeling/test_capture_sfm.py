"""Structure-from-motion on generated scenes: poses against the truth, ground, scale, refusals, cancel."""
from __future__ import annotations

import numpy as np
import pytest

from nerf_labeling.capture.ground import align_to_ground, fit_ground_plane, scale_from_distance
from nerf_labeling.capture.sfm import SFM_STAGES, SfmCancelled, SfmOptions, run_sfm
from nerf_labeling.capture.similarity import Similarity, umeyama
from nerf_labeling.capture.video import select_video_frames, write_frames
from nerf_labeling.errors import InputError
from nerf_labeling.synthetic.video_writer import write_photos, write_video
from tests.nerf_labeling.poseless_scenes import (
    far_ground_scene,
    half_textureless_ground,
    hemisphere_cameras,
    orbit_cameras,
    pose_errors,
    render,
    write_unrelated_photos,
)

N_VIDEO_FRAMES = 40
FEATURES = 2048  # enough for 320x240 frames, and half the matching time of the default


@pytest.fixture(scope="module")
def video_sfm(tmp_path_factory):
    """A 40-frame orbit video through frame selection and sequential SfM; the true cameras beside it."""
    root = tmp_path_factory.mktemp("video_sfm")
    cameras = orbit_cameras(N_VIDEO_FRAMES)
    video = write_video(root / "orbit.mp4", render(cameras), fps=10)
    selection = select_video_frames(video, target_count=N_VIDEO_FRAMES)
    names = write_frames(selection, root / "images")
    reports = []
    options = SfmOptions(matching="sequential", max_features=FEATURES)
    result = run_sfm(root / "images", names, options=options, progress=reports.append)
    truth = {name: cameras[frame.index] for name, frame in zip(names, selection.frames)}
    return result, truth, reports


def _alignment_to_truth(result, truth):
    estimated = [frame.camera.camera_to_world for frame in result.capture.frames]
    true = [truth[frame.file_path].camera_to_world for frame in result.capture.frames]
    return pose_errors(estimated, true)


def _check_poses(result, truth) -> None:
    _, position, rotation, extent = _alignment_to_truth(result, truth)
    assert position.max() < 0.01 * extent, f"worst centre error {position.max():.4f} m of extent {extent:.2f} m"
    assert rotation.max() < 0.5, f"worst rotation error {rotation.max():.3f} degrees"


def test_a_video_registers_nearly_every_frame(video_sfm):
    result, truth, _ = video_sfm

    assert len(result.capture.frames) >= 0.95 * len(truth)
    assert result.models[0] == len(result.capture.frames)
    assert set(result.unregistered) == set(truth) - set(result.registered_names)
    assert result.units == "arbitrary"
    intrinsics = result.capture.frames[0].camera.intrinsics
    assert (intrinsics.width, intrinsics.height) == (320, 240)
    assert len(result.points.xyz) > 500 and result.points.rgb.dtype == np.uint8


def test_video_poses_match_the_truth_after_a_similarity(video_sfm):
    result, truth, _ = video_sfm
    _check_poses(result, truth)


def test_progress_goes_through_the_stages_in_order_and_ends_at_one(video_sfm):
    _, _, reports = video_sfm

    stages = [report.stage for report in reports]
    assert [stage for i, stage in enumerate(stages) if i == 0 or stages[i - 1] != stage] == list(SFM_STAGES)
    fractions = [report.fraction for report in reports]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert any("frames placed" in report.detail for report in reports)


def test_the_ground_plane_turns_the_world_upright(video_sfm):
    result, truth, _ = video_sfm

    upright, plane = align_to_ground(result, np.random.default_rng(0))

    similarity = _alignment_to_truth(upright, truth)[0]
    tilt = np.degrees(np.arccos(np.clip(similarity.rotation[2, 2], -1.0, 1.0)))
    assert tilt < 2.0, f"the estimated up is {tilt:.2f} degrees from the true up"
    assert plane.inliers.mean() > 0.15
    ground_points = upright.points.xyz[plane.inliers]
    assert np.abs(ground_points[:, 2]).max() <= plane.tolerance * 1.01 + 1e-9
    assert np.all(np.stack([camera.center for camera in upright.capture.cameras])[:, 2] > plane.tolerance)


def test_a_known_distance_makes_the_world_metric(video_sfm):
    result, truth, _ = video_sfm
    upright, _ = align_to_ground(result, np.random.default_rng(0))
    # two frames from opposite sides of the orbit, so their distance is large against the pose noise
    first, last = upright.capture.frames[0], upright.capture.frames[len(upright.capture.frames) // 2]
    true_distance = float(np.linalg.norm(truth[first.file_path].center - truth[last.file_path].center))

    metric = upright.moved(scale_from_distance(first.camera.center, last.camera.center, true_distance), units="metric")

    assert metric.units == "metric"
    centres = np.stack([c.center for c in metric.capture.cameras])
    true_centres = np.stack([truth[frame.file_path].center for frame in metric.capture.frames])
    assert umeyama(centres, true_centres).scale == pytest.approx(1.0, abs=0.01)
    with pytest.raises(InputError, match="same point"):
        scale_from_distance(first.camera.center, first.camera.center, 1.0)
    with pytest.raises(InputError, match="positive number of metres"):
        scale_from_distance(first.camera.center, last.camera.center, 0.0)


def test_loose_photos_register_with_exhaustive_matching(tmp_path):
    cameras = hemisphere_cameras(16)
    paths = write_photos(tmp_path / "photos", render(cameras))
    names = [path.name for path in paths]

    result = run_sfm(tmp_path / "photos", names, options=SfmOptions(matching="exhaustive", max_features=FEATURES))

    assert len(result.capture.frames) >= 0.95 * len(names)
    _check_poses(result, dict(zip(names, cameras)))


def test_photos_of_two_places_keep_the_larger_model_and_say_so(tmp_path):
    here = write_photos(tmp_path / "photos", render(hemisphere_cameras(12)))
    elsewhere = orbit_cameras(8, target=(100.0, 100.0, 0.0), turns=0.25)
    there = write_photos(tmp_path / "there", render(elsewhere, far_ground_scene()), suffix=".png")
    for path in there:
        path.rename(tmp_path / "photos" / f"there_{path.name}")
    names = sorted(path.name for path in (tmp_path / "photos").iterdir())

    result = run_sfm(tmp_path / "photos", names, options=SfmOptions(matching="exhaustive", max_features=FEATURES))

    assert result.models[:2] == (12, 8)
    assert set(result.registered_names) == {path.name for path in here}
    assert set(result.unregistered) == {f"there_{path.name}" for path in there}
    assert all("smaller, disconnected model (model 2, 8 frames)" in reason for reason in result.unregistered.values())
    assert "fell into 2 disconnected models (12, 8 frames); the largest is used" in result.notes[1]


def test_frames_of_a_textureless_ground_are_left_out_with_the_reason(tmp_path):
    scene, cameras = half_textureless_ground()
    names = [path.name for path in write_photos(tmp_path / "frames", render(cameras, scene), suffix=".png")]

    result = run_sfm(tmp_path / "frames", names, options=SfmOptions(matching="sequential", max_features=FEATURES))

    assert set(names[:10]) <= set(result.registered_names)
    assert set(names[14:]) <= set(result.unregistered)
    assert all(result.unregistered[name] == "too little texture to match: 0 features found" for name in names[14:])
    assert result.notes[0] == f"{len(result.unregistered)} of 20 frames could not be placed and are left out"


def test_unrelated_photos_fail_with_a_message(tmp_path):
    names = write_unrelated_photos(tmp_path / "photos", 6, np.random.default_rng(3))

    with pytest.raises(InputError, match=r"placed only \d of 6 images: the images do not overlap enough"):
        run_sfm(tmp_path / "photos", names, options=SfmOptions(matching="exhaustive"))


def test_a_run_stops_when_asked(tmp_path):
    names = write_unrelated_photos(tmp_path / "photos", 4, np.random.default_rng(4))
    reports = []

    with pytest.raises(SfmCancelled, match="cancelled during matching"):
        run_sfm(tmp_path / "photos", names, progress=reports.append, should_stop=lambda: len(reports) >= 2)
    assert [report.stage for report in reports] == ["features", "features"]


def test_a_run_stops_in_the_middle_of_a_stage_when_asked(tmp_path):
    """The flag rises once feature extraction has started (12 photos take about 2 s; the flag is read
    every 0.2 s): pycolmap is interrupted there and the run ends as cancelled, not as pycolmap's error."""
    names = write_unrelated_photos(tmp_path / "photos", 12, np.random.default_rng(4))
    reports = []

    with pytest.raises(SfmCancelled, match="cancelled during features"):
        run_sfm(tmp_path / "photos", names, progress=reports.append, should_stop=lambda: len(reports) >= 1)
    assert [report.detail for report in reports] == ["features started"]


def test_the_ground_is_the_plane_below_the_cameras_not_a_larger_wall(rng):
    floor = np.column_stack([rng.uniform(-2, 2, 300), rng.uniform(-2, 2, 300), rng.normal(0, 0.002, 300)])
    wall = np.column_stack([rng.uniform(-2, 2, 500), np.full(500, 2.5), rng.uniform(0, 3, 500)])
    clutter = rng.uniform(-1, 1, (100, 3)) + [0, 0, 1.0]
    tilt = Similarity(1.0, _rotation_about_x(np.radians(30.0)), np.array([0.3, -0.2, 0.5]))
    points = tilt.apply(np.concatenate([floor, wall, clutter]))
    centres = tilt.apply(np.column_stack([rng.uniform(-1, 1, 10), rng.uniform(-1, 1, 10), np.full(10, 1.6)]))
    ups = np.tile(tilt.rotation @ [0.0, 0.3, 1.0], (10, 1))

    plane = fit_ground_plane(points, centres, ups, rng)

    assert np.degrees(np.arccos(plane.normal @ tilt.rotation[:, 2])) < 0.5
    assert plane.inliers[:300].mean() > 0.95 and plane.inliers[300:800].mean() < 0.05


def test_umeyama_recovers_a_similarity_exactly(rng):
    truth = Similarity(2.5, _rotation_about_x(0.7) @ _rotation_about_x(0.2).T, np.array([1.0, -2.0, 0.5]))
    source = rng.normal(size=(20, 3))

    fitted = umeyama(source, truth.apply(source))

    assert fitted.scale == pytest.approx(2.5)
    np.testing.assert_allclose(fitted.rotation, truth.rotation, atol=1e-9)
    np.testing.assert_allclose(fitted.translation, truth.translation, atol=1e-9)


def _rotation_about_x(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])
