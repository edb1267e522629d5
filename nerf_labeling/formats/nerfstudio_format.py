"""nerfstudio capture: ``transforms.json`` + ``images/``, ``masks/``, ``instance_masks/`` (+ ``depth/``).

Poses are the platform's own (camera-to-world, OpenGL axes, the capture's world frame), so they are
written unchanged. Every frame carries its intrinsics (nerfstudio lets a frame's keys win); the first
frame's also sit at the top level for readers that want them there.
"""
from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator

import numpy as np

from nerf_labeling.capture.transforms_writer import intrinsics_keys
from nerf_labeling.formats.png_images import depth_to_png_mm, uint8_png, uint16_png
from nerf_labeling.formats.readme import write_readme
from nerf_labeling.formats.records import ExportSpec, LabeledFrame
from nerf_labeling.formats.registry import register_format
from nerf_labeling.formats.zip_writing import JsonSpool, unused_name, write_member

README = """
nerfstudio capture exported by Raylabel (train on it with `ns-train ... nerfstudio-data --data .`).

transforms.json   camera_model, intrinsics (fl_x, fl_y, cx, cy, w, h, k1..k4, p1, p2 in every frame,
                  the first frame's also at the top level) and frames with file_path, transform_matrix
                  (camera-to-world, OpenGL axes: +x right, +y up, looking down -z), mask_path,
                  instance_mask_path, raylabel_frame_id (and depth_file_path when depth is exported).
images/           the frames as captured.
masks/            8-bit PNG, 255 where any labelled object is visible, 0 elsewhere. nerfstudio
                  trains only on pixels whose mask is non-zero, so mask_path restricts training to
                  the labelled objects; drop the key to train on whole images.
instance_masks/   16-bit PNG, the object's stable instance id per pixel, 0 for background.
{depth_line}"""

DEPTH_LINE = """depth/            depth_file_path; millimetres, which is nerfstudio's default depth_unit_scale_factor
                  (1e-3), so depth-nerfacto reads them as they are.
"""


@register_format(
    "nerfstudio", description="nerfstudio capture: images with camera poses (transforms.json), object masks and depth"
)
def write_nerfstudio(archive: zipfile.ZipFile, frames: Iterator[LabeledFrame], spec: ExportSpec) -> None:
    """Write the selection as a nerfstudio capture (see the module docstring and README)."""
    top_level: dict | None = None
    with JsonSpool() as frame_entries:
        for item in frames:
            frame, labels = item.frame, item.labels
            intrinsics = intrinsics_keys(frame.camera.intrinsics)
            top_level = top_level or intrinsics
            entry = {
                "file_path": unused_name(archive, f"images/{frame.file_name}"),
                "transform_matrix": np.asarray(frame.camera.camera_to_world, dtype=float).tolist(),
                "mask_path": unused_name(archive, f"masks/{frame.stem}.png"),
                "instance_mask_path": unused_name(archive, f"instance_masks/{frame.stem}.png"),
                **intrinsics,
                "raylabel_frame_id": frame.frame_id,
            }
            write_member(archive, entry["file_path"], frame.image_bytes())
            write_member(archive, entry["mask_path"], uint8_png((labels.instance_mask > 0) * np.uint8(255)))
            write_member(archive, entry["instance_mask_path"], uint16_png(labels.instance_mask))
            if spec.include_depth:
                entry["depth_file_path"] = unused_name(archive, f"depth/{frame.stem}.png")
                write_member(archive, entry["depth_file_path"], depth_to_png_mm(labels.depth))
            frame_entries.add(entry)
        with archive.open("transforms.json", "w", force_zip64=True) as out:
            out.write(json.dumps(top_level)[:-1].encode() + b', "frames": ')
            frame_entries.copy_to(out)
            out.write(b"}")
    readme = README.format(depth_line=DEPTH_LINE if spec.include_depth else "")
    write_readme(archive, spec.name, readme, depth=spec.include_depth)
