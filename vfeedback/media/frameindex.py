"""The frame index: every video frame's presentation time, read from the packets without decoding.

A decoder that wants to know which indexed frame it holds converts ``frame.pts`` with ``pts_to_us``
and the same origin, the video stream's first presented pts. For every file we have tried that
equals PyAV's ``stream.start_time`` (see ``origin_pts``), so a stored index needs no rescan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex

if TYPE_CHECKING:
    import av.container
    import av.video.stream

PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress calls (and cancel checks) a second


class Cancelled(Exception):
    """The caller asked to stop; nothing was produced."""


def pts_to_us(pts: int, time_base: Fraction, origin_pts: int = 0) -> int:
    """``(pts - origin_pts) * time_base`` in microseconds, rounded to the nearest (halves up).

    Integer arithmetic, so the index, the decoder and the exporter agree to the microsecond.
    """
    ticks = (pts - origin_pts) * time_base.numerator * 1_000_000
    return (2 * ticks + time_base.denominator) // (2 * time_base.denominator)


def origin_pts(stream: av.video.stream.VideoStream) -> int:
    """The pts that is time 0 in the index: the stream's start time (its first presented frame)."""
    return stream.start_time or 0


def build_frame_index(
    path: Path,
    progress: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> FrameIndex:
    """Scan ``path`` and return every frame's presentation time (frame 0 at 0).

    ``progress`` gets fractions 0..1 (ending with 1.0); ``should_cancel`` returning True raises
    Cancelled. Bad files raise BadInput with one sentence.
    """
    import av

    from vfeedback.media import probe as _probe

    head = _probe.check_file(path)
    try:
        container = av.open(_probe.ffmpeg_url(path))
    except (av.FFmpegError, OSError) as exc:
        raise BadInput(
            _probe.explain(path, "damaged" if _probe.looks_like_media(head) else "not_video")
        ) from exc
    with container:
        format_name = container.format.name.split(",")[0]
        if _probe.is_still_format(format_name):
            raise BadInput(_probe.explain(path, "still"))
        if _probe.is_text_format(format_name):
            raise BadInput(_probe.explain(path, "not_video"))
        stream = _video_stream(container)
        if stream is None:
            problem = "audio_only" if container.streams.audio else "no_video"
            raise BadInput(_probe.explain(path, problem))
        is_iso = "mov" in container.format.name.split(",")
        if is_iso and _probe.iso_truncated(path):
            raise BadInput(_probe.explain(path, "incomplete"))
        try:
            raw, packets = _scan(container, stream, progress, should_cancel)
        except av.FFmpegError as exc:
            raise BadInput(_probe.explain(path, "damaged")) from exc
        if not raw:
            raise BadInput(_probe.explain(path, "damaged"))
        # The sample table of an MP4/MOV says how many packets there are; fewer means a cut copy.
        if is_iso and stream.frames and packets < stream.frames:
            raise BadInput(_probe.explain(path, "incomplete"))
        origin = min(raw)
        base = stream.time_base
        assert base is not None
        index = FrameIndex([pts_to_us(pts, base, origin) for pts in raw])
    if progress is not None:
        progress(1.0)
    return index


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    # Same choice as probe: the first video stream that is not cover art.
    from av.stream import Disposition

    for stream in container.streams.video:
        if not stream.disposition & Disposition.attached_pic:
            return stream
    return None


def _scan(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    progress: Callable[[float], None] | None,
    should_cancel: Callable[[], bool] | None,
) -> tuple[list[int], int]:
    """(pts of every presented frame, packets read including those an edit list hides)."""
    base = stream.time_base
    assert base is not None
    start = stream.start_time or 0
    if stream.duration:
        span = stream.duration
    elif container.duration:  # AV_TIME_BASE (microseconds)
        span = max(1, int(Fraction(container.duration, 1_000_000) / base))
    else:
        span = 0
    raw: list[int] = []
    packets = 0
    furthest = start  # packets come in decode order: the furthest pts keeps progress rising
    next_tick = time.monotonic() + PROGRESS_INTERVAL_S
    for packet in container.demux(stream):
        pts = packet.pts
        if pts is None:  # the empty packet that ends the demux, or a packet with no time
            continue
        packets += 1
        if packet.is_discard:  # lead-in before an edit list's start: never shown
            continue
        raw.append(pts)
        furthest = max(furthest, pts)
        if (progress or should_cancel) and time.monotonic() >= next_tick:
            next_tick = time.monotonic() + PROGRESS_INTERVAL_S
            if should_cancel is not None and should_cancel():
                raise Cancelled
            if progress is not None and span:
                progress(min(max((furthest - start) / span, 0.0), 1.0))
    if should_cancel is not None and should_cancel():
        raise Cancelled
    return raw, packets
