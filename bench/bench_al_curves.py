"""Benchmark: does the direction of "Best Practices in Active Learning for Semantic Segmentation" hold on
Raylabel's synthetic pools?

Run from the repository root::

    python -m bench.bench_al_curves            # 3 seeds, budgets 10-10 (to 50 %) and 2-2 (to 10 %)
    python -m bench.bench_al_curves --quick    # 1 seed, budget 10-10 only, smaller pools

Pools come from :mod:`nerf_labeling.synthetic` (``write_synthetic_capture``); the target is the class mask
(ground-truth instance ids -> class names from ``objects.json``; 0 = ground and sky):

- redundant: consecutive orbit frames (video-like) of a few random scenes; test = random views of them;
- diverse: independent random hemisphere views of many random scenes; test = views of other scenes.

Every seed draws its own scenes, initial labelled set and model initialisation; the first model is
shared by all methods of a seed. The scoring model is a TinyUNet (width 8) trained continuously between
cycles on the CPU. AUC@B is the area under test mIoU vs labelled fraction up to B over the covered span.
The settings were fixed before the first run and not tuned to agree with the paper.
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
from active.policy import choose_acquisition
from active.redundancy import estimate_redundancy
from active.simulation import SegmentationSet, SimulationConfig, first_round, run_active_learning

METHODS = tuple(entry.name for entry in functions_for("segmentation"))
CLASS_NAMES = ("background", "ball", "box", "can")  # the classes random_scene gives its shapes


@dataclass(frozen=True)
class PoolSizes:
    redundant_scenes: int
    orbit_frames: int
    diverse_scenes: int
    views_per_scene: int
    test_frames: int


FULL = PoolSizes(redundant_scenes=4, orbit_frames=50, diverse_scenes=100, views_per_scene=2, test_frames=40)
QUICK = PoolSizes(redundant_scenes=3, orbit_frames=40, diverse_scenes=60, views_per_scene=2, test_frames=24)


def class_mask_set(captures) -> SegmentationSet:
    """Images, class masks and sequence ids (one per capture) from written synthetic captures."""
    images, masks, sequences = [], [], []
    for sequence, capture in enumerate(captures):
        lookup = np.zeros(1 + max(o["instance_id"] for o in capture.objects()), dtype=np.int64)
        for obj in capture.objects():
            lookup[obj["instance_id"]] = CLASS_NAMES.index(obj["class_name"])
        for index in range(len(capture.cameras)):
            images.append(capture.image(index))
            masks.append(lookup[capture.instance_mask(index)])
            sequences.append(sequence)
    return SegmentationSet(np.stack(images), np.stack(masks), np.asarray(sequences))


def build_pools(root: Path, sizes: PoolSizes, seed: int, width: int, height: int) -> dict:
    """{"redundant": (pool, test), "diverse": (pool, test)} rendered under ``root``."""
    from nerf_labeling.synthetic import random_scene, write_synthetic_capture

    rng = np.random.default_rng(seed)

    def capture(name, scene, n_frames, trajectory):
        return write_synthetic_capture(root / f"{seed}-{name}", n_frames=n_frames, width=width, height=height,
                                       trajectory=trajectory, seed=int(rng.integers(2**31)), scene=scene)

    def scene():
        return random_scene(rng, int(rng.integers(3, 6)))

    orbit_scenes = [scene() for _ in range(sizes.redundant_scenes)]
    per_scene_test = sizes.test_frames // sizes.redundant_scenes
    redundant = (
        class_mask_set([capture(f"orbit{i}", s, sizes.orbit_frames, "orbit") for i, s in enumerate(orbit_scenes)]),
        class_mask_set([capture(f"orbit{i}-test", s, per_scene_test, "random") for i, s in enumerate(orbit_scenes)]),
    )
    n_test_scenes = sizes.test_frames // sizes.views_per_scene
    diverse = (
        class_mask_set([capture(f"view{i}", scene(), sizes.views_per_scene, "random")
                        for i in range(sizes.diverse_scenes)]),
        class_mask_set([capture(f"view{i}-test", scene(), sizes.views_per_scene, "random")
                        for i in range(n_test_scenes)]),
    )
    return {"redundant": redundant, "diverse": diverse}


def run_seed(pools: dict, budgets: list[tuple[Budget, float]], seed: int, args) -> tuple[list, list]:
    """AUC@B / mIoU@B rows and policy rows for one seed."""
    rows, policy_rows = [], []
    model_config = SegmentationModelConfig(n_classes=len(CLASS_NAMES), width=8, seed=seed)
    for pool_name, (pool, test) in pools.items():
        for budget, up_to in budgets:
            config = SimulationConfig(budget, up_to, initial_steps=args.initial_steps, cycle_steps=args.cycle_steps,
                                      mc_passes=args.mc_passes)
            start = first_round(pool, test, model_config=model_config, config=config,
                                rng=np.random.default_rng([seed, 1]))
            # Only the orbit pool's frames are in temporal order; independent views carry no sequence.
            sequences = pool.sequence_ids if pool_name == "redundant" else None
            redundancy = estimate_redundancy(start.model.features(pool.images), np.random.default_rng(seed),
                                             sequence_ids=sequences)
            choice = choose_acquisition(redundancy, budget, len(pool))
            policy_rows.append((pool_name, str(budget), seed, redundancy.score, choice.method, choice.reason))
            for method in METHODS:
                acquisition = make_acquisition(method, rng=np.random.default_rng([seed, 2]))
                began = time.perf_counter()
                curve = run_active_learning(pool, test, acquisition, start=start, config=config)
                rows.append((pool_name, str(budget), method, seed, auc_at_budget(curve.fractions, curve.mious, up_to),
                             miou_at_budget(curve.fractions, curve.mious, up_to), time.perf_counter() - began,
                             adjacent_pick_share(curve.picked, pool.sequence_ids)))
                print(f"  seed {seed} {pool_name} {budget} {method}: AUC {rows[-1][4]:.3f} "
                      f"({rows[-1][6]:.0f} s)", file=sys.stderr, flush=True)
    return rows, policy_rows


def adjacent_pick_share(picked: tuple[np.ndarray, ...], sequence_ids: np.ndarray, window: int = 2) -> float:
    """Share of picks with another pick of the same cycle within ``window`` frames of the same sequence:
    how much a batch collapses onto runs of near-identical consecutive frames (pool frames of a capture
    are stored in order)."""
    near = []
    for batch in picked:
        batch = np.sort(batch)
        gaps = np.abs(batch[:, None] - batch[None, :])
        same = sequence_ids[batch][:, None] == sequence_ids[batch][None, :]
        np.fill_diagonal(gaps, window + 1)
        near.extend(((gaps <= window) & same).any(axis=1).tolist())
    return float(np.mean(near)) if near else float("nan")


def summarise(rows: list) -> dict:
    """{(pool, budget, method): (auc mean, auc std, miou mean, miou std, paired AUC gain over random: mean,
    std, n seeds)}. The gain is taken per seed (same scenes, same first model), which removes the large
    scene-to-scene spread that the plain std carries."""
    auc = {(row[0], row[1], row[2], row[3]): row[4] for row in rows}
    table = {}
    for key in sorted({row[:3] for row in rows}):
        seeds = sorted(row[3] for row in rows if row[:3] == key)
        aucs = np.array([auc[key + (seed,)] for seed in seeds])
        mious = np.array([row[5] for row in rows if row[:3] == key])
        gains = aucs - np.array([auc[key[:2] + ("random", seed)] for seed in seeds])
        adjacent = np.mean([row[7] for row in rows if row[:3] == key])
        table[key] = (aucs.mean(), aucs.std(), mious.mean(), mious.std(), gains.mean(), gains.std(), len(aucs),
                      adjacent)
    return table


def findings(table: dict, budgets: list[tuple[Budget, float]], policy_rows: list) -> list[str]:
    """The paper's claims, each checked on the means (spread given alongside)."""
    lines = []

    def auc(pool, budget, method):
        return table[(pool, str(budget), method)][0]

    def gain_spread(pool, budget, method):
        return table[(pool, str(budget), method)][5]

    for budget, _ in budgets:
        single = {m: auc("redundant", budget, m) for m in ("entropy", "equal", "bald")}
        holds = auc("redundant", budget, "coreset") >= max(single.values())
        lines.append(f"redundant, {budget}: Coreset ({auc('redundant', budget, 'coreset'):.3f}) beats every "
                     f"single-sample method (best {max(single, key=single.get)} {max(single.values()):.3f}): "
                     f"{'HOLDS' if holds else 'DOES NOT HOLD'}")
        best = max(METHODS, key=lambda m: auc("diverse", budget, m))
        if budget.per_cycle <= 0.05:
            gap, spread = auc("diverse", budget, best) - auc("diverse", budget, "random"), gain_spread(
                "diverse", budget, best)
            holds = gap <= spread
            lines.append(f"diverse, {budget} (low): random within the per-seed spread ({spread:.3f}) of the best "
                         f"({best}, mean gain {gap:.3f}): {'HOLDS' if holds else 'DOES NOT HOLD'}")
        else:
            top = max(("entropy", "equal"), key=lambda m: auc("diverse", budget, m))
            holds = auc("diverse", budget, top) >= max(auc("diverse", budget, m) for m in ("random", "coreset"))
            lines.append(f"diverse, {budget} (high): {top} ({auc('diverse', budget, top):.3f}) beats random and "
                         f"Coreset (best of them {max(auc('diverse', budget, m) for m in ('random', 'coreset')):.3f}): "
                         f"{'HOLDS' if holds else 'DOES NOT HOLD'}")
    expected = {"redundant": "coreset"}
    for pool, budget, seed, score, method, _ in policy_rows:
        want = expected.get(pool) or ("random" if Budget.parse(budget).per_cycle <= 0.05 else "equal")
        if method != want:
            lines.append(f"policy, {pool} {budget} seed {seed}: chose {method}, expected {want} "
                         f"(redundancy {score:.2f}): DOES NOT HOLD")
    if not any("policy" in line for line in lines):
        lines.append("policy: chose the paper's method for every pool, budget and seed: HOLDS")
    return lines


def print_report(table, policy_rows, lines, args, budgets, minutes) -> None:
    command = "python -m bench.bench_al_curves" + (" --quick" if args.quick else "")
    print(f"## Active-learning curves on synthetic pools\n\nCommand: `{command}`  ")
    print(f"Machine: {os.cpu_count()} CPU cores shared with other engineers' jobs (load average "
          f"{os.getloadavg()[0]:.1f} at the end), Python {platform.python_version()}, torch {torch.__version__}, "
          f"1 torch thread; {minutes:.1f} min in all. Frames {args.width}x{args.height}; seeds {args.seeds}; "
          f"TinyUNet width 8, {args.initial_steps} steps first, {args.cycle_steps} steps per cycle (continued), "
          f"{args.mc_passes} MC passes.\n")
    for budget, up_to in budgets:
        b = int(round(100 * up_to))
        print(f"\n### Budget {budget}, up to {b} %\n")
        print(f"| pool | method | AUC@{b} mean | AUC@{b} std | mIoU@{b} mean | mIoU@{b} std "
              f"| AUC@{b} gain over random, per seed: mean | std | seeds | picks next to a pick |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for (pool, budget_name, method), (am, asd, mm, msd, gm, gsd, n, adj) in table.items():
            if budget_name == str(budget):
                adjacent = f"{adj:.2f}" if pool == "redundant" else "n/a"
                print(f"| {pool} | {method} | {am:.3f} | {asd:.3f} | {mm:.3f} | {msd:.3f} | {gm:+.3f} | {gsd:.3f} "
                      f"| {n} | {adjacent} |")
    print("\n'picks next to a pick': share of a cycle's picks within 2 orbit frames of another pick of the same "
          "cycle (redundant pool only; its frames are in orbit order).")
    print("\n### Policy (redundancy from the first model's features)\n")
    print("| pool | budget | seed | redundancy | method | reason |\n| --- | --- | --- | --- | --- | --- |")
    for pool, budget, seed, score, method, reason in policy_rows:
        print(f"| {pool} | {budget} | {seed} | {score:.2f} | {method} | {reason} |")
    print("\n### What holds (on the means; the per-seed gain spread says how firmly)\n")
    for line in lines:
        print(f"- {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, 10-10 only, smaller pools")
    parser.add_argument("--width", type=int, default=48)
    parser.add_argument("--height", type=int, default=36)
    parser.add_argument("--initial-steps", type=int, default=120)
    parser.add_argument("--cycle-steps", type=int, default=30)
    parser.add_argument("--mc-passes", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.seeds = [0] if args.quick else [0, 1, 2]
    budgets = [(Budget.parse("10-10"), 0.5)] + ([] if args.quick else [(Budget.parse("2-2"), 0.1)])
    began = time.perf_counter()
    rows, policy_rows = [], []
    with tempfile.TemporaryDirectory() as root:
        for seed in args.seeds:
            pools = build_pools(Path(root), QUICK if args.quick else FULL, seed, args.width, args.height)
            print(f"seed {seed}: pools rendered after {time.perf_counter() - began:.0f} s", file=sys.stderr)
            seed_rows, seed_policy = run_seed(pools, budgets, seed, args)
            rows += seed_rows
            policy_rows += seed_policy
    table = summarise(rows)
    print_report(table, policy_rows, findings(table, budgets, policy_rows), args, budgets,
                 (time.perf_counter() - began) / 60)


if __name__ == "__main__":
    main()
