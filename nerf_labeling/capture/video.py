"""Decode a video (mp4, mov, webm, ...) with PyAV and keep the frames worth giving to structure-from-motion.

Frames are streamed, never all held: the video's duration is cut into ``target_count`` equal spans and
each span keeps its sharpest frame. Of those, frames much blurrier than the video's typical frame are
dropped, then frames that barely differ from the last kept one (the camera stood still) are dropped,
so what remains adds viewpoint. Every refusal is an :class:`~nerf_labeling.errors.InputError` whose
message names the file by its own name, never by a server path.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nerf_labeling.capture.frame_selection import FrameScore, SelectionRules, score_frame, select_frames
from nerf_labeling.errors import InputError

#: suffixes accepted as video uploads
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".webm", ".mkv")


@dataclass(frozen=True)
class VideoLimits:
    """What a video upload may be: file size, duration, frame size, and how many frames SfM gets."""

    max_bytes: int = 2 * 1024**3
    max_seconds: float = 600.0
    max_pixels: int = 4096 * 2160
    max_frames: int = 400
    min_frames: int = 8


@dataclass(frozen=True)
class VideoInfo:
    """A decodable video stream: ``width x height`` pixels, ``duration_s`` seconds at ``fps``, its codec."""

    width: int
    height: int
    duration_s: float
    fps: float
    codec: str


@dataclass(frozen=True)
class VideoFrame:
    """A kept frame: its index in decode order, its time in seconds, ``rgb (H, W, 3) uint8``, its score."""

    index: int
    time_s: float
    rgb: np.ndarray
    score: FrameScore


@dataclass(frozen=True)
class VideoSelection:
    """The frames kept for SfM, in time order, and why each other candidate was dropped."""

    info: VideoInfo
    frames: tuple[VideoFrame, ...]
    dropped: dict[int, str] = field(default_factory=dict)
    decoded: int = 0


def _open(path: Path, source: BinaryIO | None = None):
    """The container of the file at ``path`` (or of ``source``, an open binary file, named ``path``)."""
    import av

    try:
        return av.open(str(path) if source is None else source)
    except av.FFmpegError as error:
        raise InputError(f"{path.name} is not a video that can be read ({_reason(error, path)})") from None


def _reason(error: Exception, path: Path) -> str:
    """FFmpeg's message without the server folder it quotes."""
    text = getattr(error, "strerror", None) or str(error)
    return text.replace(str(path), path.name)


def probe_video(path: str | Path, limits: VideoLimits = VideoLimits()) -> VideoInfo:
    """The video stream of ``path``, after checking the file against ``limits`` (``InputError`` if not)."""
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise InputError(f"{path.name} is {size / 1e6:.0f} MB, over the limit of {limits.max_bytes / 1e6:.0f} MB")
    with _open(path) as container:
        return _stream_info(container, path, limits)


def probe_video_upload(source: BinaryIO, name: str, limits: VideoLimits = VideoLimits()) -> VideoInfo:
    """:func:`probe_video` of an uploaded file still open as ``source`` (its header is read, not its frames),
    so a file that only has a video's name is refused before it is stored; ``name`` is its upload name."""
    label = Path(Path(name).name)
    with _open(label, source) as container:
        return _stream_info(container, label, limits)


def _stream_info(container, path: Path, limits: VideoLimits) -> VideoInfo:
    if not container.streams.video:
        raise InputError(f"{path.name} has no video stream")
    stream = container.streams.video[0]
    width, height = int(stream.codec_context.width), int(stream.codec_context.height)
    if width < 1 or height < 1:
        raise InputError(f"{path.name}: the video stream has no frame size (a damaged file?)")
    if width * height > limits.max_pixels:
        raise InputError(
            f"{path.name} has {width}x{height} = {width * height} pixels per frame, "
            f"over the limit of {limits.max_pixels}"
        )
    fps = float(stream.average_rate or stream.guessed_rate or 0.0)
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1_000_000.0
    else:
        duration = stream.frames / fps if stream.frames and fps else 0.0
    if duration > limits.max_seconds:
        raise InputError(f"{path.name} lasts {duration:.0f} s, over the limit of {limits.max_seconds:.0f} s")
    return VideoInfo(width, height, duration, fps, stream.codec_context.name)


def target_frame_count(info: VideoInfo, *, target_count: int | None, rate: float | None, limits: VideoLimits) -> int:
    """How many frames to aim for: ``target_count``, or ``rate`` per second of video, at most ``limits.max_frames``."""
    if (target_count is None) == (rate is None):
        raise InputError("give either a target frame count or a sampling rate, not both or neither")
    wanted = target_count if target_count is not None else math.ceil(info.duration_s * rate)
    if wanted < limits.min_frames:
        raise InputError(f"asked for {wanted} frames; structure-from-motion needs at least {limits.min_frames}")
    return min(int(wanted), limits.max_frames)


def select_video_frames(
    path: str | Path,
    *,
    target_count: int | None = None,
    rate: float | None = None,
    limits: VideoLimits = VideoLimits(),
    rules: SelectionRules = SelectionRules(),
) -> VideoSelection:
    """Decode ``path`` and keep up to ``target_count`` frames (or ``rate`` per second) for SfM.

    Raises :class:`InputError` for a file that is not a readable video, one over ``limits``, a broken
    stream, or one that leaves fewer than ``limits.min_frames`` usable frames.
    """
    import av

    path = Path(path)
    info = probe_video(path, limits)
    count = target_frame_count(info, target_count=target_count, rate=rate, limits=limits)
    best: dict[int, tuple[FrameScore, VideoFrame]] = {}
    decoded = 0
    with _open(path) as container:
        stream = container.streams.video[0]
        try:
            for frame in container.decode(stream):
                time_s = float(frame.time) if frame.time is not None else decoded / max(info.fps, 1.0)
                rgb = frame.to_ndarray(format="rgb24")
                score = score_frame(rgb, rules)
                span = _span(time_s, info, decoded, count)
                if span not in best or score.sharpness > best[span][0].sharpness:
                    best[span] = (score, VideoFrame(decoded, time_s, rgb, score))
                decoded += 1
        except av.FFmpegError as error:
            raise InputError(
                f"{path.name} is damaged: decoding stopped after {decoded} frames ({_reason(error, path)})"
            ) from None
    candidates = [best[span][1] for span in sorted(best)]
    kept, dropped = select_frames([candidate.score for candidate in candidates], rules)
    frames = tuple(candidates[i] for i in kept)
    dropped_by_frame = {candidates[i].index: reason for i, reason in dropped.items()}
    if len(frames) < limits.min_frames:
        raise InputError(
            f"{path.name} gave only {len(frames)} usable frames of {decoded} decoded "
            f"(too short, too blurry or too still); structure-from-motion needs at least {limits.min_frames}"
        )
    return VideoSelection(info=info, frames=frames, dropped=dropped_by_frame, decoded=decoded)


def _span(time_s: float, info: VideoInfo, decoded: int, count: int) -> int:
    """Which of ``count`` equal spans of the video a frame falls into (decode order if times are unknown)."""
    if info.duration_s <= 0:
        return decoded
    # the frame's middle, not its start, so rounding never puts two whole-frame steps into one span
    middle = time_s + (0.5 / info.fps if info.fps > 0 else 0.0)
    return min(int(middle / info.duration_s * count), count - 1)


def write_frames(selection: VideoSelection, folder: str | Path) -> list[str]:
    """Save the kept frames as ``frame_00000.png``, ... (numbered by decode order); their names, in order."""
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for frame in selection.frames:
        name = f"frame_{frame.index:05d}.png"
        Image.fromarray(frame.rgb).save(folder / name)
        names.append(name)
    return names
