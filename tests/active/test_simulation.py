"""A two-cycle simulated active-learning run with every method registered for the segmentation model."""
import numpy as np
import pytest

from active.acquisition import make_acquisition
from active.acquisition.registry import functions_for
from active.budget_curves import Budget
from active.models import SegmentationModelConfig
from active.simulation import SegmentationSet, SimulationConfig, first_round, run_active_learning


def tiny_set(rng, n):
    images = rng.integers(0, 256, (n, 8, 12, 3)).astype(np.uint8)
    return SegmentationSet(images, (images[..., 1] > 128).astype(np.int64), np.arange(n) // 5)


@pytest.mark.parametrize("method", sorted(entry.name for entry in functions_for("segmentation")))
def test_each_method_runs_two_cycles(method):
    rng = np.random.default_rng(0)
    pool, test = tiny_set(rng, 20), tiny_set(rng, 4)
    config = SimulationConfig(Budget.parse("20-20"), up_to=0.6, initial_steps=2, cycle_steps=1, mc_passes=2)
    start = first_round(pool, test, model_config=SegmentationModelConfig(n_classes=2, width=4), config=config,
                        rng=np.random.default_rng(1))
    curve = run_active_learning(pool, test, make_acquisition(method, rng=np.random.default_rng(0)), start=start,
                                config=config)
    np.testing.assert_allclose(curve.fractions, [0.2, 0.4, 0.6])
    assert len(curve.mious) == 3 and np.all((curve.mious >= 0) & (curve.mious <= 1))
    assert [len(s) for s in curve.selections] == [4, 4]
    assert all(s.method == method and len(s.reasons) == 4 for s in curve.selections)
    assert curve.selections[-1].model_version == "tiny-unet-v2"
    picked = np.concatenate(curve.picked)
    assert len(set(picked.tolist())) == 8 and not set(picked.tolist()) & set(start.labelled.tolist())


def test_scaled_steps_grow_with_the_labelled_set_and_plain_steps_do_not():
    config = SimulationConfig(budget=Budget(0.1, 0.1), up_to=0.5, cycle_steps=20)
    assert config.steps_for(40, 20) == 20
    scaled = SimulationConfig(budget=Budget(0.1, 0.1), up_to=0.5, cycle_steps=20, scale_steps=True)
    assert [scaled.steps_for(n, 20) for n in (20, 40, 50)] == [20, 40, 50]


def test_semi_supervised_training_learns_from_exactly_the_unlabelled_frames():
    pool = tiny_set(np.random.default_rng(0), 10)
    plain = SimulationConfig(Budget.parse("20-20"), up_to=0.6)
    assert plain.fit_options(pool, np.array([1, 4])) == {}
    semi = SimulationConfig(Budget.parse("20-20"), up_to=0.6, semi_supervised=True)
    options = semi.fit_options(pool, np.array([1, 4]))
    np.testing.assert_array_equal(options["unlabelled"], pool.images[[0, 2, 3, 5, 6, 7, 8, 9]])
    assert options["consistency"] is semi.consistency


def test_a_semi_supervised_run_gives_another_curve_from_the_same_picks():
    rng = np.random.default_rng(0)
    pool, test = tiny_set(rng, 20), tiny_set(rng, 4)
    curves = []
    for semi_supervised in (False, True):
        config = SimulationConfig(Budget.parse("20-20"), up_to=0.6, initial_steps=4, cycle_steps=4,
                                  semi_supervised=semi_supervised)
        start = first_round(pool, test, model_config=SegmentationModelConfig(n_classes=2, width=4), config=config,
                            rng=np.random.default_rng(1))
        curves.append(run_active_learning(pool, test, make_acquisition("random", rng=np.random.default_rng(0)),
                                          start=start, config=config))
    assert [p.tolist() for p in curves[0].picked] == [p.tolist() for p in curves[1].picked]
    assert not np.array_equal(curves[0].mious, curves[1].mious)
