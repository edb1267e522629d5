"""The nerfacto backend: a clear error without nerfstudio; a smoke run where nerfstudio and a GPU exist."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from nerf_labeling.fields.base import render_view
from nerf_labeling.fields.saved_field import load_field
from nerf_labeling.backends import BACKENDS, field_class
from nerf_labeling.training import preset, train_field
from tests.nerf_labeling.test_field_toy_scene import toy_frames

HAS_NERFSTUDIO = importlib.util.find_spec("nerfstudio") is not None


def pairs(frames):
    return [(image, camera) for image, camera, _ in frames]


def test_nerfacto_is_registered_with_its_preset():
    config = preset("nerfacto")
    assert config.backend == "nerfacto" and "nerfacto" in BACKENDS
    assert field_class("nerfacto").backend_name == "nerfacto"


@pytest.mark.skipif(HAS_NERFSTUDIO, reason="checks the error raised where nerfstudio is absent")
def test_without_nerfstudio_setup_names_the_gpu_requirements():
    with pytest.raises(ImportError, match="requirements-gpu.txt"):
        train_field(pairs(toy_frames(2, width=8, height=6)), preset("nerfacto"))


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_NERFSTUDIO, reason="nerfstudio is not installed (GPU workers install requirements-gpu.txt)")
def test_nerfacto_trains_saves_and_loads_in_the_capture_frame(tmp_path):
    config = preset("nerfacto")
    config.max_iterations, config.progress_every, config.eval_every = 300, 50, None
    config.work_dir = str(tmp_path / "run")
    frames = toy_frames(16, width=64, height=48)
    held = toy_frames(2, width=64, height=48, phase=0.3)
    field, metrics = train_field(pairs(frames), config, held_out=pairs(held))
    assert metrics.iterations == 300 and metrics.held_out_psnr > 15.0
    field.save(tmp_path / "saved")
    loaded = load_field(tmp_path / "saved")
    _, camera, depth = held[0]
    view = render_view(loaded, camera)
    hit = np.isfinite(depth)
    assert np.median(np.abs(view.depth[hit] - depth[hit]) / depth[hit]) < 0.1


@pytest.mark.skipif(not HAS_NERFSTUDIO, reason="nerfstudio is not installed (GPU workers install requirements-gpu.txt)")
def test_nerfacto_smoke_trains_two_steps_on_the_cpu_and_loads_back(tmp_path):
    config = preset("nerfacto")
    config.max_iterations, config.progress_every, config.eval_every = 2, 1, None
    config.device = "cpu"
    config.work_dir = str(tmp_path / "run")
    frames = toy_frames(4, width=16, height=12)
    field, metrics = train_field(pairs(frames), config, held_out=pairs(toy_frames(1, width=16, height=12, phase=0.3)))
    assert metrics.iterations == 2
    field.save(tmp_path / "saved")
    loaded = load_field(tmp_path / "saved")
    view = render_view(loaded, frames[0][1])
    assert view.depth.shape == (12, 16) and np.isfinite(view.depth).all() and np.isfinite(view.rgb).all()
