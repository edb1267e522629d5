"""Benchmark: 3D detection active learning after ActiveAnno3D, with mmdet3d's PointPillars on pseudo-LiDAR.

Run from the repository root::

    python -m bench.bench_detection_al                  # 3 seeds, the defaults below
    python -m bench.bench_detection_al --quick          # a smoke run of a few minutes
    python -m bench.bench_detection_al --scene-seed N   # repeat a run (its seed is printed)

What it measures: 3D AP (mmdet3d's KITTI metric, see :mod:`bench.kitti_detection_metric`) on a fixed
held-out test set against the number of labelled frames, for

- the query: box entropy (``detection_entropy``, ActiveAnno3D's) against ``random``, at equal labels;
- the training: continuous (each round continues from the previous round's weights, ``--steps``
  iterations) against from scratch (fresh weights each round, ``--scratch-steps`` iterations), in AP and
  in training seconds.

Data: generated scenes (``nerf_labeling.synthetic.random_scene``, 8-12 objects each) seen from random
hemisphere views at 320x240; pool scenes and test scenes are different scenes. Every frame's input is
the pseudo-LiDAR scan of the scene's EXACT depth (``points_from_depth``, every ``--stride``-th pixel) and
its targets the EXACT boxes (``boxes_in_lidar`` of the labels the platform renders from the exact field):
no NeRF is trained, so this measures active learning and the detector, not the field.

Design (paired): per seed one pool, one test set, one random initial labelled set and one initial model
(trained from scratch on it) shared by all four curves (entropy/random x continuous/scratch); random
draws the same frames in both training modes. Paired differences per seed are summarised by their mean
and a 95 % t-interval. Scene seeds are drawn fresh for each run (printed), never tuned on.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np

from bench.bench_ssl_al import paired_interval
from bench.kitti_detection_metric import (
    KITTI_CLASS_OF,
    KittiScores,
    ground_truth_anno,
    kitti_scores,
    prediction_anno,
    use_cpu_rotated_iou,
)
from nerf_labeling.cameras import Camera
from nerf_labeling.fields import render_view
from nerf_labeling.labels import BoxObject, labels_from_view
from nerf_labeling.labels.pseudo_lidar import boxes_in_lidar, points_from_depth
from nerf_labeling.labels.records import ObjectLabel
from nerf_labeling.synthetic import SyntheticField, random_hemisphere_poses, random_scene
from nerf_labeling.synthetic.capture_writer import pinhole_intrinsics

#: the classes ``random_scene`` gives its shapes; detector class index i is CLASS_NAMES[i]
CLASS_NAMES = ("ball", "box", "can")
#: project class ids (1-based, as the platform's) of CLASS_NAMES
CLASS_IDS = {name: index + 1 for index, name in enumerate(CLASS_NAMES)}
#: anchor (l, w, h) per class in metres: the means of ``random_scene``'s size distributions
CLASS_SIZES = ((0.4, 0.4, 0.4), (0.45, 0.45, 0.45), (0.4, 0.4, 0.5))
METHODS = ("detection_entropy", "random")
MODES = ("continuous", "scratch")
#: every training mode with every query, "mode/method"
CURVES = tuple(f"{mode}/{method}" for mode in MODES for method in METHODS)
#: visibility tolerance (metres) of the rendered labels; the field is exact
LABEL_TOLERANCE = 0.01
FOV_X_DEGREES = 60.0


@dataclass(frozen=True)
class DetectionFrame:
    """One rendered frame: the detector's sample, the camera, and its visible objects (the ground truth)."""

    sample: object  # DetectionSample (imported lazily with the detector)
    camera: Camera
    objects: tuple[ObjectLabel, ...]


def render_scene(job: tuple) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray, Camera, tuple]]:
    """Render one scene's views: ``(sample_id, points, boxes, labels, camera, visible objects)`` per view."""
    scene, poses, name, width, height, stride = job
    intrinsics = pinhole_intrinsics(width, height, FOV_X_DEGREES)
    field_ = SyntheticField(scene)
    placed = [BoxObject(o.instance_id, CLASS_IDS[o.class_name], o.class_name, o.object_to_world,
                        size=np.array(o.size)) for o in scene.objects]
    rows = []
    for index, pose in enumerate(poses):
        camera = Camera(intrinsics, pose)
        view = render_view(field_, camera)
        labels = labels_from_view(view, camera, placed, tolerance=LABEL_TOLERANCE)
        visible = tuple(o for o in labels.objects if o.modal_box is not None and o.visible_pixels > 0)
        points = points_from_depth(view.depth, view.rgb, camera, stride=stride)
        boxes = boxes_in_lidar(list(visible), camera)
        classes = np.array([CLASS_IDS[o.class_name] - 1 for o in visible], dtype=np.int64)
        rows.append((f"{name}/{index}", points, boxes, classes, camera, visible))
    return rows


def build_split(rng: np.random.Generator, name: str, n_scenes: int, args) -> list[DetectionFrame]:
    """``n_scenes`` random scenes with ``args.frames_per_scene`` random views each, rendered in workers."""
    from active.models.detection3d import DetectionSample

    low, high = args.objects
    jobs = []
    for index in range(n_scenes):
        scene = random_scene(rng, int(rng.integers(low, high + 1)))
        poses = random_hemisphere_poses(rng, args.frames_per_scene)
        jobs.append((scene, poses, f"{name}{index}", args.width, args.height, args.stride))
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            rendered = [row for rows in pool.map(render_scene, jobs) for row in rows]
    else:
        rendered = [row for job in jobs for row in render_scene(job)]
    return [DetectionFrame(DetectionSample(sid, points, boxes, labels), camera, objects)
            for sid, points, boxes, labels, camera, objects in rendered]


def class_names_by_id() -> dict[int, str]:
    return {index: name for name, index in CLASS_IDS.items()}


def evaluate(model, frames: list[DetectionFrame], gt_annos: list[dict]) -> KittiScores:
    """The model's KITTI scores on ``frames`` (predicted in chunks of 8)."""
    detections = []
    for start in range(0, len(frames), 8):
        detections += model.predict([frame.sample for frame in frames[start:start + 8]])
    dt_annos = [prediction_anno(d.boxes, d.scores, d.labels, CLASS_NAMES, frame.camera)
                for d, frame in zip(detections, frames)]
    return kitti_scores(gt_annos, dt_annos, kitti_classes())


def kitti_classes() -> list[str]:
    return [KITTI_CLASS_OF[name] for name in CLASS_NAMES]


def metric_self_test(frames: list[DetectionFrame], gt_annos: list[dict]) -> dict[str, float]:
    """The metric on constructed predictions: the ground truth itself (must be 100), every box moved 0.25 m
    sideways (must fall), every other box only (recall 1/2). Returns moderate 3D AP of each."""
    def scored(boxes_of) -> float:
        dt = []
        for frame in frames:
            boxes, labels = boxes_of(frame.sample)
            dt.append(prediction_anno(boxes, np.ones(len(boxes)), labels, CLASS_NAMES, frame.camera))
        return kitti_scores(gt_annos, dt, kitti_classes()).ap3d["moderate"]

    shift = np.array([0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0], dtype=np.float32)
    results = {
        "ground truth": scored(lambda s: (s.boxes, s.labels)),
        "moved 0.25 m": scored(lambda s: (s.boxes + shift, s.labels)),
        "every other box": scored(lambda s: (s.boxes[::2], s.labels[::2])),
    }
    counts = moderate_counts(gt_annos)
    if min(counts.values()) < MIN_MODERATE_PER_CLASS:
        # kitti_eval samples its 41 recall points one detection at a time: with fewer true objects a
        # perfect detector cannot reach AP 100, so the test set is too small to compare methods
        print(f"WARNING: test objects of moderate difficulty per class {counts}: fewer than "
              f"{MIN_MODERATE_PER_CLASS} caps AP40 below 100 (more --test-scenes)", file=sys.stderr)
    elif abs(results["ground truth"] - 100.0) > 1e-6:
        raise SystemExit(f"the KITTI metric self-test failed: {results}")
    if results["moved 0.25 m"] >= results["ground truth"]:
        raise SystemExit(f"the KITTI metric self-test failed: {results}")
    return results


#: kitti_eval's AP40 reaches 100 for a perfect detector only with this many scored objects of a class
MIN_MODERATE_PER_CLASS = 41


def moderate_counts(gt_annos: list[dict]) -> dict[str, int]:
    """Ground-truth objects per KITTI class that KITTI's moderate difficulty scores (taller than 25 px,
    occlusion level <= 1, truncation <= 0.3: ``kitti_eval``'s ``clean_data``)."""
    counts = dict.fromkeys(kitti_classes(), 0)
    for anno in gt_annos:
        height = anno["bbox"][:, 3] - anno["bbox"][:, 1]
        scored = (anno["occluded"] <= 1) & (anno["truncated"] <= 0.3) & (height > 25)
        for name in anno["name"][scored]:
            counts[str(name)] += 1
    return counts


@dataclass
class Curve:
    """One AL run: per point (the start, then each round) labelled frames, moderate 3D and BEV AP, and
    per round the seconds to train and to score the pool."""

    labelled: list[int] = field(default_factory=list)
    ap3d: list[float] = field(default_factory=list)
    bev: list[float] = field(default_factory=list)
    train_seconds: list[float] = field(default_factory=list)
    score_seconds: list[float] = field(default_factory=list)
    picks: list[list[str]] = field(default_factory=list)


def run_curve(start, start_scores: KittiScores, pool, test, gt_annos, initial: list[int], method: str,
              mode: str, rng: np.random.Generator, args) -> Curve:
    """Rounds of pick ``args.batch`` frames by ``method`` -> train (``mode``) -> evaluate, from ``start``."""
    from active.acquisition import gather_detection_inputs, make_acquisition

    acquisition = make_acquisition(method, rng=rng)
    labelled = list(initial)
    model = start
    curve = Curve([len(labelled)], [start_scores.ap3d["moderate"]], [start_scores.bev["moderate"]])
    for _ in range(args.rounds):
        chosen = set(labelled)
        candidates = [index for index in range(len(pool)) if index not in chosen]
        began = time.perf_counter()
        inputs = gather_detection_inputs(model, [pool[i].sample for i in candidates], acquisition.needs)
        picked = [candidates[int(j)] for j in acquisition.select(inputs, args.batch).indices]
        curve.score_seconds.append(time.perf_counter() - began)
        labelled += picked
        began = time.perf_counter()
        scratch = mode == "scratch"
        model = model.fit([pool[i].sample for i in labelled], steps=args.scratch_steps if scratch else args.steps,
                          from_scratch=scratch)
        curve.train_seconds.append(time.perf_counter() - began)
        scores = evaluate(model, test, gt_annos)
        curve.labelled.append(len(labelled))
        curve.ap3d.append(scores.ap3d["moderate"])
        curve.bev.append(scores.bev["moderate"])
        curve.picks.append([pool[i].sample.sample_id for i in picked])
    return curve


def detector_config(seed: int, args):
    from active.models.detection3d import DetectorConfig

    return DetectorConfig(classes=CLASS_NAMES, class_sizes=CLASS_SIZES, size=args.size, seed=seed,
                          device=args.device)


def run_seed(seed: int, scene_seed: int, args) -> dict:
    """All four curves of one seed, and the seed's data summary."""
    from active.models.detection3d import DetectionModel

    began = time.perf_counter()
    rng = np.random.default_rng([scene_seed, seed])
    pool = build_split(rng, "pool", args.scenes, args)
    test = [frame for frame in build_split(rng, "test", args.test_scenes, args) if frame.objects]
    gt_annos = [ground_truth_anno(frame.objects, class_names_by_id(), frame.camera) for frame in test]
    render_seconds = time.perf_counter() - began
    self_test = metric_self_test(test, gt_annos)
    initial = [int(i) for i in rng.choice(len(pool), size=args.initial, replace=False)]
    began = time.perf_counter()
    start = DetectionModel.untrained(detector_config(seed, args)).fit(
        [pool[i].sample for i in initial], steps=args.scratch_steps, from_scratch=True)
    start_train_seconds = time.perf_counter() - began
    start_scores = evaluate(start, test, gt_annos)
    print(f"  seed {seed}: {len(pool)} pool / {len(test)} test frames rendered in {render_seconds:.0f} s; "
          f"start model {start_scores.ap3d['moderate']:.1f} 3D AP after {start_train_seconds:.0f} s",
          file=sys.stderr, flush=True)
    curves = {}
    for key in args.curves:
        mode, method = key.split("/")
        began = time.perf_counter()
        curves[key] = run_curve(start, start_scores, pool, test, gt_annos, initial, method, mode,
                                np.random.default_rng([scene_seed, seed, 2]), args)
        print(f"  seed {seed} {key}: 3D AP {curves[key].ap3d[-1]:.1f} at {curves[key].labelled[-1]} frames "
              f"({time.perf_counter() - began:.0f} s)", file=sys.stderr, flush=True)
    return {
        "seed": seed,
        "self_test": self_test,
        "data": data_summary(pool, test, gt_annos),
        "start_train_seconds": start_train_seconds,
        "curves": {key: asdict(curve) for key, curve in curves.items()},
    }


def data_summary(pool: list[DetectionFrame], test: list[DetectionFrame], gt_annos: list[dict]) -> dict:
    boxes = [len(frame.objects) for frame in pool + test]
    points = [len(frame.sample.points) for frame in pool + test]
    return {
        "pool_frames": len(pool),
        "test_frames": len(test),
        "visible_objects_per_frame": float(np.mean(boxes)),
        "points_per_frame": float(np.mean(points)),
        "test_objects": int(sum(len(anno["name"]) for anno in gt_annos)),
        "test_objects_moderate_by_class": moderate_counts(gt_annos),
    }


def mean_sd(values) -> str:
    values = np.asarray(values, dtype=np.float64)
    sd = values.std(ddof=1) if len(values) > 1 else float("nan")
    return f"{values.mean():.1f} ± {sd:.1f}"


def interval_text(differences) -> str:
    mean, low, high = paired_interval(np.asarray(differences, dtype=np.float64))
    return f"{mean:+.1f} [{low:+.1f}, {high:+.1f}]"


def curve_values(results: list[dict], key: str, metric: str) -> np.ndarray:
    """(seeds, points) of ``metric`` of curve ``key``."""
    return np.array([result["curves"][key][metric] for result in results], dtype=np.float64)


def print_report(results: list[dict], args, scene_seed: int, minutes: float) -> None:
    first = results[0]
    labelled = first["curves"][args.curves[0]]["labelled"]
    print(f"## 3D detection active learning ({len(results)} seeds, scene seed {scene_seed}; "
          f"{minutes:.0f} min on {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()})\n")
    print(f"Pseudo-LiDAR from the EXACT synthetic depth ({args.width}x{args.height} frames, pixel stride "
          f"{args.stride}) with the EXACT boxes: no NeRF, so this measures active learning and the detector. "
          f"PointPillars ({args.size}) from mmdet3d's KITTI config; {args.scenes} pool scenes and "
          f"{args.test_scenes} test scenes x {args.frames_per_scene} views, {args.objects[0]}-{args.objects[1]} "
          f"objects each; start {args.initial} random frames, {args.rounds} rounds of {args.batch}; continuous "
          f"{args.steps} steps per round, from scratch {args.scratch_steps} (the start model too).")
    iou = ("the exact polygon IoU standing in for its numba-CUDA kernel (no GPU here)" if use_cpu_rotated_iou()
           else "its numba-CUDA IoU kernel")
    print("AP: mmdet3d kitti_eval, AP40, strict IoU (box as Car 0.7; ball as Pedestrian, can as Cyclist 0.5), "
          f"moderate difficulty, mean over the three classes; {iou}. "
          "Differences: per-seed pairs, mean [95% t-interval].\n")
    for result in results:
        data, test = result["data"], result["self_test"]
        print(f"- seed {result['seed']}: {data['pool_frames']} pool / {data['test_frames']} test frames, "
              f"{data['visible_objects_per_frame']:.1f} visible objects and {data['points_per_frame']:.0f} points "
              f"per frame, {data['test_objects']} test objects, scored at moderate difficulty "
              f"{data['test_objects_moderate_by_class']}; metric self-test (3D AP): "
              + ", ".join(f"{name} {value:.1f}" for name, value in test.items()))
    for metric, title in (("ap3d", "3D AP"), ("bev", "BEV AP")):
        for mode in (mode for mode in MODES if all(f"{mode}/{m}" in args.curves for m in METHODS)):
            entropy = curve_values(results, f"{mode}/detection_entropy", metric)
            random = curve_values(results, f"{mode}/random", metric)
            print(f"\n### {title}, moderate: entropy vs random, {mode} training\n")
            print("| labelled frames | entropy | random | entropy − random |\n|---|---|---|---|")
            for point, count in enumerate(labelled):
                print(f"| {count} | {mean_sd(entropy[:, point])} | {mean_sd(random[:, point])} | "
                      f"{interval_text(entropy[:, point] - random[:, point])} |")
            after = entropy[:, 1:].mean(1), random[:, 1:].mean(1)
            print(f"| mean of rounds 1-{args.rounds} | {mean_sd(after[0])} | {mean_sd(after[1])} | "
                  f"{interval_text(after[0] - after[1])} |")
    for method in METHODS:
        if {f"{mode}/{method}" for mode in MODES} <= set(args.curves):
            continuous = curve_values(results, f"continuous/{method}", "ap3d")
            scratch = curve_values(results, f"scratch/{method}", "ap3d")
            seconds_c = curve_values(results, f"continuous/{method}", "train_seconds")
            seconds_s = curve_values(results, f"scratch/{method}", "train_seconds")
            print(f"\n### Continuous vs from-scratch training, {method}: 3D AP (moderate) and train seconds\n")
            print("| labelled frames | continuous | scratch | continuous − scratch | train s continuous | "
                  "train s scratch | continuous − scratch (s) |\n|---|---|---|---|---|---|---|")
            for point, count in enumerate(labelled[1:], start=1):
                print(f"| {count} | {mean_sd(continuous[:, point])} | {mean_sd(scratch[:, point])} | "
                      f"{interval_text(continuous[:, point] - scratch[:, point])} | "
                      f"{mean_sd(seconds_c[:, point - 1])} | {mean_sd(seconds_s[:, point - 1])} | "
                      f"{interval_text(seconds_c[:, point - 1] - seconds_s[:, point - 1])} |")
            print(f"| all rounds | {mean_sd(continuous[:, 1:].mean(1))} | {mean_sd(scratch[:, 1:].mean(1))} | "
                  f"{interval_text(continuous[:, 1:].mean(1) - scratch[:, 1:].mean(1))} | "
                  f"{mean_sd(seconds_c.sum(1))} total | {mean_sd(seconds_s.sum(1))} total | "
                  f"{interval_text(seconds_c.sum(1) - seconds_s.sum(1))} |")
    print("\n### Seconds per round (mean ± sd over seeds and rounds)\n")
    print("| curve | train | score the pool |\n|---|---|---|")
    for key in first["curves"]:
        print(f"| {key} | {mean_sd(curve_values(results, key, 'train_seconds').ravel())} | "
              f"{mean_sd(curve_values(results, key, 'score_seconds').ravel())} |")
    print(f"\nStart model (from scratch, {args.scratch_steps} steps on {args.initial} frames): "
          f"{mean_sd([r['start_train_seconds'] for r in results])} s.")


QUICK = {"seeds": 2, "scenes": 3, "test_scenes": 5, "frames_per_scene": 8, "initial": 4, "rounds": 2, "batch": 3,
         "steps": 10, "scratch_steps": 20, "stride": 3}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="independent repetitions (fresh scenes each)")
    parser.add_argument("--rounds", type=int, default=4, help="acquisition rounds after the start")
    parser.add_argument("--batch", type=int, default=8, help="frames picked per round")
    parser.add_argument("--initial", type=int, default=8, help="random frames labelled at the start")
    parser.add_argument("--steps", type=int, default=150, help="iterations per round, continuous training")
    parser.add_argument("--scratch-steps", type=int, default=450,
                        help="iterations per round from scratch (and of the start model)")
    parser.add_argument("--scenes", type=int, default=12, help="pool scenes")
    parser.add_argument("--test-scenes", type=int, default=6, help="held-out test scenes")
    parser.add_argument("--frames-per-scene", type=int, default=10, help="random views per scene")
    parser.add_argument("--objects", type=lambda text: tuple(int(v) for v in text.split("-")), default=(8, 12),
                        help="objects per scene, low-high")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--stride", type=int, default=2, help="keep every n-th pixel row and column as points")
    parser.add_argument("--size", choices=("small", "base"), default="small", help="PointPillars widths")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--curves", type=lambda text: tuple(text.split(",")), default=CURVES,
                        help="training mode/query pairs to run, comma separated (default: all four)")
    parser.add_argument("--workers", type=int, default=2, help="processes rendering scenes")
    parser.add_argument("--scene-seed", type=int, default=None, help="repeat a run (default: drawn fresh)")
    parser.add_argument("--json", default=None, help="also write every curve to this file")
    parser.add_argument("--quick", action="store_true", help="tiny pools and schedules, for a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    unknown = set(args.curves) - set(CURVES)
    if unknown:
        parser.error(f"unknown curves {sorted(unknown)}; known: {', '.join(CURVES)}")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    scene_seed = args.scene_seed if args.scene_seed is not None else secrets.randbits(32)
    print(f"scene seed {scene_seed} (repeat with --scene-seed {scene_seed})", file=sys.stderr, flush=True)
    began = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # mmengine's logs; stdout is the report
        results = [run_seed(seed, scene_seed, args) for seed in range(args.seeds)]
    print_report(results, args, scene_seed, (time.perf_counter() - began) / 60)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"scene_seed": scene_seed, "args": {k: v for k, v in vars(args).items()},
                       "results": results}, handle, indent=1)


if __name__ == "__main__":
    main()
