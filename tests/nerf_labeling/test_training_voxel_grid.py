"""Training the voxel-grid backend: loss falls, depth lands, cancel, budgets, determinism, registries."""
from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from nerf_labeling.backends import PRESETS, TrainingPreset, register_preset
from nerf_labeling.fields.base import render_view
from nerf_labeling.training import TrainingCancelled, TrainingProgress, preset, train_field
from tests.nerf_labeling.test_field_toy_scene import toy_frames


@pytest.fixture(autouse=True)
def one_thread():
    # Tests share a loaded 2-core machine: one thread avoids oversubscription stalls.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pairs(frames):
    return [(image, camera) for image, camera, _ in frames]


def tiny_config(iterations: int = 20):
    config = preset("grid-fast")
    config.max_iterations = iterations
    config.progress_every = 1
    return config


def test_a_few_steps_reduce_the_loss():
    losses = []
    train_field(pairs(toy_frames(6, width=16, height=12)), tiny_config(30), progress=lambda p: losses.append(p.loss))
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5])


def test_rendered_depth_lands_near_the_ground_truth():
    frames = toy_frames(24, width=32, height=24)
    held = toy_frames(3, width=32, height=24, phase=0.4)
    config = preset("grid-fast")
    config.max_iterations = 150
    config.resolution_schedule = ((0.0, 24), (0.4, 48))
    field, metrics = train_field(pairs(frames), config, held_out=pairs(held), seed=0)
    errors = []
    for _, camera, depth in held:
        view = render_view(field, camera)
        hit = np.isfinite(depth)
        errors.append(np.abs(view.depth[hit] - depth[hit]) / depth[hit])
    assert np.median(np.concatenate(errors)) < 0.05
    assert metrics.held_out_psnr > 20.0


def test_should_stop_cancels_promptly():
    calls, reports = [], []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(TrainingCancelled):
        train_field(pairs(toy_frames(4, width=16, height=12)), tiny_config(1000), progress=reports.append, should_stop=should_stop)
    assert [r.iteration for r in reports] == [1, 2, 3]


def test_wall_time_budget_ends_training():
    config = tiny_config(10**6)
    config.max_seconds = 1.0
    start = time.perf_counter()
    _, metrics = train_field(pairs(toy_frames(4, width=16, height=12)), config)
    assert time.perf_counter() - start < 15.0
    assert 0 < metrics.iterations < 10**6 and metrics.seconds >= 1.0


def test_same_seed_same_field():
    frames = pairs(toy_frames(4, width=16, height=12))
    camera = frames[1][1]
    first, _ = train_field(frames, tiny_config(12), seed=3)
    second, _ = train_field(frames, tiny_config(12), seed=3)
    third, _ = train_field(frames, tiny_config(12), seed=4)
    a, b, c = (render_view(f, camera).rgb for f in (first, second, third))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_progress_reports_held_out_psnr_when_evaluated():
    config = tiny_config(8)
    config.eval_every = 4
    config.progress_every = 100
    reports: list[TrainingProgress] = []
    _, metrics = train_field(
        pairs(toy_frames(4, width=16, height=12)), config, held_out=pairs(toy_frames(1, width=16, height=12, phase=0.2)),
        progress=reports.append,
    )
    assert [(r.iteration, r.total) for r in reports] == [(4, 8), (8, 8), (8, 8)]
    assert all(r.held_out_psnr is not None and r.held_out_psnr > 0 for r in reports)
    assert metrics.held_out_psnr == reports[-1].held_out_psnr and metrics.iterations == 8


def test_images_must_match_their_cameras():
    image, camera, _ = toy_frames(1, width=16, height=12)[0]
    with pytest.raises(ValueError, match="12x16"):
        train_field([(image[:, :8], camera)], tiny_config(1))


@pytest.mark.parametrize("name", sorted(n for n in PRESETS if n.startswith("grid")))
def test_every_grid_preset_trains_two_steps(name):
    config = preset(name)
    config.max_iterations = 2
    config.resolution_schedule = config.resolution_schedule[:1]
    config.eval_every = None
    field, metrics = train_field(pairs(toy_frames(2, width=8, height=6)), config)
    assert metrics.iterations == 2 and np.isfinite(metrics.final_loss)


def test_registries_refuse_duplicate_names():
    grid_fast = PRESETS["grid-fast"]
    with pytest.raises(ValueError, match="already registered"):
        register_preset(TrainingPreset("grid-fast", "voxel-grid", "cpu", grid_fast.config, "again"))
    with pytest.raises(ValueError, match="unknown backend"):
        register_preset(TrainingPreset("grid-other", "no-such-backend", "cpu", grid_fast.config, "other"))
    assert PRESETS["grid-fast"] is grid_fast and "grid-other" not in PRESETS
    with pytest.raises(KeyError, match="unknown training preset"):
        preset("no-such-preset")
