"""Benchmark: a capture from a generated video without poses: decode + frame selection + SfM, and pose error.

Run from the repository root::

    python -m bench.bench_sfm                       # 200 frames at 640x480, as in BENCHMARKS.md
    python -m bench.bench_sfm --frames 40 --width 320 --height 240   # a quick probe

The default scene in its speckle texture, seen along the 200-frame orbit (one loop, 2.2 m around the
objects, the height bobbing by 0.25 m), is rendered and encoded as an H.264 video (10 frames/s, not
timed). Then, timed as the ingest job runs them: decoding with the sharpness and novelty selection
(``select_video_frames``, up to ``--frames`` kept), SIFT features, sequential matching (the video
pairs) and incremental mapping (pycolmap, one thread as the worker's default), and the ground plane.
The registered poses are aligned to the true ones by a similarity of their centres (Umeyama); the
figures are the share of kept frames registered, camera centre errors as a share of the orbit's
extent, rotation errors, and the tilt between the found ground's up and the true +Z.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from nerf_labeling.cameras import Camera
from nerf_labeling.capture.ground import align_to_ground
from nerf_labeling.capture.sfm import SfmOptions, run_sfm
from nerf_labeling.capture.similarity import umeyama
from nerf_labeling.capture.video import VideoLimits, select_video_frames, write_frames
from nerf_labeling.synthetic import SyntheticScene, default_scene, orbit_poses
from nerf_labeling.synthetic.capture_writer import pinhole_intrinsics
from nerf_labeling.synthetic.video_writer import render_frames, write_video


def rotation_errors_degrees(estimated: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Angles between ``(N, 3, 3)`` rotation pairs, degrees."""
    cosines = (np.einsum("nij,nij->n", estimated, truth) - 1.0) / 2.0
    return np.degrees(np.arccos(np.clip(cosines, -1.0, 1.0)))


def run(frames: int, width: int, height: int, workdir: Path, scene: SyntheticScene | None = None) -> dict:
    """The figures of one run on ``scene`` (the default scene in speckle), and what they were measured on.

    Besides the figures: ``result`` the grounded :class:`SfmResult` (its images stay in ``workdir``),
    ``similarity`` from its world to the truth, ``truth_cameras`` the true camera of each registered frame.
    """
    cameras = [Camera(pinhole_intrinsics(width, height, 60.0), pose) for pose in orbit_poses(frames)]
    scene = scene or replace(default_scene(), texture="speckle")
    video = write_video(workdir / "orbit.mp4", render_frames(scene, cameras), fps=10)
    load_before = os.getloadavg()[0]

    started = time.perf_counter()
    limits = VideoLimits(max_frames=max(frames, VideoLimits().max_frames))
    selection = select_video_frames(video, target_count=frames, limits=limits)
    names = write_frames(selection, workdir / "frames")
    decoded = time.perf_counter()
    (workdir / "sfm").mkdir()
    result = run_sfm(workdir / "frames", names, options=SfmOptions(matching="sequential"), workdir=workdir / "sfm")
    placed = time.perf_counter()
    result, _ = align_to_ground(result, np.random.default_rng(0))
    grounded = time.perf_counter()

    estimated = np.stack([camera.camera_to_world for camera in result.capture.cameras])
    truth_cameras = [cameras[int(Path(name).stem[6:11])] for name in result.registered_names]
    truth = np.stack([camera.camera_to_world for camera in truth_cameras])
    similarity = umeyama(estimated[:, :3, 3], truth[:, :3, 3])
    centres = similarity.apply(estimated[:, :3, 3])
    rotations = np.einsum("ij,njk->nik", similarity.rotation, estimated[:, :3, :3])
    extent = float(np.max(np.linalg.norm(truth[:, None, :3, 3] - truth[None, :, :3, 3], axis=-1)))
    position = np.linalg.norm(centres - truth[:, :3, 3], axis=1) / extent
    rotation = rotation_errors_degrees(rotations, truth[:, :3, :3])
    return {
        "decoded": selection.decoded, "kept": len(names), "registered": len(result.capture.frames),
        "models": result.models, "points": len(result.points.xyz),
        "decode_select_s": decoded - started, "sfm_s": placed - decoded, "ground_s": grounded - placed,
        "total_s": grounded - started,
        "position_max_pct": 100 * position.max(), "position_median_pct": 100 * float(np.median(position)),
        "rotation_max_deg": rotation.max(), "rotation_median_deg": float(np.median(rotation)),
        "ground_tilt_deg": float(np.degrees(np.arccos(np.clip(similarity.rotation[2, 2], -1.0, 1.0)))),
        "load": (load_before, os.getloadavg()[0]),
        "result": result, "similarity": similarity, "truth_cameras": truth_cameras,
    }


def summary(frames: int, width: int, height: int, figures: dict) -> str:
    """The figures of :func:`run` as the lines BENCHMARKS.md quotes."""
    return "\n".join([
        f"{frames} frames at {width}x{height}, {os.cpu_count()} cores, "
        f"load {figures['load'][0]:.1f} before / {figures['load'][1]:.1f} after",
        f"decoded {figures['decoded']}, kept {figures['kept']}, registered {figures['registered']} "
        f"({100 * figures['registered'] / figures['kept']:.1f} %), models {figures['models']}, "
        f"{figures['points']} sparse points",
        f"wall time: decode + selection {figures['decode_select_s']:.1f} s, SfM {figures['sfm_s']:.1f} s, "
        f"ground {figures['ground_s']:.2f} s, total {figures['total_s']:.1f} s",
        f"camera centre error: max {figures['position_max_pct']:.3f} %, median "
        f"{figures['position_median_pct']:.3f} % of the extent; rotation error: max "
        f"{figures['rotation_max_deg']:.3f} deg, median {figures['rotation_median_deg']:.3f} deg; "
        f"ground tilt {figures['ground_tilt_deg']:.3f} deg",
    ])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sfm-") as workdir:
        figures = run(args.frames, args.width, args.height, Path(workdir))
    print(summary(args.frames, args.width, args.height, figures))


if __name__ == "__main__":
    main()
