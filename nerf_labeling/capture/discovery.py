"""Find the capture inside an uploaded folder: a transforms.json or a COLMAP sparse model."""
from __future__ import annotations

from pathlib import Path

from nerf_labeling.capture.colmap_reader import read_colmap_model
from nerf_labeling.capture.data import CaptureData
from nerf_labeling.capture.errors import CaptureNotFoundError
from nerf_labeling.capture.transforms_reader import read_transforms_json

#: where a COLMAP model is looked for, relative to the capture root, in order
COLMAP_LOCATIONS = ("sparse/0", "sparse", ".")


def is_junk(folder: str) -> bool:
    """Hidden folders and the resource forks macOS adds to zips are never the capture."""
    return folder.startswith(".") or folder == "__MACOSX"


def _has_colmap_model(directory: Path) -> bool:
    return any(
        (directory / f"cameras{ext}").is_file() and (directory / f"images{ext}").is_file() for ext in (".bin", ".txt")
    )


def find_capture(root: str | Path) -> CaptureData:
    """Read the capture in ``root``.

    Looks for ``transforms.json`` in ``root``, then in its immediate sub-folders (exactly one may
    have it), then for a COLMAP model in ``sparse/0``, ``sparse`` and the folder itself, in ``root`` and
    then in its only sub-folder; COLMAP image names are resolved against ``images/`` beside the model's
    project folder when it exists, else that folder.
    Messages name files relative to ``root`` (never the server folder the capture was unpacked in).
    """
    root = Path(root)
    if not root.is_dir():
        raise CaptureNotFoundError(f"the capture folder {root.name!r} is not a directory")
    if (root / "transforms.json").is_file():
        return read_transforms_json(root / "transforms.json")
    nested = sorted(
        path for path in root.glob("*/transforms.json") if path.is_file() and not is_junk(path.parent.name)
    )
    if len(nested) > 1:
        names = ", ".join(str(path.relative_to(root)) for path in nested)
        raise CaptureNotFoundError(f"several captures found ({names}); upload one capture at a time")
    if nested:
        return read_transforms_json(nested[0])
    folders = [path for path in root.iterdir() if path.is_dir() and not is_junk(path.name)]
    # A zip of a COLMAP project folder unpacks into one top folder: look inside it too.
    for base in [root] + (folders if len(folders) == 1 else []):
        for location in COLMAP_LOCATIONS:
            if _has_colmap_model(base / location):
                images_root = base / "images" if (base / "images").is_dir() else base
                return read_colmap_model(base / location, images_root, where=_relative(base / location, root))
    raise CaptureNotFoundError(
        "no capture found; looked for transforms.json at the top of the capture and in its sub-folders, and for "
        f"a COLMAP model (cameras.bin + images.bin or cameras.txt + images.txt) in {', '.join(COLMAP_LOCATIONS)} "
        "of the top folder or of its only sub-folder"
    )


def _relative(path: Path, root: Path) -> str:
    """``path`` as the uploader sees it: relative to the capture's top folder."""
    relative = path.relative_to(root).as_posix()
    return "the capture's top folder" if relative == "." else relative
