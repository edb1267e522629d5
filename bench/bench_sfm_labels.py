"""Benchmark: label accuracy of a capture posed by SfM beside the same capture with its true poses.

Run from the repository root::

    python -m bench.bench_sfm_labels                          # 50 frames at 160x120, 600 iterations, seed 7283
    python -m bench.bench_sfm_labels --iterations 200 --eval-frames 4   # a quick probe

A random scene (``random_scene`` with ``--seed``, five objects, speckle texture) is rendered along the
orbit of :mod:`bench.bench_sfm` and encoded as a video, which goes through the same decode, selection,
SfM and ground steps (their figures are printed as that bench prints them). The registered frames are
then trained twice, the decoded images being the same: (a) with the SfM poses and intrinsics, moved
into the true world by the similarity the pose figures use (Umeyama on the camera centres: the true
metric scale and ground, as a user's known distance would give), and (b) with their true poses and
intrinsics. Both train the same voxel grid (``--iterations``, the same training seed). Box labels of
the scene's objects (each box carrying the surface extracted from its field, as the app does) are
rendered from each field at orbit cameras half-way between the training ones, and compared with
exact ground truth at pixel centres: box mask IoU (mean over visible object-frame pairs) and the
median depth error of the field over the pixels the truth gives to an object, and over every pixel
the truth sees a surface at.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from bench.bench_field_quality import trained
from bench.bench_labels import CLASS_IDS, iou
from bench.bench_sfm import run as run_sfm_bench
from bench.bench_sfm import summary
from nerf_labeling.cameras import Camera
from nerf_labeling.fields import render_view
from nerf_labeling.labels import BoxObject, labels_from_view
from nerf_labeling.labels.box_meshes import with_extracted_mesh
from nerf_labeling.synthetic import orbit_poses, random_scene
from nerf_labeling.synthetic.capture_writer import pinhole_intrinsics

TOLERANCE = 0.02


def load() -> str:
    return Path("/proc/loadavg").read_text().strip()


def posed_frames(figures: dict) -> dict[str, list]:
    """The registered frames' decoded images with the SfM cameras (moved into the true world) and the true ones."""
    result, similarity = figures["result"], figures["similarity"]
    images = [np.asarray(Image.open(result.capture.image_path(i)).convert("RGB"))
              for i in range(len(result.capture.frames))]
    sfm = [Camera(camera.intrinsics, similarity.apply_to_pose(camera.camera_to_world))
           for camera in result.capture.cameras]
    return {"SfM poses (aligned)": list(zip(images, sfm)), "true poses": list(zip(images, figures["truth_cameras"]))}


def box_objects(scene, field) -> list[BoxObject]:
    """The scene's objects as the boxes a user would place, each with the surface ``field`` holds inside it."""
    return [
        with_extracted_mesh(field, BoxObject(
            instance_id=obj.instance_id, class_id=CLASS_IDS[obj.class_name], class_name=obj.class_name,
            object_to_world=obj.object_to_world, size=np.asarray(obj.size),
        ), resolution=48)
        for obj in scene.objects
    ]


def label_accuracy(scene, field, cameras: list[Camera]) -> dict:
    """Box mask IoU and depth errors of ``field``'s box labels at ``cameras`` against the exact truth."""
    boxes = box_objects(scene, field)
    ious, object_errors, surface_errors = [], [], []
    for camera in cameras:
        _, truth, truth_depth = scene.render(camera)
        labels = labels_from_view(render_view(field, camera), camera, boxes, tolerance=TOLERANCE)
        for box in boxes:
            if (truth == box.instance_id).any():
                ious.append(iou(labels.binary_mask(box.instance_id), truth == box.instance_id))
        error = np.abs(labels.depth - truth_depth)
        object_errors.append(error[truth > 0])
        surface_errors.append(error[truth_depth > 0])
    return {
        "mask_iou": float(np.mean(ious)), "pairs": len(ious),
        "object_depth_mm": 1000 * float(np.median(np.concatenate(object_errors))),
        "surface_depth_mm": 1000 * float(np.median(np.concatenate(surface_errors))),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=120)
    parser.add_argument("--iterations", type=int, default=600, help="voxel-grid training iterations, both fields")
    parser.add_argument("--eval-frames", type=int, default=8, help="orbit cameras between the training ones")
    parser.add_argument("--seed", type=int, default=7283, help="the random scene's seed")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    command = " ".join(["python -m bench.bench_sfm_labels", *(argv if argv is not None else sys.argv[1:])])
    print(f"command: `{command}`  ")
    print(f"/proc/loadavg at start: {load()}  ")
    scene = replace(random_scene(np.random.default_rng(args.seed), 5, spread=0.8), texture="speckle")
    between = orbit_poses(2 * args.frames)[1::2]
    picks = np.linspace(0, args.frames, args.eval_frames, endpoint=False).astype(int)
    cameras = [Camera(pinhole_intrinsics(args.width, args.height, 60.0), between[i]) for i in picks]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sfm-labels-") as workdir:
        figures = run_sfm_bench(args.frames, args.width, args.height, Path(workdir), scene=scene)
        print(summary(args.frames, args.width, args.height, figures).replace("\n", "  \n") + "  ", flush=True)
        for name, frames in posed_frames(figures).items():
            field, seconds = trained(frames, args.iterations)
            accuracy = label_accuracy(scene, field, cameras)
            rows.append(
                f"| {name} | {len(frames)} | {seconds:.0f} s | {accuracy['mask_iou']:.4f} ({accuracy['pairs']}) | "
                f"{accuracy['object_depth_mm']:.1f} | {accuracy['surface_depth_mm']:.1f} |"
            )
            print(f"{name}: trained in {seconds:.0f} s", file=sys.stderr, flush=True)
    print(f"\nseed {args.seed}, {args.iterations} iterations, {args.eval_frames} evaluation frames at "
          f"{args.width}x{args.height}, tolerance {TOLERANCE} m\n")
    print("| poses | training frames | training | box mask IoU (object-frame pairs) | median depth error, objects (mm) | median depth error, all surfaces (mm) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    print(f"\n/proc/loadavg at end: {load()}; whole run {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
