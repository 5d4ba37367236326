"""Which source frames a clip holds, and the constant frame rate they are laid out at.

Rules (all from the recording's own frame index, never from ``fps * t``):

- The clip starts with the frame on screen at ``start - padding`` (clamped to the first frame) and
  ends with the frame on screen just before ``end of the moment's last frame + padding`` (clamped
  to the recording's end). The moment's last frame is the one *starting* at ``end_us``, so with no
  padding the clip runs to that frame's end.
- A clip is bounded by the frames that exist: no frame is shown longer than
  ``FrameIndex.shown_until`` allows (``LONGEST_FRAME_US``). A gap longer than that between two
  frames of the clip means damaged timestamps (three frames 100,000 s apart would make a clip of
  millions of copies of one picture): refused. At the clip's ends, where padding meets such a gap,
  the clip simply stops at the last frame shown; a moment on which no frame is shown at all is
  refused.
- Output is constant-rate: ffmpeg's ``fps`` filter puts source frame k, at ``t_k`` after the first,
  on output slot ``round(R * t_k)`` and repeats it until the next frame's slot. The clip has
  ``round(R * (t_stop - t_first))`` slots, ``t_stop`` being the start of the frame after the clip
  (the recording's end for its last frame).
- R: a constant-rate recording keeps its own rate (25, 30000/1001...), so frames map one to one.
  For a variable-rate recording R is the common rate (24, 25, 30, 48, 50, 60...) nearest above the
  fastest rate it sustains over 30 consecutive frames anywhere (a phone drops to 15 fps in dim light
  but never runs faster than its nominal 30, so its fast stretches say what it is; the window
  smooths jitter). A frame whose slot rounds onto its successor's would be dropped, so R moves up
  the ladder until every frame of the clip has a slot of its own: no moment is lost, and slower
  stretches are shown by repeating frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.timecode import format_time

US = 1_000_000
LADDER = tuple(Fraction(r) for r in (24, 25, 30, 48, 50, 60, 90, 100, 120))
# NTSC-style rates a constant-rate source may have, matched exactly rather than approximated.
_NTSC = tuple(Fraction(n * 1000, 1001) for n in (24, 30, 48, 60, 120))
RATE_WINDOW = 30
_HEADROOM = Fraction(97, 100)  # a 29.4 fps stretch still counts as "30"


@dataclass(frozen=True, slots=True)
class Span:
    """Source frames ``first``..``last`` (inclusive) of a clip, and where they start and stop (µs)."""

    first: int
    last: int
    start_us: int  # the first frame's start
    stop_us: int  # the end of the last frame: the next frame's start, or the recording's end

    @property
    def duration_us(self) -> int:
        return self.stop_us - self.start_us


def clip_span(index: FrameIndex, start_us: int, end_us: int, padding_us: int) -> Span:
    """The frames of a clip of the moment ``start_us``..``end_us`` with ``padding_us`` either side."""
    if end_us < start_us:
        raise BadInput(f"The moment ends ({format_time(end_us)}) before it starts ({format_time(start_us)}).")
    for name, us in (("starts", start_us), ("ends", end_us)):
        if us < 0 or us >= index.duration_us:
            raise BadInput(
                f"The moment {name} at {format_time(us)}, outside the recording, which runs from "
                f"00:00:00.000 to {format_time(index.duration_us)}."
            )
    first_of_moment, last_of_moment = _moment_frames(index, start_us, end_us)
    begin = max(start_us - padding_us, 0)
    first = index.frame_at(begin)
    if index.shown_until(first) <= begin:  # padding reaching back into a gap: nothing shown there
        first += 1
    first = min(first, first_of_moment)
    stop = min(index.shown_until(last_of_moment) + padding_us, index.duration_us)
    # The frame on screen just before the padded stop; a stop on a frame's start excludes that frame.
    last = max(index.frame_at(stop - 1), last_of_moment)
    times = index.times
    for k in range(first, last):
        if index.shown_until(k) < times[k + 1]:
            raise BadInput(
                f"The recording's frames jump from {format_time(times[k])} to "
                f"{format_time(times[k + 1])} inside this clip, so its timestamps are damaged; "
                "the clip cannot be made."
            )
    return Span(first, last, index.time_of(first), index.shown_until(last))


def _moment_frames(index: FrameIndex, start_us: int, end_us: int) -> tuple[int, int]:
    """The first and last frames shown during the moment; BadInput when none is."""
    first = index.frame_at(start_us)
    if index.shown_until(first) <= start_us:
        first += 1  # the moment starts in a gap: its first frame is the next one, if inside it
    last = index.frame_at(end_us)
    if first >= len(index) or first > last:
        raise BadInput(
            f"No frame of the recording is shown between {format_time(start_us)} and "
            f"{format_time(max(end_us, start_us))}, so the moment cannot be exported: the file's "
            "timestamps leave a gap there."
        )
    return first, last


def still_frame(index: FrameIndex, at_us: int) -> int:
    if at_us < 0 or at_us >= index.duration_us:
        raise BadInput(
            f"{format_time(at_us)} is outside the recording, which runs from 00:00:00.000 "
            f"to {format_time(index.duration_us)}."
        )
    frame = index.shown_at(at_us)
    if frame is None:
        raise BadInput(
            f"No frame of the recording is shown at {format_time(at_us)}: the file's timestamps "
            "leave a gap there."
        )
    return frame


def round_near(value: Fraction) -> int:
    """Rounded to the nearest integer, halves away from zero (FFmpeg's AV_ROUND_NEAR_INF)."""
    whole = (abs(value.numerator) * 2 + value.denominator) // (2 * value.denominator)
    return whole if value >= 0 else -whole


def slot(rate: Fraction, offset_us: int) -> int:
    """The output slot (frame number at ``rate``) of a source frame ``offset_us`` after the first."""
    # Integer arithmetic: this runs for every frame of a clip, for several candidate rates.
    num, den = rate.numerator * abs(offset_us), rate.denominator * US
    whole = (2 * num + den) // (2 * den)
    return whole if offset_us >= 0 else -whole


def slot_count(rate: Fraction, span: Span) -> int:
    return max(1, slot(rate, span.duration_us))


def _offsets(index: FrameIndex, span: Span) -> list[int]:
    """Each frame's start relative to the first, then the stop: the boundaries of the frames."""
    times = index.times
    return [times[k] - span.start_us for k in range(span.first, span.last + 1)] + [span.duration_us]


def drops(rate: Fraction, offsets: Sequence[int]) -> int:
    """How many frames the ``fps`` filter would drop: those whose slot is not before the next's."""
    slots = [slot(rate, o) for o in offsets]
    return sum(1 for a, b in pairwise(slots) if b <= a)


def output_rate(index: FrameIndex, span: Span) -> Fraction:
    """The constant frame rate of a clip of ``span`` (see the module's rules).

    Judged on the whole recording, so that every clip of one recording gets the same rate (a clip
    inside a dim 15 fps stretch of a 30 fps phone video is still 30), then checked on the span.
    """
    offsets = _offsets(index, span)
    times = [*index.times, index.duration_us]
    if not index.is_variable_rate():
        durations = sorted(b - a for a, b in pairwise(times))
        typical = durations[len(durations) // 2]
        if typical > 0:
            rate = _constant_rate(typical)
            if drops(rate, offsets) == 0:
                return rate
    fastest = _fastest_rate(times)
    candidates = [r for r in LADDER if r >= fastest * _HEADROOM] or [LADDER[-1]]
    dropped = {r: drops(r, offsets) for r in candidates}
    # The slowest rate that drops nothing; failing that (timestamps a few ms apart: a broken file),
    # the one that drops least.
    return min(candidates, key=lambda r: (dropped[r], r))


def _constant_rate(typical_us: int) -> Fraction:
    exact = Fraction(US, typical_us)
    for rate in _NTSC:
        # A 29.97 fps frame lasts 33366.67 µs, stored as 33366 or 33367.
        if abs(Fraction(US) / rate - typical_us) <= 1:
            return rate
    return exact.limit_denominator(1001)


def _fastest_rate(offsets: Sequence[int]) -> Fraction:
    window = min(RATE_WINDOW, len(offsets) - 1)
    shortest = min(offsets[k + window] - offsets[k] for k in range(len(offsets) - window))
    return Fraction(window * US, max(shortest, 1))
