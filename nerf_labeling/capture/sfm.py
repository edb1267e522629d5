"""Structure-from-motion on a CPU with pycolmap: SIFT features, matching, incremental mapping.

:func:`run_sfm` takes a folder of images without poses and returns the registered frames as a
:class:`CaptureData` (poses converted by the COLMAP reader, so axes follow the project's conventions),
the frames it could not place with a reason each, and the sparse points with their colours. The world
frame is SfM's own: arbitrary scale, arbitrary up (see :mod:`nerf_labeling.capture.ground`).
A capture whose frames fall into several disconnected models keeps the largest and says so.
"""
from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from nerf_labeling.capture.colmap_reader import read_colmap_model
from nerf_labeling.capture.data import CaptureData
from nerf_labeling.capture.similarity import Similarity, transform_capture
from nerf_labeling.errors import InputError

#: the stages of a run, in order, with the share of the progress bar each takes
SFM_STAGES = {"features": 0.2, "matching": 0.5, "mapping": 0.3}
MATCHING_MODES = ("sequential", "exhaustive")
#: below this many SIFT features a frame that failed is said to lack texture
FEW_FEATURES = 50


class SfmCancelled(RuntimeError):
    """Raised when ``should_stop()`` returned True during a run."""


@dataclass(frozen=True)
class SfmProgress:
    """stage : one of :data:`SFM_STAGES`; fraction : of the whole run done, in [0, 1]; detail : for people."""

    stage: str
    fraction: float
    detail: str = ""


@dataclass(frozen=True)
class SfmOptions:
    """How to run SfM.

    matching : ``"sequential"`` for video frames (see :func:`video_pairs`: neighbours within
        ``overlap`` and keyframes every ``keyframe_every`` frames), or ``"exhaustive"`` for loose
        photos (every pair)
    camera_model : COLMAP camera model shared by all frames of one size (``SIMPLE_RADIAL``: one
        focal length and one radial term, what a phone video needs)
    min_registered_fraction : below this share of frames registered, the run fails with a message
    """

    matching: str = "sequential"
    overlap: int = 6
    keyframe_every: int = 5
    camera_model: str = "SIMPLE_RADIAL"
    max_features: int = 4096
    num_threads: int = 1
    seed: int = 0
    min_registered_fraction: float = 0.5

    def __post_init__(self) -> None:
        if self.matching not in MATCHING_MODES:
            raise ValueError(f"matching must be one of {MATCHING_MODES}, got {self.matching!r}")


@dataclass(frozen=True)
class SparsePoints:
    """xyz : (N, 3) float64, SfM world; rgb : (N, 3) uint8; error : (N,) float64 mean reprojection error, pixels."""

    xyz: np.ndarray
    rgb: np.ndarray
    error: np.ndarray


@dataclass(frozen=True)
class SfmResult:
    """What SfM made of a folder of images.

    capture : registered frames (poses and intrinsics), sorted by image name, root = the image folder
    unregistered : image name -> why SfM could not place it
    points : the sparse point cloud in the same world frame as ``capture``
    models : sizes (registered frames) of every model found, largest first; only the first is kept
    units : ``"arbitrary"`` until a known distance sets the scale, then ``"metric"``
    notes : what a person should know about the run (disconnected models, dropped frames)
    """

    capture: CaptureData
    unregistered: dict[str, str]
    points: SparsePoints
    models: tuple[int, ...]
    units: str = "arbitrary"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def registered_names(self) -> list[str]:
        return [frame.file_path for frame in self.capture.frames]

    def moved(self, similarity: Similarity, *, units: str | None = None) -> "SfmResult":
        """The same result in a world moved by ``similarity`` (poses and points), with ``units`` if given."""
        points = replace(self.points, xyz=similarity.apply(self.points.xyz))
        capture = transform_capture(self.capture, similarity)
        return replace(self, capture=capture, points=points, units=units or self.units)


ProgressCallback = Callable[[SfmProgress], None]


class _Run:
    """Progress reports and cancellation shared by the stages of one run."""

    def __init__(self, progress: ProgressCallback | None, should_stop: Callable[[], bool] | None) -> None:
        import pycolmap

        self.progress = progress or (lambda report: None)
        self.should_stop = should_stop or (lambda: False)
        self.token = pycolmap.CancellationToken()
        self.done = 0.0
        self._finished = threading.Event()
        # pycolmap's stages block; a watcher turns should_stop() into a cancelled token meanwhile.
        self._watcher = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._finished.wait(0.2):
            if self.should_stop():
                self.token.cancel()
                return

    def __enter__(self) -> "_Run":
        self._watcher.start()
        return self

    def __exit__(self, *exc) -> None:
        self._finished.set()
        self._watcher.join()

    def stage(self, name: str, work: Callable[[], object], detail: str = "") -> object:
        self.check(name)
        self.progress(SfmProgress(name, self.done, detail or f"{name} started"))
        try:
            result = work()
        except InterruptedError:  # pycolmap's answer to the token cancelled mid-stage
            if not self.token.is_cancelled:
                raise
            raise SfmCancelled(f"structure-from-motion cancelled during {name}") from None
        self.check(name)
        self.done += SFM_STAGES[name]
        self.progress(SfmProgress(name, min(self.done, 1.0), f"{name} done"))
        return result

    def check(self, stage: str) -> None:
        if self.token.is_cancelled or self.should_stop():
            raise SfmCancelled(f"structure-from-motion cancelled during {stage}")


def run_sfm(
    image_dir: str | Path,
    image_names: Sequence[str],
    *,
    options: SfmOptions = SfmOptions(),
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    workdir: str | Path | None = None,
) -> SfmResult:
    """Poses for ``image_names`` (paths relative to ``image_dir``) by structure-from-motion.

    ``progress`` is called at the start and end of each stage and for each frame the mapper adds;
    ``should_stop`` is polled while a stage runs and raises :class:`SfmCancelled`. Intermediate files
    (the feature database, models) go to ``workdir``, created if missing (a temporary folder by default;
    a server passes its own scratch folder, which it sweeps). Raises
    :class:`InputError` when fewer than ``options.min_registered_fraction`` of the frames register.
    """
    image_dir = Path(image_dir)
    names = list(image_names)
    if len(names) < 3:
        raise InputError(f"structure-from-motion needs at least 3 images, got {len(names)}")
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="sfm-") as temporary:
            return _run(image_dir, names, options, _Run(progress, should_stop), Path(temporary))
    Path(workdir).mkdir(parents=True, exist_ok=True)
    return _run(image_dir, names, options, _Run(progress, should_stop), Path(workdir))


def _run(image_dir: Path, names: list[str], options: SfmOptions, run: _Run, workdir: Path) -> SfmResult:
    import pycolmap

    database = workdir / "database.db"
    database.unlink(missing_ok=True)
    with run:
        run.stage("features", lambda: _extract(pycolmap, database, image_dir, names, options, run.token))
        run.stage(
            "matching", lambda: _match(pycolmap, database, names, options, workdir, run.token), f"{options.matching} matching"
        )
        models = run.stage("mapping", lambda: _map(pycolmap, database, image_dir, workdir, options, run, len(names)))
    return _result(pycolmap, models, database, image_dir, names, options, workdir)


def _extract(pycolmap, database: Path, image_dir: Path, names: list[str], options: SfmOptions, token) -> None:
    reader = pycolmap.ImageReaderOptions()
    reader.camera_model = options.camera_model
    extraction = pycolmap.FeatureExtractionOptions()
    extraction.num_threads = options.num_threads
    extraction.sift.max_num_features = options.max_features
    # One camera for images of one size (a video, one phone's photos): SfM then fits one focal length.
    mode = pycolmap.CameraMode.SINGLE if len(_image_sizes(image_dir, names)) == 1 else pycolmap.CameraMode.AUTO
    pycolmap.extract_features(
        database, image_dir, image_names=names, camera_mode=mode, reader_options=reader,
        extraction_options=extraction, device=pycolmap.Device.cpu, cancellation_token=token,
    )


def _image_sizes(image_dir: Path, names: list[str]) -> set[tuple[int, int]]:
    from PIL import Image

    sizes = set()
    for name in names:
        with Image.open(image_dir / name) as image:
            sizes.add(image.size)
    return sizes


def _match(pycolmap, database: Path, names: list[str], options: SfmOptions, workdir: Path, token) -> None:
    matching = pycolmap.FeatureMatchingOptions()
    matching.num_threads = options.num_threads
    if options.matching == "exhaustive":
        pycolmap.match_exhaustive(
            database, matching_options=matching, device=pycolmap.Device.cpu, cancellation_token=token
        )
        return
    pair_list = workdir / "pairs.txt"
    pair_list.write_text("".join(f"{a} {b}\n" for a, b in video_pairs(names, options.overlap, options.keyframe_every)))
    pairing = pycolmap.ImportedPairingOptions()
    pairing.match_list_path = str(pair_list)
    pycolmap.match_image_pairs(
        database, matching_options=matching, pairing_options=pairing, device=pycolmap.Device.cpu,
        cancellation_token=token,
    )


def video_pairs(names: Sequence[str], overlap: int, keyframe_every: int) -> list[tuple[str, str]]:
    """Pairs to match in a video: each frame with its next ``overlap`` frames, and every
    ``keyframe_every``-th frame with every other such keyframe, which closes loops (a walk around an
    object comes back to its start) that neighbours alone would let drift apart."""
    pairs = {(i, j) for i in range(len(names)) for j in range(i + 1, min(i + overlap + 1, len(names)))}
    keyframes = range(0, len(names), max(keyframe_every, 1))
    pairs |= {(i, j) for i in keyframes for j in keyframes if i < j}
    return [(names[i], names[j]) for i, j in sorted(pairs)]


def _map(pycolmap, database: Path, image_dir: Path, workdir: Path, options: SfmOptions, run: _Run, total: int) -> dict:
    mapping = pycolmap.IncrementalPipelineOptions()
    mapping.num_threads = options.num_threads
    mapping.random_seed = options.seed
    # Small, low-texture captures rarely offer COLMAP's default 100 inliers at 16 degrees to start from.
    mapping.mapper.init_min_num_inliers = 50
    mapping.mapper.init_min_tri_angle = 4.0
    mapping.min_model_size = 3
    added = [0]

    def next_image() -> None:
        added[0] += 1
        share = SFM_STAGES["mapping"] * min(added[0] / total, 1.0)
        run.progress(SfmProgress("mapping", min(run.done + share, 1.0), f"{added[0]} frames placed"))

    return pycolmap.incremental_mapping(
        database, image_dir, workdir / "sparse", mapping, next_image_callback=next_image, cancellation_token=run.token
    )


def _result(
    pycolmap, models: dict, database: Path, image_dir: Path, names: list[str], options: SfmOptions, workdir: Path
) -> SfmResult:
    ranked = sorted(models.values(), key=lambda model: model.num_reg_images(), reverse=True)
    sizes = tuple(model.num_reg_images() for model in ranked)
    registered = sizes[0] if sizes else 0
    if registered < max(3, options.min_registered_fraction * len(names)):
        raise InputError(
            f"structure-from-motion placed only {registered} of {len(names)} images"
            + (f" (in {len(sizes)} separate groups)" if len(sizes) > 1 else "")
            + ": the images do not overlap enough or show too little texture; film the scene slowly "
            "from all sides, or give photos that share much of their view"
        )
    kept = ranked[0]
    folder = workdir / "kept_model"
    folder.mkdir(parents=True, exist_ok=True)
    kept.write_text(str(folder))
    capture = read_colmap_model(folder, image_dir, where="structure-from-motion")
    placed = {image.name for image in kept.images.values() if image.has_pose}
    unregistered = _reasons(pycolmap, database, [name for name in names if name not in placed], ranked[1:])
    notes = []
    if unregistered:
        notes.append(f"{len(unregistered)} of {len(names)} frames could not be placed and are left out")
    if len(sizes) > 1:
        notes.append(
            f"the frames fell into {len(sizes)} disconnected models ({', '.join(map(str, sizes))} frames); "
            f"the largest is used and the other {sum(sizes[1:])} frames are left out"
        )
    return SfmResult(capture, unregistered, _points(kept), sizes, notes=tuple(notes))


def _reasons(pycolmap, database: Path, missing: list[str], others: list) -> dict[str, str]:
    """Why each of ``missing`` is not in the kept model, from the other models and the match graph."""
    in_other = {}
    for rank, model in enumerate(others, start=2):
        for image in model.images.values():
            if image.has_pose:
                in_other[image.name] = (
                    f"placed only in a smaller, disconnected model (model {rank}, {model.num_reg_images()} frames)"
                )
    with pycolmap.Database.open(database) as db:
        ids = {image.name: image.image_id for image in db.read_all_images()}
        keypoints = {name: db.num_keypoints_for_image(image_id) for name, image_id in ids.items()}
        pair_ids, geometries = db.read_two_view_geometries()
        partners: dict[int, int] = {}
        for pair_id, geometry in zip(pair_ids, geometries):
            if len(geometry.inlier_matches) > 0:
                for image_id in pycolmap.pair_id_to_image_pair(pair_id):
                    partners[image_id] = partners.get(image_id, 0) + 1
    reasons = {}
    for name in missing:
        if name in in_other:
            reasons[name] = in_other[name]
        elif name not in ids:
            reasons[name] = "could not be read as an image"
        elif keypoints.get(name, 0) < FEW_FEATURES:
            reasons[name] = f"too little texture to match: {keypoints.get(name, 0)} features found"
        elif partners.get(ids[name], 0) == 0:
            reasons[name] = f"matched no other frame ({keypoints[name]} features found)"
        else:
            reasons[name] = f"matched {partners[ids[name]]} frames but its pose could not be estimated"
    return reasons


def _points(model) -> SparsePoints:
    points = list(model.points3D.values())
    if not points:
        return SparsePoints(np.zeros((0, 3)), np.zeros((0, 3), np.uint8), np.zeros(0))
    return SparsePoints(
        xyz=np.array([point.xyz for point in points], dtype=np.float64),
        rgb=np.array([point.color for point in points], dtype=np.uint8),
        error=np.array([point.error for point in points], dtype=np.float64),
    )
