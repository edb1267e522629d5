"""Rays per second of a trained voxel-grid field rendering full held-out views on the CPU.

    python -m bench.bench_render_speed [--threads N] [--repeats 3]

Uses the field saved by ``bench.bench_nerf_training`` (run that first); renders the capture's held-out
views with :func:`render_view` and reports the best of ``--repeats`` passes.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from bench.bench_nerf_training import OUT, machine_line, split_frames, synthetic_capture
from nerf_labeling.fields.base import render_view
from nerf_labeling.fields.saved_field import load_field


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if not (OUT / "field").is_dir():
        raise SystemExit("no trained field: run `python -m bench.bench_nerf_training` first")
    field = load_field(OUT / "field")
    _, held, _ = split_frames(synthetic_capture(OUT / "capture"))
    cameras = [camera for _, camera in held]
    rays = sum(c.intrinsics.width * c.intrinsics.height for c in cameras)
    timings = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for camera in cameras:
            render_view(field, camera)
        timings.append(time.perf_counter() - start)
    best = min(timings)
    print(f"\n`python -m bench.bench_render_speed --threads {args.threads}`\n")
    print(f"Machine: {machine_line()}\n")
    print("| figure | value |\n| --- | --- |")
    print(f"| views x size | {len(cameras)} x {cameras[0].intrinsics.width}x{cameras[0].intrinsics.height} |")
    print(f"| best / median pass | {best:.2f} s / {np.median(timings):.2f} s |")
    print(f"| rays per second (best pass) | {rays / best:,.0f} |")
    print(f"| milliseconds per 128x96 view | {best / len(cameras) * 1000:.0f} |")


if __name__ == "__main__":
    main()
