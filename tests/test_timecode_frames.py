"""core.timecode and core.frames: typed times, rounding, snapping to real frames, storage form."""

from __future__ import annotations

import zlib
from fractions import Fraction

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.timecode import TimeSpec, format_time, parse_time, seconds_to_us

# --- parse_time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "us"),
    [
        ("12.5", 12_500_000),
        ("0", 0),
        ("12", 12_000_000),
        ("12.", 12_000_000),
        (".5", 500_000),
        ("  7.25 ", 7_250_000),
        ("1:02.25", 62_250_000),
        ("01:02", 62_000_000),
        ("00:01:02.250", 62_250_000),
        ("1:00:00", 3_600_000_000),
        ("100:00:00", 360_000_000_000),
        ("0:00:00.000001", 1),
        ("90", 90_000_000),  # plain seconds may exceed a minute
        ("59.999999", 59_999_999),
    ],
)
def test_parse_time_forms(text: str, us: int) -> None:
    assert parse_time(text) == TimeSpec(us=us)


@pytest.mark.parametrize(("text", "frame"), [("f0", 0), ("f1234", 1234), ("F7", 7), (" f12 ", 12)])
def test_parse_frame_numbers(text: str, frame: int) -> None:
    assert parse_time(text) == TimeSpec(frame=frame)


@pytest.mark.parametrize(
    "text",
    ["", " ", "abc", "-1", "1:2:3:4", "f", "f-1", "f1.5", "1e3", "1,5", "12:", ":12", "1:60",
     "1:60:00", "0:00:60", "1.2.3", "12s", "1:-5"],
)  # fmt: skip
def test_parse_time_errors_are_one_sentence(text: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_time(text)
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")
    assert f"'{text}'" in message


def test_parse_time_names_the_accepted_forms() -> None:
    with pytest.raises(BadInput, match=r"12\.5.*1:02\.25.*00:01:02\.250.*f1234"):
        parse_time("soon")


# --- format_time ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("us", "text"),
    [
        (0, "00:00:00.000"),
        (499, "00:00:00.000"),
        (500, "00:00:00.001"),  # halves round up
        (1_499_999, "00:00:01.500"),
        (1_500_500, "00:00:01.501"),
        (59_999_500, "00:01:00.000"),  # rounding carries into the minutes
        (3_599_999_600, "01:00:00.000"),
        (62_250_000, "00:01:02.250"),
        (360_000_000_000, "100:00:00.000"),
        (-1_500, "-00:00:00.002"),
        (-499, "-00:00:00.000"),
    ],
)
def test_format_time_rounds_to_the_nearest_millisecond(us: int, text: str) -> None:
    assert format_time(us) == text


@pytest.mark.parametrize("us", [0, 1, 499, 500, 40_000, 33_367, 62_250_000, 3_599_999_999])
def test_format_then_parse_is_within_half_a_millisecond(us: int) -> None:
    back = parse_time(format_time(us)).us
    assert back is not None and abs(back - us) <= 500


def test_seconds_to_us() -> None:
    assert seconds_to_us(1.5) == 1_500_000
    assert seconds_to_us(0.0000015) in (1, 2)
    assert seconds_to_us(-2.25) == -2_250_000


# --- FrameIndex ----------------------------------------------------------------------------------

CFR25 = [n * 40_000 for n in range(250)]


def test_constructor_sorts_and_drops_duplicates() -> None:
    index = FrameIndex([80_000, 0, 40_000, 40_000])
    assert list(index.times) == [0, 40_000, 80_000]
    assert len(index) == 3


def test_an_empty_index_is_refused() -> None:
    with pytest.raises(BadInput):
        FrameIndex([])


def test_duration_adds_the_last_frames_length() -> None:
    assert FrameIndex(CFR25).duration_us == 10_000_000
    # A lone frame lasts what its file says (the index builder passes it), else one 25 fps frame:
    # never 0, which left no time inside a one-frame recording (issue 10).
    assert FrameIndex([0], 33_367).duration_us == 33_367
    assert FrameIndex([0]).duration_us == 40_000
    assert FrameIndex([0, 40_000], 10_000).duration_us == 50_000  # given, it wins


@pytest.mark.parametrize(
    ("us", "frame"),
    [(-5, 0), (0, 0), (39_999, 0), (40_000, 1), (40_001, 1), (9_960_000, 249), (10**12, 249)],
)
def test_frame_at_is_the_frame_on_screen(us: int, frame: int) -> None:
    assert FrameIndex(CFR25).frame_at(us) == frame


def test_snap_gives_the_start_of_the_frame_on_screen() -> None:
    index = FrameIndex([0, 33_000, 83_000, 100_000])  # uneven, like a phone
    assert [index.snap(t) for t in (0, 32_999, 33_000, 82_999, 99_999, 150_000)] == [
        0, 0, 33_000, 33_000, 83_000, 100_000,
    ]  # fmt: skip


def test_time_of_and_its_error() -> None:
    index = FrameIndex(CFR25)
    assert index.time_of(0) == 0 and index.time_of(249) == 9_960_000
    for bad in (-1, 250):
        with pytest.raises(BadInput, match=r"frames 0 to 249\.$"):
            index.time_of(bad)


def test_resolve_times_and_frames() -> None:
    index = FrameIndex(CFR25)
    assert index.resolve(parse_time("1.23")) == (1_200_000, 30)
    assert index.resolve(parse_time("f30")) == (1_200_000, 30)
    assert index.resolve(parse_time("0")) == (0, 0)
    assert index.resolve(parse_time("9.999")) == (9_960_000, 249)
    for outside in ("10", "1:00"):
        with pytest.raises(BadInput, match="outside the recording"):
            index.resolve(parse_time(outside))
    with pytest.raises(BadInput):
        index.resolve(TimeSpec(us=-1))
    with pytest.raises(BadInput):
        index.resolve(parse_time("f250"))


def test_describe() -> None:
    assert FrameIndex(CFR25).describe(1_210_000) == "00:00:01.210 (frame 30)"


def _ntsc(frames: int, time_base: int) -> list[int]:
    tick = Fraction(1001, 30000)
    # Each pts in the stream's time base, then rounded to µs: the ±1 µs jitter real files have.
    return [
        round(round(n * tick * time_base) / Fraction(time_base) * 1_000_000) for n in range(frames)
    ]


ALTERNATING = [sum((33_333, 50_000)[i % 2] for i in range(n)) for n in range(200)]
THIRTY_THEN_FIFTEEN = [n * 33_333 for n in range(60)] + [2_000_000 + n * 66_667 for n in range(60)]
WANDERING = [int(n * 1e6 / (30 - 6 * (n % 20 > 14))) for n in range(300)]  # 30 fps, 24 fps a while


@pytest.mark.parametrize(
    ("name", "times", "variable"),
    [
        ("25 fps", CFR25, False),
        ("29.97 fps in 1/30000", _ntsc(300, 30000), False),
        ("29.97 fps in 1/90000", _ntsc(300, 90000), False),
        ("alternating 33 and 50 ms", ALTERNATING, True),
        ("30 fps then 15 fps", THIRTY_THEN_FIFTEEN, True),
        ("30 fps wandering to 24 fps", WANDERING, True),
        ("one dropped frame in 50", [n * 40_000 for n in range(50) if n != 20], False),
        ("one dropped frame in 300", [n * 40_000 for n in range(300) if n != 150], False),
        ("two frames", [0, 40_000], False),
    ],
)
def test_is_variable_rate(name: str, times: list[int], variable: bool) -> None:
    assert FrameIndex(times).is_variable_rate() is variable, name


def test_storage_round_trip() -> None:
    for times, last in ((CFR25, None), (_ntsc(1000, 90000), None), ([0], 33_367), ([0, 1, 10**11], None)):
        index = FrameIndex(times, last)
        blob = index.to_bytes()
        again = FrameIndex.from_bytes(blob)
        assert list(again.times) == list(index.times)
        assert again.duration_us == index.duration_us
    assert len(FrameIndex(CFR25).to_bytes()) < 100  # equal deltas compress to almost nothing


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x03" + zlib.compress(b""),  # another version
        b"\x01",
        b"\x01garbage",
        FrameIndex(CFR25).to_bytes()[:-4],  # cut short
        b"\x01" + zlib.compress(b"abc"),  # not whole 64-bit deltas
        b"\x01" + zlib.compress(b""),  # no frames
    ],
)
def test_a_bad_stored_index_asks_for_a_rebuild(blob: bytes) -> None:
    with pytest.raises(BadInput, match="will be rebuilt"):
        FrameIndex.from_bytes(blob)
