"""Read a COCO instance file as 2D references for review: per image, per category, masks and boxes.

Annotations may hold polygons, RLE (compressed or not) or no segmentation (boxes only). Masks are
decoded image by image as the caller iterates, so a large file's masks are never all in memory.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nerf_labeling.formats.errors import CocoReadError


@dataclass(frozen=True)
class CategoryReferences:
    """The references of one category in one image.

    masks : (N, H, W) bool, visible pixels of each annotation (all False where it has no segmentation)
    has_mask : (N,) bool, whether the annotation had a segmentation
    boxes : (N, 4) float64 ``[x_min, y_min, x_max, y_max]`` pixel edges, as ``ObjectLabel.modal_box``
    annotation_ids : (N,) int64, the annotations' ids in the file
    """

    category_id: int
    name: str
    masks: np.ndarray
    has_mask: np.ndarray
    boxes: np.ndarray
    annotation_ids: np.ndarray


@dataclass(frozen=True)
class ImageReferences:
    """One image of the file: its name (to match a platform frame) and its references by category name."""

    image_id: int
    file_name: str
    width: int
    height: int
    categories: dict[str, CategoryReferences]


def iter_coco_references(source: str | os.PathLike | bytes | dict) -> Iterator[ImageReferences]:
    """Yield the references of every image of a COCO instance file (a path, its bytes or its parsed dict).

    Raises :class:`CocoReadError` naming what is missing or malformed.
    """
    coco = _load(source)
    for image_id in sorted(coco.imgs):
        image = coco.imgs[image_id]
        by_category: dict[int, list[dict]] = {}
        for annotation in coco.imgToAnns.get(image_id, []):
            by_category.setdefault(annotation["category_id"], []).append(annotation)
        categories = {}
        for category_id, category_annotations in sorted(by_category.items()):
            name = coco.cats[category_id]["name"]
            categories[name] = _category_references(coco, image, category_id, name, category_annotations)
        yield ImageReferences(
            image_id=int(image_id),
            file_name=str(image["file_name"]),
            width=int(image["width"]),
            height=int(image["height"]),
            categories=categories,
        )


def _load(source: str | os.PathLike | bytes | dict):
    from pycocotools.coco import COCO

    try:
        if isinstance(source, dict):
            data = source
        elif isinstance(source, (bytes, bytearray)):
            data = json.loads(source)
        else:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CocoReadError(f"the COCO file cannot be read as JSON: {error}") from None
    _check_structure(data)
    coco = COCO()
    coco.dataset = data
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
        coco.createIndex()
    return coco


def _check_structure(data: object) -> None:
    if not isinstance(data, dict):
        raise CocoReadError("a COCO file must be a JSON object")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise CocoReadError(f"a COCO file needs a list '{key}'")
    for image in data["images"]:
        missing = [key for key in ("id", "file_name", "width", "height") if key not in image]
        if missing:
            raise CocoReadError(f"image {image.get('id', '?')} lacks {', '.join(missing)}")
    image_ids = {image["id"] for image in data["images"]}
    category_ids = {category["id"] for category in data["categories"]}
    for annotation in data["annotations"]:
        where = f"annotation {annotation.get('id', '?')}"
        if annotation.get("image_id") not in image_ids:
            raise CocoReadError(f"{where} refers to image {annotation.get('image_id')!r}, which is not in 'images'")
        if annotation.get("category_id") not in category_ids:
            raise CocoReadError(f"{where} refers to category {annotation.get('category_id')!r}, not in 'categories'")
        if "bbox" not in annotation and not annotation.get("segmentation"):
            raise CocoReadError(f"{where} has neither a bbox nor a segmentation")


def _category_references(coco, image: dict, category_id: int, name: str, annotations: list[dict]) -> CategoryReferences:
    from pycocotools import mask as coco_mask

    height, width = int(image["height"]), int(image["width"])
    masks = np.zeros((len(annotations), height, width), dtype=bool)
    has_mask = np.zeros(len(annotations), dtype=bool)
    boxes = np.zeros((len(annotations), 4), dtype=np.float64)
    for index, annotation in enumerate(annotations):
        if annotation.get("segmentation"):
            masks[index] = coco.annToMask(annotation).astype(bool)
            has_mask[index] = True
        if "bbox" in annotation:
            x, y, w, h = (float(v) for v in annotation["bbox"])
        else:
            x, y, w, h = (float(v) for v in coco_mask.toBbox(coco.annToRLE(annotation)))
        boxes[index] = [x, y, x + w, y + h]
    return CategoryReferences(
        category_id=int(category_id),
        name=str(name),
        masks=masks,
        has_mask=has_mask,
        boxes=boxes,
        annotation_ids=np.array([int(a.get("id", -1)) for a in annotations], dtype=np.int64),
    )
