"""A nerfstudio nerfacto run directory read and its model built, without the images it was trained on.

:func:`nerf_labeling.fields.nerfacto_field.load_nerfstudio_run` wraps the model as a radiance field.

A run directory (``ns-train nerfacto`` output, or ours) holds ``config.yml``, ``dataparser_transforms.json``
and ``nerfstudio_models/step-*.ckpt``. nerfstudio's own ``eval_setup`` rebuilds the whole pipeline and
so needs the training data; here only the model is built: from ``config.pipeline.model``, with the
scene box and the number of training images read from the checkpoint's weights (``field.aabb``, the
appearance embedding's rows), so a run trained on another machine loads as it is.

State that shapes rendering but is not in the weights is restored from the checkpoint's step: nerfacto
raises the proposal weights to an annealing power set before every training iteration from the step
(a fresh model has 1.0), so a short run reloaded without it samples, and so renders, differently.
:func:`apply_training_step` runs nerfacto's own before-iteration callbacks at the saved step. The other
non-weight state of the proposal sampler (its update counters) only decides whether gradients flow.

``config.yml`` is YAML with Python tags; the loader of :func:`_run_config_loader` builds only nerfstudio, pathlib and
torch optimiser classes from it, so a run directory from elsewhere cannot run code when read.
"""
from __future__ import annotations

import functools
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nerf_labeling.fields.torchvision_shim import ensure_torchvision_importable

CONFIG_NAME, TRANSFORMS_NAME, CHECKPOINT_DIR = "config.yml", "dataparser_transforms.json", "nerfstudio_models"
_CHECKPOINT_NAME = re.compile(r"^step-(\d+)\.ckpt$")
#: nerfstudio methods whose model is plain nerfacto (same model class, other sizes).
NERFACTO_METHODS = ("nerfacto", "nerfacto-big", "nerfacto-huge")
GPU_REQUIREMENTS_HINT = "the nerfacto backend needs nerfstudio: pip install -r requirements-gpu.txt (GPU workers)"


def import_nerfstudio():
    """The nerfstudio package, or an ImportError that names ``requirements-gpu.txt``."""
    try:
        import nerfstudio  # noqa: F401

        ensure_torchvision_importable()
        from nerfstudio.cameras.rays import RayBundle  # noqa: F401
    except ImportError as error:
        raise ImportError(f"{GPU_REQUIREMENTS_HINT} ({error})") from error
    return nerfstudio


class NerfstudioRunError(ValueError):
    """A run directory that cannot be loaded as a nerfacto field; the message names what is wrong."""


@dataclass(frozen=True)
class NerfstudioRun:
    """The three files of a run that a field needs, and the step of its checkpoint.

    ``transforms_path`` is None only for fields saved before their run kept it (their manifest holds it).
    """

    config_path: Path
    checkpoint_path: Path
    transforms_path: Path | None
    step: int

    def copy_to(self, target: Path) -> None:
        """Copy the three files into ``target`` in nerfstudio's layout (nothing else of the run)."""
        (target / CHECKPOINT_DIR).mkdir(parents=True, exist_ok=True)
        for source, name in ((self.config_path, CONFIG_NAME), (self.transforms_path, TRANSFORMS_NAME),
                             (self.checkpoint_path, f"{CHECKPOINT_DIR}/{self.checkpoint_path.name}")):
            if source is not None and source.resolve() != (target / name).resolve():
                shutil.copyfile(source, target / name)


def find_nerfstudio_run(run_dir: str | Path, *, require_transforms: bool = True) -> NerfstudioRun:
    """The run under ``run_dir`` (its ``config.yml`` may sit in nested experiment folders); the newest checkpoint.

    Raises :class:`NerfstudioRunError` when there is no ``config.yml`` (or several), no checkpoint
    beside it, or (with ``require_transforms``) no ``dataparser_transforms.json``.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise NerfstudioRunError(f"{run_dir} is not a directory")
    configs = sorted(run_dir.rglob(CONFIG_NAME))
    if not configs:
        raise NerfstudioRunError(f"{run_dir} holds no {CONFIG_NAME}: it is not a nerfstudio run directory")
    if len(configs) > 1:
        found = ", ".join(str(path.relative_to(run_dir)) for path in configs)
        raise NerfstudioRunError(f"{run_dir} holds several runs ({found}); give the directory of one")
    folder = configs[0].parent
    steps = {int(match.group(1)): path for path in (folder / CHECKPOINT_DIR).glob("step-*.ckpt")
             if (match := _CHECKPOINT_NAME.match(path.name))}
    if not steps:
        raise NerfstudioRunError(f"{folder} has no checkpoint ({CHECKPOINT_DIR}/step-*.ckpt)")
    transforms = folder / TRANSFORMS_NAME
    if not transforms.is_file() and not require_transforms:
        transforms = None
    elif not transforms.is_file():
        raise NerfstudioRunError(
            f"{folder} has no {TRANSFORMS_NAME}: without it the run's world frame cannot be matched to the capture's"
        )
    step = max(steps)
    return NerfstudioRun(configs[0], steps[step], transforms, step)


def read_dataparser_transform(run: NerfstudioRun) -> tuple[np.ndarray, float]:
    """``(transform (3, 4), scale)`` of ``dataparser_transforms.json``: ``x_ns = scale * (transform @ [x; 1])``."""
    try:
        data = json.loads(run.transforms_path.read_text())
        transform = np.asarray(data["transform"], dtype=np.float64)
        scale = float(data["scale"])
    except (ValueError, KeyError, TypeError) as error:
        raise NerfstudioRunError(
            f"{run.transforms_path.name} is not a nerfstudio dataparser transform ({error})") from None
    if transform.shape != (3, 4) or not np.isfinite(transform).all() or not np.isfinite(scale) or scale <= 0:
        raise NerfstudioRunError(
            f"{run.transforms_path.name} must hold a finite 3x4 'transform' and a positive 'scale'")
    return transform, scale


def capture_frame_transform(
    transform: np.ndarray, scale: float, *,
    applied_transform: np.ndarray | None = None, applied_scale: float | None = None,
) -> tuple[np.ndarray, float]:
    """The dataparser transform from the capture's world frame, given the one nerfstudio saved.

    nerfstudio's dataparser saves ``transform @ applied_transform`` and ``scale * applied_scale`` (the
    ``applied_*`` keys of the dataset's ``transforms.json``, which say how its poses were derived from the
    original data), while the capture's poses are those of ``transforms.json`` itself. Both are undone here.

    transform : (3, 4), applied_transform : (3, 4) or (4, 4) or None; returns ((3, 4), scale)
    """
    result = np.vstack([np.asarray(transform, np.float64).reshape(3, 4), [0.0, 0.0, 0.0, 1.0]])
    if applied_transform is not None:
        applied = np.asarray(applied_transform, np.float64)
        applied = np.vstack([applied[:3, :4], [0.0, 0.0, 0.0, 1.0]])
        result = result @ np.linalg.inv(applied)
    return result[:3], float(scale) / (float(applied_scale) if applied_scale else 1.0)


def read_run_config(run: NerfstudioRun):
    """The run's nerfstudio ``TrainerConfig``; refuses a method other than nerfacto."""
    import yaml
    from nerfstudio.models.nerfacto import NerfactoModelConfig

    try:
        config = yaml.load(run.config_path.read_text(errors="replace"), Loader=_run_config_loader())
    except (yaml.YAMLError, TypeError, ValueError, AttributeError) as error:
        raise NerfstudioRunError(f"{run.config_path.name} could not be read: {error}") from None
    model_config = getattr(getattr(config, "pipeline", None), "model", None)
    if type(model_config) is not NerfactoModelConfig:
        method = getattr(config, "method_name", None)
        raise NerfstudioRunError(
            f"{run.config_path.name}: the run's method is {method!r} (model {type(model_config).__name__}); "
            f"only nerfacto runs ({', '.join(NERFACTO_METHODS)}) can be imported"
        )
    return config


def build_nerfacto_model(run: NerfstudioRun, *, device: str | None = None):
    """The run's nerfacto model with its checkpoint's weights, in eval mode, annealed to the saved step.

    ``device`` None: CUDA where present, else the CPU.
    """
    import pickle

    import torch
    from nerfstudio.data.scene_box import SceneBox

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    config = read_run_config(run)
    try:
        with numpy_checkpoint_globals():
            checkpoint = torch.load(run.checkpoint_path, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError, EOFError, ValueError, pickle.UnpicklingError) as error:
        raise NerfstudioRunError(f"{run.checkpoint_path.name} is not a readable torch checkpoint ({error})") from None
    weights = _model_weights(checkpoint, run)
    aabb = weights.get("field.aabb")
    if aabb is None:
        scale = config.pipeline.datamanager.dataparser.scene_scale
        aabb = torch.tensor([[-scale] * 3, [scale] * 3], dtype=torch.float32)
    with without_lpips():
        model = config.pipeline.model.setup(
            scene_box=SceneBox(aabb=aabb.float()), num_train_data=_train_image_count(weights), metadata={},
            device=device, grad_scaler=None,
        )
    missing, unexpected = model.load_state_dict(weights, strict=False)
    unexpected = [key for key in unexpected if not key.startswith("lpips.")]  # the metric's network, not the field
    if missing or unexpected:
        hint = " (trained with tiny-cuda-nn: load it on a GPU worker with tinycudann)" if any(
            "tcnn" in key for key in missing + unexpected) else ""
        raise NerfstudioRunError(
            f"{run.checkpoint_path.name} does not fit the model of {run.config_path.name}{hint}: "
            f"missing {missing[:3]}, unexpected {unexpected[:3]}"
        )
    model.to(device)
    apply_training_step(model, run.step)
    return model.eval()


def apply_training_step(model, step: int) -> None:
    """Set what nerfacto derives from the training step (the proposal-weight anneal) as training left it.

    Runs the model's own before-iteration callbacks at ``step``: nerfstudio saves a checkpoint after the
    iteration of that step, so this is the value the last iteration used.
    """
    from nerfstudio.engine.callbacks import TrainingCallbackLocation

    for callback in model.get_training_callbacks(None):
        callback.run_callback_at_location(step, location=TrainingCallbackLocation.BEFORE_TRAIN_ITERATION)


def _model_weights(checkpoint, run: NerfstudioRun) -> dict:
    """The model's entries of the checkpoint's pipeline state, without the ``_model.`` prefix."""
    pipeline = checkpoint.get("pipeline") if isinstance(checkpoint, dict) else None
    if not isinstance(pipeline, dict):
        raise NerfstudioRunError(f"{run.checkpoint_path.name} is not a nerfstudio checkpoint (no 'pipeline' state)")
    weights = {}
    for key, value in pipeline.items():
        key = key.removeprefix("module.")
        if key.startswith("_model."):
            weights[key[len("_model."):]] = value
    if not weights:
        raise NerfstudioRunError(f"{run.checkpoint_path.name} holds no model weights ('_model.*')")
    return weights


def _train_image_count(weights: dict) -> int:
    """How many training images the model was built for, from the tensors sized by it (1 if none is)."""
    for key in ("field.embedding_appearance.embedding.weight", "field.embedding_transient.embedding.weight",
                "camera_optimizer.pose_adjustment"):
        if key in weights:
            return int(weights[key].shape[0])
    return 1


def _allowed_python_name(name: str) -> bool:
    return name.startswith(("nerfstudio.", "pathlib.", "torch.optim."))


@functools.cache
def _run_config_loader():
    import yaml
    from yaml.constructor import ConstructorError, FullConstructor

    class RunConfigLoader(yaml.UnsafeLoader):
        """YAML loader for ``config.yml``: builds only classes of nerfstudio, pathlib and torch optimisers.

        nerfstudio writes its configs with ``python/object/apply`` (paths, enums), which the full loader
        refuses; so this is the unsafe loader with every name checked and only classes ever called.
        """

        def find_python_name(self, name, mark):
            if not _allowed_python_name(name):
                raise ConstructorError(None, None, f"refusing to build {name!r} from a run config", mark)
            return super().find_python_name(name, mark)

        def find_python_module(self, name, mark):
            raise ConstructorError(None, None, f"refusing to import module {name!r} from a run config", mark)

        def make_python_instance(self, suffix, node, args=None, kwds=None, newobj=False):
            return FullConstructor.make_python_instance(self, suffix, node, args, kwds, newobj, unsafe=False)

        def set_python_instance_state(self, instance, state):
            return FullConstructor.set_python_instance_state(self, instance, state, unsafe=False)

    return RunConfigLoader


def numpy_checkpoint_globals():
    """Allow the numpy scalars nerfstudio writes into its checkpoints past torch.load's weights-only check.

    Only these plain value types are allowed; the check still refuses anything that could run code.
    """
    import torch

    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import scalar
    return torch.serialization.safe_globals([scalar, np.dtype, type(np.dtype(np.float64)), type(np.dtype(np.int64))])


class without_lpips:  # noqa: N801 - used as a context manager
    """Swap torchmetrics' LPIPS for a stub while nerfacto builds: the real one downloads AlexNet weights."""

    def __enter__(self):
        import torch
        import torchmetrics.image.lpip as lpip

        class NoLpips(torch.nn.Module):
            def __init__(self, *args, **kwargs):
                super().__init__()

            def forward(self, *args, **kwargs):
                return torch.tensor(float("nan"))

        self.module, self.original = lpip, lpip.LearnedPerceptualImagePatchSimilarity
        lpip.LearnedPerceptualImagePatchSimilarity = NoLpips
        return self

    def __exit__(self, *exc):
        self.module.LearnedPerceptualImagePatchSimilarity = self.original
        return False
