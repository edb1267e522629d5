"""Instance masks as COCO segmentations: pycocotools RLE (exact) or polygons (outer outlines)."""
from __future__ import annotations

import numpy as np
from pycocotools import mask as coco_mask

#: Polygon simplification tolerance in pixels: drops collinear outline points, keeps the shape.
POLYGON_TOLERANCE_PX = 0.1


def instance_rles(instance_mask: np.ndarray, instance_ids: list[int]) -> list[dict]:
    """Compressed RLE of each instance's visible pixels.

    instance_mask : (H, W) uint16, 0 background
    Returns one ``{"size": [H, W], "counts": bytes}`` per id (an id with no pixel gets an empty mask).
    """
    # pycocotools wants column-major masks; converting the id image once is cheaper than each mask.
    column_major = np.asfortranarray(instance_mask)
    return [
        coco_mask.encode((column_major == instance_id).view(np.uint8)[:, :, None])[0]
        for instance_id in instance_ids
    ]


def rle_json(rle: dict) -> dict:
    """The RLE as JSON-ready ``{"size", "counts": str}``."""
    return {"size": [int(n) for n in rle["size"]], "counts": rle["counts"].decode("ascii")}


def mask_polygons(mask: np.ndarray) -> list[list[float]]:
    """Outer outlines of a ``(H, W)`` bool mask as COCO polygons ``[x0, y0, x1, y1, ...]``.

    Coordinates are the project's continuous image coordinates (pixel edges at integers), which
    pycocotools rasterises back onto the same pixels. Holes cannot be expressed with COCO polygons
    of ``iscrowd = 0`` and are filled; pieces are separate polygons.
    """
    from skimage import measure  # only polygon exports need it

    padded = np.pad(mask, 1).astype(np.float32)
    polygons = []
    for contour in measure.find_contours(padded, 0.5):
        contour = measure.approximate_polygon(contour, POLYGON_TOLERANCE_PX)
        xy = contour[:, ::-1] - 1.0 + 0.5  # (row, col) of the padded grid -> (x, y) of ours
        x, y = xy[:, 0], xy[:, 1]
        signed_area = 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))
        if signed_area > 0 and len(xy) >= 3:  # find_contours turns holes the other way
            polygons.append([round(float(value), 2) for value in xy.ravel()])
    return polygons
