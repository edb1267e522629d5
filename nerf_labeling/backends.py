"""NeRF backends and their training presets: the one registry, which lists them all.

A leaf: each entry names its code as ``"module:attribute"``, imported only when a field is loaded or a
preset trained, so the web process lists backends and presets, and sends each training job to its
preset's queue, without torch or nerfstudio.
Adding a preset: its config function in the backend's trainer module plus one ``register_preset`` line
at the end of this file. Adding a backend: its field and trainer modules plus one ``register_backend`` line.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NerfBackend:
    """A kind of radiance field.

    name : what a saved field's ``field.json`` records as its ``backend``; the field class's ``backend_name``
    field : ``"module:Class"`` of the :class:`~nerf_labeling.fields.base.RadianceField` that loads it
    """

    name: str
    field: str


@dataclass(frozen=True)
class TrainingPreset:
    """A named training configuration.

    backend : the :class:`NerfBackend` it trains
    queue : the Celery queue whose workers train it (``cpu`` or ``gpu``)
    config : ``"module:function"`` returning a fresh trainer config (with ``setup``), so callers may edit it
    description : what it is for, in plain words
    """

    name: str
    backend: str
    queue: str
    config: str
    description: str


#: backend name -> backend
BACKENDS: dict[str, NerfBackend] = {}
#: preset name -> preset
PRESETS: dict[str, TrainingPreset] = {}


def register_backend(backend: NerfBackend) -> NerfBackend:
    """Register ``backend`` under its name; refuses a name already taken."""
    if backend.name in BACKENDS:
        raise ValueError(f"a NeRF backend named {backend.name!r} is already registered")
    BACKENDS[backend.name] = backend
    return backend


def register_preset(preset: TrainingPreset) -> TrainingPreset:
    """Register ``preset`` under its name; refuses a name already taken and a backend not registered."""
    if preset.name in PRESETS:
        raise ValueError(f"a training preset named {preset.name!r} is already registered")
    if preset.backend not in BACKENDS:
        raise ValueError(f"training preset {preset.name!r} names unknown backend {preset.backend!r}")
    PRESETS[preset.name] = preset
    return preset


def _load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def field_class(backend: str) -> type:
    """The RadianceField class that loads fields saved by ``backend`` (imports it)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown NeRF backend {backend!r}; known: {sorted(BACKENDS)}")
    return _load(BACKENDS[backend].field)


def preset(name: str) -> Any:
    """A fresh trainer config for the preset ``name`` (imports its backend)."""
    if name not in PRESETS:
        raise KeyError(f"unknown training preset {name!r}; known: {sorted(PRESETS)}")
    return _load(PRESETS[name].config)()


def preset_catalogue() -> dict[str, dict[str, str]]:
    """Every preset as ``{name: {"backend", "queue", "description"}}``, in registration order."""
    return {p.name: {"backend": p.backend, "queue": p.queue, "description": p.description} for p in PRESETS.values()}


register_backend(NerfBackend("voxel-grid", "nerf_labeling.fields.voxel_grid_field:VoxelGridField"))
register_backend(NerfBackend("nerfacto", "nerf_labeling.fields.nerfacto_field:NerfactoField"))
# The exact field of a generated scene: tests and benchmarks label with it without training.
register_backend(NerfBackend("synthetic", "nerf_labeling.synthetic.field:SyntheticField"))

register_preset(TrainingPreset("grid-fast", "voxel-grid", "cpu", "nerf_labeling.training.voxel_grid_trainer:grid_fast",
                               "Coarse voxel grid, seconds; for tests."))
register_preset(TrainingPreset("grid-default", "voxel-grid", "cpu",
                               "nerf_labeling.training.voxel_grid_trainer:grid_default",
                               "Voxel grid on the CPU, minutes."))
register_preset(TrainingPreset("nerfacto", "nerfacto", "gpu", "nerf_labeling.training.nerfacto_trainer:nerfacto_default",
                               "nerfstudio nerfacto on a GPU worker."))
