"""Check that every image of a capture exists inside it, decodes, and matches its frame's intrinsics."""
from __future__ import annotations

from pathlib import Path

from nerf_labeling.capture.data import CaptureData
from nerf_labeling.capture.errors import CaptureError, CaptureImageError, CapturePathError, OversizedImageError

#: default ceiling on pixels per image (a 100-megapixel photo passes, a decompression bomb does not)
DEFAULT_MAX_PIXELS = 100_000_000


def _inside(path: Path, root: Path, where: str) -> Path:
    """Refuse files that resolve outside ``root`` (a symlink in an upload pointing elsewhere)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise CapturePathError(f"{where}: {path.name} resolves outside the capture root (a link?)")
    return resolved


def check_image(path: Path, where: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """``(width, height)`` of a fully decodable image of at most ``max_pixels``, else :class:`CaptureImageError`."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise OversizedImageError(
                    f"{where}: image {path.name} is {width}x{height} = {width * height} pixels, "
                    f"over the limit of {max_pixels}"
                )
            image.verify()
        # verify() leaves the image unusable and misses truncated pixel data, so decode it fully too.
        with Image.open(path) as image:
            image.load()
    except CaptureError:
        raise
    except Image.DecompressionBombError as error:
        raise OversizedImageError(
            f"{where}: image {path.name} is too large to decode safely ({_reason(error, path)})"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise CaptureImageError(f"{where}: {path.name} is not a decodable image ({_reason(error, path)})") from None
    return width, height


def _reason(error: Exception, path: Path) -> str:
    """Pillow's message without the folder it was read from (it quotes the full path)."""
    return str(error).replace(str(path), path.name)


def validate_images(
    capture: CaptureData, root: str | Path | None = None, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> list[tuple[int, int]]:
    """``(width, height)`` of every frame's image, after checking each one.

    ``root`` defaults to ``capture.root``. Raises :class:`CaptureImageError` for a missing or undecodable
    image or one whose size disagrees with its intrinsics (with a special message for mixed image
    sizes under one shared set of intrinsics), :class:`OversizedImageError` above ``max_pixels``,
    :class:`CapturePathError` for a file that resolves outside ``root``. Depth and mask files must exist.
    """
    root = Path(capture.root if root is None else root)
    sizes = []
    for index, frame in enumerate(capture.frames):
        where = f"frames[{index}]"
        for key, relative in (("file_path", frame.file_path), ("depth", frame.depth_path), ("mask", frame.mask_path)):
            if relative is not None and not (root / relative).is_file():
                raise CaptureImageError(f"{where}: {key} {relative} does not exist in the capture")
            if relative is not None:
                _inside(root / relative, root, where)
        sizes.append(check_image(root / frame.file_path, where, max_pixels))
    _check_sizes(capture, sizes)
    return sizes


def _check_sizes(capture: CaptureData, sizes: list[tuple[int, int]]) -> None:
    intrinsics = [frame.camera.intrinsics for frame in capture.frames]
    if len(set(sizes)) > 1 and len(set(intrinsics)) == 1:
        first = sizes[0]
        other = next(index for index, size in enumerate(sizes) if size != first)
        raise CaptureImageError(
            f"images have mixed sizes ({first[0]}x{first[1]} in frames[0] {capture.frames[0].file_path}, "
            f"{sizes[other][0]}x{sizes[other][1]} in frames[{other}] {capture.frames[other].file_path}) "
            "but the capture gives one set of intrinsics for all frames; give per-frame w, h and focal lengths"
        )
    for index, ((width, height), intr) in enumerate(zip(sizes, intrinsics)):
        if (width, height) != (intr.width, intr.height):
            raise CaptureImageError(
                f"frames[{index}]: image {capture.frames[index].file_path} is {width}x{height} "
                f"but its intrinsics say {intr.width}x{intr.height}"
            )
