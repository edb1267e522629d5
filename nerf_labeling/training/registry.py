"""Plain-dict registries: training backends (name -> trainer factory) and configuration presets.

A backend factory takes ``(config, frames, held_out, seed)`` and returns an object with
``train(progress, should_stop) -> (RadianceField, TrainingMetrics)``. A preset is a function
returning a fresh config, so callers may edit what they get.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

#: backend name -> trainer factory
BACKENDS: dict[str, Callable[..., Any]] = {}
#: preset name -> zero-argument function returning a fresh trainer config
PRESETS: dict[str, Callable[[], Any]] = {}

Registered = TypeVar("Registered", bound=Callable[..., Any])


def _register(registry: dict[str, Callable[..., Any]], kind: str, name: str) -> Callable[[Registered], Registered]:
    def decorate(factory: Registered) -> Registered:
        if name in registry:
            raise ValueError(f"a {kind} named {name!r} is already registered")
        registry[name] = factory
        return factory

    return decorate


def register_backend(name: str) -> Callable[[Registered], Registered]:
    """Decorator registering a trainer factory under ``name``; refuses a name already taken."""
    return _register(BACKENDS, "training backend", name)


def register_preset(name: str) -> Callable[[Registered], Registered]:
    """Decorator registering a config-returning function under ``name``; refuses a name already taken."""
    return _register(PRESETS, "training preset", name)


def preset(name: str) -> Any:
    """A fresh config for the preset ``name``."""
    import nerf_labeling.training.all_backends  # noqa: F401 - registers every backend and preset

    if name not in PRESETS:
        raise KeyError(f"unknown training preset {name!r}; known: {sorted(PRESETS)}")
    return PRESETS[name]()
