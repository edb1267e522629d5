"""The scoring model learns a trivial dataset, MC passes differ, and everything is seeded."""
import numpy as np
import pytest

from active.metrics import confusion_matrix, mean_iou
from active.models import SegmentationModel, SegmentationModelConfig, fit_segmentation_model


@pytest.fixture(scope="module")
def trivial_data():
    """Class 1 wherever the red channel is bright: learnable by a 1x1 filter."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (24, 12, 16, 3)).astype(np.uint8)
    images[..., 0] = np.where(rng.random((24, 12, 16)) > 0.5, 230, 20)
    return images, (images[..., 0] > 128).astype(np.int64)


@pytest.fixture(scope="module")
def trained(trivial_data):
    images, masks = trivial_data
    return fit_segmentation_model(images, masks, config=SegmentationModelConfig(n_classes=2, width=8), steps=40)


def test_learns_a_trivial_dataset(trivial_data, trained):
    images, masks = trivial_data
    probs = trained.predict_proba(images)
    assert probs.shape == (24, 2, 12, 16) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert mean_iou(confusion_matrix(probs.argmax(axis=1), masks, 2)) > 0.95


def test_mc_passes_differ_with_dropout_and_are_seeded(trivial_data, trained):
    images, _ = trivial_data
    mc = trained.predict_mc(images[:3], 4)
    assert mc.shape == (4, 3, 2, 12, 16)
    assert np.abs(mc[0] - mc[1]).max() > 1e-3
    np.testing.assert_array_equal(mc, trained.predict_mc(images[:3], 4))
    # Dropout is off again afterwards.
    np.testing.assert_array_equal(trained.predict_proba(images[:3]), trained.predict_proba(images[:3]))


def test_training_is_deterministic_and_versions_rise(trivial_data, trained):
    images, masks = trivial_data
    again = fit_segmentation_model(images, masks, config=trained.config, steps=40)
    np.testing.assert_array_equal(again.predict_proba(images[:4]), trained.predict_proba(images[:4]))
    assert (trained.model_version, trained.version) == (1, "tiny-unet-v1")
    continued = trained.fit(images[:8], masks[:8], steps=2)
    scratch = trained.fit(images[:8], masks[:8], steps=2, from_scratch=True)
    assert continued.model_version == scratch.model_version == 2
    assert not np.array_equal(continued.predict_proba(images[:2]), scratch.predict_proba(images[:2]))
    other_seed = SegmentationModelConfig(n_classes=2, width=8, seed=1)
    assert not np.array_equal(
        SegmentationModel.untrained(other_seed).predict_proba(images[:2]),
        SegmentationModel.untrained(trained.config).predict_proba(images[:2]),
    )


def test_features_and_bytes_round_trip(trivial_data, trained):
    images, _ = trivial_data
    assert trained.features(images[:5]).shape == (5, 9 * 8)
    loaded = SegmentationModel.from_bytes(trained.to_bytes())
    assert loaded.version == trained.version and loaded.config == trained.config
    np.testing.assert_array_equal(loaded.predict_proba(images[:4]), trained.predict_proba(images[:4]))


def test_bad_shapes_are_refused(trained):
    with pytest.raises(ValueError, match="RGB"):
        trained.predict_proba(np.zeros((2, 8, 8, 4), dtype=np.uint8))
    with pytest.raises(ValueError):
        trained.fit(np.zeros((2, 8, 8, 3), dtype=np.uint8), np.zeros((3, 8, 8)), steps=1)
