"""The 3D detection scoring model: mmdet3d's PointPillars trained with mmengine's Runner on pseudo-LiDAR.

Shaped like :class:`active.models.SegmentationModel` (Label Studio's ML backend): :meth:`DetectionModel.fit`
returns a new model with ``model_version + 1``, continuing from the current weights (ActiveAnno3D's
continuous training) unless ``from_scratch``. Nothing of mmdet3d is re-implemented: the network, losses,
anchors, box coding and NMS are mmdet3d's; training runs mmdet3d's data pipeline (``LoadPointsFromFile``,
``LoadAnnotations3D``, flips/rotations, range filters, ``PointShuffle``, ``Pack3DDetInputs``) over
samples written to a temporary folder, under mmengine's ``Runner`` with an ``IterBasedTrainLoop``.

mmdet3d, mmengine and mmcv are imported inside the methods that need them, so importing this module
(and the package) stays cheap. Training runs where mmengine puts it (the GPU when one is visible; set
``CUDA_VISIBLE_DEVICES=-1`` to keep a GPU machine's worker on the CPU); on the CPU it is deterministic
for a given ``config.seed`` and model version. Prediction runs on ``config.device``.
"""
from __future__ import annotations

import io
import random
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from active.models.detection3d.config import (
    DATASET_TYPE,
    DetectorConfig,
    anchor_heights_from_boxes,
    mmdet3d_config,
    training_schedule,
)
from active.models.detection3d.samples import Detections, DetectionSample

#: version of the layout written by :meth:`DetectionModel.to_bytes`
BYTES_FORMAT = 1


class DetectionModel:
    """PointPillars weights with their :class:`DetectorConfig` and version.

    state_dict : the network's weights (CPU tensors); losses : the total training loss of each iteration
    of the fit that made this model (empty for an untrained one).
    """

    def __init__(self, config: DetectorConfig, state_dict: dict[str, torch.Tensor], model_version: int = 0,
                 losses: list[float] | None = None) -> None:
        self.config = config
        self.state_dict = state_dict
        self.model_version = model_version
        self.losses: list[float] = list(losses or [])
        self._network = None
        self._pipeline = None

    @property
    def version(self) -> str:
        return f"pointpillars-v{self.model_version}"

    @classmethod
    def untrained(cls, config: DetectorConfig) -> "DetectionModel":
        """Version 0: mmdet3d's initialisation of the network, seeded by ``config.seed``."""
        with _preserved_global_state(), _quiet_current_logger():
            torch.manual_seed(config.seed)
            network = _build_network(config)
            network.init_weights()
            state = _cpu_state(network)
        return cls(config, state, 0)

    def fit(self, samples: list[DetectionSample], *, steps: int, from_scratch: bool = False,
            on_step: Callable[[int, int], None] | None = None) -> "DetectionModel":
        """A new model (version + 1) trained for ``steps`` iterations of ``config.batch_size`` samples.

        Starts from these weights, or from :meth:`untrained`'s with ``from_scratch``. The first fit of a
        config without ``anchor_bottom_heights`` fixes them from ``samples``' boxes (the new model's
        config holds them). ``on_step(done, steps)`` is called after every iteration; raising there
        stops the training (the exception propagates, nothing is returned). Samples without a point
        inside ``point_cloud_range`` are left out.
        """
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        config = self.config
        if config.anchor_bottom_heights is None:
            boxes = np.concatenate([s.boxes for s in samples]) if samples else np.zeros((0, 7))
            labels = np.concatenate([s.labels for s in samples]) if samples else np.zeros(0)
            config = replace(config, anchor_bottom_heights=anchor_heights_from_boxes(config, boxes, labels))
        usable = [s for s in samples if _points_in_range(s.points, config).any()]
        if not usable:
            raise ValueError("no training sample has a point inside the point-cloud range")
        start = DetectionModel.untrained(config).state_dict if from_scratch else self.state_dict
        version = self.model_version + 1
        seed = int(np.random.SeedSequence((config.seed, version)).generate_state(1)[0] % (2**31 - 1))
        state, losses = _train(config, start, usable, steps=steps, seed=seed, on_step=on_step)
        return DetectionModel(config, state, version, losses)

    def predict(self, samples: list[DetectionSample]) -> list[Detections]:
        """Detections for each sample (boxes in its lidar frame), with per-class probabilities per box."""
        from mmengine.dataset import pseudo_collate

        from active.models.detection3d.detection_head import class_probabilities

        network = self.network()
        if self._pipeline is None:  # parsing mmdet3d's config is slow; predict runs once per chunk of frames
            self._pipeline = _test_pipeline(self.config)
        pipeline = self._pipeline
        n_classes = len(self.config.classes)
        results: list[Detections] = []
        for start in range(0, len(samples), self.config.batch_size):
            batch = samples[start : start + self.config.batch_size]
            has_points = [bool(_points_in_range(s.points, self.config).any()) for s in batch]
            outputs = iter([])
            if any(has_points):
                inputs = [pipeline(_test_input(s)) for s, ok in zip(batch, has_points) if ok]
                with torch.no_grad(), _mmdet3d_scope():
                    outputs = iter(network.test_step(pseudo_collate(inputs)))
            for ok in has_points:
                if not ok:
                    results.append(Detections.empty(n_classes))
                    continue
                found = next(outputs).pred_instances_3d
                class_scores = found.class_scores_3d.detach().cpu().numpy()
                results.append(Detections(
                    boxes=found.bboxes_3d.tensor.detach().cpu().numpy()[:, :7],
                    scores=found.scores_3d.detach().cpu().numpy(),
                    labels=found.labels_3d.detach().cpu().numpy(),
                    class_probs=class_probabilities(class_scores),
                ))
        return results

    def network(self):
        """The mmdet3d detector with these weights, in eval mode on ``config.device`` (built once)."""
        if self._network is None:
            if self.config.device == "cuda" and not torch.cuda.is_available():
                raise RuntimeError("DetectorConfig.device is 'cuda' but no CUDA device is available")
            with _preserved_global_state():
                network = _build_network(self.config)
            network.load_state_dict(self.state_dict)
            self._network = network.to(self.config.device).eval()
        return self._network

    def to_bytes(self) -> bytes:
        """Config, version, losses and weights in one ``torch.save`` blob (:meth:`from_bytes` reads it)."""
        buffer = io.BytesIO()
        torch.save({
            "format": BYTES_FORMAT,
            "config": self.config.to_dict(),
            "model_version": self.model_version,
            "losses": [float(v) for v in self.losses],
            "state_dict": self.state_dict,
        }, buffer)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "DetectionModel":
        blob = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        if blob.get("format") != BYTES_FORMAT:
            raise ValueError(f"not a detection model blob of format {BYTES_FORMAT}")
        config = DetectorConfig.from_dict(blob["config"])
        return cls(config, blob["state_dict"], int(blob["model_version"]), blob["losses"])


def _points_in_range(points: np.ndarray, config: DetectorConfig) -> np.ndarray:
    low, high = np.asarray(config.point_cloud_range[:3]), np.asarray(config.point_cloud_range[3:])
    return np.all((points[:, :3] >= low) & (points[:, :3] < high), axis=1)


def _cpu_state(network) -> dict[str, torch.Tensor]:
    return {key: value.detach().cpu().clone() for key, value in network.state_dict().items()}


@contextmanager
def _mmdet3d_scope() -> Iterator[None]:
    """Registers this package's mmdet3d components and resolves config types in mmdet3d's scope."""
    from mmengine.registry import DefaultScope

    import active.models.detection3d.dataset  # noqa: F401 - registers PseudoLidarDataset
    import active.models.detection3d.detection_head  # noqa: F401 - registers the head
    from mmdet3d.utils import register_all_modules

    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope("mmdet3d"):
        yield


def _build_network(config: DetectorConfig):
    import warnings

    from mmdet3d.registry import MODELS

    with _mmdet3d_scope(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="dir_offset and dir_limit_offset")  # mmdet3d's own deprecation
        return MODELS.build(mmdet3d_config(config).model)


def _test_pipeline(config: DetectorConfig):
    from mmcv.transforms import Compose

    with _mmdet3d_scope():
        return Compose(mmdet3d_config(config).test_pipeline)


def _test_input(sample: DetectionSample) -> dict:
    from mmdet3d.structures import Box3DMode, LiDARInstance3DBoxes

    # what mmdet3d.apis.inference_detector feeds its pipeline for a point array
    return dict(points=sample.points.copy(), timestamp=1, axis_align_matrix=np.eye(4),
                box_type_3d=LiDARInstance3DBoxes, box_mode_3d=Box3DMode.LIDAR)


@contextmanager
def _preserved_global_state() -> Iterator[None]:
    """Puts back the global random states and torch's determinism switches that mmengine's seeding changes."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    deterministic = torch.are_deterministic_algorithms_enabled()
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    with torch.random.fork_rng(devices=[]):
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)
            torch.use_deterministic_algorithms(deterministic)
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn


def _train(config: DetectorConfig, start_state: dict, samples: list[DetectionSample], *, steps: int, seed: int,
           on_step: Callable[[int, int], None] | None) -> tuple[dict[str, torch.Tensor], list[float]]:
    """Run mmengine's Runner for ``steps`` iterations from ``start_state``; returns the weights and losses."""
    from active.models.detection3d.dataset import INFO_FILE, write_samples
    from active.models.detection3d.training_runner import QuietRunner, StepHook, process_keeping_env_cfg

    losses: list[float] = []
    name = f"detection3d-{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="detection3d-") as folder, _preserved_global_state(), \
            _mmdet3d_scope(), _quiet_mmengine(name):
        root = Path(folder)
        write_samples(samples, config.classes, root / "data")
        torch.save({"state_dict": start_state}, root / "start.pth")
        cfg = mmdet3d_config(config)
        runner = QuietRunner(
            model=cfg.model,
            work_dir=str(root / "run"),
            experiment_name=name,
            train_dataloader=dict(
                batch_size=config.batch_size, num_workers=0, persistent_workers=False,
                sampler=dict(type="DefaultSampler", shuffle=True, seed=seed),
                collate_fn=dict(type="pseudo_collate"),
                dataset=dict(type=DATASET_TYPE, classes=config.classes, data_root=str(root / "data"),
                             ann_file=INFO_FILE, pipeline=cfg.train_pipeline, filter_empty_gt=False,
                             test_mode=False, modality=dict(use_lidar=True, use_camera=False)),
            ),
            train_cfg=dict(type="IterBasedTrainLoop", max_iters=steps),
            optim_wrapper=cfg.optim_wrapper,
            param_scheduler=training_schedule(cfg, steps),
            default_hooks=dict(logger=None, checkpoint=None),
            load_from=str(root / "start.pth"),
            randomness=dict(seed=seed, deterministic=not torch.cuda.is_available()),
            default_scope="mmdet3d",
            env_cfg=process_keeping_env_cfg(),
            log_level="ERROR",
            visualizer=dict(type="Visualizer", name=name),
        )
        runner.register_hook(StepHook(losses, steps, on_step), priority="LOWEST")
        runner.train()
        state = _cpu_state(runner.model)
    return state, losses


@contextmanager
def _quiet_current_logger() -> Iterator[None]:
    """Raises mmengine's current logger to errors only for the block (weight initialisation reports every tensor)."""
    from mmengine.logging import MMLogger

    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def _quiet_mmengine(name: str) -> Iterator[None]:
    """Silences mmengine's warnings during a fit and drops the global logger, visualizer and message hub
    instances the Runner registers under ``name`` (they would otherwise live as long as the process)."""
    import warnings

    from mmengine.logging import MessageHub, MMLogger
    from mmengine.visualization import Visualizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            logger = MMLogger._instance_dict.pop(name, None)
            for handler in list(getattr(logger, "handlers", [])):
                handler.close()
                logger.removeHandler(handler)
            Visualizer._instance_dict.pop(name, None)
            MessageHub._instance_dict.pop(name, None)
