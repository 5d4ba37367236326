"""interchange.subtitles where a slip would show a caption too briefly, at the wrong hour, or in the
wrong format (survivors of make mutation). Every expected time is worked out by hand in the comments,
on frame indexes written out here, so no other module's arithmetic is trusted."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Actor, Moment
from vfeedback.interchange.subtitles import Cue, _timing, cues, format_for

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _moment(moment_id: int, start_us: int, end_us: int, caption: str = "You waited") -> Moment:
    return Moment(moment_id, 1, start_us, end_us, 1, Actor.PARENT, caption, "", "ana", T0, T0)


@pytest.mark.parametrize("begin", [1_000_000, 999_999])
def test_a_point_moment_is_held_exactly_two_seconds(begin: int) -> None:
    """Frames start at 0, ``begin``, 40 ms later and at 10 s; a point moment on the frame at ``begin``
    (on screen for 40 ms) is held to ``begin`` + 2 000 000 µs exactly (3 000 000, or 2 999 999): not
    a microsecond more or less."""
    index = FrameIndex([0, begin, begin + 40_000, 10_000_000], last_frame_us=40_000)
    [cue] = cues([_moment(1, begin, begin)], index)
    assert (cue.start_us, cue.end_us) == (begin, begin + 2_000_000)


def test_two_moments_starting_together_each_keep_their_time() -> None:
    """Frames every 40 ms. A point moment and a 5 s moment both start at 1.0 s: the point is held its
    2 s (to 3.0 s: the next cue starting *later* would stop it, one starting with it does not), the
    long one keeps its 5 s (to 6.0 s); the overlap stays, as players stack such cues."""
    index = FrameIndex(list(range(0, 10_000_000, 40_000)))
    found = cues([_moment(1, 1_000_000, 1_000_000), _moment(2, 1_000_000, 5_960_000)], index)
    assert [(c.moment_id, c.start_us, c.end_us) for c in found] == [
        (1, 1_000_000, 3_000_000),
        (2, 1_000_000, 6_000_000),
    ]


@pytest.mark.parametrize(
    ("start_us", "end_us", "line"),
    [
        # hours, minutes, seconds and milliseconds at and past the hour
        (3_600_000_000, 3_600_000_000 + 2_000_000, "01:00:00,000 --> 01:00:02,000"),
        (3_723_004_000, 3_723_004_000 + 2_000_000, "01:02:03,004 --> 01:02:05,004"),
        (59_999_999, 61_000_000, "00:00:59,999 --> 00:01:01,000"),
        # a cue that would end where it starts ends a millisecond later (5.000 s + 1 ms)...
        (5_000_000, 5_000_000, "00:00:05,000 --> 00:00:05,001"),
        # ...from its own start: 5.000 999 s + 1 ms = 5.001 999 s, written rounded down
        (5_000_999, 5_000_999, "00:00:05,000 --> 00:00:05,001"),
    ],
)
def test_subrip_times(start_us: int, end_us: int, line: str) -> None:
    assert _timing(Cue(start_us, end_us, "x", 1), ",") == line


def test_the_format_comes_from_the_suffix_and_nothing_else_is_subrip() -> None:
    assert [format_for(s) for s in (".srt", ".SRT", ".vtt", ".WebVTT")] == ["srt", "srt", "vtt", "vtt"]
    assert [format_for(s) for s in (".ass", ".mp4", ".a", "", ".srt2")] == [None] * 5


def test_a_cue_cannot_be_changed_once_made() -> None:
    cue = Cue(0, 1, "x", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cue.text = "y"  # type: ignore[misc]
    assert not hasattr(cue, "__dict__")  # slots: a cue is small and has only its four fields
