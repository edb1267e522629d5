"""Array type aliases used in signatures and docstrings (shapes live in the docstrings)."""
from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.floating]
Float32Array = NDArray[np.float32]
IntArray = NDArray[np.integer]
BoolArray = NDArray[np.bool_]
