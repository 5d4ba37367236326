"""interchange.otio_reel where a slip would put an editor's timeline at the wrong rate, on the wrong
frame, or write half a file and call it done (survivors of make mutation).

Every frame index here is written out from frame times worked out in this file with integer
arithmetic (``k * 1_000_000 * q / p`` rounded half up to a microsecond for a rate ``p/q``), never
with the module's or ``core.frames``' helpers; every expected rate is a literal, or for a rate no
standard one is near, the best fraction found by trying every denominator up to 1001 (not with
``limit_denominator``'s continued fractions, which the module uses).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

from vfeedback.core.frames import FrameIndex
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.model import Actor, Code, CodeKind, Moment, Recording, Reel
from vfeedback.interchange.otio_reel import ReelClip, edit_rate, otio_bytes, reel_timeline

T0 = datetime(2026, 1, 1, tzinfo=UTC)

# The standard rates as (numerator, denominator), written out again here.
STANDARD = [
    (24000, 1001), (24, 1), (25, 1), (30000, 1001), (30, 1), (48000, 1001), (48, 1), (50, 1),
    (60000, 1001), (60, 1), (12, 1), (25, 2), (15, 1), (20, 1), (120000, 1001), (100, 1), (120, 1),
]  # fmt: skip


def _grid(p: int, q: int, frames: int = 60) -> list[int]:
    """Frame k of a constant rate p/q at k * q / p seconds, rounded half up to a microsecond."""
    return [(2 * k * 1_000_000 * q + p) // (2 * p) for k in range(frames)]


def _even(period_us: int, frames: int = 60) -> list[int]:
    return [k * period_us for k in range(frames)]


def _best_fraction(x: Fraction, limit: int = 1001) -> Fraction:
    """The fraction nearest ``x`` with a denominator up to ``limit``, by trying every denominator."""
    best = Fraction(round(x))
    for q in range(2, limit + 1):
        f = Fraction(round(x * q), q)
        if abs(f - x) < abs(best - x):
            best = f
    return best


def _rate_id(rate: tuple[int, int]) -> str:
    return f"{rate[0]}/{rate[1]}"


# --- the rate of a constant-rate recording ------------------------------------------------------


@pytest.mark.parametrize("rate", STANDARD, ids=_rate_id)
def test_every_standard_rate_on_its_own_grid_is_that_rate_exactly(rate: tuple[int, int]) -> None:
    """Frames exactly on a standard rate's grid, rounded to microseconds (a gap of floor or ceil of
    q/p s), give that rate exactly: 29.97 stays 30000/1001, not 30, not 29.97 typed as a decimal.
    Catches a rate in the table with a numerator, denominator or value off by one."""
    p, q = rate
    assert edit_rate(FrameIndex(_grid(p, q))) == p / q


@pytest.mark.parametrize("side", [+1, -1], ids=["faster", "slower"])
@pytest.mark.parametrize("rate", STANDARD, ids=_rate_id)
def test_a_rate_half_the_tolerance_off_is_still_the_standard_one(rate: tuple[int, int], side: int) -> None:
    """Evenly spaced frames whose rate is the standard one times (1 +/- 1/4000), half the 1/2000
    tolerance (the gap rounded to a microsecond moves it by at most 0.5 / 8333 = 0.00006, so it stays
    between 1/6000 and 1/3000 off). The standard rate must come out, not the measured one: catches a
    rate missing from the table, a wrong nearest (a % for a -), and a tolerance test that fails on
    one side (a % for the - in the difference)."""
    p, q = rate
    period = round(Fraction(1_000_000 * q, p) / (1 + Fraction(side, 4000)))
    off = abs(Fraction(1_000_000, period) / Fraction(p, q) - 1)
    assert Fraction(1, 6000) < off < Fraction(1, 3000)
    assert edit_rate(FrameIndex(_even(period))) == p / q


@pytest.mark.parametrize("rate", STANDARD, ids=_rate_id)
def test_a_rate_twice_the_tolerance_off_is_the_measured_rate(rate: tuple[int, int]) -> None:
    """Evenly spaced frames one part in a thousand away from a standard rate (outwards: up for a
    whole rate, down for a x/1001 one, away from its 0.1% neighbour), which no other standard rate is
    near: the measured rate 1e6 / gap comes out, as its nearest fraction with a denominator up to
    1001. Catches a tolerance that accepts too much (a + or / for the *, twice the tolerance) and
    the measured rate's numerator off by one."""
    p, q = rate
    side = -1 if q == 1001 else 1
    period = round(Fraction(1_000_000 * q, p) / (1 + Fraction(side, 1000)))
    measured = Fraction(1_000_000, period)
    assert all(abs(measured - Fraction(a, b)) > Fraction(a, b) / 1500 for a, b in STANDARD)
    got = edit_rate(FrameIndex(_even(period)))
    assert got == float(_best_fraction(measured))
    assert got != p / q


def test_a_rate_just_past_the_tolerance_is_the_measured_rate() -> None:
    """Frames 39 980 µs apart: 1e6 / 39 980 = 25 x 2000/1999, one part in 1999 above 25, just past
    the 1/2000 tolerance. The measured rate comes out (50000/1999's nearest fraction with a
    denominator up to 1001), not 25: catches a tolerance of 1/1999 or 2/2000."""
    measured = Fraction(1_000_000, 39_980)
    assert measured == Fraction(50_000, 1999) and measured - 25 == Fraction(25, 1999)
    assert edit_rate(FrameIndex(_even(39_980))) == float(_best_fraction(measured))


def test_a_rate_with_no_standard_one_near_keeps_denominators_up_to_1001() -> None:
    """Frames 37 036 µs apart (27.00076 fps; 27 is not a standard rate): the nearest fraction with a
    denominator up to 1001 is 27028/1001 (|27.000756 - 27.000999| < |27.000756 - 27|), found here
    by trying every denominator; a limit of 1000 would give 27001/1000 and one of 1002 27055/1002."""
    assert _best_fraction(Fraction(1_000_000, 37_036)) == Fraction(27028, 1001)
    assert edit_rate(FrameIndex(_even(37_036))) == 27028 / 1001


@pytest.mark.parametrize(
    ("times", "rate"),
    [
        (_grid(30000, 1001, 300), 30000 / 1001),  # 10 s of NTSC video: 29.97, never rounded to 30
        (_grid(30, 1, 300), 30.0),  # 10 s at 30: 30, not 29.97 (they are 0.1% apart)
    ],
    ids=["29.97", "30"],
)
def test_29_97_and_30_are_told_apart(times: list[int], rate: float) -> None:
    assert edit_rate(FrameIndex(times)) == rate


def test_the_rate_is_the_median_gap_not_another_one() -> None:
    """Seven gaps, all different and all within a tenth of 40 000 µs (a constant rate, jittered): in
    order 38 000, 38 500, 39 000, 40 000, 41 000, 41 500, 42 000. The median is 40 000 µs, 25 fps.
    The second-largest (41 500: 24.10 fps), the second (38 500: 25.97) or the third (39 000: 25.64)
    would each give another rate: catches any other index into the sorted gaps."""
    gaps = [41_000, 38_000, 42_000, 40_000, 38_500, 39_000, 41_500]  # time order, shuffled
    times = [sum(gaps[:k]) for k in range(len(gaps) + 1)]
    index = FrameIndex(times)
    assert not index.is_variable_rate()
    assert edit_rate(index) == 25.0


def test_the_last_gap_counts() -> None:
    """Three frames, 33 367 then 40 000 µs apart: the median of two gaps is the larger, 40 000 µs,
    25 fps. Leaving the last gap out would leave 33 367 µs, 29.97 fps."""
    assert edit_rate(FrameIndex([0, 33_367, 73_367])) == 25.0


def test_a_lone_frame_is_25_and_two_frames_have_a_rate() -> None:
    """A lone frame has no gap: 25 fps, ffmpeg's own guess. Two frames 33 367 µs apart already have
    one: 29.97 (1e6 / 33 367 = 29.9697, within 1/2000 of 30000/1001 = 29.97003), not the fallback."""
    assert edit_rate(FrameIndex([0])) == 25.0
    assert edit_rate(FrameIndex([0], last_frame_us=33_367)) == 25.0
    assert edit_rate(FrameIndex([0, 33_367])) == 30000 / 1001
    assert edit_rate(FrameIndex([0, 20_000])) == 50.0


# --- the rate of a variable-rate recording ------------------------------------------------------


def _variable(frames: int, duration_us: int) -> FrameIndex:
    """``frames`` frames over exactly ``duration_us`` µs, gaps alternating 0.7 and 1.3 times the mean
    (a phone that stutters), the last frame lasting what is left."""
    mean = duration_us // frames
    gaps = [mean * 7 // 10 if k % 2 else mean * 13 // 10 for k in range(frames - 1)]
    times = [sum(gaps[:k]) for k in range(frames)]
    index = FrameIndex(times, last_frame_us=duration_us - times[-1])
    assert index.is_variable_rate() and index.duration_us == duration_us
    return index


@pytest.mark.parametrize(
    ("frames", "duration_us", "rate"),
    [
        (120, 6_000_000, 20.0),  # 20 a second on average: a standard rate
        (300, 10_000_000, 30.0),
        (1199, 40_000_000, 30000 / 1001),  # 29.975: 0.005 from 29.97, 0.025 from 30
        (49, 2_000_001, 24.0),  # 24.4999878: a hair below halfway between 24 and 25
        (49, 1_999_999, 25.0),  # 24.5000122: a hair above it
    ],
)
def test_a_variable_rate_is_the_standard_rate_nearest_its_average(
    frames: int, duration_us: int, rate: float
) -> None:
    """The average rate (frames per second of the recording) picks the nearest standard rate. Near
    halfway between two rates, a change of a millionth in the average (1_000_000 written 1_000_001
    or 999_999) picks the other one: 49 frames in 2.000001 s average 24.4999878 fps, 12 millionths
    below 24.5, so 24; in 1.999999 s, 24.5000122, so 25. Catches the wrong nearest (a % for the -)."""
    assert edit_rate(_variable(frames, duration_us)) == rate


# --- the timeline -------------------------------------------------------------------------------


def _recording(rec_id: int, *, audio: bool) -> Recording:
    media = MediaInfo("mp4", 10_000_000, "h264", 640, 360, 0, 640, 360, 25.0, False, 250, 0, audio)
    return Recording(
        rec_id, 1, "C-17", f"film{rec_id}.mp4", f"/videos/film{rec_id}.mp4", False, 1000, "f" * 64,
        None, None, T0, media,
    )  # fmt: skip


def _code(name: str) -> Code:
    return Code(1, 1, None, name, name, None, "#00aa00", None, CodeKind.STRENGTH, None, None, 0)


def _item(
    moment_id: int,
    index: FrameIndex,
    start_us: int,
    end_us: int,
    *,
    rec_id: int = 1,
    audio: bool = True,
    code: str = "Waiting",
) -> ReelClip:
    moment = Moment(moment_id, rec_id, start_us, end_us, 1, Actor.PARENT, "You waited", "", "ana", T0, T0)
    return ReelClip(
        moment, _code(code), _recording(rec_id, audio=audio), index, Path(f"/videos/film{rec_id}.mp4")
    )


def _timeline(items: list[ReelClip]) -> Any:
    reel = Reel(3, 1, "Our moments", "26 November 2026", tuple(i.moment.id for i in items), T0)
    return reel_timeline(reel, "C-17", items)


NTSC = FrameIndex(_grid(30000, 1001, 300))  # 10 s at 29.97
PAL = FrameIndex(_even(40_000, 250))  # 10 s at 25


def test_clips_are_numbered_from_1_on_both_tracks() -> None:
    """The editor lists clips by name; the first moment of the reel is "1. ...", on the sound track
    too. Catches numbering from 0 or 2 on either track."""
    timeline = _timeline(
        [
            _item(7, NTSC, 1_001_000, 2_002_000, code="Waiting"),
            _item(9, PAL, 2_000_000, 3_000_000, rec_id=2, code="Turned towards"),
        ]
    )
    video, audio = timeline.tracks
    names = ["1. Waiting (moment 7)", "2. Turned towards (moment 9)"]
    assert [c.name for c in video] == names
    assert [c.name for c in audio] == names


def test_sound_clips_carry_no_marker_and_silent_recordings_leave_a_gap() -> None:
    """A marker belongs on the picture; one on the linked sound clip too would show every caption
    twice in the editor. Catches the sound clips made with markers."""
    timeline = _timeline(
        [
            _item(7, NTSC, 1_001_000, 2_002_000),
            _item(8, PAL, 2_000_000, 3_000_000, rec_id=2, audio=False),
            _item(9, PAL, 4_000_000, 4_000_000, rec_id=3),
        ]
    )
    video, audio = timeline.tracks
    assert [len(c.markers) for c in video] == [1, 1, 1]
    assert [type(c).__name__ for c in audio] == ["Clip", "Gap", "Clip"]
    assert [len(c.markers) for c in audio] == [0, 0, 0]


def test_the_timeline_starts_at_0_at_the_first_clips_rate() -> None:
    """A 29.97 fps recording first and a 25 fps one second: the timeline starts at 0 frames at
    30000/1001, the first clip's rate (not the last one's, not 25, not frame 1 or -1)."""
    timeline = _timeline(
        [
            _item(7, NTSC, 1_001_000, 2_002_000),
            _item(9, PAL, 2_000_000, 3_000_000, rec_id=2),
        ]
    )
    start = timeline.global_start_time
    assert (start.value, start.rate) == (0, 30000 / 1001)


def test_an_empty_timeline_starts_at_0_at_25() -> None:
    """With no clip to take a rate from, the timeline counts at 25 fps, as a lone frame does."""
    start = _timeline([]).global_start_time
    assert (start.value, start.rate) == (0, 25.0)


def test_the_available_range_is_the_whole_recording_from_0() -> None:
    """120 frames of variable rate over exactly 6 s (20 fps on average): the file's available range
    is 0 to 120 frames at 20. On a variable rate a microsecond is not rounded away (2e-5 frame), so
    a range starting at 1 µs or -1 µs would show."""
    index = _variable(120, 6_000_000)
    (clip,) = _timeline([_item(7, index, 1_000_000, 1_000_000)]).tracks[0]
    available = clip.media_reference.available_range
    assert (available.start_time.value, available.start_time.rate) == (0, 20.0)
    assert available.duration.value == 120


def test_a_clip_cannot_be_changed_once_made() -> None:
    item = _item(7, NTSC, 0, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.path = Path("/elsewhere.mp4")  # type: ignore[misc]
    assert not hasattr(item, "__dict__")  # slots: one per moment, small


# --- whole frames ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late_us", "value"),
    [
        (1_000, 3.0),  # a Matroska file's millisecond rounding: still frame 3
        (4_000, 3.0),  # exactly a tenth of a 40 ms frame: still frame 3
        (4_001, 3.100025),  # 124 001 µs x 25 / 1e6: past a tenth, the time as it is
        (20_000, 3.5),  # half a frame late: 3.5, never rounded to 3 or 4
    ],
)
def test_a_constant_rate_frame_a_tenth_of_a_frame_off_is_a_whole_frame(late_us: int, value: float) -> None:
    """25 fps, frame 3 written ``late_us`` late (at 120 000 + late_us µs; the index is still of
    constant rate). A clip starting there starts at frame 3 when it is at most a tenth of a frame off
    (the file's time base rounding), and at its own time otherwise. Catches the snap of a constant
    rate given to a variable one and back, a snap of 1.1 frames, and < for <=."""
    times = _even(40_000, 250)
    times[3] += late_us
    index = FrameIndex(times)
    assert not index.is_variable_rate()
    (clip,) = _timeline([_item(7, index, times[3], times[3])]).tracks[0]
    assert clip.source_range.start_time.value == value


def _vfr_around(t_us: int) -> FrameIndex:
    """Variable rate averaging 47.952 fps (48 frames in 1.001 s), frame 2 at ``t_us``."""
    times = [0, t_us // 2, t_us]
    while len(times) < 48:
        times.append(times[-1] + (14_598 if len(times) % 2 else 27_111))
    index = FrameIndex(times, last_frame_us=1_001_000 - times[-1])
    assert index.is_variable_rate() and index.duration_us == 1_001_000
    return index


@pytest.mark.parametrize(
    ("t_us", "value"),
    [
        # Frame 3 at 47.952 fps starts at 3 x 1001/48000 s = 62 562.5 µs: both its roundings to a
        # microsecond, half a microsecond off, are frame 3.
        (62_562, 3.0),
        (62_563, 3.0),
        # 1.5 µs off: the time as it is, 62 564 x 48000/1001 / 1e6 frames.
        (62_564, float(Fraction(62_564 * 48_000, 1001 * 1_000_000))),
        # Frame 2 at 41 708.33 µs: 41 708 is a third of a microsecond off (frame 2), 41 709 two
        # thirds (not a whole frame).
        (41_708, 2.0),
        (41_709, float(Fraction(41_709 * 48_000, 1001 * 1_000_000))),
    ],
)
def test_a_variable_rate_time_is_a_whole_frame_only_within_our_own_rounding(t_us: int, value: float) -> None:
    """On a variable rate, frames are not on the edit rate's grid; a time is a whole frame only when
    our own rounding to a microsecond (half a microsecond at most) explains the difference. Both
    sides of half a microsecond count, whatever the floating-point error. Catches a snap of a tenth
    of a frame, 1.5 µs, none, or a negative one."""
    index = _vfr_around(t_us)
    (clip,) = _timeline([_item(7, index, t_us, t_us)]).tracks[0]
    start = clip.source_range.start_time
    assert (start.value, start.rate) == (value, 48000 / 1001)


# --- writing ------------------------------------------------------------------------------------


def test_the_timeline_is_made_as_json_and_read_back() -> None:
    """The bytes the library's safe save writes (``Files.save``: a full disk there is an error and the
    old file stays, see test_exchange) are OTIO JSON that OTIO reads back as the same timeline."""
    data = otio_bytes(_timeline([_item(7, NTSC, 1_001_000, 2_002_000)]))
    back = otio.adapters.read_from_string(data.decode("utf-8"), adapter_name="otio_json")
    assert back.name == "Our moments"
    assert [c.name for c in back.tracks[0]] == ["1. Waiting (moment 7)"]
