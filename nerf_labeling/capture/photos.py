"""Loose photos without poses (an unpacked zip or a folder): which files go to structure-from-motion.

Every image under the folder counts, in sub-folders too, except hidden files and macOS resource forks;
each must decode and stay under the pixel limit. Other files are ignored.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nerf_labeling.capture.discovery import is_junk
from nerf_labeling.capture.image_validation import DEFAULT_MAX_PIXELS, check_image
from nerf_labeling.errors import InputError

#: suffixes read as photos (case-insensitive)
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class PhotoLimits:
    """How many photos SfM takes, and how large each may be."""

    min_photos: int = 8
    max_photos: int = 500
    max_pixels: int = DEFAULT_MAX_PIXELS


def find_photos(root: str | Path, limits: PhotoLimits = PhotoLimits()) -> list[str]:
    """Paths (POSIX, relative to ``root``, sorted) of the photos in ``root``, each checked to decode.

    Raises :class:`InputError` for too few or too many photos, and
    :class:`~nerf_labeling.capture.errors.CaptureImageError` for one that does not decode or is too large.
    """
    root = Path(root)
    names = sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and path.suffix.lower() in PHOTO_SUFFIXES and not _hidden(path.relative_to(root))
    )
    if len(names) < limits.min_photos:
        raise InputError(
            f"found {len(names)} photos ({', '.join(PHOTO_SUFFIXES)}) and no camera poses; "
            f"structure-from-motion needs at least {limits.min_photos} overlapping photos"
        )
    if len(names) > limits.max_photos:
        raise InputError(f"found {len(names)} photos, over the limit of {limits.max_photos}")
    for name in names:
        check_image(root / name, f"photo {name}", limits.max_pixels)
    return names


def _hidden(relative: Path) -> bool:
    return any(is_junk(part) for part in relative.parts)
