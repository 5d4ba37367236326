"""core.frames where a slip moved a frame or a time and no test noticed (found by make mutation).

Every expected value is worked out by hand in the test's docstring or comment, from the frame times
given, never with the index's own methods.
"""

from __future__ import annotations

import zlib
from array import array
from fractions import Fraction

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex, pts_to_us
from vfeedback.core.timecode import TimeSpec

FOUR = FrameIndex([0, 40_000, 80_000, 120_000])  # 25 fps, four frames: the recording ends at 160,000 us

# --- pts_to_us: the one conversion the index, the decoder and the exporter share ---------------------


@pytest.mark.parametrize(
    ("pts", "time_base", "origin", "us"),
    [
        # 29.97 fps in its own time base: 1001/30000 s = 33,366.67 us, rounded up to 33,367.
        (1, Fraction(1001, 30000), 0, 33_367),
        # frame 2: 2002/30000 s = 66,733.33 us, rounded down.
        (2, Fraction(1001, 30000), 0, 66_733),
        # 90 kHz ticks after an origin of 900 (10 ms): 3,903 - 900 = 3,003 ticks = 33,366.67 us.
        (3_903, Fraction(1, 90_000), 900, 33_367),
        # a 3/100 time base: 7 * 30 ms = 210,000 us exactly.
        (7, Fraction(3, 100), 0, 210_000),
        # a time base of one second: pts 1 is 1,000,000 us exactly.
        (1, Fraction(1, 1), 0, 1_000_000),
    ],
)
def test_pts_to_us_is_exact_integer_microseconds(pts: int, time_base: Fraction, origin: int, us: int) -> None:
    got = pts_to_us(pts, time_base, origin)
    assert type(got) is int
    assert got == us


def test_pts_to_us_counts_from_zero_unless_told_otherwise() -> None:
    assert pts_to_us(1, Fraction(1001, 30000)) == 33_367
    assert pts_to_us(0, Fraction(1, 90_000)) == 0


# --- where a frame stops being shown, and where no frame is ------------------------------------------


def test_the_frame_before_the_last_is_shown_until_the_last_one_starts() -> None:
    assert [FOUR.shown_until(n) for n in range(4)] == [40_000, 80_000, 120_000, 160_000]


def test_nothing_is_shown_before_the_start_and_frame_zero_at_it() -> None:
    assert FOUR.shown_at(-1) is None
    assert FOUR.shown_at(0) == 0


def test_a_frame_is_shown_for_ten_seconds_at_most_then_nothing_until_the_next() -> None:
    """Damaged timestamps: frame 1 starts 30 s after frame 0. Frame 0 is shown for 10,000,000 us
    (to 10 s), then nothing until 30 s."""
    gap = FrameIndex([0, 30_000_000, 30_040_000])
    assert gap.shown_until(0) == 10_000_000
    assert [gap.shown_at(us) for us in (9_999_999, 10_000_000, 15_000_000, 30_000_000)] == [0, None, None, 1]
    with pytest.raises(BadInput) as caught:
        gap.resolve(TimeSpec(us=15_000_000))
    assert str(caught.value) == (
        "No frame of the recording is shown at 00:00:15.000: the file's timestamps leave a gap there."
    )


def test_a_frame_number_past_the_last_is_refused() -> None:
    for frame in (4, 5, -1):
        with pytest.raises(BadInput) as caught:
            FOUR.time_of(frame)
        assert str(caught.value) == f"Frame {frame} does not exist: this recording has frames 0 to 3."


# --- how long the last frame lasts ----------------------------------------------------------------


def test_the_last_frame_lasts_as_given_or_as_long_as_the_one_before() -> None:
    """Two frames 30 ms apart: the last lasts 30 ms unless the file says (1 us here); a length of 0
    or less says nothing."""
    assert FrameIndex([0, 30_000]).duration_us == 60_000
    assert FrameIndex([0, 30_000], 1).duration_us == 30_001
    assert FrameIndex([0, 30_000], 0).duration_us == 60_000
    assert FrameIndex([0, 30_000], -5).duration_us == 60_000
    assert FrameIndex([0]).duration_us == 40_000  # a lone frame: 25 fps, ffmpeg's own guess


# --- an interval from another tool, ending after the last frame's start ---------------------------


def test_an_interval_ending_past_the_middle_of_the_last_frame_takes_it() -> None:
    """Frames at 0, 40, 80, 120 ms; the recording ends at 160 ms. An interval ending at 150 ms ends
    nearer the recording's end (10 ms) than the last frame's start (30 ms): the last frame is in.
    Ending at 140 ms, exactly between the two, it takes the earlier boundary: frame 2 is the last."""
    assert FOUR.inner_span(0, 150_000) == (0, 120_000)
    assert FOUR.inner_span(0, 140_000) == (0, 80_000)
    assert FOUR.inner_span(40_000, 120_000) == (40_000, 80_000)


def test_a_time_one_microsecond_before_the_start_is_outside_the_recording() -> None:
    assert FOUR.resolve(TimeSpec(us=0)) == (0, 0)
    with pytest.raises(BadInput) as caught:
        FOUR.resolve(TimeSpec(us=-1))
    assert str(caught.value) == (
        "-00:00:00.000 is outside the recording, which runs from 00:00:00.000 to 00:00:00.160."
    )


# --- variable frame rate: the median frame length and both ends of the spread ------------------------


def times_from(deltas: list[int]) -> list[int]:
    times, t = [0], 0
    for d in deltas:
        t += d
        times.append(t)
    return times


def test_one_odd_frame_at_each_end_of_an_even_count_is_still_constant_rate() -> None:
    """101 frames, 100 lengths: one of 10 ms, 98 of 40 ms, one of 70 ms. The median is 40 ms and the
    1st..99th centiles (the 2nd and the 99th length) are 40 ms: constant."""
    assert FrameIndex(times_from([10_000] + [40_000] * 98 + [70_000])).is_variable_rate() is False


def test_a_third_of_the_frames_longer_is_variable_rate() -> None:
    """100 lengths: 60 of 40 ms and 40 of 50 ms. The median is 40 ms, the 99th centile 50 ms: 10 ms
    above it, more than a tenth (4 ms)."""
    assert FrameIndex(times_from([40_000] * 60 + [50_000] * 40)).is_variable_rate() is True


def test_frames_shorter_than_the_median_are_variable_rate() -> None:
    """100 lengths: 40 of 33,333 us and 60 of 40 ms. The median is 40 ms and the 1st centile 33,333 us:
    6,667 us below it, more than a tenth (4 ms)."""
    assert FrameIndex(times_from([33_333] * 40 + [40_000] * 60)).is_variable_rate() is True


def test_a_tenth_of_the_median_is_the_line() -> None:
    """100 lengths of 40 ms and 44 ms (60 and 40): 4 ms above the median is a tenth, not more:
    constant. 44.001 ms is more than a tenth: variable."""
    assert FrameIndex(times_from([40_000] * 60 + [44_000] * 40)).is_variable_rate() is False
    assert FrameIndex(times_from([40_000] * 60 + [44_001] * 40)).is_variable_rate() is True
    assert FrameIndex(times_from([40_000] * 60 + [44_000] * 40)).is_variable_rate(Fraction(1, 11)) is True


def test_the_median_not_another_length_is_the_typical_one() -> None:
    """60 of 40 ms and 40 of 44.2 ms: the median is 40 ms, the longest 4.2 ms above it (more than
    4 ms): variable. 40 of 36 ms and 60 of 40 ms: the median 40 ms, the shortest exactly 4 ms below:
    constant. 10 of 20 ms and 90 of 40 ms: the shortest half the median: variable."""
    assert FrameIndex(times_from([40_000] * 60 + [44_200] * 40)).is_variable_rate() is True
    assert FrameIndex(times_from([36_000] * 40 + [40_000] * 60)).is_variable_rate() is False
    assert FrameIndex(times_from([20_000] * 10 + [40_000] * 90)).is_variable_rate() is True


def test_a_jitter_of_two_microseconds_is_constant_however_short_the_frames() -> None:
    """Frames 10 us apart (a tenth is 1 us): two microseconds of jitter is still constant, three is
    not."""
    assert FrameIndex(times_from([10] * 60 + [12] * 40)).is_variable_rate() is False
    assert FrameIndex(times_from([10] * 60 + [13] * 40)).is_variable_rate() is True


def test_how_many_odd_lengths_are_ignored_at_each_end_grows_with_the_count() -> None:
    """One in a hundred at each end: 198 lengths ignore one (the second shortest, 10 ms, counts:
    variable); 200 lengths ignore two (both 10 ms ones: constant)."""
    assert FrameIndex(times_from([10_000] * 2 + [40_000] * 196)).is_variable_rate() is True
    assert FrameIndex(times_from([10_000] * 2 + [40_000] * 198)).is_variable_rate() is False


def test_two_frames_are_not_variable_rate() -> None:
    assert FrameIndex([0, 40_000]).is_variable_rate() is False
    assert FrameIndex([0, 40_000, 200_000]).is_variable_rate() is False  # too few to say


# --- the stored form: version 1 still read, a negative last length refused ---------------------------


def test_a_version_one_index_is_read_with_its_last_frame_as_long_as_the_one_before() -> None:
    """Version 1 stored the deltas only: 0, 40,000, 40,000 are frames at 0, 40 and 80 ms, and the
    last lasts 40 ms like its predecessor, so the recording ends at 120 ms."""
    blob = bytes([1]) + zlib.compress(array("q", [0, 40_000, 40_000]).tobytes(), 6)
    index = FrameIndex.from_bytes(blob)
    assert list(index.times) == [0, 40_000, 80_000]
    assert index.duration_us == 120_000


def test_a_stored_index_whose_last_frame_lasts_less_than_nothing_is_damaged() -> None:
    blob = bytes([2]) + zlib.compress(array("q", [0, 40_000, 40_000, -1]).tobytes(), 6)
    with pytest.raises(BadInput) as caught:
        FrameIndex.from_bytes(blob)
    assert str(caught.value) == "The stored frame index is damaged; it will be rebuilt."


def test_the_last_frames_length_may_be_named_and_sorted_times_may_be_handed_over_as_they_are() -> None:
    """``last_frame_us`` by name (as the interchange tests and readers of a one-frame file do), and
    ``in_order`` only by name: times already sorted and distinct are kept as given."""
    assert FrameIndex([0], last_frame_us=40_000).duration_us == 40_000
    index = FrameIndex([0, 40_000, 80_000], 40_000, in_order=True)
    assert list(index.times) == [0, 40_000, 80_000] and index.duration_us == 120_000
