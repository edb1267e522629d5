"""The FixMatch-style consistency term: it lowers the loss on unlabelled frames, it changes what the model
predicts, and with its weight at 0 (or no unlabelled frames) training is exactly the supervised one."""
import numpy as np
import pytest
import torch

from active.models import ConsistencyConfig, SegmentationModelConfig, fit_segmentation_model, images_to_tensor
from active.models.fixmatch import consistency_loss, strong_view


def frames(rng, n):
    """Class 1 wherever the red channel is bright, on noisy other channels."""
    images = rng.integers(0, 256, (n, 12, 16, 3)).astype(np.uint8)
    images[..., 0] = np.where(rng.random((n, 12, 16)) > 0.5, 200, 50)
    return images, (images[..., 0] > 128).astype(np.int64)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    labelled, masks = frames(rng, 4)
    unlabelled, _ = frames(rng, 32)
    start = fit_segmentation_model(labelled, masks, config=SegmentationModelConfig(n_classes=2, width=8), steps=25)
    return labelled, masks, unlabelled, start


def unlabelled_loss(model, unlabelled) -> float:
    """The consistency term itself (confident pixels only) on all unlabelled frames, dropout off and the strong
    views drawn alike."""
    model.network.eval()
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(0)
        return float(consistency_loss(model.network, images_to_tensor(unlabelled), ConsistencyConfig()))


def test_consistency_training_lowers_the_loss_on_unlabelled_frames_and_changes_predictions(data):
    labelled, masks, unlabelled, start = data
    supervised = start.fit(labelled, masks, steps=30)
    semi_supervised = start.fit(labelled, masks, steps=30, unlabelled=unlabelled)
    assert unlabelled_loss(semi_supervised, unlabelled) < 0.9 * unlabelled_loss(supervised, unlabelled)
    difference = np.abs(semi_supervised.predict_proba(unlabelled) - supervised.predict_proba(unlabelled))
    assert difference.max() > 0.05


@pytest.mark.parametrize("off", [{"consistency": ConsistencyConfig(weight=0.0)}, {"unlabelled": None}])
def test_without_the_term_training_is_the_supervised_one(data, off):
    labelled, masks, unlabelled, start = data
    options = {"unlabelled": unlabelled, **off}
    plain = start.fit(labelled, masks, steps=10)
    np.testing.assert_array_equal(start.fit(labelled, masks, steps=10, **options).predict_proba(unlabelled),
                                  plain.predict_proba(unlabelled))


def test_only_confident_pixels_count():
    """A network sure of nothing gives no pseudo-label, so the term is exactly 0."""
    network = torch.nn.Conv2d(3, 2, 1)
    torch.nn.init.zeros_(network.weight)
    torch.nn.init.zeros_(network.bias)
    x = torch.rand(2, 3, 6, 8)
    with torch.no_grad():
        assert float(consistency_loss(network, x, ConsistencyConfig(confidence=0.9))) == 0.0
        assert float(consistency_loss(network, x, ConsistencyConfig(confidence=0.5))) == pytest.approx(np.log(2))


def test_the_strong_view_moves_no_pixel_and_greys_one_square():
    torch.manual_seed(0)
    x = torch.ones(3, 3, 10, 10)  # white frames: colour changes keep them flat, the square is grey
    view = strong_view(x, cutout=0.4)
    assert view.shape == x.shape and float(view.min()) >= 0.0 and float(view.max()) <= 1.0
    grey = (view == 0.5).all(dim=1)
    assert grey.sum(dim=(1, 2)).tolist() == [16, 16, 16]  # one 4x4 square per frame
