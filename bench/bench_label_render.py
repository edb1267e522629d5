"""Benchmark: frames per second of the label render job at 640x480 (field + masks, depth, boxes), per device.

Run from the repository root::

    python -m bench.bench_label_render                        # every available device
    python -m bench.bench_label_render --device cpu --cpu-frames 3
    python -m bench.bench_label_render --device cuda --frames 40

Each frame does what the render job does per frame, minus storage: the field is rendered from the
camera (:func:`render_view`, on the field's device) and every object labelled from that render
(:func:`labels_from_view` on the same device: masks, depth, object depth, confidence, 2D/3D boxes).
Scene: the default synthetic scene (5 objects) on a 3 x 3 m ground; boxes 1, 3 and 4 go through the box
pipeline (their box is their silhouette), the balls 2 and 5 through the mesh pipeline (UV spheres of
``--sphere-segments`` x half as many rings). Field: a voxel grid baked from the scene
(:func:`bake_voxel_grid_field`, no training), the built-in backend the render job runs on a worker.
Cameras orbit the scene. One warm-up frame per device (building ray casters, CUDA kernels) is
excluded; the CPU, about a hundred times slower, times ``--cpu-frames`` frames. Meshes are cast with
Open3D on a CPU that has it, else with the torch caster (the table says which). Prints a table, then
one JSON line with every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import replace

import numpy as np
import torch

from nerf_labeling.cameras import Camera
from nerf_labeling.fields import render_view
from nerf_labeling.labels import BoxObject, MeshObject, labels_from_view
from nerf_labeling.labels.object_raster import raycaster_for
from nerf_labeling.synthetic import default_scene, orbit_poses
from nerf_labeling.synthetic.baked_grid import bake_voxel_grid_field
from nerf_labeling.synthetic.capture_writer import pinhole_intrinsics
from nerf_labeling.synthetic.sphere_mesh import uv_sphere_mesh

WIDTH, HEIGHT = 640, 480
CLASS_IDS = {"box": 1, "ball": 2, "can": 3}
MESH_CLASSES = {"ball"}
TOLERANCE = 0.02


def label_objects(scene, sphere_segments: int) -> list:
    """Boxes for the box pipeline, spheres for the mesh pipeline, at the scene's true poses."""
    objects = []
    for obj in scene.objects:
        common = dict(instance_id=obj.instance_id, class_id=CLASS_IDS[obj.class_name], class_name=obj.class_name,
                      object_to_world=obj.object_to_world)
        if obj.class_name in MESH_CLASSES:
            objects.append(MeshObject(mesh=uv_sphere_mesh(obj.size[0] / 2.0, sphere_segments), **common))
        else:
            objects.append(BoxObject(size=np.asarray(obj.size), **common))
    return objects


def cameras(count: int) -> list[Camera]:
    intrinsics = pinhole_intrinsics(WIDTH, HEIGHT, 60.0)
    return [Camera(intrinsics, pose) for pose in orbit_poses(count + 1, radius=2.0, height=1.1)]


def available_devices() -> list[str]:
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def run_device(device: str, field, frame_cameras, objects) -> dict:
    """Render and label every camera on ``device``; the first camera is the excluded warm-up."""
    field.to(device)
    on_cuda = device.startswith("cuda")
    if on_cuda:
        torch.cuda.reset_peak_memory_stats(device)
    field_seconds = label_seconds = 0.0
    visible = []
    for index, camera in enumerate(frame_cameras):
        start = time.perf_counter()
        view = render_view(field, camera)
        rendered = time.perf_counter()
        labels = labels_from_view(view, camera, objects, tolerance=TOLERANCE, device=device)
        done = time.perf_counter()
        if index == 0:
            continue
        field_seconds += rendered - start
        label_seconds += done - rendered
        visible.append(sum(label.visible_pixels for label in labels.objects))
    frames = len(frame_cameras) - 1
    result = {
        "device": device,
        "name": torch.cuda.get_device_name(device) if on_cuda else (platform.processor() or platform.machine()),
        "frames": frames,
        "fps": frames / (field_seconds + label_seconds),
        "field_ms_per_frame": 1000.0 * field_seconds / frames,
        "labels_ms_per_frame": 1000.0 * label_seconds / frames,
        "mean_visible_object_pixels": float(np.mean(visible)),
        "mesh_caster": next(type(raycaster_for(o.mesh, device)).__name__ for o in objects if isinstance(o, MeshObject)),
    }
    if on_cuda:
        result["peak_gpu_memory_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", action="append", help="torch device (repeatable); default: every available")
    parser.add_argument("--frames", type=int, default=20, help="timed frames on a GPU (plus one warm-up)")
    parser.add_argument("--cpu-frames", type=int, default=2, help="timed frames on the CPU (plus one warm-up)")
    parser.add_argument("--resolution", type=int, default=192, help="baked voxel grid, vertices per axis")
    parser.add_argument("--sphere-segments", type=int, default=48, help="segments around each ball's mesh")
    args = parser.parse_args(argv)
    if args.frames < 1 or args.cpu_frames < 1:
        parser.error("--frames and --cpu-frames must be at least 1")
    devices = args.device or available_devices()
    for device in devices:
        if device.startswith("cuda") and not torch.cuda.is_available():
            parser.error(f"--device {device}: no CUDA device on this machine")

    scene = replace(default_scene(), ground_half_extent=1.5)
    start = time.perf_counter()
    field = bake_voxel_grid_field(scene, resolution=args.resolution)
    bake_seconds = time.perf_counter() - start
    objects = label_objects(scene, args.sphere_segments)
    orbit = cameras(max(args.frames, args.cpu_frames))  # the CPU times the first views of the same orbit
    results = [
        run_device(device, field, orbit[: 1 + (args.cpu_frames if device == "cpu" else args.frames)], objects)
        for device in devices
    ]

    faces = sum(len(obj.mesh.faces) for obj in objects if isinstance(obj, MeshObject))
    arguments = " ".join(argv if argv is not None else sys.argv[1:])
    print(f"# bench_label_render\n\ncommand: `python -m bench.bench_label_render {arguments}`  ")
    print(f"machine: {os.cpu_count()} CPUs, python {platform.python_version()}, torch {torch.__version__}  ")
    print(f"frames at {WIDTH}x{HEIGHT} (+1 warm-up each), 5 objects (3 boxes, 2 meshes of {faces} faces in all), "
          f"voxel grid {args.resolution}^3 baked in {bake_seconds:.1f} s\n")
    print("| device | frames | frames/s | field ms/frame | labels ms/frame | mesh caster | peak GPU memory (MiB) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        memory = f"{r['peak_gpu_memory_mib']:.0f}" if "peak_gpu_memory_mib" in r else "-"
        print(f"| {r['device']} ({r['name']}) | {r['frames']} | {r['fps']:.2f} | {r['field_ms_per_frame']:.1f} | "
              f"{r['labels_ms_per_frame']:.1f} | {r['mesh_caster']} | {memory} |")
    summary = {"bench": "label_render", "width": WIDTH, "height": HEIGHT,
               "grid_resolution": args.resolution, "mesh_faces": faces, "results": results}
    print("\n" + json.dumps(summary))


if __name__ == "__main__":
    main()
