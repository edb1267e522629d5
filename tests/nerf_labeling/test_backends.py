"""The NeRF registry: every entry points at code that says the same, and every preset names its queue."""
import pytest

from nerf_labeling.backends import BACKENDS, PRESETS, field_class, preset, preset_catalogue


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_each_backend_names_the_field_class_that_saves_under_its_name(name):
    assert field_class(name).backend_name == name


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_each_preset_makes_a_config_of_its_backend_and_names_a_queue(name):
    entry = PRESETS[name]
    assert preset(name).backend == entry.backend
    assert entry.queue in {"cpu", "gpu"} and entry.description


def test_the_catalogue_lists_every_preset_with_its_backend_queue_and_description():
    assert preset_catalogue()["grid-fast"] == {
        "backend": "voxel-grid", "queue": "cpu", "description": "Coarse voxel grid, seconds; for tests."}
    assert list(preset_catalogue()) == list(PRESETS)
    assert preset_catalogue()["nerfacto"]["queue"] == "gpu"
