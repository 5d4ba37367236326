"""The frame index: every video frame's presentation time, so any time snaps to a real frame.

Phone video often has a variable frame rate, so a frame's time is never ``n / fps``: it is whatever the
file says. The index is built once from the file (see ``vfeedback.media.frameindex``) and cached.
"""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from fractions import Fraction

from vfeedback.core.errors import BadInput
from vfeedback.core.timecode import TimeSpec, format_time

_FORMAT_VERSION = 2  # 2: the last frame's own length is stored (a one-frame recording has one)

LONGEST_FRAME_US = 10_000_000
"""The longest any one frame is shown in an export. Real video holds a frame for a fraction of a
second (a dim phone video, 1/15 s; a stalled camera, a second or two); a file whose frames are
100,000 s apart has damaged timestamps, and a clip of it must not become millions of copies of one
picture. Within a moment, a longer gap is refused; at a clip's ends it is cut to this."""
FALLBACK_FRAME_US = 40_000
"""The length of a lone frame whose file says nothing about it (25 fps, ffmpeg's own guess)."""


def pts_to_us(pts: int, time_base: Fraction, origin_pts: int = 0) -> int:
    """``(pts - origin_pts) * time_base`` in microseconds, rounded to the nearest (halves up).

    Integer arithmetic, so the index, the decoder, the probe and the exporter agree to the microsecond.
    """
    ticks = (pts - origin_pts) * time_base.numerator * 1_000_000
    return (2 * ticks + time_base.denominator) // (2 * time_base.denominator)


class FrameIndex:
    """Sorted, distinct frame times in microseconds from the start of the video stream (frame 0 at
    0), and how long the last frame lasts."""

    __slots__ = ("_last", "_times")

    def __init__(
        self, times_us: Sequence[int], last_frame_us: int | None = None, *, in_order: bool = False
    ) -> None:
        """``last_frame_us``: how long the last frame is shown; by default as long as the frame
        before it (as ffmpeg assumes), and ``FALLBACK_FRAME_US`` for a lone frame. The index
        builder gives it for a one-frame recording, from the file. ``in_order``: ``times_us`` is
        already sorted and distinct (the index builder sorts in numpy), so it is only copied
        (sorting 15,000 frames' times again cost 1.5 ms)."""
        if not times_us:
            raise BadInput("This recording has no video frames.")
        times = array("q", times_us if in_order else sorted(set(times_us)))
        self._times = times
        self._last = last_frame_us if last_frame_us is not None and last_frame_us > 0 else None

    def __len__(self) -> int:
        return len(self._times)

    @property
    def times(self) -> Sequence[int]:
        return self._times

    @property
    def duration_us(self) -> int:
        """From the first frame to the end of the last one (see ``__init__`` for how long that is)."""
        t = self._times
        predecessor = t[-1] - t[-2] if len(t) > 1 else FALLBACK_FRAME_US
        return t[-1] + (predecessor if self._last is None else self._last)

    def shown_until(self, frame: int) -> int:
        """When ``frame`` stops being shown in an export: the next frame's start (the recording's
        end for the last frame), but never more than ``LONGEST_FRAME_US`` after its own start."""
        t = self._times
        stop = t[frame + 1] if frame + 1 < len(t) else self.duration_us
        return min(stop, t[frame] + LONGEST_FRAME_US)

    def shown_at(self, us: int) -> int | None:
        """The frame an export shows at ``us``, or None where damaged timestamps leave a gap longer
        than ``LONGEST_FRAME_US`` (or outside the recording)."""
        if us < 0 or us >= self.duration_us:
            return None
        n = self.frame_at(us)
        return n if us < self.shown_until(n) else None

    def frame_at(self, us: int) -> int:
        """The frame on screen at ``us``: the last frame starting at or before it (clamped)."""
        n = bisect_right(self._times, us) - 1
        return min(max(n, 0), len(self._times) - 1)

    def time_of(self, frame: int) -> int:
        if not 0 <= frame < len(self._times):
            raise BadInput(
                f"Frame {frame} does not exist: this recording has frames 0 to {len(self._times) - 1}."
            )
        return self._times[frame]

    def snap(self, us: int) -> int:
        """The start time of the frame on screen at ``us``."""
        return self._times[self.frame_at(us)]

    def nearest(self, us: int) -> int:
        """The frame whose start is nearest to ``us`` (the earlier on a tie), for times written by other
        tools to the millisecond, which may fall just before the frame they meant."""
        n = self.frame_at(us)
        t = self._times
        if n + 1 < len(t) and t[n + 1] - us < us - t[n]:
            return n + 1
        return n

    def outer_span(self, start_us: int, end_us: int) -> tuple[int, int]:
        """A moment (its first frame's start, its last frame's start) as the interval it covers on
        screen: from its first frame's start to its last frame's end. Other tools (ELAN, BORIS,
        subtitles, editors) think in such intervals; a point moment covers its one frame."""
        last = self.frame_at(end_us)
        stop = self._times[last + 1] if last + 1 < len(self._times) else self.duration_us
        return self._times[self.frame_at(start_us)], stop

    def inner_span(self, begin_us: int, stop_us: int) -> tuple[int, int]:
        """The inverse of ``outer_span`` for an interval written by another tool: the frames whose
        starts and ends are nearest to its ends, as (first frame's start, last frame's start). An
        interval shorter than a frame becomes a point moment on the nearest frame."""
        first = self.nearest(begin_us)
        # The boundary nearest the stop: a frame's start, or the recording's end after the last frame.
        stop = self.nearest(stop_us)
        if stop == len(self._times) - 1 and stop_us - self._times[stop] > self.duration_us - stop_us:
            stop = len(self._times)
        last = min(max(first, stop - 1), len(self._times) - 1)
        return self._times[first], self._times[last]

    def resolve(self, spec: TimeSpec) -> tuple[int, int]:
        """A typed time to (microseconds of a real frame, frame number); refuses times past the end,
        and times in a gap of damaged timestamps (see ``shown_at``)."""
        if spec.frame is not None:
            return self.time_of(spec.frame), spec.frame
        assert spec.us is not None
        if spec.us < 0 or spec.us >= self.duration_us:
            raise BadInput(
                f"{format_time(spec.us)} is outside the recording, which runs from 00:00:00.000 "
                f"to {format_time(self.duration_us)}."
            )
        n = self.shown_at(spec.us)
        if n is None:
            raise BadInput(
                f"No frame of the recording is shown at {format_time(spec.us)}: the file's timestamps "
                "leave a gap there."
            )
        return self._times[n], n

    def is_variable_rate(self, tolerance: Fraction = Fraction(1, 10)) -> bool:
        """True when frame durations differ by more than ``tolerance`` of the typical one.

        29.97 fps in a 1/30000 or 1/90000 time base, rounded to microseconds, jitters by a microsecond;
        that is constant. Phone video that wanders between 28 and 31 fps is variable.
        """
        t = self._times
        if len(t) < 3:
            return False
        deltas = sorted(t[i + 1] - t[i] for i in range(len(t) - 1))
        typical = deltas[len(deltas) // 2]
        slack = max(2, int(typical * tolerance))
        # Ignore the extremes at both ends (one odd frame at a cut) by looking at the 1st..99th centiles.
        # At least one at each end: below 100 frames a centile is less than one frame.
        skip = max(1, len(deltas) // 100)
        lo = deltas[skip]
        hi = deltas[-1 - skip]
        return hi - typical > slack or typical - lo > slack

    def to_bytes(self) -> bytes:
        """Compact form for the library: deltas compress to a few bytes per frame."""
        t = self._times
        deltas = array("q", [t[0]] + [t[i] - t[i - 1] for i in range(1, len(t))])
        deltas.append(self._last if self._last is not None else 0)  # 0: as its predecessor
        return bytes([_FORMAT_VERSION]) + zlib.compress(deltas.tobytes(), 6)

    @classmethod
    def from_bytes(cls, blob: bytes) -> FrameIndex:
        """Version 2, or version 1 (no last frame's length: as its predecessor), so that indexes
        stored before still serve a referenced recording whose file is offline."""
        if not blob or blob[0] not in (1, _FORMAT_VERSION):
            raise BadInput("The stored frame index is from another version; it will be rebuilt.")
        deltas = array("q")
        try:
            deltas.frombytes(zlib.decompress(blob[1:]))
        except (zlib.error, ValueError):
            deltas = array("q")
        if blob[0] == 1:
            deltas.append(0)
        if len(deltas) < 2 or deltas[-1] < 0:
            # A damaged blob must lead to a rebuild, like an old one, not to a crash later.
            raise BadInput("The stored frame index is damaged; it will be rebuilt.")
        last = deltas.pop()
        running = 0
        times = array("q")
        for d in deltas:
            running += d
            times.append(running)
        index = cls.__new__(cls)
        index._times = times
        index._last = last or None
        return index

    def describe(self, us: int) -> str:
        return f"{format_time(us)} (frame {self.frame_at(us)})"
