"""Fixtures shared by the nerf_labeling tests: small, fast, deterministic data."""
from __future__ import annotations

import numpy as np
import pytest

from nerf_labeling.synthetic import SyntheticCapture, write_synthetic_capture


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def tiny_synthetic_capture(tmp_path_factory) -> SyntheticCapture:
    """The default scene, 8 orbit frames at 32x24 with exact ground truth; treat it as read-only."""
    return write_synthetic_capture(tmp_path_factory.mktemp("tiny_capture"), n_frames=8, width=32, height=24)
