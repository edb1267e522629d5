"""Coreset picks equal the float64 textbook k-center greedy, including duplicates, ties and large offsets."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from active.acquisition import AcquisitionInputs
from active.acquisition.coreset_acquisition import CoresetAcquisition
from active.k_center_greedy import k_center_greedy
from active.k_center_reference import k_center_greedy_reference


def test_hand_made_line():
    features = np.array([[0.0], [1.0], [2.0], [10.0], [9.0]])
    result = k_center_greedy(features, 3, centers=np.array([[0.0]]))
    # 10 is farthest from 0; then distances are 0, 1, 2, -, 1 -> frame 2; then frames 1 and 4 tie at 1.
    assert result.indices.tolist() == [3, 2, 1]
    np.testing.assert_allclose(result.distances, [10.0, 2.0, 1.0])


def test_without_labelled_frames_the_first_pick_is_nearest_the_mean():
    # Mean (2.25, 0.875): frame 2 is nearest; then frame 3 (7.25 away); then frames 0 and 1 tie at 4.25.
    features = np.array([[0.0, 0.0], [4.0, 0.0], [2.0, 0.5], [3.0, 3.0]])
    result = k_center_greedy(features, 3)
    assert result.indices.tolist() == [2, 3, 0]
    np.testing.assert_allclose(result.distances ** 2, [0.0625 + 0.140625, 7.25, 4.25])


small_features = st.integers(1, 25).flatmap(
    lambda n: st.integers(1, 4).flatmap(
        lambda d: st.one_of(
            arrays(np.float32, (n, d), elements=st.integers(-2, 2).map(float)),  # many duplicates and ties
            arrays(np.float32, (n, d), elements=st.floats(-10, 10, width=32)),
            # A large common offset makes float32 distances coarse: only the float64 re-check decides.
            arrays(np.float32, (n, d), elements=st.integers(-3, 3).map(lambda v: 4096.0 + v / 512.0)),
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(features=small_features, data=st.data())
def test_picks_equal_the_float64_reference(features, data):
    n = len(features)
    labelled = data.draw(st.lists(st.integers(0, n - 1), max_size=3))
    centers = features[labelled] if labelled else None
    k = data.draw(st.integers(0, n))
    screen_dims = data.draw(st.integers(1, 4))
    fast = k_center_greedy(features, k, centers=centers, screen_dims=screen_dims)
    slow = k_center_greedy_reference(features, k, centers=centers)
    assert fast.indices.tolist() == slow.indices.tolist()
    np.testing.assert_allclose(fast.distances, slow.distances, rtol=1e-12)


def test_a_larger_clustered_pool_matches_the_reference():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(12, 16))
    features = (centres[rng.integers(0, 12, 600)] + 0.05 * rng.normal(size=(600, 16))).astype(np.float32)
    fast = k_center_greedy(features, 60, centers=features[:5], chunk_rows=128)
    slow = k_center_greedy_reference(features, 60, centers=features[:5])
    assert fast.indices.tolist() == slow.indices.tolist()


def test_shapes_are_checked():
    with pytest.raises(ValueError):
        k_center_greedy(np.zeros(5), 1)
    with pytest.raises(ValueError):
        k_center_greedy(np.zeros((5, 2)), 6)
    with pytest.raises(ValueError):
        k_center_greedy(np.zeros((5, 2)), 1, centers=np.zeros((1, 3)))


def test_coreset_acquisition_says_why():
    inputs = AcquisitionInputs(
        3, features=np.array([[1.0], [5.0], [2.0]]), labelled_features=np.array([[0.0]]), model_version="v1"
    )
    result = CoresetAcquisition(device="cpu").select(inputs, 2)
    assert result.indices.tolist() == [1, 2]
    assert result.reasons[0] == (
        "least like the labelled frames and earlier picks (farthest from them, distance 5), pick 1"
    )
    assert result.model_version == "v1" and result.method == "coreset"
    first = CoresetAcquisition().select(AcquisitionInputs(3, features=np.array([[1.0], [5.0], [2.0]])), 1)
    assert first.reasons[0].startswith("nearest to the average frame still to label")


@pytest.mark.gpu
def test_picks_on_the_gpu_equal_the_reference():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    features = np.random.default_rng(2).normal(size=(3000, 64)).astype(np.float32)
    fast = k_center_greedy(features, 100, centers=features[:10], device="cuda")
    assert fast.indices.tolist() == k_center_greedy_reference(features, 100, centers=features[:10]).indices.tolist()
