"""Array type aliases used in signatures; shapes and units live in the docstrings."""
from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.floating]
IntArray = NDArray[np.integer]
BoolArray = NDArray[np.bool_]
UInt8Array = NDArray[np.uint8]
