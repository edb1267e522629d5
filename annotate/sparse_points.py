"""A capture's sparse point cloud from structure-from-motion: stored once per capture, read, replaced.

The file is an ``.npz`` of ``xyz`` ((N, 3) float32, the capture's world) and ``rgb`` ((N, 3) uint8),
under :func:`annotate.storage.sparse_points_key`; ``capture.metadata["sfm"]["sparse_points"]`` names it.
Captures that arrived with their own poses have none.
"""
from __future__ import annotations

import io

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from annotate.models import Capture
from annotate.storage import sparse_points_key, sparse_points_of


def store_sparse_points(capture: Capture, xyz: np.ndarray, rgb: np.ndarray) -> str:
    """Save ``xyz`` (N, 3) and ``rgb`` (N, 3) uint8 as the capture's sparse points (replacing any); the key."""
    key = sparse_points_key(project_id=capture.project_id, capture_id=capture.pk)
    default_storage.delete(key)
    return default_storage.save(key, sparse_points_file(xyz, rgb))


def sparse_points_file(xyz: np.ndarray, rgb: np.ndarray) -> ContentFile:
    """The ``.npz`` file of ``xyz`` (N, 3) and ``rgb`` (N, 3) uint8, to store under :func:`sparse_points_key`."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, xyz=np.asarray(xyz, dtype=np.float32), rgb=np.asarray(rgb, dtype=np.uint8))
    return ContentFile(buffer.getvalue())


def read_sparse_points(capture: Capture) -> tuple[np.ndarray, np.ndarray] | None:
    """``(xyz (N, 3) float32, rgb (N, 3) uint8)`` of the capture, or None when it has none stored."""
    key = sparse_points_of(capture)
    if key is None or not default_storage.exists(key):
        return None
    with default_storage.open(key, "rb") as stored:
        arrays = np.load(io.BytesIO(stored.read()))
        return arrays["xyz"], arrays["rgb"]
