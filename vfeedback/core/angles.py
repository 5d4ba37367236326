"""Camera angles: recordings filmed at the same time as a main recording, on its clock.

An angle's ``offset_us`` is where its own time zero falls on the main recording's clock, so the angle's
time at a session (main) time is ``session - offset``. Moments stay on the main recording's clock; the
frame an angle shows for a session time is found through that angle's own frame index (angles may
differ in frame rate, and one may be VFR), never by multiplying a time by a rate.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

MAX_ANGLES = 4
"""Angles in one session, the main recording included."""

Method = Literal["auto", "manual"]
METHODS: tuple[Method, ...] = ("auto", "manual")


@dataclass(frozen=True, slots=True)
class Angle:
    """One recording added as an angle of a main recording."""

    recording_id: int
    main_id: int
    offset_us: int
    method: Method
    confidence: float | None = None
    """For ``auto``: how clearly the two sounds matched (0..1); None for ``manual``."""

    def angle_time(self, session_us: int) -> int:
        """The angle's own time at a time on the main recording's clock."""
        return session_us - self.offset_us

    def session_time(self, angle_us: int) -> int:
        """The main recording's time at a time on the angle's own clock."""
        return angle_us + self.offset_us


def overlap(offset_us: int, main_duration_us: int, angle_duration_us: int) -> tuple[int, int]:
    """The stretch of the main clock both films cover (start, end); empty when end <= start."""
    return max(0, offset_us), min(main_duration_us, offset_us + angle_duration_us)


def nudged_offset(offset_us: int, angle_times: Sequence[int], session_us: int, frames: int) -> int:
    """The offset at which the angle shows, at ``session_us``, the frame ``frames`` after (before, when
    negative) the one it shows now, counted in its own frames (``angle_times``: its frame index's start
    times), so a VFR angle moves by its real frames. At either end it stops at the first or last frame."""
    here = bisect_right(angle_times, session_us - offset_us) - 1
    target = min(max(here + frames, 0), len(angle_times) - 1)
    return session_us - angle_times[target]
