"""Render a synthetic scene along a camera path as a video file or as loose photos without poses.

These are the inputs a person without poses brings (a phone video, a folder of photos); the cameras
that rendered them stay known, so structure-from-motion can be checked against the truth.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from nerf_labeling.cameras import Camera


def render_frames(scene, cameras: Sequence[Camera]) -> list[np.ndarray]:
    """``(H, W, 3)`` uint8 RGB of ``scene`` (a :class:`SyntheticScene`) seen by each camera."""
    return [np.round(scene.render(camera)[0] * 255.0).astype(np.uint8) for camera in cameras]


def write_video(
    path: str | Path, frames: Sequence[np.ndarray], *, fps: int = 10, codec: str = "libx264", streamed: bool = False
) -> Path:
    """Encode ``(H, W, 3)`` uint8 RGB frames (even width and height for H.264) into ``path``.

    H.264 at a near-lossless quality (``crf`` 12) keeps the texture SfM needs; the container follows
    the suffix (``.mp4``, ``.mov``, ``.webm`` with ``codec="libvpx-vp9"``). ``streamed`` writes as a
    browser's MediaRecorder does, never seeking back: a webm then states no duration.
    """
    import av

    path = Path(path)
    if not streamed:
        _encode(av.open(str(path), mode="w"), frames, fps, codec)
        return path
    with open(path, "wb") as file:
        _encode(av.open(_WriteOnly(file), mode="w", format=STREAMED_FORMATS[path.suffix]), frames, fps, codec)
    return path


#: the containers a stream can be written to, by suffix (an ``.mp4`` needs to seek back to its header)
STREAMED_FORMATS = {".webm": "webm", ".mkv": "matroska"}


class _WriteOnly:
    """A file that can only be written to, front to back (no seek, no tell): a stream."""

    def __init__(self, file) -> None:
        self.write = file.write


def _encode(container, frames: Sequence[np.ndarray], fps: int, codec: str) -> None:
    import av

    height, width = frames[0].shape[:2]
    with container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": "12", "preset": "veryfast"}
        for rgb in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def write_photos(folder: str | Path, frames: Sequence[np.ndarray], *, suffix: str = ".jpg") -> list[Path]:
    """Save frames as ``photo_00000.jpg``, ... in ``folder`` (JPEG quality 95), as a camera would."""
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, rgb in enumerate(frames):
        path = folder / f"photo_{index:05d}{suffix}"
        Image.fromarray(rgb).save(path, quality=95)
        paths.append(path)
    return paths
