"""COCO instance segmentation: ``annotations/instances_default.json`` + ``images/`` (+ ``depth/``).

One annotation per object with at least one visible pixel per frame; ``bbox`` and ``area`` come from
the visible mask (pycocotools' own ``toBbox`` and ``area``), ``iscrowd`` is 0.
"""
from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator

from pycocotools import mask as coco_mask

from nerf_labeling.formats.coco_masks import instance_rles, mask_polygons, rle_json
from nerf_labeling.formats.png_images import depth_to_png_mm
from nerf_labeling.formats.readme import write_readme
from nerf_labeling.formats.records import ExportSpec, LabeledFrame
from nerf_labeling.formats.registry import register_format
from nerf_labeling.formats.zip_writing import JsonSpool, unused_name, write_member

ANNOTATIONS_FILE = "annotations/instances_default.json"

README = """
COCO instance segmentation exported by Raylabel.

annotations/instances_default.json  images, categories (the project's classes, same ids) and one annotation
                            per visible object per image; segmentation is {segmentation}; bbox
                            [x, y, width, height] and area (pixel count) come from the visible mask;
                            iscrowd is 0. Images also carry raylabel_frame_id, annotations
                            raylabel_instance_id (the object's id, stable across frames).
images/                     the frames, file_name relative to this folder.
{depth_line}
Load with pycocotools: COCO("annotations/instances_default.json") (the CVAT / Datumaro name).
"""
DEPTH_LINE = "depth/                      depth maps, one per image, named after it.\n"


@register_format(
    "coco", description="COCO instance segmentation: images with each object's mask, box and class (and depth)"
)
def write_coco(archive: zipfile.ZipFile, frames: Iterator[LabeledFrame], spec: ExportSpec) -> None:
    """Write the selection as COCO instance segmentation (see the module docstring)."""
    with JsonSpool() as images, JsonSpool() as annotations:
        for image_id, item in enumerate(frames, start=1):
            frame = item.frame
            image_name = unused_name(archive, f"images/{frame.file_name}")
            write_member(archive, image_name, frame.image_bytes())
            image = {
                "id": image_id,
                "file_name": frame.file_name,
                "width": frame.camera.intrinsics.width,
                "height": frame.camera.intrinsics.height,
                "raylabel_frame_id": frame.frame_id,
            }
            if spec.include_depth:
                image["depth_file"] = f"depth/{frame.stem}.png"
                write_member(archive, unused_name(archive, image["depth_file"]), depth_to_png_mm(item.labels.depth))
            images.add(image)
            for annotation in frame_annotations(item, image_id, spec):
                annotation["id"] = annotations.count + 1
                annotations.add(annotation)
        _store_instances_json(archive, images, annotations, spec)
    encoding = "compressed RLE (pycocotools)" if spec.coco_masks == "rle" else "polygons (outer outlines)"
    depth_line = DEPTH_LINE if spec.include_depth else ""
    write_readme(
        archive,
        spec.name,
        README.format(segmentation=encoding, depth_line=depth_line),
        depth=spec.include_depth,
    )


def frame_annotations(item: LabeledFrame, image_id: int, spec: ExportSpec) -> list[dict]:
    """COCO annotations (without ``id``) of one frame's visible objects, in the frame's object order."""
    objects = item.labels.objects
    rles = instance_rles(item.labels.instance_mask, [obj.instance_id for obj in objects])
    annotations = []
    for obj, rle in zip(objects, rles):
        area = int(coco_mask.area(rle))
        if area == 0:
            continue
        spec.class_name(obj.class_id)  # refuses classes the project does not have
        if spec.coco_masks == "rle":
            segmentation: dict | list = rle_json(rle)
        else:
            segmentation = mask_polygons(item.labels.binary_mask(obj.instance_id))
        annotations.append(
            {
                "image_id": image_id,
                "category_id": obj.class_id,
                "segmentation": segmentation,
                "area": area,
                "bbox": [float(v) for v in coco_mask.toBbox(rle)],
                "iscrowd": 0,
                "raylabel_instance_id": obj.instance_id,
            }
        )
    return annotations


def _store_instances_json(
    archive: zipfile.ZipFile, images: JsonSpool, annotations: JsonSpool, spec: ExportSpec
) -> None:
    header = {
        "info": {"description": spec.name, "version": "1.0", "contributor": "Raylabel"},
        "licenses": [],
        "categories": [{"id": c.id, "name": c.name, "supercategory": ""} for c in spec.classes],
    }
    with archive.open(ANNOTATIONS_FILE, "w", force_zip64=True) as out:
        out.write(json.dumps(header)[:-1].encode() + b', "images": ')
        images.copy_to(out)
        out.write(b', "annotations": ')
        annotations.copy_to(out)
        out.write(b"}")
