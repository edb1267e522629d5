"""The scoring model behind active learning, with the shape of Label Studio's ML backend: ``fit`` returns a
new model with a rising ``model_version``; predictions, MC-dropout passes and features for acquisition."""
from __future__ import annotations

import copy
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from active.checks import check_ndim
from active.metrics import IGNORE_INDEX
from active.models.fixmatch import ConsistencyConfig, consistency_loss
from active.models.tiny_unet import TinyUNet


@dataclass(frozen=True)
class SegmentationModelConfig:
    """n_classes : output classes (0 = background); width : base channels; dropout : probability used in
    training and MC passes; seed : drives initialisation, batch order and dropout (deterministic on CPU)."""

    n_classes: int
    width: int = 16
    dropout: float = 0.2
    learning_rate: float = 3e-3
    batch_size: int = 8
    seed: int = 0
    ignore_index: int = IGNORE_INDEX
    inference_batch: int = 64


class SegmentationModel:
    """A trained (or fresh) :class:`TinyUNet`. Images are (N, H, W, 3) uint8 RGB; masks (N, H, W) int."""

    def __init__(self, config: SegmentationModelConfig, network: TinyUNet, model_version: int = 0) -> None:
        self.config = config
        self.network = network
        self.model_version = model_version

    @property
    def version(self) -> str:
        return f"tiny-unet-v{self.model_version}"

    @classmethod
    def untrained(cls, config: SegmentationModelConfig) -> "SegmentationModel":
        """Version 0: weights initialised from ``config.seed``."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            network = TinyUNet(config.n_classes, config.width, config.dropout)
        return cls(config, network, 0)

    def fit(
        self, images: np.ndarray, masks: np.ndarray, *, steps: int, from_scratch: bool = False,
        unlabelled: np.ndarray | None = None, consistency: ConsistencyConfig = ConsistencyConfig(),
        on_step: Callable[[int, int], None] | None = None,
    ) -> "SegmentationModel":
        """A new model (version + 1) trained for ``steps`` minibatches, continuing from these weights
        (ActiveAnno3D's continuous training) or, with ``from_scratch``, from fresh ones.

        unlabelled : (M, H, W, 3) uint8 frames without labels; given (M > 0), every step also learns from a
            batch of them by FixMatch-style consistency (:mod:`active.models.fixmatch`, set by ``consistency``)
        ``on_step(done, steps)`` is called after every step, so a caller can report progress (a job's
        heartbeat) or stop the training by raising."""
        start = SegmentationModel.untrained(self.config) if from_scratch else self
        network = copy.deepcopy(start.network)
        version = self.model_version + 1
        semi_supervised = unlabelled is not None and len(unlabelled) > 0 and consistency.weight > 0
        _train(network, images, masks, self.config, steps, seed=(self.config.seed, version), on_step=on_step,
               unlabelled=unlabelled if semi_supervised else None, consistency=consistency)
        return SegmentationModel(self.config, network, version)

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """(N, C, H, W) float32 softmax probabilities, dropout off."""
        self.network.eval()
        return self._batched(images, lambda x: torch.softmax(self.network(x), dim=1))

    def predict_mc(
        self, images: np.ndarray, passes: int, *, on_pass: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """(T, N, C, H, W) float32 probabilities of ``passes`` forward passes with dropout on (seeded).

        ``on_pass(done, passes)`` is called after every pass (progress reports)."""
        self.network.train()
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.config.seed + 7919 * self.model_version)
                results = []
                for done in range(1, passes + 1):
                    results.append(self._batched(images, lambda x: torch.softmax(self.network(x), dim=1)))
                    if on_pass is not None:
                        on_pass(done, passes)
                return np.stack(results)
        finally:
            self.network.eval()

    def features(self, images: np.ndarray) -> np.ndarray:
        """(N, 9 * width) float32 pooled decoder features (dropout off), for Coreset and redundancy."""
        self.network.eval()
        return self._batched(images, self.network.pooled_features)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        torch.save({"config": asdict(self.config), "version": self.model_version,
                    "state": self.network.state_dict()}, buffer)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "SegmentationModel":
        saved = torch.load(io.BytesIO(data), weights_only=True)
        config = SegmentationModelConfig(**saved["config"])
        model = cls.untrained(config)
        model.network.load_state_dict(saved["state"])
        model.model_version = saved["version"]
        return model

    def _batched(self, images: np.ndarray, forward) -> np.ndarray:
        tensor = images_to_tensor(images)
        with torch.no_grad():
            return torch.cat([
                forward(tensor[s : s + self.config.inference_batch])
                for s in range(0, len(tensor), self.config.inference_batch)
            ]).numpy()


def fit_segmentation_model(
    images: np.ndarray,
    masks: np.ndarray,
    *,
    config: SegmentationModelConfig,
    steps: int,
    init: SegmentationModel | None = None,
) -> SegmentationModel:
    """Train from ``init`` (continuous training) or, if None, from a fresh seeded model."""
    return (init or SegmentationModel.untrained(config)).fit(images, masks, steps=steps)


def images_to_tensor(images: np.ndarray) -> torch.Tensor:
    """(N, H, W, 3) uint8 RGB -> (N, 3, H, W) float32 in [0, 1]."""
    check_ndim("images", images, 4, "(N, H, W, 3)")
    if np.shape(images)[-1] != 3:
        raise ValueError(f"images must be (N, H, W, 3) RGB, got {np.shape(images)}")
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255.0


def _train(
    network: TinyUNet, images, masks, config: SegmentationModelConfig, steps: int, seed,
    on_step: Callable[[int, int], None] | None = None, unlabelled: np.ndarray | None = None,
    consistency: ConsistencyConfig = ConsistencyConfig(),
) -> None:
    check_ndim("masks", masks, 3, "(N, H, W)")
    if len(images) != len(masks) or len(images) == 0:
        raise ValueError("fit needs at least one image and one mask per image")
    x = images_to_tensor(images)
    y = torch.from_numpy(np.asarray(masks, dtype=np.int64))
    u = None if unlabelled is None else images_to_tensor(unlabelled)
    order = np.random.default_rng(seed)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.learning_rate)
    network.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(np.random.default_rng(seed).integers(2**31)))
        for done in range(1, steps + 1):
            batch = torch.from_numpy(order.choice(len(x), size=min(config.batch_size, len(x)), replace=False))
            loss = F.cross_entropy(network(x[batch]), y[batch], ignore_index=config.ignore_index)
            if u is not None:
                picked = order.choice(len(u), size=min(consistency.unlabelled_batch, len(u)), replace=False)
                loss = loss + consistency.weight * consistency_loss(network, u[torch.from_numpy(picked)], consistency)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if on_step is not None:
                on_step(done, steps)
    network.eval()
