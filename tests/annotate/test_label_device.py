"""The render job's device: RAYLABEL_DEVICE, else CUDA when present, else the CPU; a bad setting says so."""
import pytest
import torch

from annotate.errors import UserFacingError
from annotate.services.labels import label_device


def test_setting_picks_the_device(settings):
    settings.RAYLABEL_DEVICE = "cpu"
    assert label_device() == "cpu"


def test_empty_setting_takes_cuda_when_present(settings):
    settings.RAYLABEL_DEVICE = ""
    assert label_device() == ("cuda" if torch.cuda.is_available() else "cpu")


def test_unknown_device_name_is_refused_with_the_setting_named(settings):
    settings.RAYLABEL_DEVICE = "gpu-please"
    with pytest.raises(UserFacingError, match="RAYLABEL_DEVICE='gpu-please'"):
        label_device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_on_a_machine_without_it_is_refused(settings):
    settings.RAYLABEL_DEVICE = "cuda"
    with pytest.raises(UserFacingError, match="cannot render labels"):
        label_device()
