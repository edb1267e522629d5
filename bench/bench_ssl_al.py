"""Benchmark: semi-supervised active learning, and paired differences that say whether methods differ.

Run from the repository root::

    python -m bench.bench_ssl_al --quick         # the size in BENCHMARKS.md: 16 min on the shared 2-core CPU
    python -m bench.bench_ssl_al                 # 2.5 times the pools, for a quieter or faster machine

For every seed: a redundant and a diverse pool (as in :mod:`bench.bench_al_curves`), a low (2-2, to 10 %)
and a high (10-10, to 50 %) budget, and each method trained with and without the FixMatch-style consistency
term on the pool's unlabelled frames (:mod:`active.models.fixmatch`). Runs of a seed share scenes, the
initial labelled set and the model's initialisation, so a difference between two runs of one seed is paired;
the tables give the mean of those differences over seeds with a 95 % t-interval. An interval that excludes 0
separates the two; one that contains 0 shows nothing either way.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from active.acquisition import make_acquisition
from active.budget_curves import Budget, auc_at_budget
from active.models import SegmentationModelConfig
from active.simulation import SimulationConfig, first_round, run_active_learning
from bench.bench_al_curves import CLASS_NAMES, PoolSizes, build_pools

METHODS = ("random", "entropy", "coreset")
BUDGETS = ((Budget.parse("2-2"), 0.1), (Budget.parse("10-10"), 0.5))
#: Table 7 of the paper: the (method, semi-supervised) it recommends for (pool, low budget)
PAPER_CELLS = {
    ("redundant", True): ("coreset", True),
    ("redundant", False): ("coreset", True),
    ("diverse", True): ("random", True),
    ("diverse", False): ("entropy", False),
}
SIZES = PoolSizes(redundant_scenes=6, orbit_frames=50, diverse_scenes=150, views_per_scene=2, test_frames=48)
QUICK = PoolSizes(redundant_scenes=3, orbit_frames=40, diverse_scenes=60, views_per_scene=2, test_frames=24)


def run_seed(pools: dict, seed: int, args) -> tuple[dict, list]:
    """{(pool, budget, method, ssl): AUC} of one seed, and (ssl, seconds) of every cycle's training."""
    aucs, cycle_seconds = {}, []
    model_config = SegmentationModelConfig(n_classes=len(CLASS_NAMES), width=8, seed=seed)
    for pool_name, (pool, test) in pools.items():
        for budget, up_to in BUDGETS:
            for ssl in (False, True):
                config = SimulationConfig(budget, up_to, initial_steps=args.initial_steps,
                                          cycle_steps=args.cycle_steps, mc_passes=1, semi_supervised=ssl)
                start = first_round(pool, test, model_config=model_config, config=config,
                                    rng=np.random.default_rng([seed, 1]))
                for method in METHODS:
                    acquisition = make_acquisition(method, rng=np.random.default_rng([seed, 2]))
                    curve = run_active_learning(pool, test, acquisition, start=start, config=config)
                    key = (pool_name, str(budget), method, ssl)
                    aucs[key] = auc_at_budget(curve.fractions, curve.mious, up_to)
                    cycle_seconds += [(ssl, s) for s in curve.train_seconds]
                    print(f"  seed {seed} {pool_name} {budget} {method}{' SSL' if ssl else ''}: "
                          f"AUC {aucs[key]:.3f}", file=sys.stderr, flush=True)
    return aucs, cycle_seconds


def paired_interval(differences: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): the mean of per-seed differences and its t-interval."""
    differences = np.asarray(differences, dtype=np.float64)
    mean = float(differences.mean())
    if len(differences) < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + confidence / 2, len(differences) - 1) * differences.std(ddof=1) / np.sqrt(
        len(differences))
    return mean, mean - half, mean + half


def contrasts() -> list[tuple[str, str, tuple[str, bool], tuple[str, bool]]]:
    """(pool, budget, a, b) pairs to compare: every method's SSL gain, then the paper's cell against every
    other method, with and without SSL (against its own method, that is the SSL gain already listed)."""
    pairs = []
    for pool in ("redundant", "diverse"):
        for budget, _ in BUDGETS:
            pairs += [(pool, str(budget), (m, True), (m, False)) for m in METHODS]
            best = PAPER_CELLS[(pool, budget.per_cycle <= 0.05)]
            pairs += [(pool, str(budget), best, (m, ssl)) for m in METHODS for ssl in (False, True)
                      if m != best[0]]
    return pairs


def label(method: str, ssl: bool) -> str:
    return f"{method}{'+SSL' if ssl else ''}"


def print_report(per_seed: list[dict], cycle_seconds: list, args, minutes: float, load: str) -> None:
    seeds = len(per_seed)
    print(f"Command: `{' '.join(['python -m bench.bench_ssl_al', *sys.argv[1:]])}`  ")
    print(f"Machine: {os.cpu_count()} CPU cores shared with other engineers' jobs, /proc/loadavg at the end "
          f"`{load}`; Python {platform.python_version()}, torch {torch.__version__}, 1 torch thread; "
          f"{minutes:.1f} min in all; {seeds} seeds; frames {args.width}x{args.height}; TinyUNet width 8, "
          f"{args.initial_steps} steps first, {args.cycle_steps} per cycle (continued).\n")
    for ssl in (False, True):
        times = np.array([s for on, s in cycle_seconds if on == ssl])
        print(f"- training per cycle {'with' if ssl else 'without'} SSL: {times.mean():.2f} s "
              f"(median {np.median(times):.2f} s, {len(times)} cycles)")
    print("\n| pool | budget | method | AUC mean | AUC std |\n| --- | --- | --- | ---: | ---: |")
    for key in per_seed[0]:
        values = np.array([seed[key] for seed in per_seed])
        print(f"| {key[0]} | {key[1]} | {label(*key[2:])} | {values.mean():.3f} | {values.std(ddof=1):.3f} |")
    print("\n| pool | budget | a − b | mean | 95 % interval | excludes 0 |\n| --- | --- | --- | ---: | --- | --- |")
    for pool, budget, a, b in contrasts():
        differences = np.array([seed[(pool, budget, *a)] - seed[(pool, budget, *b)] for seed in per_seed])
        mean, low, high = paired_interval(differences)
        verdict = "yes, a > b" if low > 0 else "yes, a < b" if high < 0 else "no"
        print(f"| {pool} | {budget} | {label(*a)} − {label(*b)} | {mean:+.3f} | [{low:+.3f}, {high:+.3f}] "
              f"| {verdict} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller pools")
    parser.add_argument("--width", type=int, default=48)
    parser.add_argument("--height", type=int, default=36)
    parser.add_argument("--initial-steps", type=int, default=60)
    parser.add_argument("--cycle-steps", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    began = time.perf_counter()
    per_seed, cycle_seconds = [], []
    with tempfile.TemporaryDirectory() as root:
        for seed in range(args.seeds):
            pools = build_pools(Path(root), QUICK if args.quick else SIZES, seed, args.width, args.height)
            print(f"seed {seed}: pools rendered after {time.perf_counter() - began:.0f} s", file=sys.stderr)
            aucs, seconds = run_seed(pools, seed, args)
            per_seed.append(aucs)
            cycle_seconds += seconds
    load = Path("/proc/loadavg").read_text().strip()
    print_report(per_seed, cycle_seconds, args, (time.perf_counter() - began) / 60, load)


if __name__ == "__main__":
    main()
