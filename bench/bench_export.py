"""Benchmark: export 1,000 and 10,000 procedural frames (640x480, 4 objects) to COCO and KITTI.

Run from the repository root::

    python -m bench.bench_export            # both formats, 1,000 and 10,000 frames
    python -m bench.bench_export --sizes 200 --formats coco   # a quick look

Each (format, size) runs in a fresh subprocess so peak memory is its own: wall time of the export,
peak RSS above the process's baseline after imports (``ru_maxrss``), and in a second run the peak of
Python allocations (``tracemalloc``, which slows the export, so its time is not reported). Labels are
generated procedurally as the export asks for them; images are a shared 1x1 PNG, so image copying is
excluded, and depth maps are off. What grows with the frame count is the zip's central directory
(``zipfile`` keeps one ``ZipInfo`` per member until it closes; about 0.5 KiB each), measured by
writing a zip with the same member names and sizes; the peak less that is what the export holds
per frame, and staying flat from 1,000 to 10,000 frames shows the export streams.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile

import numpy as np
from PIL import Image

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.formats.export import write_export
from nerf_labeling.formats.records import ExportClass, ExportFrame, ExportSpec
from nerf_labeling.labels.records import FrameLabels, ObjectLabel

WIDTH, HEIGHT, OBJECTS = 640, 480, 4
INTRINSICS = Intrinsics(fx=500.0, fy=500.0, cx=320.0, cy=240.0, width=WIDTH, height=HEIGHT)
SPEC = ExportSpec(classes=(ExportClass(1, "car"), ExportClass(2, "pedestrian")))


def _placeholder_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, format="PNG")
    return buffer.getvalue()


def procedural_labels(index: int) -> FrameLabels:
    """Four upright boxes as rectangles at seeded places; only what the exports read is filled."""
    rng = np.random.default_rng(index)
    instance_mask = np.zeros((HEIGHT, WIDTH), np.uint16)
    objects = []
    for instance_id in range(1, OBJECTS + 1):
        w, h = rng.integers(20, 160, size=2)
        x, y = rng.integers(0, WIDTH - w), rng.integers(0, HEIGHT - h)
        instance_mask[y : y + h, x : x + w] = instance_id
        yaw = float(rng.uniform(-math.pi, math.pi))
        length_axis, up_axis = np.array([math.cos(yaw), 0.0, math.sin(yaw)]), np.array([0.0, 1.0, 0.0])
        pose = np.eye(4)
        pose[:3, :3] = np.stack([length_axis, np.cross(up_axis, length_axis), up_axis], axis=1)
        pose[:3, 3] = [(x + w / 2 - 320) / 50, (240 - y - h / 2) / 50, -10.0]
        box = (float(x), float(y), float(x + w), float(y + h))
        objects.append(
            ObjectLabel(instance_id, 1 + instance_id % 2, "car", box, box, tuple(pose[:3, 3]), (4.0, 1.8, 1.5),
                        tuple(map(tuple, pose)), int(w * h), 1.0, 0.0)
        )
    # Later rectangles may cover earlier ones; the exports read the mask, so that is fine here.
    zeros = np.broadcast_to(np.float32(0.0), (HEIGHT, WIDTH))
    return FrameLabels(instance_mask, instance_mask, zeros, zeros, zeros, objects)


def procedural_frames(count: int):
    image = _placeholder_png()
    camera = Camera(INTRINSICS, look_at((0.0, -10.0, 2.0), (0.0, 0.0, 0.0)))
    for index in range(count):
        yield ExportFrame(index, f"frames/{index:06d}.png", image, camera, lambda i=index: procedural_labels(i))


def _worker(format_name: str, count: int, trace: bool) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export.zip")
        write_export(format_name, procedural_frames(20), SPEC, path)  # warm imports and caches
        baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if trace:
            tracemalloc.start()
        start = time.perf_counter()
        write_export(format_name, procedural_frames(count), SPEC, path, total=count)
        seconds = time.perf_counter() - start
        rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline_kib
        traced_peak = tracemalloc.get_traced_memory()[1] if trace else None
        tracemalloc.stop()
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
        return {
            "seconds": seconds,
            "rss_growth_mib": rss_growth_kib / 1024,
            "traced_peak_mib": None if traced_peak is None else traced_peak / 2**20,
            "zip_directory_mib": _zip_directory_size(members, folder) / 2**20 if trace else None,
            "zip_mib": os.path.getsize(path) / 2**20,
            "members": len(members),
        }


def _zip_directory_size(members: list[zipfile.ZipInfo], folder: str) -> int:
    """Bytes that ``zipfile`` still holds after writing a zip with the same member names and sizes
    (random payloads, freed as written): its central directory, kept until it closes whatever writes the zip."""
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(os.path.join(folder, "directory.zip"), "w") as archive:
        tracemalloc.start()
        for member in members:
            name = member.filename.encode().decode()  # a fresh copy, as the export builds each name
            archive.writestr(name, rng.bytes(member.file_size), compress_type=member.compress_type)
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    return held


def _run(format_name: str, count: int, trace: bool) -> dict:
    command = [sys.executable, "-m", "bench.bench_export", "--worker", format_name, str(count)]
    output = subprocess.run(command + (["--trace"] if trace else []), check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", nargs="+", default=["coco", "kitti"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--worker", nargs=2, metavar=("FORMAT", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker[0], int(args.worker[1]), args.trace)))
        return
    sizes = " ".join(map(str, args.sizes))
    print(f"Command: `python -m bench.bench_export --formats {' '.join(args.formats)} --sizes {sizes}`")
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}, shared with other engineers' jobs while measured (times are noisy)"
    )
    print(f"Frames: {WIDTH}x{HEIGHT}, {OBJECTS} objects each, COCO masks as RLE, no depth, 1x1 placeholder images\n")
    print(
        "| format | frames | time (s) | frames/s | peak RSS growth (MiB) | tracemalloc peak (MiB) "
        "| of which zip directory (MiB) | peak less directory (MiB) | zip members | zip (MiB) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    peaks: dict[str, list[float]] = {}
    for format_name in args.formats:
        for count in args.sizes:
            timed = _run(format_name, count, trace=False)
            traced = _run(format_name, count, trace=True)
            streaming_peak = traced["traced_peak_mib"] - traced["zip_directory_mib"]
            peaks.setdefault(format_name, []).append(streaming_peak)
            print(
                f"| {format_name} | {count:,} | {timed['seconds']:.1f} | {count / timed['seconds']:.0f} "
                f"| {timed['rss_growth_mib']:.1f} | {traced['traced_peak_mib']:.1f} "
                f"| {traced['zip_directory_mib']:.1f} "
                f"| {streaming_peak:.1f} | {timed['members']:,} | {timed['zip_mib']:.1f} |"
            )
    if len(args.sizes) > 1:
        print()
        for format_name, values in peaks.items():
            print(
                f"{format_name}: peak less zip directory at {args.sizes[-1]:,} frames / at {args.sizes[0]:,} frames "
                f"= {values[-1] / values[0]:.2f} (frames x{args.sizes[-1] / args.sizes[0]:.0f})"
            )


if __name__ == "__main__":
    main()
