"""Acquisition functions by name: a plain dict filled by a decorator that refuses duplicate names."""
from __future__ import annotations

from typing import Any, Callable, TypeVar

ACQUISITION_FUNCTIONS: dict[str, type] = {}

T = TypeVar("T", bound=type)


def register_acquisition(name: str) -> Callable[[T], T]:
    """Class decorator registering an acquisition function under ``name``; a second use of a name raises."""

    def register(cls: T) -> T:
        if name in ACQUISITION_FUNCTIONS:
            raise ValueError(f"acquisition function {name!r} is already registered")
        cls.name = name
        ACQUISITION_FUNCTIONS[name] = cls
        return cls

    return register


def make_acquisition(name: str, **options: Any):
    """Instantiate the acquisition function registered as ``name`` with ``options``."""
    try:
        cls = ACQUISITION_FUNCTIONS[name]
    except KeyError:
        raise KeyError(f"unknown acquisition function {name!r}; known: {sorted(ACQUISITION_FUNCTIONS)}") from None
    return cls(**options)
