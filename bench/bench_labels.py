"""Benchmark: label rendering (box and mesh pipelines) on the synthetic capture against exact ground truth.

Run from the repository root::

    python -m bench.bench_labels                       # exact field + trained voxel grid (grid-default preset)
    python -m bench.bench_labels --field-seconds 120   # cap the trained field's training time
    python -m bench.bench_labels --no-trained          # exact field only (about a minute)

Annotations are the ground-truth objects: boxes for the box pipeline (each with the mesh marching
cubes extracts from the field inside it), the ground-truth meshes for the mesh pipeline. Evaluation
frames are capture cameras rendered at 640x480. Reported per field and pipeline: instance-mask IoU
(mean over visible object-frame pairs), 2D modal box IoU against the ground-truth mask's box, the same
IoU on pairs where another object hides part of the object, throughput of labels (masks + depth + boxes)
at 640x480 with the field's render time separated, how well low label confidence points at wrong
pixels (AUROC), the error of each object's visible fraction, how far the surfaces extracted inside
the boxes lie from the true meshes, and ICP recovery from 10 cm / 10 degrees.
NeuralLabeling's rules are measured on the same frames beside ours: a mesh pixel is blacked out when
``NeRF depth + 0.05 < mesh depth``; amodal boxes are the box of all projected mesh vertices.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation
from scipy.stats import rankdata

from nerf_labeling.cameras import Camera, project_points
from nerf_labeling.fields import render_view
from nerf_labeling.labels import BoxObject, MeshObject, labels_from_view
from nerf_labeling.labels.box_meshes import with_extracted_mesh
from nerf_labeling.labels.object_raster import frame_geometry, raycaster_for
from nerf_labeling.labels.pose_refinement import field_surface_points
from nerf_labeling.meshes import load_mesh
from nerf_labeling.meshes.align import align_mesh_to_points, sample_mesh_surface
from nerf_labeling.meshes.raycast import MeshRaycaster
from nerf_labeling.synthetic import write_synthetic_capture
from nerf_labeling.synthetic.field import SyntheticField

WIDTH, HEIGHT = 640, 480
CLASS_IDS = {"box": 1, "ball": 2, "can": 3}
NEURALLABELING_TOLERANCE = 0.05
#: share of an object's lone silhouette covered by other objects for the pair to count as occluded
OCCLUDED_SHARE = 0.05


@dataclass
class Scores:
    mask_iou: list[float] = field(default_factory=list)
    box_iou: list[float] = field(default_factory=list)
    occluded_iou: list[float] = field(default_factory=list)
    nl_mask_iou: list[float] = field(default_factory=list)
    amodal_iou: list[float] = field(default_factory=list)
    nl_amodal_iou: list[float] = field(default_factory=list)
    visible_fraction_error: list[float] = field(default_factory=list)
    confidence: list[np.ndarray] = field(default_factory=list)
    wrong: list[np.ndarray] = field(default_factory=list)
    field_seconds: float = 0.0
    label_seconds: float = 0.0
    frames: int = 0

    def confidence_summary(self) -> str:
        """How well low label confidence points at wrong pixels (over pixels labelled or truly of an object)."""
        confidence, wrong = np.concatenate(self.confidence), np.concatenate(self.wrong)
        if wrong.all() or not wrong.any():
            return "n/a (all pixels right or all wrong)"
        ranks = rankdata(-confidence)
        auroc = (ranks[wrong].sum() - wrong.sum() * (wrong.sum() + 1) / 2) / (wrong.sum() * (~wrong).sum())
        doubtful = confidence < 0.5
        return (f"{wrong.mean():.3f} | {auroc:.3f} | {doubtful.mean():.3f} | "
                f"{wrong[doubtful].mean() if doubtful.any() else float('nan'):.3f} | {wrong[~doubtful].mean():.3f}")


def box_iou(a, b) -> float:
    if a is None or b is None:
        return 0.0
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def mask_box(mask: np.ndarray):
    if not mask.any():
        return None
    rows, cols = np.nonzero(mask)
    return (float(cols.min()), float(rows.min()), float(cols.max() + 1), float(rows.max() + 1))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def neurallabeling_masks(view, camera: Camera, objects) -> dict[int, np.ndarray]:
    """Their occlusion rule: a mesh pixel is blacked out when NeRF depth + 0.05 < mesh depth.

    The field's depth counts as infinitely far where it is empty (as ours), and overlapping meshes
    go to the nearest, so only the occlusion rule differs.
    """
    frame = frame_geometry(camera, view, opacity_threshold=0.5)
    nearest = np.full(frame.field_depth.shape, np.inf)
    owner = np.zeros(frame.field_depth.shape, dtype=np.int64)
    for obj in objects:
        distance = raycaster_for(obj.mesh).distances(
            frame.origins.reshape(-1, 3), frame.directions.reshape(-1, 3), object_to_world=obj.object_to_world
        ).reshape(frame.field_depth.shape)
        depth = distance * frame.z_per_distance
        visible = np.isfinite(depth) & ~(frame.field_depth + NEURALLABELING_TOLERANCE < depth) & (depth < nearest)
        nearest[visible] = depth[visible]
        owner[visible] = obj.instance_id
    return {obj.instance_id: owner == obj.instance_id for obj in objects}


def neurallabeling_amodal_box(camera: Camera, obj: MeshObject):
    """Their amodal box: the box of all projected mesh vertices, clipped to the image."""
    world = obj.mesh.vertices @ obj.object_to_world[:3, :3].T + obj.object_to_world[:3, 3]
    uv, depth = project_points(camera, world)
    uv = uv[depth > 0]
    if len(uv) == 0:
        return None
    low = np.clip(uv.min(axis=0), 0, [WIDTH, HEIGHT])
    high = np.clip(uv.max(axis=0), 0, [WIDTH, HEIGHT])
    return None if np.any(high <= low) else (low[0], low[1], high[0], high[1])


def evaluate(field, cameras, truths, box_objects, mesh_objects, tolerance: float) -> dict[str, Scores]:
    scores = {"box": Scores(), "mesh": Scores()}
    # One-time costs (importing Open3D, building each mesh's BVH) stay out of the throughput.
    warm_view = render_view(field, Camera(cameras[0].intrinsics.scaled(0.1), cameras[0].camera_to_world))
    for objects in (box_objects, mesh_objects):
        labels_from_view(warm_view, Camera(cameras[0].intrinsics.scaled(0.1), cameras[0].camera_to_world),
                         objects, tolerance=tolerance)
    for camera, (truth, alone) in zip(cameras, truths):
        start = time.perf_counter()
        view = render_view(field, camera)
        field_seconds = time.perf_counter() - start
        for name, objects in (("box", box_objects), ("mesh", mesh_objects)):
            start = time.perf_counter()
            labels = labels_from_view(view, camera, objects, tolerance=tolerance)
            score = scores[name]
            score.label_seconds += time.perf_counter() - start
            score.field_seconds += field_seconds
            score.frames += 1
            by_id = {label.instance_id: label for label in labels.objects}
            region = (labels.instance_mask > 0) | (truth > 0)
            score.confidence.append(labels.confidence[region])
            score.wrong.append((labels.instance_mask != truth)[region])
            nl_masks = neurallabeling_masks(view, camera, mesh_objects) if name == "mesh" else {}
            for obj in objects:
                truth_mask = truth == obj.instance_id
                if not truth_mask.any():
                    continue
                predicted = labels.binary_mask(obj.instance_id)
                value = iou(predicted, truth_mask)
                score.mask_iou.append(value)
                label = by_id.get(obj.instance_id)
                score.box_iou.append(box_iou(label.modal_box if label else None, mask_box(truth_mask)))
                lone = alone[obj.instance_id]
                if (lone & (truth > 0) & ~truth_mask).sum() > OCCLUDED_SHARE * lone.sum():
                    score.occluded_iou.append(value)
                truth_amodal = mask_box(lone)
                truth_fraction = truth_mask.sum() / lone.sum()
                score.visible_fraction_error.append(abs((label.visible_fraction if label else 0.0) - truth_fraction))
                score.amodal_iou.append(box_iou(label.amodal_box if label else None, truth_amodal))
                if name == "mesh":
                    score.nl_mask_iou.append(iou(nl_masks[obj.instance_id], truth_mask))
                    score.nl_amodal_iou.append(box_iou(neurallabeling_amodal_box(camera, obj), truth_amodal))
    return scores


def symmetric_rotation_error(estimate: np.ndarray, truth: np.ndarray, shape: str, size) -> float | None:
    """Degrees to the nearest pose the shape cannot tell apart; None where rotation is unobservable."""
    if shape == "sphere":
        return None
    relative = truth[:3, :3].T @ estimate[:3, :3]
    if shape == "cylinder":  # only the tilt of the axis is observable
        return float(np.degrees(np.arccos(np.clip(relative[2, 2], -1.0, 1.0))))
    size = np.asarray(size)
    errors = [
        Rotation.from_matrix(relative @ g.T).magnitude()
        for g in Rotation.create_group("O").as_matrix()
        if np.allclose(np.abs(g) @ size, size)  # turns that map the box onto itself
    ]
    return float(np.degrees(min(errors)))


def icp_recovery(field, scene, mesh_objects, cameras, trials: int, seed: int) -> list[tuple[str, float, float | None]]:
    rng = np.random.default_rng(seed)
    points = field_surface_points(field, cameras, image_scale=1.0)
    results = []
    for obj, truth in zip(mesh_objects, scene.objects):
        for _ in range(trials):
            axis, shift = rng.normal(size=3), rng.normal(size=3)
            start = obj.object_to_world.copy()
            start[:3, :3] = Rotation.from_rotvec(np.radians(10.0) * axis / np.linalg.norm(axis)).as_matrix() @ start[:3, :3]
            start[:3, 3] += 0.10 * shift / np.linalg.norm(shift)
            fit = align_mesh_to_points(obj.mesh, points, start, seed=int(rng.integers(1 << 31)))
            metres = float(np.linalg.norm(fit.object_to_world[:3, 3] - truth.object_to_world[:3, 3]))
            degrees = symmetric_rotation_error(fit.object_to_world, truth.object_to_world, truth.shape, truth.size)
            results.append((truth.shape, metres, degrees))
    return results


def train_voxel_grid(capture, seconds: float | None):
    from nerf_labeling.training import preset, train_field

    config = preset("grid-default")
    if seconds is not None:
        config.max_seconds = seconds
    frames = [(capture.image(i), camera) for i, camera in enumerate(capture.cameras)]
    start = time.perf_counter()
    def report(progress) -> None:
        if progress.iteration % 250 == 0:
            print(f"training: iteration {progress.iteration}/{progress.total}, {progress.elapsed_s:.0f} s", file=sys.stderr)

    trained, metrics = train_field(frames, config, progress=report, seed=0)
    return trained, time.perf_counter() - start, metrics


def scene_objects(capture, field):
    boxes, meshes = [], []
    for obj in capture.scene.objects:
        common = dict(instance_id=obj.instance_id, class_id=CLASS_IDS[obj.class_name], class_name=obj.class_name,
                      object_to_world=obj.object_to_world)
        box = BoxObject(size=np.asarray(obj.size), **common)
        boxes.append(with_extracted_mesh(field, box, resolution=48))
        meshes.append(MeshObject(mesh=load_mesh(capture.mesh_path(obj.instance_id)), **common))
    return boxes, meshes


def extracted_mesh_rows(label: str, boxes, meshes, seed: int = 0) -> list[str]:
    """Distances between each box's extracted surface and the true mesh (both in the object frame), mm."""
    rng = np.random.default_rng(seed)
    rows = []
    for box, truth in zip(boxes, meshes):
        if box.mesh is None:
            rows.append(f"| {label} | {box.instance_id} ({box.class_name}) | nothing extracted | |")
            continue
        to_truth = MeshRaycaster(truth.mesh).surface_distances(sample_mesh_surface(box.mesh, 5000, rng)[0]) * 1000
        to_extracted = MeshRaycaster(box.mesh).surface_distances(sample_mesh_surface(truth.mesh, 5000, rng)[0]) * 1000
        rows.append(
            f"| {label} | {box.instance_id} ({box.class_name}) | {np.median(to_truth):.1f} / {np.percentile(to_truth, 90):.1f} | "
            f"{np.median(to_extracted):.1f} / {np.percentile(to_extracted, 90):.1f} |"
        )
    return rows


def summary_rows(label: str, scores: dict[str, Scores]) -> list[str]:
    rows = []
    for name, score in scores.items():
        per_frame = (score.field_seconds + score.label_seconds) / score.frames
        rows.append(
            f"| {label} | {name} | {np.mean(score.mask_iou):.4f} | {np.mean(score.box_iou):.4f} | "
            f"{np.mean(score.occluded_iou) if score.occluded_iou else float('nan'):.4f} ({len(score.occluded_iou)}) | "
            f"{np.mean(score.amodal_iou):.4f} | {np.mean(score.visible_fraction_error):.3f} | {1.0 / per_frame:.2f} | {score.frames / score.label_seconds:.2f} | "
            f"{score.field_seconds / (score.field_seconds + score.label_seconds):.0%} |"
        )
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8, help="evaluation frames at 640x480")
    parser.add_argument("--train-frames", type=int, default=50, help="capture frames (128x96) to train on")
    parser.add_argument("--field-seconds", type=float, default=None, help="cap on training wall time")
    parser.add_argument("--no-trained", action="store_true", help="skip the trained field")
    parser.add_argument("--icp-trials", type=int, default=3, help="ICP starts per object")
    parser.add_argument("--tolerance", type=float, default=0.02, help="occlusion tolerance, metres")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-labels-") as tmp:
        capture = write_synthetic_capture(tmp, n_frames=args.train_frames, width=128, height=96)
        scale = WIDTH / capture.cameras[0].intrinsics.width
        picks = np.linspace(0, len(capture.cameras), args.frames, endpoint=False).astype(int)
        cameras = [Camera(capture.cameras[i].intrinsics.scaled(scale), capture.cameras[i].camera_to_world) for i in picks]
        truths = []
        for camera in cameras:
            truth = capture.scene.render(camera)[1]
            alone = {o.instance_id: capture.scene.only([o.instance_id]).render(camera)[1] > 0 for o in capture.scene.objects}
            truths.append((truth, alone))
        icp_cameras = [capture.cameras[i] for i in picks]

        fields = [("exact (SyntheticField)", SyntheticField(capture.scene), None)]
        if not args.no_trained:
            trained, seconds, metrics = train_voxel_grid(capture, args.field_seconds)
            fields.append((f"trained voxel grid ({seconds:.0f} s, {metrics.iterations} it)", trained, metrics))

        rows, icp_rows, nl_rows, confidence_rows, mesh_rows = [], [], [], [], []
        for label, fld, _ in fields:
            boxes, meshes = scene_objects(capture, fld)
            scores = evaluate(fld, cameras, truths, boxes, meshes, args.tolerance)
            rows += summary_rows(label, scores)
            mesh_rows += extracted_mesh_rows(label, boxes, meshes)
            confidence_rows += [f"| {label} | {name} | {score.confidence_summary()} |" for name, score in scores.items()]
            mesh = scores["mesh"]
            nl_rows.append(
                f"| {label} | {np.mean(mesh.mask_iou):.4f} | {np.mean(mesh.nl_mask_iou):.4f} | "
                f"{np.mean(mesh.amodal_iou):.4f} | {np.mean(mesh.nl_amodal_iou):.4f} |"
            )
            for shape, metres, degrees in icp_recovery(fld, capture.scene, meshes, icp_cameras, args.icp_trials, 0):
                icp_rows.append((label, shape, metres, degrees))

    print(f"# bench_labels\n\ncommand: `python -m bench.bench_labels {' '.join(argv if argv is not None else sys.argv[1:])}`  ")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, shared with other jobs; "
          f"python {platform.python_version()}  ")
    print(f"{args.frames} frames at {WIDTH}x{HEIGHT}, default synthetic scene (5 objects), tolerance {args.tolerance} m\n")
    print("| field | pipeline | mask IoU | modal box IoU | occluded-pair IoU (n) | amodal box IoU | visible fraction error | fps (field + labels) | fps (labels only) | time in field |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print("\nAmodal box IoU is against the box of the object's lone silhouette (ground truth); ours is the projected 3D box. "
          "Visible fraction error: mean |ours - truth| over object views, truth = visible / lone-silhouette pixels.\n")
    print("| field | mesh-pipeline mask IoU: ours | NeuralLabeling (depth + 0.05) | amodal box IoU: ours (3D box) | NeuralLabeling (vertices) |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(nl_rows))
    print("\nSurfaces extracted inside the boxes (marching cubes, largest piece) against the true meshes:\n")
    print("| field | object | extracted -> true, median / p90 (mm) | true -> extracted, median / p90 (mm) |")
    print("| --- | --- | --- | --- |")
    print("\n".join(mesh_rows))
    print("\nLabel confidence as a pointer to wrong pixels (pixels an object claims or truly covers):\n")
    print("| field | pipeline | wrong share | AUROC (low confidence -> wrong) | share below 0.5 | wrong below 0.5 | wrong at >= 0.5 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(confidence_rows))
    print("\n| field | shape | ICP starts | translation error mean / max (mm) | rotation error mean / max (deg) |")
    print("| --- | --- | --- | --- | --- |")
    for label in dict.fromkeys(r[0] for r in icp_rows):
        for shape in dict.fromkeys(r[1] for r in icp_rows if r[0] == label):
            picked = [r for r in icp_rows if r[0] == label and r[1] == shape]
            metres = np.array([r[2] for r in picked]) * 1000
            degrees = [r[3] for r in picked if r[3] is not None]
            rotation = f"{np.mean(degrees):.3f} / {np.max(degrees):.3f}" if degrees else "unobservable"
            print(f"| {label} | {shape} | {len(picked)} | {metres.mean():.2f} / {metres.max():.2f} | {rotation} |")


if __name__ == "__main__":
    main()
