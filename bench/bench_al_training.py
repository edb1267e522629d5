"""Benchmark: continuous training of the scoring model between AL rounds vs retraining from scratch.

Run from the repository root::

    python -m bench.bench_al_training            # 3 seeds, redundant and diverse pools, budget 10-10 to 50 %
    python -m bench.bench_al_training --quick    # 1 seed, smaller pools
    python -m bench.bench_al_training --initial-steps 120 --cycle-steps 30   # bench_al_curves' steps, ~3x longer

The defaults (40 first steps, 20 per cycle) keep the full run near 2 minutes on a lightly loaded core and
under 8 on the shared 2-core machine; the scaled mode's cost grows with the first model's steps.

Pools are bench_al_curves' synthetic redundant (orbit frames) and diverse (independent views) pools. Each
seed shares one first model (trained on a random 10 % of the pool) among three training modes, then runs
the same AL loop with one acquisition (random by default, seeded alike in every mode, so every mode labels
the same frames and only the training differs):

- continuous: each cycle continues from the previous weights for ``--cycle-steps`` steps (ActiveAnno3D);
- scratch, same steps: fresh weights each cycle, ``--cycle-steps`` steps (same training cost as continuous);
- scratch, scaled steps: fresh weights each cycle, ``--initial-steps`` x |labelled| / |initial| steps, i.e.
  as many passes over each labelled frame as the first model got. This is the fair peer in accuracy:
  a fresh model given only a cycle's few steps is simply under-trained.

The modes of one seed and pool run one after the other (order rotated by seed) on the same labelled sets,
so their times are measured side by side; ratios and differences are taken per seed, then averaged.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from active.acquisition import make_acquisition
from active.acquisition.registry import functions_for
from active.budget_curves import Budget, auc_at_budget, miou_at_budget
from active.models import SegmentationModelConfig
from active.simulation import SimulationConfig, first_round, run_active_learning
from bench.bench_al_curves import CLASS_NAMES, FULL, QUICK, build_pools


@dataclass(frozen=True)
class Mode:
    name: str
    from_scratch: bool
    scale_steps: bool


MODES = (
    Mode("continuous", from_scratch=False, scale_steps=False),
    Mode("scratch, same steps", from_scratch=True, scale_steps=False),
    Mode("scratch, scaled steps", from_scratch=True, scale_steps=True),
)


@dataclass(frozen=True)
class Run:
    """One AL loop: pool, mode, seed, training steps and seconds summed over cycles, final mIoU, AUC."""

    pool: str
    mode: str
    seed: int
    steps: int
    seconds: float
    miou: float
    auc: float


def mode_config(mode: Mode, budget: Budget, args) -> SimulationConfig:
    steps = args.initial_steps if mode.scale_steps else args.cycle_steps
    return SimulationConfig(budget, args.up_to, initial_steps=args.initial_steps, cycle_steps=steps,
                            from_scratch=mode.from_scratch, scale_steps=mode.scale_steps)


def run_seed(pools: dict, budget: Budget, seed: int, args) -> list[Run]:
    """Every mode on every pool for one seed, from one shared first model per pool."""
    runs = []
    model_config = SegmentationModelConfig(n_classes=len(CLASS_NAMES), width=8, seed=seed)
    for pool_name, (pool, test) in pools.items():
        start = first_round(pool, test, model_config=model_config, config=mode_config(MODES[0], budget, args),
                            rng=np.random.default_rng([seed, 1]))
        labelled_sets = []
        # Rotating the order by seed spreads drifts of the shared machine's load over the modes.
        for mode in MODES[seed % len(MODES):] + MODES[:seed % len(MODES)]:
            config = mode_config(mode, budget, args)
            acquisition = make_acquisition(args.acquisition, rng=np.random.default_rng([seed, 2]))
            curve = run_active_learning(pool, test, acquisition, start=start, config=config)
            counts = budget.counts(len(pool), args.up_to)
            steps = sum(config.steps_for(int(n), int(counts[0])) for n in counts[1:])
            labelled_sets.append(np.sort(np.concatenate(curve.picked)))
            runs.append(Run(pool_name, mode.name, seed, steps, float(sum(curve.train_seconds)),
                            miou_at_budget(curve.fractions, curve.mious, args.up_to),
                            auc_at_budget(curve.fractions, curve.mious, args.up_to)))
            print(f"  seed {seed} {pool_name} {mode.name}: mIoU {runs[-1].miou:.3f}, {runs[-1].seconds:.0f} s",
                  file=sys.stderr, flush=True)
        if args.acquisition == "random" and not all(np.array_equal(s, labelled_sets[0]) for s in labelled_sets):
            raise RuntimeError("random acquisition labelled different frames in different modes")
    return runs


def mean_std(values) -> str:
    values = np.asarray(values, dtype=np.float64)
    return f"{values.mean():.3f} ± {values.std():.3f}"


def table_rows(runs: list[Run]) -> list[str]:
    """Markdown rows per pool and mode; ratio and differences are continuous vs that mode, paired by seed."""
    lines = []
    for pool in dict.fromkeys(r.pool for r in runs):
        by = {(r.mode, r.seed): r for r in runs if r.pool == pool}
        seeds = sorted({r.seed for r in runs if r.pool == pool})
        for mode in MODES:
            own = [by[(mode.name, s)] for s in seeds]
            ref = [by[(MODES[0].name, s)] for s in seeds]
            seconds = [r.seconds for r in own]
            lines.append(
                f"| {pool} | {mode.name} | {own[0].steps} | {np.mean(seconds):.1f} ± {np.std(seconds):.1f} "
                f"| {1000 * sum(seconds) / sum(r.steps for r in own):.0f} "
                f"| {mean_std([r.miou for r in own])} | {mean_std([r.auc for r in own])} "
                f"| {mean_std([c.seconds / r.seconds for c, r in zip(ref, own)])} "
                f"| {mean_std([c.miou - r.miou for c, r in zip(ref, own)])} "
                f"| {mean_std([c.auc - r.auc for c, r in zip(ref, own)])} |")
    return lines


def print_report(runs: list[Run], args, minutes: float) -> None:
    command = " ".join(["python -m bench.bench_al_training", *sys.argv[1:]])
    b = int(round(100 * args.up_to))
    print(f"## Continuous vs from-scratch training between AL rounds\n\nCommand: `{command}`  ")
    print(f"Machine: {os.cpu_count()} CPU cores SHARED with other engineers' jobs (load average "
          f"{os.getloadavg()[0]:.1f} at the end), so absolute seconds are inflated and noisy; the modes of a "
          f"seed ran back to back, so the ratios are the figure to read. Python {platform.python_version()}, "
          f"torch {torch.__version__}, 1 torch thread; {minutes:.1f} min in all.  ")
    print(f"Frames {args.width}x{args.height}; seeds {args.seeds}; TinyUNet width 8, batch 8; budget "
          f"{args.budget} up to {b} % of the pool; acquisition {args.acquisition} (same picks in every mode: "
          f"{'yes, checked' if args.acquisition == 'random' else 'no, picks follow each mode’s model'}); "
          f"first model {args.initial_steps} steps, shared by the modes and not counted below.\n")
    print(f"| pool | mode | training steps, sum over cycles | training wall s, sum over cycles | ms per step "
          f"| final mIoU@{b} | AUC@{b} | time ratio continuous / mode | mIoU continuous − mode "
          f"| AUC continuous − mode |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(table_rows(runs)))
    print("\nAll figures are mean ± std across seeds (std with ddof 0); ratio and differences are per seed.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, smaller pools")
    parser.add_argument("--width", type=int, default=48)
    parser.add_argument("--height", type=int, default=36)
    parser.add_argument("--budget", default="10-10")
    parser.add_argument("--up-to", type=float, default=0.5)
    parser.add_argument("--acquisition", default="random",
                        choices=sorted(entry.name for entry in functions_for("segmentation")))
    parser.add_argument("--initial-steps", type=int, default=40)
    parser.add_argument("--cycle-steps", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.seeds = [0] if args.quick else [0, 1, 2]
    began = time.perf_counter()
    runs = []
    with tempfile.TemporaryDirectory() as root:
        for seed in args.seeds:
            pools = build_pools(Path(root), QUICK if args.quick else FULL, seed, args.width, args.height)
            print(f"seed {seed}: pools rendered after {time.perf_counter() - began:.0f} s", file=sys.stderr)
            runs += run_seed(pools, Budget.parse(args.budget), seed, args)
    print_report(runs, args, (time.perf_counter() - began) / 60)


if __name__ == "__main__":
    main()
