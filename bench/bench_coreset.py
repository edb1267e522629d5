"""Benchmark: Coreset (k-center greedy) selection, exact picks at float32 speed.

Run from the repository root::

    python -m bench.bench_coreset            # 40,000 x 256 (1,000 picks), naive ratio, 1,000,000 frames
    python -m bench.bench_coreset --quick    # 10,000 frames, no 1,000,000 case

Each case runs in a fresh subprocess: wall time of the selection alone (features are generated before
the clock starts), peak RSS above the baseline after generating the features (``ru_maxrss``), and in a
second run the peak of Python/numpy allocations (``tracemalloc``; torch's own allocations are not seen
by it, RSS includes them). Picks are compared with the float64 textbook reference
(:func:`active.k_center_reference.k_center_greedy_reference`, one full numpy pass per pick).

Features: "video-like" = 200-frame runs of a slow random walk in a 16-dim latent space mapped to 256 dims
plus noise (what pooled features of consecutive frames look like, the case the policy sends to Coreset);
"isotropic" = i.i.d. Gaussian, the worst case for the subspace screen (every pick scans everything).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

DIM = 256


def video_like_features(n: int, dim: int, seed: int, run_length: int = 200, latent: int = 16) -> np.ndarray:
    """(n, dim) float32: runs of consecutive frames drifting slowly through a low-dimensional latent space."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(latent, dim)).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, run_length):
        length = min(run_length, n - start)
        walk = rng.normal(size=latent) + np.cumsum(rng.normal(scale=0.05, size=(length, latent)), axis=0)
        out[start : start + length] = walk.astype(np.float32) @ mixing
        out[start : start + length] += rng.normal(scale=0.05, size=(length, dim)).astype(np.float32)
    return out


def isotropic_features(n: int, dim: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)


def naive_full_matrix(features: np.ndarray, k: int, centers: np.ndarray) -> np.ndarray:
    """Public-style baseline: each step recomputes the (N x |centres|) distance matrix and its row minimum."""
    import torch

    x = torch.from_numpy(features)
    chosen = [torch.from_numpy(centers)]
    picks = []
    for _ in range(k):
        dist = torch.cdist(x, torch.cat(chosen)).min(dim=1).values
        if picks:
            dist[picks] = -1.0
        pick = int(dist.argmax())
        picks.append(pick)
        chosen.append(x[pick : pick + 1])
    return np.asarray(picks)


def run_case(spec: dict) -> dict:
    """Runs in the child: generate features, time one selection, report time, memory and picks."""
    import torch

    from active.k_center_greedy import k_center_greedy
    from active.k_center_reference import k_center_greedy_reference

    make = video_like_features if spec["features"] == "video-like" else isotropic_features
    features = make(spec["n"], DIM, seed=0)
    centers = features[:: spec["n"] // spec["labelled"]][: spec["labelled"]] + np.float32(0.01)
    methods = {
        "fast": lambda: k_center_greedy(features, spec["k"], centers=centers).indices,
        "reference": lambda: k_center_greedy_reference(features, spec["k"], centers=centers).indices,
        "naive": lambda: naive_full_matrix(features, spec["k"], centers),
    }
    torch.set_num_threads(spec["threads"])
    if spec["tracemalloc"]:
        tracemalloc.start()
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    picks = methods[spec["method"]]()
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {"seconds": seconds, "rss_peak_mib": (peak_kib - baseline_kib) / 1024, "picks": np.asarray(picks).tolist()}
    if spec["tracemalloc"]:
        result["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    return result


def in_subprocess(**spec) -> dict:
    spec.setdefault("tracemalloc", False)
    spec.setdefault("threads", 1)
    out = subprocess.run([sys.executable, "-m", "bench.bench_coreset", "--child", json.dumps(spec)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(label: str, rows: list, reference_picks=None, **spec) -> dict:
    timed = in_subprocess(**spec)
    if spec["method"] == "fast":
        timed["tracemalloc_peak_mib"] = in_subprocess(**spec, tracemalloc=True)["tracemalloc_peak_mib"]
    same = "—" if reference_picks is None else ("yes" if timed["picks"] == reference_picks else "NO")
    rows.append((label, spec["features"], f'{spec["n"]:,}', spec["labelled"], spec["k"], f'{timed["seconds"]:.2f}',
                 f'{timed["rss_peak_mib"]:.0f}', f'{timed.get("tracemalloc_peak_mib", float("nan")):.0f}', same))
    print(f"  {label} {spec['features']} n={spec['n']} k={spec['k']}: {timed['seconds']:.2f} s", file=sys.stderr)
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 frames, skip the 1,000,000 case")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_case(json.loads(args.child))))
        return
    n = 10_000 if args.quick else 40_000
    rows: list = []
    ratios = []
    for kind in ("video-like", "isotropic"):
        reference = measure("float64 reference (numpy pass per pick)", rows, method="reference", features=kind,
                            n=n, labelled=400, k=1000)
        measure("k_center_greedy (this)", rows, reference["picks"], method="fast", features=kind, n=n,
                labelled=400, k=1000)
    small = dict(features="video-like", n=10_000, labelled=100, k=200)
    naive = measure("naive: full N x |centres| matrix per step", rows, method="naive", **small)
    fast_small = measure("k_center_greedy (this)", rows, naive["picks"], method="fast", **small)
    ratios.append(("naive full matrix / this", small, naive["seconds"] / fast_small["seconds"]))
    if not args.quick:
        measure("k_center_greedy (this), 200 picks", rows, method="fast", features="video-like", n=1_000_000,
                labelled=1000, k=200)
    print_report(rows, ratios, args)


def print_report(rows, ratios, args) -> None:
    command = "python -m bench.bench_coreset" + (" --quick" if args.quick else "")
    print(f"## Coreset selection (k-center greedy)\n\nCommand: `{command}`  ")
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores shared with other "
          f"engineers' jobs (load average {os.getloadavg()[0]:.1f} at the end), Python {platform.python_version()}; "
          "selection on the CPU with 1 torch thread (k_center_greedy's default; also for the naive baseline).\n")
    print("| method | features | N | labelled | picks | time (s) | peak RSS (MiB) | peak tracemalloc (MiB) "
          "| picks identical |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    for name, case, ratio in ratios:
        print(f"\nRatio {name} on {case['n']:,} {case['features']} frames, {case['k']} picks: {ratio:.1f}x")
    print("\n'picks identical' compares with the row above (the float64 reference or the naive baseline). "
          "The 1,000,000-frame case has no reference (one float64 pass over 2 GB per pick); the float64 re-check "
          "inside k_center_greedy still decides every pick.")


if __name__ == "__main__":
    main()
