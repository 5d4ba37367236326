"""The timeline's filmstrip: small upright thumbnails at regular times, from one ffmpeg pass.

One ffmpeg process decodes the video once and streams raw RGB thumbnails through a pipe, so each one
reaches ``on_thumb`` as soon as it is decoded. Why this filter chain (measured on a busy 2-core machine,
20 minutes of 640x360 ultrafast H.264 and 1 minute of 720p H.264 with deblocking and 1 s GOPs; the
frame checks on the test media of tests/test_filmstrip.py):

- ``fps=<1/interval>:round=up`` keeps, for each time ``k * interval``, the last frame starting at or
  before it: the frame on screen then, 0 wrong of 40 on CFR, 29.97 and VFR media. The same filter with
  its default ``round=near`` takes frames up to half an interval early or late (all wrong, by up to 8
  frames); ``select`` on ``t - prev_selected_t`` takes the first frame at or after each time and drifts
  (19 of 20 wrong, up to 10 frames); ``thumbnail`` picks by content; ``-skip_frame nokey`` is ~9x faster
  but shows keyframes up to a GOP (here 45 frames) away.
- Decoding every frame is the whole cost: the pass takes as long as a bare decode to ``-f null``.
  ``scale`` after ``fps`` scales 600 pictures instead of 30,000 (scaling first cost 14-60% more), and
  ``-noautorotate`` plus our own ``transpose`` after ``scale`` turns thumbnails, not whole frames.
- ``-skip_loop_filter all`` skips H.264/HEVC deblocking: 14-17% less CPU. The frames chosen are the
  same; the pictures differ by 0.01 grey levels on average at 54 px at ordinary bitrates, and by ~2.5
  (some smearing) on starved long-GOP video, which a 54-pixel thumbnail can afford.
- Decoder threads stay at ffmpeg's default. On the busy 2-core machine ``-threads 1`` used ~12% less
  CPU and was no slower, but threads are what let an idle or larger machine finish sooner (expected,
  not measured here).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import ShouldCancel
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.text import quoted_name
from vfeedback.media.ffmpeg import stream as stream_ffmpeg
from vfeedback.media.probe import ffmpeg_url

if TYPE_CHECKING:
    import numpy as np

    Thumb = np.ndarray[Any, np.dtype[np.uint8]]

NICE_INTERVALS_US = tuple(
    int(s * 1_000_000) for s in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)
)


def choose_interval(duration_us: int, target_count: int = 600) -> int:
    """The shortest nice interval (0.5, 1, 2, 5, 10 s...) giving at most ``target_count`` thumbnails."""
    if target_count < 1:
        raise ValueError("target_count must be at least 1")
    for interval in NICE_INTERVALS_US:
        if _count(duration_us, interval) <= target_count:
            return interval
    return NICE_INTERVALS_US[-1]


def _count(duration_us: int, interval_us: int) -> int:
    """Times 0, interval, 2*interval... before ``duration_us`` (at least the first frame)."""
    return max(1, -(-duration_us // interval_us))


def thumb_size(info: MediaInfo, height: int) -> tuple[int, int]:
    """(width, height) of an upright thumbnail ``height`` pixels high with the display aspect ratio."""
    if height < 2:
        raise ValueError("height must be at least 2 pixels")
    dw, dh = max(info.display_width, 1), max(info.display_height, 1)
    return max(2, round(height * dw / dh)), height


def thumb_times(frames: FrameIndex, interval_us: int) -> list[tuple[int, int]]:
    """(requested time, time of the frame on screen then) for each thumbnail, in microseconds.

    Times stop at the last frame's start: how long the last frame lasts is a guess (FrameIndex and
    ffmpeg guess differently), and ffmpeg emits nothing past its own guess.

    ffmpeg compares exact timestamps, FrameIndex microseconds rounded to the nearest. They agree
    whenever each requested time is a whole number of the stream's clock ticks (true of the nice
    intervals for the usual 1/90000, 1/30000, 1/12800, 1/1000 and 1/600 s clocks); otherwise, for a
    frame starting less than 0.5 µs after a requested time, the time would name it while the picture
    shows the frame before.
    """
    count = frames.times[-1] // interval_us + 1
    return [(k * interval_us, frames.snap(k * interval_us)) for k in range(count)]


def filmstrip_argv(
    path: Path,
    *,
    interval_us: int,
    size: tuple[int, int],
    rotation: int = 0,
    ffmpeg: str = "ffmpeg",
) -> list[str]:
    """The ffmpeg command writing one ``size`` RGB24 thumbnail per ``interval_us`` to its stdout.

    ``rotation`` is the clockwise turn the picture needs (MediaInfo.rotation); ``size`` is upright.
    """
    rate = _rate(interval_us)
    width, height = size
    turn = {0: "", 90: ",transpose=clock", 180: ",hflip,vflip", 270: ",transpose=cclock"}[rotation % 360]
    # Before the turn a portrait picture is still lying on its side.
    coded_w, coded_h = (height, width) if rotation % 180 else (width, height)
    chain = (
        # The first frame (not the file's start, which may be the audio's) is time 0, as in FrameIndex.
        "setpts=PTS-STARTPTS,"
        f"fps=fps={rate.numerator}/{rate.denominator}:round=up,"
        f"scale={coded_w}:{coded_h}:flags=area{turn}"
    )
    return [
        ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-v", "error",
        "-noautorotate", "-skip_loop_filter", "all",
        "-i", ffmpeg_url(path),
        "-map", "0:V:0", "-vf", chain,
        # No re-timing by the muxer: every picture the filter emits is one thumbnail.
        "-fps_mode", "passthrough",
        "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1",
    ]  # fmt: skip


def _rate(interval_us: int) -> Fraction:
    if interval_us <= 0:
        raise ValueError("interval_us must be positive")
    rate = Fraction(1_000_000, interval_us)
    # ffmpeg parses the rate as a double and rationalises it with denominators up to 1001000; beyond
    # that it would be rounded and the thumbnails would slide off the requested times.
    if rate.denominator > 1_001_000 or rate.numerator > 1_001_000:
        raise ValueError(f"interval of {interval_us} µs cannot be given to ffmpeg exactly")
    return rate


def filmstrip(
    path: Path,
    info: MediaInfo,
    *,
    interval_us: int,
    height: int = 54,
    frames: FrameIndex | None = None,
    on_thumb: Callable[[int, Thumb], None] | None = None,
    should_cancel: ShouldCancel | None = None,
    ffmpeg: str = "ffmpeg",
) -> list[tuple[int, Thumb]]:
    """(frame time in µs, H x W x 3 RGB uint8 thumbnail) for the times 0, interval, 2 * interval...

    Each thumbnail is the frame on screen at its time, and is passed to ``on_thumb`` (on this thread)
    as soon as ffmpeg has decoded it. ``frames`` is the recording's frame index (built here when not
    given, ~0.5 s per 20 minutes). ``should_cancel`` returning True kills ffmpeg and raises Cancelled;
    an ffmpeg failure raises BadInput with one sentence.
    """
    import numpy as np

    if frames is None:
        from vfeedback.media.frameindex import build_frame_index

        frames = build_frame_index(path, should_cancel=should_cancel)
    times = thumb_times(frames, interval_us)
    width, height = thumb_size(info, height)
    argv = filmstrip_argv(
        path, interval_us=interval_us, size=(width, height), rotation=info.rotation, ffmpeg=ffmpeg
    )
    frame_bytes = width * height * 3
    pending = bytearray()
    thumbs: list[tuple[int, Thumb]] = []

    def take(data: bytearray) -> None:
        pending.extend(data)
        whole = len(pending) // frame_bytes * frame_bytes
        for start in range(0, whole, frame_bytes):
            # ffmpeg may repeat the last frame once past the end; those are not ours to show.
            if len(thumbs) < len(times):
                # Copied at once: no view may outlive this loop, or the bytearray could not shrink.
                thumb = np.frombuffer(pending, np.uint8, frame_bytes, start).reshape(height, width, 3).copy()
                thumbs.append((times[len(thumbs)][1], thumb))
                if on_thumb is not None:
                    on_thumb(*thumbs[-1])
        del pending[:whole]

    stream_ffmpeg(argv, take, should_cancel, failure=f"make the filmstrip of {quoted_name(path)}", path=path)
    return thumbs
