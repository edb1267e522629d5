"""Benchmark: the field-quality measures on fields trained for more or fewer iterations, and their verdicts.

    python -m bench.bench_field_quality                        # exact field, 60, 150, 500 and 2,000 iterations
    python -m bench.bench_field_quality --iterations 60 150    # some only

The default synthetic scene (50 orbit frames at 128x96, every 10th held out as the training job does)
is assessed with its exact field and with voxel-grid fields trained for each iteration count (the
grid-fast preset for 60 and fewer, grid-default otherwise). Each row gives the measures
:func:`nerf_labeling.fields.quality.assess_field` takes, the verdict the documented thresholds give, and
how long the assessment took: the figures the thresholds in ``nerf_labeling/fields/quality.py`` rest on.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from nerf_labeling.fields.quality import assess_field
from nerf_labeling.synthetic import SyntheticField, write_synthetic_capture
from nerf_labeling.training import preset, train_field

#: As the training job: every n-th frame is held out.
HELD_OUT_EVERY = 10


def trained(frames, iterations: int):
    config = preset("grid-fast" if iterations <= 60 else "grid-default")
    config.max_iterations, config.eval_every = iterations, None
    start = time.perf_counter()
    field, _ = train_field(frames, config, seed=0)
    return field, time.perf_counter() - start


def row(name: str, field, cameras, held_out, train_s: float | None) -> str:
    start = time.perf_counter()
    quality = assess_field(field, cameras, held_out)
    seconds = time.perf_counter() - start
    per_frame = [f.depth_disagreement for f in quality.frames if f.depth_disagreement is not None]
    spread = f"{min(per_frame):.2%}-{max(per_frame):.2%}" if per_frame else "-"
    trained_in = f"{train_s:.0f} s" if train_s is not None else "-"
    disagreement = "-" if quality.depth_disagreement is None else f"{quality.depth_disagreement:.2%}"
    return (f"| {name} | {trained_in} | {quality.held_out_psnr:.2f} dB | {disagreement} ({spread}) | "
            f"{quality.crisp_fraction:.1%} | **{quality.verdict}** | {seconds:.1f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, nargs="*", default=[60, 150, 500, 2000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        capture = write_synthetic_capture(Path(workdir), n_frames=50, width=128, height=96)
        pairs = [(capture.image(i), camera) for i, camera in enumerate(capture.cameras)]
    held = {i for i in range(len(pairs)) if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1}
    training = [pair for i, pair in enumerate(pairs) if i not in held]
    cameras = [camera for _, camera in pairs]
    held_out = {i: pairs[i][0] for i in sorted(held)}
    print(f"load average {os.getloadavg()[0]:.1f} at start\n")
    print("| field | training | held-out PSNR | depth disagreement (per frame) | crisp pixels | verdict | assessment |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: |")
    print(row("exact synthetic field", SyntheticField(capture.scene), cameras, held_out, None), flush=True)
    for iterations in args.iterations:
        field, seconds = trained(training, iterations)
        print(row(f"{iterations} iterations", field, cameras, held_out, seconds), flush=True)


if __name__ == "__main__":
    main()
