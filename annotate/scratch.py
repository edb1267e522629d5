"""The worker's scratch folder (``VAR_DIR/tmp``): where exports and ingests unpack and write, and its sweep.

A worker killed mid-job (out of memory, a deploy, SIGKILL) never runs its ``finally``: the export's
``.part`` zip or the unpacked capture stays behind. Every job working here therefore first sweeps
entries nothing has written to for ``RAYLABEL_SCRATCH_MAX_AGE_S`` seconds; a live job keeps writing,
so its own folder always looks fresh.
"""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def scratch_dir() -> Path:
    """``VAR_DIR/tmp``, created when missing."""
    folder = Path(settings.VAR_DIR) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sweep_stale_scratch(*, max_age_s: float | None = None, now: float | None = None) -> list[str]:
    """Delete scratch entries whose newest file is older than ``max_age_s``; return their names."""
    max_age_s = settings.RAYLABEL_SCRATCH_MAX_AGE_S if max_age_s is None else max_age_s
    cutoff = (time.time() if now is None else now) - max_age_s
    removed = []
    for entry in scratch_dir().iterdir():
        if _newest_mtime(entry) >= cutoff:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry.name)
    if removed:
        logger.info("Swept %d stale scratch entries: %s", len(removed), ", ".join(removed))
    return removed


def _newest_mtime(entry: Path) -> float:
    """The latest modification time in ``entry`` (a folder's own mtime does not change as a file grows)."""
    try:
        newest = entry.lstat().st_mtime
        if entry.is_dir() and not entry.is_symlink():
            for child in entry.rglob("*"):
                newest = max(newest, child.lstat().st_mtime)
        return newest
    except FileNotFoundError:  # removed meanwhile by its own job
        return time.time()
