"""Decode a video (mp4, mov, webm, ...) with PyAV and keep the frames worth giving to structure-from-motion.

Frames are streamed, never all held: the video's duration is cut into ``target_count`` equal spans and
each span keeps the index and score of its sharpest frame (never its pixels; :func:`write_frames`
decodes the video again and writes the kept frames one at a time). A video whose container states no
duration (a browser's MediaRecorder webm) is measured first by reading its packets. Frames are turned
as the video's rotation metadata says (a phone held upright) before they are scored. Of the spans'
frames, those much blurrier than the video's typical frame are dropped, then those that barely differ
from the last kept one (the camera stood still), so what remains adds viewpoint. Every refusal is an
:class:`~nerf_labeling.errors.InputError` whose message names the file by its own name, never by a server path.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Callable

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
    """A kept frame: its index in decode order, its time in seconds, its score (no pixels: see :func:`write_frames`)."""

    index: int
    time_s: float
    score: FrameScore


@dataclass(frozen=True)
class VideoSelection:
    """The frames of the video at ``path`` kept for SfM, in time order, and why each other candidate was dropped."""

    path: Path
    info: VideoInfo
    frames: tuple[VideoFrame, ...]
    dropped: dict[int, str] = field(default_factory=dict)
    decoded: int = 0


class VideoCancelled(RuntimeError):
    """Raised when ``should_stop()`` returned True while a video was decoded."""


#: ``progress(decoded, total)``: frames decoded so far, of about ``total``
FrameProgress = Callable[[int, int], None]


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
    progress: FrameProgress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> VideoSelection:
    """Decode ``path`` and keep up to ``target_count`` frames (or ``rate`` per second) for SfM.

    ``progress(decoded, total)`` is called after each decoded frame (``total`` estimated from the
    duration); ``should_stop()`` is polled there too and raises :class:`VideoCancelled`. Raises
    :class:`InputError` for a file that is not a readable video, one over ``limits``, a broken stream, or
    one that leaves fewer than ``limits.min_frames`` usable frames.
    """
    path = Path(path)
    info = probe_video(path, limits)
    if info.duration_s <= 0:
        info = _measured(path, info, limits)
    count = target_frame_count(info, target_count=target_count, rate=rate, limits=limits)
    best: dict[int, VideoFrame] = {}
    decoded = 0
    for time_s, rgb in _decoded(path, info, progress, should_stop):
        score = score_frame(rgb, rules)
        span = _span(time_s, info, count)
        if span not in best or score.sharpness > best[span].score.sharpness:
            best[span] = VideoFrame(decoded, time_s, score)
        decoded += 1
    candidates = [best[span] for span in sorted(best)]
    kept, dropped = select_frames([candidate.score for candidate in candidates], rules)
    frames = tuple(candidates[i] for i in kept)
    dropped_by_frame = {candidates[i].index: reason for i, reason in dropped.items()}
    if len(frames) < limits.min_frames:
        raise InputError(
            f"{path.name} gave only {len(frames)} usable frames of {decoded} decoded "
            f"(too short, too blurry or too still); structure-from-motion needs at least {limits.min_frames}"
        )
    return VideoSelection(path=path, info=info, frames=frames, dropped=dropped_by_frame, decoded=decoded)


def _decoded(path: Path, info: VideoInfo, progress: FrameProgress | None, should_stop: Callable[[], bool] | None):
    """``(time_s, rgb (H, W, 3) uint8)`` of each frame of ``path`` in decode order, turned upright, one at a time."""
    import av

    total = max(round(info.duration_s * info.fps), 1)
    decoded = 0
    with _open(path) as container:
        stream = container.streams.video[0]
        try:
            for frame in container.decode(stream):
                if should_stop is not None and should_stop():
                    raise VideoCancelled(f"decoding {path.name} was cancelled after {decoded} frames")
                time_s = float(frame.time) if frame.time is not None else decoded / max(info.fps, 1.0)
                yield time_s, upright(frame.to_ndarray(format="rgb24"), frame.rotation)
                decoded += 1
                if progress is not None:
                    progress(decoded, max(total, decoded))
        except av.FFmpegError as error:
            raise InputError(
                f"{path.name} is damaged: decoding stopped after {decoded} frames ({_reason(error, path)})"
            ) from None


def upright(rgb: np.ndarray, rotation: float) -> np.ndarray:
    """``rgb`` turned as a player shows it: ``rotation`` is the video's display rotation, degrees
    counter-clockwise (PyAV's ``VideoFrame.rotation``; a phone filmed upright stores -90)."""
    turns = round(rotation / 90.0) % 4
    return np.ascontiguousarray(np.rot90(rgb, k=turns)) if turns else rgb


def _measured(path: Path, info: VideoInfo, limits: VideoLimits) -> VideoInfo:
    """``info`` with the duration read from the packets' times, for a container that states none
    (a browser's MediaRecorder writes a webm without one); refused over ``limits.max_seconds``."""
    import av

    end, packets = 0.0, 0
    with _open(path) as container:
        stream = container.streams.video[0]
        try:
            for packet in container.demux(stream):
                if packet.size and packet.pts is not None and packet.time_base is not None:
                    end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
                    packets += 1
        except av.FFmpegError as error:
            raise InputError(f"{path.name} is damaged ({_reason(error, path)})") from None
    duration = end if end > 0 else (packets / info.fps if info.fps > 0 else 0.0)
    if duration <= 0:
        raise InputError(f"{path.name}: the video states no duration and its frames carry no times")
    if duration > limits.max_seconds:
        raise InputError(f"{path.name} lasts {duration:.0f} s, over the limit of {limits.max_seconds:.0f} s")
    return replace(info, duration_s=duration)


def _span(time_s: float, info: VideoInfo, count: int) -> int:
    """Which of ``count`` equal spans of the video (``info.duration_s > 0``) a frame falls into."""
    # the frame's middle, not its start, so rounding never puts two whole-frame steps into one span
    middle = time_s + (0.5 / info.fps if info.fps > 0 else 0.0)
    return min(int(middle / info.duration_s * count), count - 1)


def write_frames(
    selection: VideoSelection,
    folder: str | Path,
    *,
    progress: FrameProgress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[str]:
    """Decode the video again and save the kept frames as ``frame_00000.png``, ... (numbered by decode
    order), one at a time; their names, in order. ``progress`` and ``should_stop`` as in
    :func:`select_video_frames`."""
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {frame.index for frame in selection.frames}
    names = []
    for index, (_, rgb) in enumerate(_decoded(selection.path, selection.info, progress, should_stop)):
        if index in wanted:
            name = f"frame_{index:05d}.png"
            Image.fromarray(rgb).save(folder / name)
            names.append(name)
        if len(names) == len(wanted):
            break
    return names
