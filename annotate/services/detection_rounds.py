"""Active-learning rounds that rank frames with a 3D box detector (``scoring_model="detection3d"``).

The detector is mmdet3d's PointPillars (:mod:`active.models.detection3d`). It reads each frame as a
pseudo-LiDAR scan: the field's rendered depth back-projected into the camera's lidar frame
(:func:`annotate.adapters.detection_sample`), with the 3D boxes of the placed objects as targets on the
accepted frames. As in ActiveAnno3D, every round continues training the project's last detector on all
accepted frames (unless ``from_scratch``), then ranks the pool by the entropy of the class guesses of the
boxes it finds (``detection_entropy``), or at random.

Started by :func:`annotate.services.active_learning.start_round`, run from its ``run_round``; the steps
both kinds of round share (loading with a heartbeat, storing the model, saving the ranking) live in
:mod:`annotate.services.round_steps`.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from annotate.adapters import detection_sample
from annotate.errors import UserFacingError
from annotate.models import Capture, FrameLabel, Job, Project, SceneObject, ScoringModel
from annotate.selectors import labelled_frames, pool_frames
from annotate.services.round_steps import AUTO, DETECTION3D, load_with_progress, save_round, store_scoring_model
from annotate.services.jobs import JobReporter
from annotate.storage import detector_weights_key

#: anchor size (l, w, h in metres) of a class with no placed object to take the mean size of
DEFAULT_CLASS_SIZE = (1.0, 1.0, 1.0)
#: what ``auto`` picks once the detector learns from accepted frames, and before
ENTROPY, RANDOM = "detection_entropy", "random"


def run_detection_round(*, job: Job, reporter: JobReporter) -> dict:
    """Train the detector further on the accepted frames, rank the pool, save the round; the job's result."""
    from active.acquisition import gather_detection_inputs, make_acquisition
    from active.acquisition.registry import acquisition_function

    project, params = job.project, job.params
    _require_mmdet3d()
    rng = np.random.default_rng(params["seed"])
    pool, labelled = list(pool_frames(project)), list(labelled_frames(project))
    if not pool:
        raise UserFacingError("No unreviewed frames to rank.")
    _require_rendered_labels(pool + labelled)
    batch_size = min(int(params["batch_size"]), len(pool))
    class_index = {class_id: index for index, class_id in enumerate(_class_ids(project))}
    reporter.progress(
        0.05, f"Loading the point clouds of {len(pool)} frames still to label and {len(labelled)} labelled frames",
        force=True)
    pool_samples = load_with_progress(pool, lambda f: detection_sample(f, class_index=None), reporter,
                                      start=0.05, end=0.15, what="pool frame")
    labelled_samples = load_with_progress(labelled, lambda f: detection_sample(f, class_index=class_index),
                                          reporter, start=0.15, end=0.2, what="labelled frame")
    config = detector_config(project, size=params["detector_size"], seed=params["seed"],
                             scans=[sample.points for sample in pool_samples + labelled_samples])
    if labelled_samples and not sum(_boxes_in_range(sample, config) for sample in labelled_samples):
        raise UserFacingError(
            f"None of the {len(labelled)} accepted frames holds a placed object in view: place boxes on the "
            "objects (and render labels) before ranking with the 3D detector.")

    method, reason = _method_and_reason(params["method"], len(labelled), len(config.classes))
    model, model_row, quality = _updated_detector(
        project, _start_detector(project, config, from_scratch=params["from_scratch"]), labelled_samples,
        steps=params["train_steps"], from_scratch=params["from_scratch"], reporter=reporter)

    reporter.progress(0.6, f"Scoring {len(pool)} frames with {method}", force=True)
    acquisition = make_acquisition(method, rng=rng)
    inputs = gather_detection_inputs(
        model, pool_samples, acquisition.needs,
        on_progress=lambda done: reporter.progress(0.6 + 0.25 * done, f"Scoring {len(pool)} frames with {method}"),
    )
    selection = acquisition.select(inputs, batch_size)
    all_scores = acquisition.score(inputs) if acquisition_function(method).scores_every_frame else None
    reporter.progress(0.9, "Saving the ranking", force=True)
    al_round = save_round(job, reporter, project, params, method=method, reason=reason, redundancy=None,
                          model_row=model_row, metrics=quality, pool=pool, selection=selection,
                          all_scores=all_scores)
    return {"round": al_round.pk, "method": method, "reason": reason, "picked": len(selection),
            "scoring_model": DETECTION3D, "model_version": model.version, **quality}


def _require_mmdet3d() -> None:
    """A clear error when this worker lacks mmdet3d or mmcv's compiled ops (installed by ``make``;
    scripts/install_mmdet3d.sh)."""
    try:
        import mmcv.ops  # noqa: F401
        import mmdet3d.models  # noqa: F401
    except ImportError as error:
        raise UserFacingError(
            "This worker cannot run the 3D detector: mmdet3d is not installed here (run "
            "scripts/install_mmdet3d.sh on the worker, or use the segmentation model).") from error


def _require_rendered_labels(frames: list) -> None:
    """A clear error unless every frame has rendered labels (its depth is the detector's input)."""
    with_labels = set(FrameLabel.objects.filter(frame__in=frames).values_list("frame_id", flat=True))
    missing = [frame for frame in frames if frame.pk not in with_labels]
    if missing:
        captures = sorted(Capture.objects.filter(pk__in={frame.capture_id for frame in missing})
                          .values_list("name", flat=True))
        raise UserFacingError(
            f"{len(missing)} of {len(frames)} frames have no rendered labels: render labels first (capture"
            f"{'s' if len(captures) > 1 else ''} {', '.join(captures)}); the 3D detector reads each frame's depth.")


def _class_ids(project: Project) -> list[int]:
    return list(project.label_classes.order_by("class_id").values_list("class_id", flat=True))


def _boxes_in_range(sample, config) -> int:
    """How many of ``sample``'s boxes have their bottom centre inside the detector's point-cloud range."""
    low, high = np.asarray(config.point_cloud_range[:3]), np.asarray(config.point_cloud_range[3:])
    return int(np.all((sample.boxes[:, :3] >= low) & (sample.boxes[:, :3] < high), axis=1).sum())


def detector_config(project: Project, *, size: str, seed: int, scans: list[np.ndarray]):
    """The detector's settings for ``project``: one class per label class (by class id), each class's anchor
    the mean size (metres, along the object's own x, y, z) of the objects placed with it, or of all placed
    objects, or :data:`DEFAULT_CLASS_SIZE` when there are none; the point-cloud range fitted to the frames'
    ``scans`` (lidar-frame points); on the GPU when the worker has one. A round that continues the last
    detector keeps that one's range and anchors (its weights fit them)."""
    import torch

    from active.models.detection3d.config import DetectorConfig, range_and_voxels_for

    classes = list(project.label_classes.order_by("class_id").values_list("pk", "name"))
    sizes = {}
    for label_class_id, size_values in SceneObject.objects.filter(capture__project=project).values_list(
            "label_class_id", "size"):
        sizes.setdefault(label_class_id, []).append(np.asarray(size_values, dtype=np.float64))
    every = [value for values in sizes.values() for value in values]
    fallback = np.mean(every, axis=0) if every else np.asarray(DEFAULT_CLASS_SIZE)
    class_sizes = np.array([np.mean(sizes[pk], axis=0) if pk in sizes else fallback for pk, _ in classes])
    points = np.concatenate([scan[:, :3] for scan in scans])
    if not len(points):
        raise UserFacingError("The rendered depth of these frames shows no surface, so the 3D detector has "
                              "nothing to read: train the field and render labels again.")
    point_range, voxel_size = range_and_voxels_for(points)
    return DetectorConfig(
        classes=tuple(name for _, name in classes), class_sizes=class_sizes.astype(np.float32), size=size,
        seed=seed, device="cuda" if torch.cuda.is_available() else "cpu", point_cloud_range=point_range,
        voxel_size=voxel_size,
    )


def _method_and_reason(requested: str, n_labelled: int, n_classes: int) -> tuple[str, str]:
    """The method this round uses and why, in plain words."""
    if requested == AUTO:
        if n_classes < 2:
            return RANDOM, ("The project has one class, so the detector's boxes cannot be unsure which class "
                            "they are (box entropy is 0 for every frame): this round picks at random")
        if n_labelled:
            return ENTROPY, (
                f"The detector learns from {n_labelled} accepted frames, so the round picks the frames whose "
                "boxes it is least sure about (box entropy): those should teach it most")
        return RANDOM, ("No frame is accepted yet, so the detector has nothing to learn from and its doubts "
                        "would mean nothing: this first round picks at random")
    reason = f"A manager chose {requested} for this round"
    if not n_labelled:
        return requested, reason + ", with no accepted frame yet to train the detector on"
    return requested, reason + f", the detector learning from {n_labelled} accepted frames"


def _start_detector(project: Project, config, *, from_scratch: bool):
    """The detector a round starts from: the project's last one (continuous training; on this worker's
    device, with this round's seed), or fresh weights (first round, ``from_scratch``, another size, or
    classes changed since, which its head does not fit)."""
    from active.models.detection3d.detection_model import DetectionModel

    previous = project.scoring_models.filter(kind=DETECTION3D).order_by("-version").first()
    if previous is not None and not from_scratch:
        with previous.weights.open("rb") as handle:
            stored = DetectionModel.from_bytes(handle.read())
        if stored.config.classes == config.classes and stored.config.size == config.size:
            return DetectionModel(replace(stored.config, device=config.device, seed=config.seed),
                                  stored.state_dict, stored.model_version, stored.losses)
    model = DetectionModel.untrained(config)
    if previous is not None:
        model.model_version = previous.version  # versions keep rising, whatever the weights start from
    return model


def _updated_detector(project: Project, model, labelled_samples: list, *, steps: int, from_scratch: bool,
                      reporter: JobReporter):
    """The detector for this round: ``model`` trained ``steps`` iterations further on the accepted frames,
    its weights stored as a new :class:`ScoringModel` (kind detection3d); unchanged when none is accepted.

    Every training step reports progress, which is the job's heartbeat and where a cancel or a lost job
    stops the training."""
    quality = {"labelled_frames": len(labelled_samples), "detector_size": model.config.size,
               "labelled_boxes": sum(_boxes_in_range(sample, model.config) for sample in labelled_samples)}
    if not labelled_samples:
        return model, None, quality
    started = time.monotonic()
    model = model.fit(
        labelled_samples, steps=steps, from_scratch=from_scratch,
        on_step=lambda done, total: reporter.progress(
            0.2 + 0.4 * done / total, f"Training the 3D detector: step {done} of {total}"),
    )
    quality |= {"train_steps": steps, "train_seconds": round(time.monotonic() - started, 2),
                "final_loss": round(float(model.losses[-1]), 4) if model.losses else None}
    row: ScoringModel = store_scoring_model(
        project, reporter, kind=DETECTION3D, version=model.model_version, weights=model.to_bytes(),
        metrics=quality, key=detector_weights_key(project_id=project.pk, version=model.model_version))
    return model, row, quality

