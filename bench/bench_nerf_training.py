"""Train the built-in voxel-grid backend on the synthetic orbit capture; report time, PSNR and depth error.

    python -m bench.bench_nerf_training [--preset grid-default] [--iterations N] [--seconds S] [--threads N]

Training does the preset's iterations (or ``--iterations``); ``--seconds`` is an optional wall-clock cap,
and a run it stops early says "cut short" beside its iterations.

60 orbit frames at 128x96, every sixth held out (10). Depth error is measured on held-out object
pixels (ground-truth instance id > 0) against the exact ground-truth z-depth. The trained field is
saved under ``bench/out/nerf_training/field`` for ``bench.bench_render_speed``.
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from nerf_labeling.capture import read_transforms_json
from nerf_labeling.fields.base import render_view
from nerf_labeling.synthetic import SyntheticCapture, write_synthetic_capture
from nerf_labeling.training import preset, train_field

OUT = Path("bench/out/nerf_training")
HELD_OUT_EVERY = 6


def machine_line() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    load = os.getloadavg()
    return f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads), load average {load[0]:.1f} at start (machine shared with other engineers)"


def synthetic_capture(root: Path) -> SyntheticCapture:
    if not (root / "transforms.json").is_file():
        write_synthetic_capture(root, n_frames=60, width=128, height=96, trajectory="orbit", seed=0)
    return SyntheticCapture.open(root)


def split_frames(capture: SyntheticCapture, every: int = HELD_OUT_EVERY) -> tuple[list, list, list[int]]:
    """(train, held out, held-out indices): every ``every``-th frame is held out."""
    data = read_transforms_json(capture.transforms_path)
    frames = [(capture.image(i), frame.camera) for i, frame in enumerate(data.frames)]
    held_index = list(range(0, len(frames), every))
    train = [f for i, f in enumerate(frames) if i not in held_index]
    return train, [frames[i] for i in held_index], held_index


def evaluate(field, capture: SyntheticCapture, held: list, held_index: list[int]) -> dict[str, float]:
    psnrs, abs_err, rel_err = [], [], []
    for (image, camera), index in zip(held, held_index):
        view = render_view(field, camera)
        mse = float(np.mean((view.rgb - image.astype(np.float32) / 255.0) ** 2))
        psnrs.append(-10.0 * np.log10(mse))
        objects = capture.instance_mask(index) > 0
        truth = capture.depth(index)[objects]
        error = np.abs(view.depth[objects] - truth)
        abs_err.append(error)
        rel_err.append(error / truth)
    abs_all, rel_all = np.concatenate(abs_err), np.concatenate(rel_err)
    return {
        "psnr": float(np.mean(psnrs)),
        "median_abs": float(np.median(abs_all)),
        "mean_abs": float(np.mean(abs_all)),
        "median_rel": float(np.median(rel_all)),
        "mean_rel": float(np.mean(rel_all)),
        "object_pixels": int(len(abs_all)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=None, help="optional wall-clock cap (default: none)")
    parser.add_argument("--iterations", type=int, default=None, help="iterations (default: the preset's)")
    parser.add_argument("--preset", default="grid-default")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    capture = synthetic_capture(OUT / "capture")
    train, held, held_index = split_frames(capture)
    config = preset(args.preset)
    config.max_seconds = args.seconds
    config.max_iterations = args.iterations or config.max_iterations
    config.eval_every = None
    start = time.perf_counter()
    field, metrics = train_field(
        train, config, seed=args.seed,
        progress=lambda p: print(f"  iteration {p.iteration}  loss {p.loss:.5f}  {p.elapsed_s:.0f} s", flush=True)
        if p.iteration % 200 == 0 else None,
    )
    seconds = time.perf_counter() - start
    field.save(OUT / "field")
    scores = evaluate(field, capture, held, held_index)

    print(f"\n`python -m bench.bench_nerf_training --preset {args.preset} --iterations {config.max_iterations}"
          + (f" --seconds {args.seconds:g}`\n" if args.seconds else "`\n"))
    print(f"Machine: {machine_line()}\n")
    print("| figure | value |\n| --- | --- |")
    rows = [
        ("frames (train / held out)", f"{len(train)} / {len(held)} at 128x96"),
        ("training wall time (incl. setup)", f"{seconds:.1f} s"),
        ("iterations", f"{metrics.iterations} of {metrics.planned_iterations}{' (cut short)' if metrics.cut_short else ''}"
                       f" ({metrics.iterations / metrics.seconds:.2f} it/s)"),
        ("final grid resolution, occupied cells", f"{metrics.extra['resolution']}^3, {metrics.extra['occupied_fraction'] * 100:.1f} %"),
        ("held-out PSNR", f"{scores['psnr']:.2f} dB (target >= 25)"),
        ("median depth error, object pixels", f"{scores['median_abs'] * 100:.2f} cm / {scores['median_rel'] * 100:.2f} % (target <= 3 %)"),
        ("mean depth error, object pixels", f"{scores['mean_abs'] * 100:.2f} cm / {scores['mean_rel'] * 100:.2f} %"),
        ("object pixels evaluated", str(scores["object_pixels"])),
    ]
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
