"""nerfstudio's nerfacto as a training backend for GPU workers, driven through its Python API.

The frames are written as a nerfstudio dataset (PNG images + ``transforms.json``; held-out frames named
``eval_*`` for the filename split), a ``TrainerConfig`` is built in code from the nerfacto method preset,
and the trainer's own iteration (callbacks, ``train_iteration``) runs in our loop so progress, held-out
PSNR, wall-time budget and cancellation behave as for every other backend. Camera pose optimisation is
off: the capture's poses stay authoritative for labels. nerfacto's LPIPS metric is stubbed out
because it downloads AlexNet weights on start-up.
"""
from __future__ import annotations

import copy
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ClassVar

import numpy as np

from nerf_labeling.cameras import Camera
from nerf_labeling.fields.base import render_view
from nerf_labeling.fields.nerfacto_field import DATA_DIR, RUN_DIR, NerfactoField
from nerf_labeling.fields.nerfstudio_run import (
    apply_training_step, find_nerfstudio_run, import_nerfstudio, without_lpips,
)
from nerf_labeling.training.frames import TrainingFrame
from nerf_labeling.training.train import ProgressCallback, TrainingCancelled, TrainingMetrics, TrainingProgress, psnr


@dataclass
class NerfactoTrainerConfig:
    """A nerfacto run. ``work_dir`` None trains in a fresh temporary directory (kept: the field lives there)."""

    backend: ClassVar[str] = "nerfacto"

    max_iterations: int = 15000
    max_seconds: float | None = None
    rays_per_batch: int = 4096
    mixed_precision: bool = True
    device: str = "cuda"
    progress_every: int = 100
    eval_every: int | None = 2000
    work_dir: str | None = None

    def setup(self, *, frames: list[TrainingFrame], held_out: list[TrainingFrame], seed: int) -> "NerfactoTrainer":
        return NerfactoTrainer(self, frames, held_out, seed)


def nerfacto_default() -> NerfactoTrainerConfig:
    """nerfstudio's nerfacto on one GPU, 15k iterations."""
    return NerfactoTrainerConfig()


def write_nerfstudio_dataset(root: Path, frames: list[TrainingFrame], held_out: list[TrainingFrame]) -> Path:
    """PNG images and a ``transforms.json`` with per-frame PINHOLE intrinsics; returns the json path."""
    from PIL import Image

    (root / "images").mkdir(parents=True, exist_ok=True)
    entries = []
    for split, group in (("train", frames), ("eval", held_out)):
        for index, frame in enumerate(group):
            name = f"images/{split}_{index:05d}.png"
            Image.fromarray(np.round(np.clip(frame.image, 0, 1) * 255).astype(np.uint8)).save(root / name)
            entries.append({"file_path": name, "transform_matrix": np.asarray(frame.camera.camera_to_world).tolist(),
                            **_intrinsics(frame.camera)})
    path = root / "transforms.json"
    path.write_text(json.dumps({"camera_model": "PINHOLE", "frames": entries}, indent=1))
    return path


def _intrinsics(camera: Camera) -> dict:
    intr = camera.intrinsics
    return {"fl_x": intr.fx, "fl_y": intr.fy, "cx": intr.cx, "cy": intr.cy, "w": intr.width, "h": intr.height}


class NerfactoTrainer:
    """Builds the nerfstudio trainer; see the module docstring."""

    def __init__(self, config: NerfactoTrainerConfig, frames: list[TrainingFrame], held_out: list[TrainingFrame], seed: int):
        import_nerfstudio()
        self.config, self.held_out = config, held_out
        self.root = Path(config.work_dir or tempfile.mkdtemp(prefix="raylabel-nerfacto-"))
        data = write_nerfstudio_dataset(self.root / DATA_DIR, frames, held_out)
        self.trainer_config = self._trainer_config(data, seed, has_eval=bool(held_out))

    def _trainer_config(self, data: Path, seed: int, *, has_eval: bool):
        from nerfstudio.cameras.camera_optimizers import CameraOptimizerConfig
        from nerfstudio.configs.method_configs import method_configs

        c = self.config
        config = copy.deepcopy(method_configs["nerfacto"])
        config.output_dir = self.root / RUN_DIR
        config.experiment_name, config.timestamp = "field", "run"
        config.max_num_iterations = c.max_iterations
        config.mixed_precision = c.mixed_precision
        config.machine.device_type = c.device
        config.machine.seed = seed
        config.vis = "tensorboard"
        config.steps_per_eval_batch = config.steps_per_eval_image = config.steps_per_eval_all_images = 10**9
        datamanager = config.pipeline.datamanager
        datamanager.data = data
        datamanager.dataparser.data = data
        datamanager.dataparser.eval_mode = "filename" if has_eval else "all"
        datamanager.train_num_rays_per_batch = c.rays_per_batch
        config.pipeline.model.camera_optimizer = CameraOptimizerConfig(mode="off")
        return config

    def _field(self, trainer, run=None) -> NerfactoField:
        outputs = trainer.pipeline.datamanager.train_dataparser_outputs
        transform = outputs.dataparser_transform.cpu().numpy()
        scene_box = outputs.scene_box.aabb.cpu().numpy()
        return NerfactoField(trainer.pipeline.model, transform, float(outputs.dataparser_scale), scene_box, run=run)

    def evaluate(self, field: NerfactoField) -> float | None:
        if not self.held_out:
            return None
        scores = [psnr(float(np.mean((render_view(field, f.camera).rgb - f.image) ** 2))) for f in self.held_out]
        field.model.train()
        return float(np.mean(scores))

    def train(self, *, progress: ProgressCallback, should_stop: Callable[[], bool]) -> tuple[NerfactoField, TrainingMetrics]:
        from nerfstudio.engine.callbacks import TrainingCallbackLocation

        c = self.config
        self.trainer_config.save_config()
        trainer = self.trainer_config.setup(local_rank=0, world_size=1)
        with without_lpips():
            trainer.setup()
        # nerfstudio's own train() writes this; the field needs it to map the capture's frame when loaded.
        trainer.pipeline.datamanager.train_dataparser_outputs.save_dataparser_transform(
            trainer.base_dir / "dataparser_transforms.json")
        start, loss, step, cut_short = time.perf_counter(), float("nan"), 0, False
        for step in range(c.max_iterations):
            elapsed = time.perf_counter() - start
            if c.max_seconds is not None and elapsed >= c.max_seconds:
                cut_short = True  # the explicit wall-clock cap ended the run early
                break
            if should_stop():
                raise TrainingCancelled(f"training cancelled after {step} iterations")
            trainer.pipeline.train()
            for callback in trainer.callbacks:
                callback.run_callback_at_location(step, location=TrainingCallbackLocation.BEFORE_TRAIN_ITERATION)
            loss_tensor, _, _ = trainer.train_iteration(step)
            for callback in trainer.callbacks:
                callback.run_callback_at_location(step, location=TrainingCallbackLocation.AFTER_TRAIN_ITERATION)
            loss = float(loss_tensor)
            done = step + 1
            evaluate_now = c.eval_every is not None and done % c.eval_every == 0
            held_psnr = self.evaluate(self._field(trainer)) if evaluate_now else None
            if done % c.progress_every == 0 or evaluate_now:
                progress(TrainingProgress(done, c.max_iterations, loss, time.perf_counter() - start, held_psnr))
        else:
            step = c.max_iterations
        trainer.save_checkpoint(max(step - 1, 0))
        seconds = time.perf_counter() - start
        run = find_nerfstudio_run(self.root / RUN_DIR)
        # What the step sets outside the weights, as a reload sets it (also when no iteration ran).
        apply_training_step(trainer.pipeline.model, run.step)
        field = self._field(trainer, run)
        held_psnr = self.evaluate(field)
        field.model.eval()
        progress(TrainingProgress(step, c.max_iterations, loss, seconds, held_psnr))
        metrics = TrainingMetrics(backend=c.backend, iterations=step, seconds=seconds, final_loss=loss,
                                  train_psnr=psnr(loss) if loss == loss else float("nan"), held_out_psnr=held_psnr,
                                  planned_iterations=c.max_iterations, cut_short=cut_short)
        return field, metrics
