"""Video ingest: decode with PyAV, keep sharp frames that add viewpoint, refuse bad files with a message."""
from __future__ import annotations

import av
import numpy as np
import pytest
from PIL import Image
from scipy.ndimage import gaussian_filter

from nerf_labeling.capture.frame_selection import SelectionRules, score_frame, select_frames
from nerf_labeling.capture.video import VideoCancelled, VideoLimits, select_video_frames, upright, write_frames
from nerf_labeling.errors import InputError
from nerf_labeling.synthetic.video_writer import write_video
from tests.nerf_labeling.poseless_scenes import HEIGHT, WIDTH, orbit_cameras, render

BLURRED = 20
STILL = 10  # the camera stands still here for STILL_REPEATS more frames
STILL_REPEATS = 3


@pytest.fixture(scope="module")
def orbit_frames() -> list[np.ndarray]:
    return render(orbit_cameras(30))


@pytest.fixture(scope="module")
def handheld_video(tmp_path_factory, orbit_frames):
    """30 orbit views with one motion-blurred frame and a pause; frame indices refer to the video."""
    frames = [frame.copy() for frame in orbit_frames]
    frames[BLURRED - STILL_REPEATS] = gaussian_filter(frames[BLURRED - STILL_REPEATS], sigma=(2.0, 2.0, 0.0))
    frames[STILL + 1 : STILL + 1] = [frames[STILL]] * STILL_REPEATS
    return write_video(tmp_path_factory.mktemp("video") / "walk.mp4", frames, fps=10)


def test_every_span_keeps_a_frame_but_the_blurred_one_and_the_pause(handheld_video, tmp_path):
    selection = select_video_frames(handheld_video, target_count=33)

    assert selection.decoded == 33
    assert (selection.info.width, selection.info.height) == (WIDTH, HEIGHT)
    assert selection.info.duration_s == pytest.approx(3.3)
    assert set(selection.dropped) == {STILL + 1, STILL + 2, STILL + 3, BLURRED}
    assert selection.dropped[BLURRED].startswith("blurry")
    assert all(selection.dropped[STILL + k].startswith("near-duplicate") for k in (1, 2, 3))
    assert [frame.index for frame in selection.frames] == [i for i in range(33) if i not in selection.dropped]
    names = write_frames(selection, tmp_path / "images")
    assert names[0] == "frame_00000.png" and len(names) == 29
    assert all((tmp_path / "images" / name).is_file() for name in names)


def test_fewer_frames_than_the_video_keeps_the_sharpest_of_each_span(handheld_video):
    by_rate = select_video_frames(handheld_video, rate=3.0)  # 3.3 s at 3 per second -> 10 spans

    assert len(by_rate.frames) + len(by_rate.dropped) == 10
    assert BLURRED not in [frame.index for frame in by_rate.frames]
    times = [frame.time_s for frame in by_rate.frames]
    assert times == sorted(times)


def test_a_sharp_frame_between_blurry_ones_is_not_called_blurry(orbit_frames):
    scores = [score_frame(frame) for frame in orbit_frames[:9]]
    blurred = [score_frame(gaussian_filter(frame, sigma=(2.0, 2.0, 0.0))) for frame in orbit_frames[:9]]
    assert blurred[0].sharpness < 0.5 * scores[0].sharpness

    kept, dropped = select_frames(scores[:4] + [blurred[4]] + scores[5:], SelectionRules())
    assert dropped.keys() == {4}
    assert kept == [0, 1, 2, 3, 5, 6, 7, 8]


def test_a_video_too_short_for_sfm_is_refused(tmp_path, orbit_frames):
    video = write_video(tmp_path / "short.mp4", orbit_frames[:5], fps=10)

    with pytest.raises(InputError, match=r"short.mp4 gave only 5 usable frames of 5 decoded.*at least 8"):
        select_video_frames(video, target_count=40)


def test_a_file_that_is_not_a_video_is_refused_without_the_server_path(tmp_path):
    fake = tmp_path / "holiday.mp4"
    fake.write_text("these are not the frames you are looking for\n" * 50)

    with pytest.raises(InputError, match=r"holiday.mp4 is not a video that can be read") as error:
        select_video_frames(fake, target_count=20)
    assert str(tmp_path) not in str(error.value)


def test_a_truncated_video_is_refused(tmp_path, handheld_video):
    broken = tmp_path / "cut.mp4"
    broken.write_bytes(handheld_video.read_bytes()[: handheld_video.stat().st_size // 3])

    with pytest.raises(InputError, match=r"cut.mp4") as error:
        select_video_frames(broken, target_count=20)
    assert str(tmp_path) not in str(error.value)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (VideoLimits(max_pixels=320 * 200), r"320x240 = 76800 pixels per frame, over the limit of 64000"),
        (VideoLimits(max_seconds=2.0), r"lasts 3 s, over the limit of 2 s"),
        (VideoLimits(max_bytes=1000), r"MB, over the limit of 0 MB"),
    ],
)
def test_limits_on_a_video_are_said(handheld_video, limits, message):
    with pytest.raises(InputError, match=message):
        select_video_frames(handheld_video, target_count=20, limits=limits)


def test_a_webm_video_decodes(tmp_path, orbit_frames):
    video = write_video(tmp_path / "clip.webm", orbit_frames[:10], fps=10, codec="libvpx-vp9")

    selection = select_video_frames(video, target_count=10)
    assert selection.info.codec == "vp9"
    assert len(selection.frames) == 10


def test_a_webm_without_a_stated_duration_is_measured_from_its_frames(tmp_path, orbit_frames):
    video = write_video(tmp_path / "recorded.webm", orbit_frames[:24], fps=10, codec="libvpx-vp9", streamed=True)
    with av.open(str(video)) as container:  # as a browser's MediaRecorder leaves it
        assert container.duration is None and container.streams.video[0].duration is None

    selection = select_video_frames(video, rate=5.0)  # 2.4 s at 5 per second -> 12 spans
    assert selection.info.duration_s == pytest.approx(2.4, abs=0.11)
    assert len(selection.frames) + len(selection.dropped) == 12


def test_selection_holds_scores_not_pixels_and_writing_decodes_again(handheld_video, tmp_path):
    selection = select_video_frames(handheld_video, target_count=33)
    assert not any(isinstance(value, np.ndarray) for frame in selection.frames for value in vars(frame).values())
    assert all(frame.score.thumbnail.size * 16 < WIDTH * HEIGHT for frame in selection.frames)  # only a small grey one

    written = []
    names = write_frames(selection, tmp_path / "images", progress=lambda done, total: written.append(done))
    kept = [frame.index for frame in selection.frames]
    assert names == [f"frame_{index:05d}.png" for index in kept]
    assert written and written[-1] <= kept[-1] + 1  # decoded again, and no further than the last kept frame
    first = np.asarray(Image.open(tmp_path / "images" / names[0]))
    assert first.shape == (HEIGHT, WIDTH, 3)


def test_decoding_reports_each_frame_and_stops_when_asked(handheld_video):
    reports = []
    with pytest.raises(VideoCancelled):
        select_video_frames(
            handheld_video, target_count=20, progress=lambda done, total: reports.append((done, total)),
            should_stop=lambda: len(reports) >= 5,
        )
    assert reports == [(done, 33) for done in range(1, 6)]


def test_frames_are_turned_upright_as_the_rotation_metadata_says():
    """PyAV cannot write a display matrix, so the turn is checked on arrays: PyAV's ``frame.rotation`` is
    counter-clockwise, and a phone filmed upright stores -90 (shown turned a quarter clockwise)."""
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    assert upright(rgb, 0) is rgb
    assert np.array_equal(upright(rgb, -90)[:, -1], rgb[0])  # the stored top row is shown as the right column
    assert np.array_equal(upright(rgb, 90)[:, 0], rgb[0, ::-1])
    assert np.array_equal(upright(rgb, 180), rgb[::-1, ::-1])
