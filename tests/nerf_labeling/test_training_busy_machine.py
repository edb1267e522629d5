"""Training stops on work, not on the clock: a busy machine gives the same field as a quiet one, only later."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from bench.cpu_hog import CpuHog
from nerf_labeling.fields.base import render_view
from nerf_labeling.training import preset, train_field
from tests.nerf_labeling.test_field_toy_scene import toy_frames

#: The default preset scaled down to this many iterations (and any time budget it has, in proportion).
SCALED_ITERATIONS = 120


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: bit-identical reductions from run to run
    yield
    torch.set_num_threads(before)


def pairs(frames):
    return [(image, camera) for image, camera, _ in frames]


def scaled_default_preset():
    """``grid-default`` as it is defined, with its budget (iterations, and seconds if any) scaled down."""
    config = preset("grid-default")
    scale = SCALED_ITERATIONS / config.max_iterations
    config.max_iterations = SCALED_ITERATIONS
    if config.max_seconds is not None:
        config.max_seconds *= scale
    config.eval_every = None
    return config


@pytest.mark.slow
def test_a_busy_machine_trains_the_same_field_as_a_quiet_one():
    frames = pairs(toy_frames(8, width=32, height=24))
    held = pairs(toy_frames(2, width=32, height=24, phase=0.3))
    quiet_field, quiet = train_field(frames, scaled_default_preset(), held_out=held, seed=5)
    with CpuHog():
        busy_field, busy = train_field(frames, scaled_default_preset(), held_out=held, seed=5)

    assert quiet.iterations == busy.iterations == SCALED_ITERATIONS
    assert not quiet.cut_short and not busy.cut_short
    assert abs(quiet.held_out_psnr - busy.held_out_psnr) < 0.1
    camera = held[0][1]
    assert np.array_equal(render_view(quiet_field, camera).rgb, render_view(busy_field, camera).rgb)


def test_an_explicit_time_cap_that_stops_training_early_is_reported_as_cut_short():
    config = preset("grid-fast")
    config.max_iterations = 10**6
    config.max_seconds = 0.5
    _, metrics = train_field(pairs(toy_frames(4, width=16, height=12)), config)
    assert metrics.cut_short
    assert 0 < metrics.iterations < metrics.planned_iterations == 10**6


def test_a_run_that_finishes_its_iterations_is_not_cut_short():
    config = preset("grid-fast")
    config.max_iterations = 5
    config.max_seconds = 600.0
    _, metrics = train_field(pairs(toy_frames(4, width=16, height=12)), config)
    assert (metrics.iterations, metrics.planned_iterations, metrics.cut_short) == (5, 5, False)


def test_presets_train_a_fixed_number_of_iterations_without_a_time_cap():
    from nerf_labeling.backends import PRESETS

    for name in PRESETS:
        config = preset(name)
        assert config.max_seconds is None and config.max_iterations > 0, name
