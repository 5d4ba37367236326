"""Ruler ticks: a "nice" label step chosen so labels never overlap, minor ticks, and frame ticks.

The view measures its two label widths (``00:00:00`` and ``00:00:00.000``) with its font and passes them
in, so the rule "neighbouring labels are at least ``gap_px`` apart" holds for the real text.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from vfeedback.core.frames import FrameIndex
from vfeedback.core.timecode import format_time
from vfeedback.core.timeline.viewport import Viewport

_MS = 1_000
_S = 1_000_000
_MIN = 60 * _S

STEPS: tuple[tuple[int, int], ...] = (
    (10 * _MS, 2 * _MS),
    (20 * _MS, 5 * _MS),
    (50 * _MS, 10 * _MS),
    (100 * _MS, 20 * _MS),
    (200 * _MS, 50 * _MS),
    (500 * _MS, 100 * _MS),
    (_S, 200 * _MS),
    (2 * _S, 500 * _MS),
    (5 * _S, _S),
    (10 * _S, 2 * _S),
    (15 * _S, 5 * _S),
    (30 * _S, 5 * _S),
    (_MIN, 10 * _S),
    (2 * _MIN, 30 * _S),
    (5 * _MIN, _MIN),
    (10 * _MIN, 2 * _MIN),
    (15 * _MIN, 5 * _MIN),
    (30 * _MIN, 5 * _MIN),
    (60 * _MIN, 10 * _MIN),
)
"""(label step, minor step) pairs, finest first; beyond the last, whole hours."""

SHORT_LABEL_PX = 56
LONG_LABEL_PX = 84
"""Defaults for ``00:00:00`` and ``00:00:00.000`` in a 8-9 pt sans font; the view passes measured ones."""

FRAME_TICK_PX = 5
"""Frame ticks appear once a frame is this wide."""


class TickKind(enum.Enum):
    MAJOR = "major"
    MINOR = "minor"
    FRAME = "frame"


@dataclass(frozen=True, slots=True)
class Tick:
    us: int
    x: int
    kind: TickKind
    label: str | None = None


def label_text(us: int, millis: bool) -> str:
    """``00:01:05`` or, for steps below a second, ``00:01:05.240``."""
    text = format_time(us)
    return text if millis else text[:-4]


def label_step(
    us_per_px: int, short_px: int = SHORT_LABEL_PX, long_px: int = LONG_LABEL_PX, gap_px: int = 12
) -> tuple[int, int]:
    """The finest (label step, minor step) whose labels stay ``gap_px`` apart at this zoom."""
    for step, minor in STEPS:
        need = (long_px if step < _S else short_px) + gap_px + 1
        if step >= need * us_per_px:
            return step, minor
    hours = -(-((short_px + gap_px + 1) * us_per_px) // (60 * _MIN))
    return hours * 60 * _MIN, 10 * _MIN


def ruler_ticks(
    vp: Viewport,
    frames: FrameIndex | None = None,
    *,
    short_px: int = SHORT_LABEL_PX,
    long_px: int = LONG_LABEL_PX,
    gap_px: int = 12,
    minor_min_px: int = 6,
    x_range: tuple[int, int] | None = None,
) -> list[Tick]:
    """Ticks whose x lies in ``x_range`` (default: the view, plus room for a label cut at the left).

    Labelled ticks are at multiples of the label step, so they stay put while scrolling. Frame ticks use
    the recording's own frame times (variable frame rate), not a multiple of a rate.
    """
    step, minor = label_step(vp.us_per_px, short_px, long_px, gap_px)
    millis = step < _S
    width = long_px if millis else short_px
    lo_x, hi_x = x_range if x_range is not None else (-width - gap_px, vp.width_px)
    t0 = max(0, vp.us_at(lo_x))
    t1 = min(vp.duration_us, vp.us_at(hi_x))
    if t1 < t0:
        return []
    ticks: list[Tick] = []
    majors: set[int] = set()
    for us in range(-(-t0 // step) * step, t1 + 1, step):
        ticks.append(Tick(us, vp.x_of(us), TickKind.MAJOR, label_text(us, millis)))
        majors.add(us)
    if frames is not None and vp.frame_us >= FRAME_TICK_PX * vp.us_per_px:
        times: Sequence[int] = frames.times
        for i in range(bisect_left(times, t0), bisect_right(times, t1)):
            if times[i] not in majors:
                ticks.append(Tick(times[i], vp.x_of(times[i]), TickKind.FRAME))
    elif minor >= minor_min_px * vp.us_per_px:
        for us in range(-(-t0 // minor) * minor, t1 + 1, minor):
            if us % step:
                ticks.append(Tick(us, vp.x_of(us), TickKind.MINOR))
    ticks.sort(key=lambda t: t.us)
    return ticks
