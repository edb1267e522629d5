"""Suite-wide fixtures and the GPU marker: tests marked ``gpu`` skip where no CUDA device is present."""
import pytest

pytest_plugins = ["tests.fixtures.worker"]


def _has_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if gpu_items and not _has_cuda():
        skip = pytest.mark.skip(reason="needs a CUDA GPU; none is present on this machine")
        for item in gpu_items:
            item.add_marker(skip)
