"""Loose photos without poses: which files of an upload go to structure-from-motion, and refusals."""
from __future__ import annotations

import zipfile

import numpy as np
import pytest
from PIL import Image

from nerf_labeling.capture import CaptureImageError, OversizedImageError, safe_extract_zip
from nerf_labeling.capture.photos import PhotoLimits, find_photos
from nerf_labeling.errors import InputError


def _photo(path, seed: int = 0, size=(40, 30)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


def test_photos_in_a_zip_are_found_in_sub_folders_and_junk_is_skipped(tmp_path):
    archive = tmp_path / "holiday.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for index, name in enumerate(["trip/IMG_0002.JPG", "trip/IMG_0001.jpeg", "trip/more/b.png", "a.jpg"]):
            _photo(tmp_path / "src" / name, index)
            zipped.write(tmp_path / "src" / name, name)
        zipped.writestr("trip/notes.txt", "the weather was fine")
        zipped.writestr("__MACOSX/trip/._IMG_0001.jpeg", b"resource fork")
        zipped.writestr("trip/.hidden.jpg", b"not a photo")
    safe_extract_zip(archive, tmp_path / "unpacked", max_total_bytes=10**7, max_files=100)

    names = find_photos(tmp_path / "unpacked", PhotoLimits(min_photos=3))

    assert names == ["a.jpg", "trip/IMG_0001.jpeg", "trip/IMG_0002.JPG", "trip/more/b.png"]


def test_too_few_or_too_many_photos_are_refused(tmp_path):
    for index in range(4):
        _photo(tmp_path / f"p{index}.jpg", index)

    with pytest.raises(InputError, match=r"found 4 photos .* at least 8 overlapping photos"):
        find_photos(tmp_path)
    with pytest.raises(InputError, match=r"found 4 photos, over the limit of 3"):
        find_photos(tmp_path, PhotoLimits(min_photos=1, max_photos=3))


def test_a_broken_or_oversized_photo_is_named(tmp_path):
    for index in range(3):
        _photo(tmp_path / f"p{index}.jpg", index)
    (tmp_path / "p3.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")

    with pytest.raises(CaptureImageError, match=r"photo p3.jpg: p3.jpg is not a decodable image"):
        find_photos(tmp_path, PhotoLimits(min_photos=3))
    (tmp_path / "p3.jpg").unlink()
    with pytest.raises(OversizedImageError, match=r"p0.jpg is 40x30 = 1200 pixels, over the limit of 1000"):
        find_photos(tmp_path, PhotoLimits(min_photos=3, max_pixels=1000))
