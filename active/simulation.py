"""Simulated active learning on a fully labelled pool: label, train, evaluate, acquire, repeat."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from active.acquisition.inputs import gather_inputs
from active.budget_curves import Budget
from active.metrics import confusion_matrix, mean_iou
from active.models.fixmatch import ConsistencyConfig
from active.models.segmentation_model import SegmentationModel, SegmentationModelConfig
from active.selection import SelectionResult


@dataclass(frozen=True)
class SegmentationSet:
    """images : (N, H, W, 3) uint8 RGB; masks : (N, H, W) int64 class ids; sequence_ids : (N,) int."""

    images: np.ndarray
    masks: np.ndarray
    sequence_ids: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


@dataclass(frozen=True)
class SimulationConfig:
    """Steps of training for the first model and for each later cycle; ``from_scratch`` retrains each
    cycle from fresh weights instead of continuing (ActiveAnno3D continues); ``scale_steps`` multiplies a
    cycle's steps by the labelled set's growth since the first round (|labelled| / |initial|), so a
    fresh model sees its data as many times per frame as the first model did. ``semi_supervised`` also
    trains every model on the pool's unlabelled frames with ``consistency`` (FixMatch-style)."""

    budget: Budget
    up_to: float
    initial_steps: int = 150
    cycle_steps: int = 60
    from_scratch: bool = False
    scale_steps: bool = False
    mc_passes: int = 6
    semi_supervised: bool = False
    consistency: ConsistencyConfig = ConsistencyConfig()

    def steps_for(self, n_labelled: int, n_initial: int) -> int:
        """Training steps of a cycle that ends with ``n_labelled`` frames labelled."""
        if not self.scale_steps:
            return self.cycle_steps
        return int(round(self.cycle_steps * n_labelled / n_initial))

    def fit_options(self, pool: "SegmentationSet", labelled: np.ndarray) -> dict:
        """``fit`` keywords for the unlabelled frames: none when not semi-supervised."""
        if not self.semi_supervised:
            return {}
        return {"unlabelled": np.delete(pool.images, labelled, axis=0), "consistency": self.consistency}


@dataclass(frozen=True)
class FirstRound:
    """The random initial labelled set, the model trained on it and its test mIoU (shared by methods)."""

    labelled: np.ndarray
    model: SegmentationModel
    miou: float


@dataclass(frozen=True)
class ActiveLearningCurve:
    """fractions : (cycles,) labelled share of the pool; mious : (cycles,) test mIoU after each cycle;
    selections : what each acquisition returned (indices into that cycle's candidates); picked : the same
    picks as pool indices; train_seconds : wall time of each cycle's ``fit`` (the first round's is not in it)."""

    method: str
    fractions: np.ndarray
    mious: np.ndarray
    selections: tuple[SelectionResult, ...] = field(default=())
    picked: tuple[np.ndarray, ...] = field(default=())
    train_seconds: tuple[float, ...] = field(default=())


def evaluate_miou(model: SegmentationModel, test: SegmentationSet, n_classes: int) -> float:
    """Dataset mIoU of ``model`` on ``test`` (one confusion matrix over all frames)."""
    predicted = model.predict_proba(test.images).argmax(axis=1)
    return mean_iou(confusion_matrix(predicted, test.masks, n_classes))


def first_round(
    pool: SegmentationSet, test: SegmentationSet, *, model_config: SegmentationModelConfig,
    config: SimulationConfig, rng: np.random.Generator,
) -> FirstRound:
    """Label a random ``budget.initial`` share of the pool and train the first model on it."""
    n_initial = int(config.budget.counts(len(pool), config.up_to)[0])
    labelled = np.sort(rng.choice(len(pool), size=n_initial, replace=False))
    model = SegmentationModel.untrained(model_config).fit(
        pool.images[labelled], pool.masks[labelled], steps=config.initial_steps, **config.fit_options(pool, labelled)
    )
    return FirstRound(labelled, model, evaluate_miou(model, test, model_config.n_classes))


def run_active_learning(
    pool: SegmentationSet, test: SegmentationSet, acquisition, *, start: FirstRound, config: SimulationConfig,
) -> ActiveLearningCurve:
    """Cycles of acquire -> label -> train -> evaluate from ``start`` until ``config.up_to`` of the pool."""
    counts = config.budget.counts(len(pool), config.up_to)
    labelled, model, mious, selections, picked, seconds = start.labelled, start.model, [start.miou], [], [], []
    n_classes = model.config.n_classes
    for target in counts[1:]:
        candidates = np.setdiff1d(np.arange(len(pool)), labelled)
        inputs = gather_inputs(
            model, pool.images[candidates], acquisition.needs,
            labelled_images=pool.images[labelled], mc_passes=config.mc_passes,
        )
        selection = acquisition.select(inputs, int(target - len(labelled)))
        picked.append(candidates[selection.indices])
        labelled = np.sort(np.concatenate([labelled, picked[-1]]))
        began = time.perf_counter()
        model = model.fit(pool.images[labelled], pool.masks[labelled],
                          steps=config.steps_for(len(labelled), len(start.labelled)),
                          from_scratch=config.from_scratch, **config.fit_options(pool, labelled))
        seconds.append(time.perf_counter() - began)
        mious.append(evaluate_miou(model, test, n_classes))
        selections.append(selection)
    return ActiveLearningCurve(acquisition.name, counts / len(pool), np.asarray(mious), tuple(selections),
                               tuple(picked), tuple(seconds))
