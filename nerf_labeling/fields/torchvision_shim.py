"""Lets torchvision import where its compiled ops cannot load (its CUDA build on a CPU-only machine).

At import, torchvision registers fake kernels for its detection ops, which fails with "operator
torchvision::nms does not exist" when its C++ library did not load. nerfstudio imports torchvision for
image utilities only, never those ops, so declaring the ops' names is enough for it to import; calling
one of them still fails loudly.
"""
from __future__ import annotations

import sys

DETECTION_OPS = (
    "nms", "qnms", "roi_align", "_roi_align_backward", "ps_roi_align", "_ps_roi_align_backward", "roi_pool",
    "_roi_pool_backward", "ps_roi_pool", "_ps_roi_pool_backward", "qroi_align", "deform_conv2d",
    "_deform_conv2d_backward",
)
_placeholder_library = None  # kept alive: the op declarations last as long as this object


def ensure_torchvision_importable() -> None:
    """Import torchvision, declaring its detection ops first if its compiled library failed to load."""
    global _placeholder_library
    try:
        import torchvision  # noqa: F401
        return
    except RuntimeError as error:
        if "torchvision::" not in str(error):
            raise
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]
    import torch

    _placeholder_library = torch.library.Library("torchvision", "DEF")
    for op in DETECTION_OPS:
        _placeholder_library.define(f"{op}(Tensor[] args) -> Tensor")
    import torchvision  # noqa: F401, F811
