"""core.timecode at its edges: the slips that mutation testing found no test for (make mutation).

Each limit is tried on both sides of the line: the last value accepted and the first refused. The
numbers are written out by hand: 10,000,000 s is the longest time (``MAX_SECONDS``), a frame number
may be at most 1,000 times that, and nothing longer than 40 characters is read as a time.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.core.timecode import TimeSpec, checked_seconds, format_time, parse_time

GENERIC = "is not a time: use seconds (12.5)"  # quoted as its first 39 characters and "…"

# --- parse_time: the longest text, the largest frame number, the largest time ---------------------


def test_forty_characters_are_still_read_as_a_frame_number_and_as_seconds() -> None:
    frame = "f" + "0" * 38 + "7"  # 40 characters, frame 7
    clock = "0" * 34 + "1.5000"  # 40 characters, 1.5 s
    assert (len(frame), len(clock)) == (40, 40)
    assert parse_time(frame) == TimeSpec(frame=7)
    assert parse_time(clock) == TimeSpec(us=1_500_000)


@pytest.mark.parametrize("text", ["f" + "0" * 39 + "7", "0" * 35 + "1.5000"])
def test_forty_one_characters_are_refused_with_the_accepted_forms(text: str) -> None:
    assert len(text) == 41
    with pytest.raises(BadInput) as caught:
        parse_time(text)
    assert str(caught.value) == f"'{text[:39]}…' {GENERIC}, minutes:seconds (1:02.25), " + (
        "hours:minutes:seconds (00:01:02.250) or a frame number (f1234)."
    )


def test_the_largest_frame_number_is_accepted_and_one_more_is_refused() -> None:
    assert parse_time("f10000000000") == TimeSpec(frame=10_000_000_000)
    with pytest.raises(BadInput) as caught:
        parse_time("f10000000001")
    assert str(caught.value) == "'f10000000001' is not a time: no recording has that many frames."


def test_ten_million_seconds_is_accepted_and_a_microsecond_more_is_refused() -> None:
    assert parse_time("10000000") == TimeSpec(us=10_000_000_000_000)
    assert parse_time("2777:46:40") == TimeSpec(us=10_000_000_000_000)  # the same, as a clock
    with pytest.raises(BadInput) as caught:
        parse_time("10000000.000001")
    assert str(caught.value) == "'10000000.000001' is not a time: it is far longer than any recording."


# --- parse_time: the clock's parts ---------------------------------------------------------------


def test_fifty_nine_and_a_half_seconds_after_a_minute_is_a_time_and_sixty_and_a_half_is_not() -> None:
    assert parse_time("1:59.5") == TimeSpec(us=119_500_000)
    with pytest.raises(BadInput) as caught:
        parse_time("1:60.5")
    assert str(caught.value) == "'1:60.5' is not a time: the seconds part must be below 60."


def test_minute_fifty_nine_is_a_time_and_sixty_one_is_not() -> None:
    assert parse_time("1:59:00") == TimeSpec(us=(3600 + 59 * 60) * 1_000_000)
    with pytest.raises(BadInput) as caught:
        parse_time("1:61:00")
    assert str(caught.value) == "'1:61:00' is not a time: the minutes part must be below 60."


# --- format_time and TimeSpec --------------------------------------------------------------------


def test_a_microsecond_before_zero_keeps_its_sign() -> None:
    """-1 us rounds to 0 ms, but it is still before the start: the sign says so."""
    assert format_time(-1) == "-00:00:00.000"
    assert format_time(-2) == "-00:00:00.000"


def test_a_typed_time_cannot_be_changed_after_parsing() -> None:
    """TimeSpec is a value: frozen and hashable, so one kept in a set or a dict never shifts."""
    spec = parse_time("12.5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.us = 0  # type: ignore[misc]
    assert {spec: "kept"}[TimeSpec(us=12_500_000)] == "kept"


# --- checked_seconds: what a file or a command line may give as a number of seconds ----------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(0, 0.0), (12, 12.0), (2.5, 2.5), ("  3.25 ", 3.25), (Decimal("0.04"), 0.04),
     (10_000_000, 10_000_000.0), (-10_000_000, -10_000_000.0), ("0" * 36 + "1.25", 1.25)],
)  # fmt: skip
def test_checked_seconds_accepts_finite_numbers_up_to_the_limit(value: object, seconds: float) -> None:
    assert checked_seconds(value) == seconds


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (True, "not a number"),
        (False, "not a number"),
        (None, "not a number"),
        ([1], "not a number"),
        ("abc", "not a number"),
        ("0" * 37 + "1.25", "not a number"),  # 41 characters
        (10**400, "far too large"),  # too large even for a float
        (10_000_000.5, "far too large"),
        (-10_000_001, "far too large"),
        ("1e308", "far too large"),
        (float("nan"), "not a finite number"),
        ("Infinity", "not a finite number"),
        (float("-inf"), "not a finite number"),
    ],
)
def test_checked_seconds_refuses_with_the_reason(value: object, why: str) -> None:
    with pytest.raises(ValueError) as caught:
        checked_seconds(value)
    assert str(caught.value) == why
