"""nerfacto through the platform's own trainer on a GPU: time to 25 dB, held-out PSNR, depth error, memory.

    python -m bench.bench_nerfacto_gpu [--frames 120] [--width 400] [--height 300] [--seconds 270] [--seed 2611]
    python -m bench.bench_nerfacto_gpu --device cpu --frames 6 --width 40 --height 30 --seconds 20   # a dry run

A random scene (``--seed``, six objects, not a scene anyone tuned on) seen from random hemisphere
viewpoints is written with exact ground truth; every tenth frame is held out. The ``nerfacto`` preset
trains its 15,000 iterations or until the explicit wall-clock cap ``--seconds`` (evaluations included)
cuts it short. Every ``--eval-every`` iterations four held-out frames are rendered to find when held-out
PSNR first reaches 25 dB; evaluation time is taken out of the reported training times. At the end: held-out PSNR over all held-out frames, median depth error on object pixels against
the exact ground-truth z-depth, iterations per second, peak GPU memory, and a check that the saved field,
loaded back, renders what the trained one did. Prints a table and writes ``--json``.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

TARGET_PSNR = 25.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--width", type=int, default=400)
    parser.add_argument("--height", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=270.0, help="wall-clock cap (evaluations included)")
    parser.add_argument("--seed", type=int, default=2611, help="scene and viewpoints")
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--work", type=Path, default=None, help="where to write the capture and the run")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = parser.parse_args()

    import torch

    from bench.bench_nerf_training import evaluate, machine_line, split_frames
    from nerf_labeling.fields.base import render_view
    from nerf_labeling.fields.saved_field import load_field
    from nerf_labeling.synthetic import write_synthetic_capture
    from nerf_labeling.synthetic.presets import random_scene
    from nerf_labeling.training import preset, train_field
    from nerf_labeling.training.nerfacto_trainer import NerfactoTrainer

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-nerfacto-"))
    start = time.perf_counter()
    capture = write_synthetic_capture(
        work / "capture", n_frames=args.frames, width=args.width, height=args.height, trajectory="random",
        seed=args.seed, scene=random_scene(np.random.default_rng(args.seed), 6), workers=os.cpu_count() or 1,
    )
    capture_seconds = time.perf_counter() - start
    train, held, held_index = split_frames(capture, every=10)

    # Evaluations are timed so they can be taken out of the training time.
    eval_seconds, curve = [0.0], []
    untimed_evaluate = NerfactoTrainer.evaluate

    def timed_evaluate(self, field):
        begin = time.perf_counter()
        try:
            return untimed_evaluate(self, field)
        finally:
            eval_seconds[0] += time.perf_counter() - begin

    NerfactoTrainer.evaluate = timed_evaluate

    config = preset("nerfacto")
    config.device, config.work_dir = args.device, str(work / "run")
    config.max_seconds = args.seconds  # the explicit cap: the run says it was cut short
    config.eval_every, config.progress_every = args.eval_every, args.eval_every

    def on_progress(report):
        if report.held_out_psnr is not None:
            training_s = report.elapsed_s - eval_seconds[0]
            curve.append({"iteration": report.iteration, "training_s": round(training_s, 1),
                          "held_out_psnr": round(report.held_out_psnr, 2)})
            print(f"  iteration {report.iteration:6d}  {training_s:6.1f} s training  held-out (4 frames) "
                  f"{report.held_out_psnr:.2f} dB", flush=True)

    gpu = args.device.startswith("cuda")
    if gpu:
        torch.cuda.reset_peak_memory_stats()
    field, metrics = train_field(train, config, held_out=held[:4], progress=on_progress, seed=0)
    training_s = metrics.seconds - eval_seconds[0]
    peak_gib = torch.cuda.max_memory_allocated() / 2**30 if gpu else float("nan")
    reached = next((point for point in curve if point["held_out_psnr"] >= TARGET_PSNR), None)

    scores = evaluate(field, capture, held, held_index)
    field.save(work / "saved")
    loaded = load_field(work / "saved")
    camera = held[0][1]
    trained_view, loaded_view = render_view(field, camera), render_view(loaded, camera)
    reload_max_rgb_diff = float(np.max(np.abs(trained_view.rgb - loaded_view.rgb)))

    figures = {
        "device": torch.cuda.get_device_name() if gpu else "cpu",
        "machine": machine_line(),
        "frames_train_held_out": [len(train), len(held)],
        "resolution": [args.width, args.height],
        "scene_seed": args.seed,
        "capture_write_s": round(capture_seconds, 1),
        "iterations": metrics.iterations,
        "cut_short": metrics.cut_short,
        "training_s_excluding_eval": round(training_s, 1),
        "iterations_per_s": round(metrics.iterations / training_s, 2),
        "held_out_psnr": round(scores["psnr"], 2),
        "median_depth_error_rel": round(scores["median_rel"], 4),
        "median_depth_error_m": round(scores["median_abs"], 4),
        "seconds_to_25_db": reached["training_s"] if reached else None,
        "iterations_to_25_db": reached["iteration"] if reached else None,
        "peak_gpu_memory_gib": round(peak_gib, 2),
        "reloaded_field_max_rgb_difference": reload_max_rgb_diff,
        "curve": curve,
    }
    print("\n| figure | value |\n| --- | --- |")
    for name, value in figures.items():
        if name != "curve":
            print(f"| {name} | {value} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
