"""build_frame_index(): frame for frame the timestamps ffmpeg presents after decoding.

The oracle is the system ffprobe (FFmpeg 5.1) decoding every frame, while the index comes from
PyAV's own FFmpeg demuxing packets without decoding; the two must agree to the microsecond.
"""

from __future__ import annotations

import json
import math
import struct
import subprocess
import time
from array import array
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import av
import pytest
from expect import present
from mediagen import EDITLIST_START, GOOD_KINDS, MediaSet, read_frame_number

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import pts_to_us
from vfeedback.core.jobs import Cancelled
from vfeedback.media import frameindex
from vfeedback.media.container import origin_pts
from vfeedback.media.frameindex import build_frame_index
from vfeedback.media.probe import probe

if TYPE_CHECKING:
    from av.video.stream import VideoStream
    from conftest import UnreadableFile


def _presented_times_us(path: Path) -> list[int]:
    """Every decoded frame's time as ffmpeg presents it, from the first frame, in microseconds."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-of", "json",
         "-show_entries", "stream=time_base:frame=pts,best_effort_timestamp", str(path)],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    data = json.loads(out)
    base = Fraction(data["streams"][0]["time_base"])
    stamps = [f.get("pts", f.get("best_effort_timestamp")) for f in data["frames"]]
    assert None not in stamps
    first = stamps[0]
    # Round half up with plain Fraction arithmetic, independently of pts_to_us.
    return [math.floor((s - first) * base * 1_000_000 + Fraction(1, 2)) for s in stamps]


@pytest.mark.parametrize("kind", GOOD_KINDS)
def test_index_equals_what_ffmpeg_presents(media: MediaSet, kind: str) -> None:
    index = build_frame_index(media[kind])
    presented = _presented_times_us(media[kind])
    assert presented == sorted(set(presented)), "ffmpeg presents frames in time order"
    assert list(index.times) == presented
    assert index.times[0] == 0


@pytest.mark.parametrize("kind", GOOD_KINDS)
def test_decoded_frames_match_the_index_and_show_their_picture(media: MediaSet, kind: str) -> None:
    """What a player will do: decode with PyAV, convert frame.pts, read the stamped frame number."""
    index = build_frame_index(media[kind])
    with av.open(str(media[kind])) as container:
        stream = container.streams.video[0]
        base, origin = stream.time_base, origin_pts(stream)
        assert base is not None
        frames = list(container.decode(stream))
        times = [pts_to_us(f.pts, base, origin) for f in frames if f.pts is not None]
        numbers = [read_frame_number(f.to_ndarray(format="rgb24")) for f in frames]
    assert times == list(index.times)
    first = math.ceil(EDITLIST_START * 25) if kind == "editlist" else 0
    assert numbers[0] == first
    if kind != "editlist":  # a stream-copy cut may drop a B-frame at its end
        assert numbers == list(range(first, first + len(index)))


def test_origin_is_the_first_presented_packet(media: MediaSet) -> None:
    for kind in GOOD_KINDS:
        with av.open(str(media[kind])) as container:
            stream = container.streams.video[0]
            shown = [
                p.pts for p in container.demux(stream) if p.pts is not None and not p.is_discard
            ]
            assert origin_pts(stream) == min(shown), kind


def test_frame_rate_judged_on_every_frame(media: MediaSet) -> None:
    for kind in GOOD_KINDS:
        assert build_frame_index(media[kind]).is_variable_rate() is (kind == "vfr"), kind


def test_probe_count_matches_the_index(media: MediaSet) -> None:
    for kind in GOOD_KINDS:
        assert probe(media[kind]).frame_count == len(build_frame_index(media[kind])), kind


def test_edit_list_lead_in_is_left_out(media: MediaSet) -> None:
    index = build_frame_index(media["editlist"])
    with av.open(str(media["editlist"])) as container:
        packets = [p for p in container.demux(video=0) if p.pts is not None]
    hidden = sum(p.is_discard for p in packets)
    assert hidden > 50  # the cut really has a lead-in from the keyframe at 0
    assert len(index) == len(packets) - hidden


def test_progress_rises_to_one(media: MediaSet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frameindex, "PROGRESS_INTERVAL_S", 0.0)
    seen: list[float] = []
    build_frame_index(media["cfr25"], progress=seen.append)
    assert len(seen) > 100
    assert seen == sorted(seen)
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen[-1] == 1.0 and seen[-2] > 0.9


def test_progress_is_rate_limited(media: MediaSet, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[float] = []

    def slow(fraction: float) -> None:
        seen.append(fraction)

    start = time.monotonic()
    clock = [start]

    def fake_monotonic() -> float:
        clock[0] += 0.001  # every call looks 1 ms later: 250 frames look like ~0.5 s or more
        return clock[0]

    monkeypatch.setattr("vfeedback.media.frameindex.time.monotonic", fake_monotonic)
    build_frame_index(media["cfr25"], progress=slow)
    elapsed = clock[0] - start
    assert 2 <= len(seen) <= 20 * max(elapsed, 0.05) + 2


def test_cancel_stops_with_cancelled(media: MediaSet, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frameindex, "PROGRESS_INTERVAL_S", 0.0)
    asked: list[int] = []

    def after_ten() -> bool:
        asked.append(1)
        return len(asked) > 10

    seen: list[float] = []
    with pytest.raises(Cancelled):
        build_frame_index(media["cfr25"], progress=seen.append, should_cancel=after_ten)
    assert len(asked) == 11 and 1.0 not in seen


def test_cancel_is_honoured_on_a_short_file(media: MediaSet) -> None:
    with pytest.raises(Cancelled):
        build_frame_index(media["no_audio"], should_cancel=lambda: True)


@pytest.mark.parametrize(
    ("kind", "fragment"),
    [("empty", "is empty"), ("truncated", "damaged"), ("truncated_faststart", "incomplete"),
     ("text_mp4", "not a video file"), ("jpeg_mov", "still image"), ("audio_only", "no video")],
)  # fmt: skip
def test_bad_files_raise_one_sentence(media: MediaSet, kind: str, fragment: str) -> None:
    with pytest.raises(BadInput) as caught:
        build_frame_index(media[kind])
    message = str(caught.value)
    assert fragment in message and "\n" not in message and message.endswith(".")
    assert f"'{media[kind].name}'" in message and str(media[kind].parent) not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="does not exist"):
        build_frame_index(tmp_path / "gone.mp4")


def test_unreadable_file(unreadable_file: UnreadableFile) -> None:
    message = unreadable_file.bad_input("vfeedback.media.frameindex:build_frame_index")
    assert "permission denied" in message


# Hand-computed: 1001 ticks of 1/30000 s = 33366.67 µs; 1 tick of 1/2000000 s = 0.5 µs (halves up).
@pytest.mark.parametrize(
    ("pts", "base", "origin", "expected"),
    [(1001, Fraction(1, 30000), 0, 33367), (2002, Fraction(1, 30000), 0, 66733),
     (3003, Fraction(1, 30000), 1001, 66733), (512, Fraction(1, 12800), 0, 40000),
     (1, Fraction(1, 2_000_000), 0, 1), (-1, Fraction(1, 2_000_000), 0, 0),
     (-1001, Fraction(1, 30000), 0, -33367), (3, Fraction(1001, 30000), 0, 100100),
     (90_000 * 3600 * 30, Fraction(1, 90000), 0, 3600 * 30 * 1_000_000)],
)  # fmt: skip
def test_pts_to_us(pts: int, base: Fraction, origin: int, expected: int) -> None:
    assert pts_to_us(pts, base, origin) == expected


def _packets(path: Path) -> list[tuple[int, int]]:
    """(position in the file, size) of every video packet, as the demuxer reads them."""
    with av.open(str(path)) as container:
        packets = container.demux(container.streams.video[0])
        return [(present(p.pos), p.size) for p in packets if p.pts is not None]


@pytest.mark.parametrize("kind", ["cfr25", "hevc"])
def test_a_packet_whose_nal_unit_runs_past_it_is_refused(media: MediaSet, kind: str, tmp_path: Path) -> None:
    """The sample table is right, but one packet in the middle (not a keyframe that is decoded)
    says its NAL unit is one byte longer than what the packet holds after the 4-byte length: the
    decoder would refuse that packet during an export, so indexing refuses the file."""
    packets = _packets(media[kind])
    pos, size = packets[len(packets) // 2 + 1]
    data = bytearray(media[kind].read_bytes())
    assert int.from_bytes(data[pos : pos + 4], "big") == size - 4  # one NAL unit fills it
    data[pos : pos + 4] = (size - 3).to_bytes(4, "big")
    damaged = tmp_path / "visit.mp4"
    damaged.write_bytes(bytes(data))
    with pytest.raises(BadInput) as caught:
        build_frame_index(damaged)
    assert str(caught.value) == "The file 'visit.mp4' is damaged or incomplete."


@pytest.mark.parametrize("kind", ["cfr25", "hevc"])
@pytest.mark.parametrize("second", [4, 5], ids=["fills it", "one byte past it"])
def test_a_packet_of_two_nal_units_is_walked_to_its_end(
    media: MediaSet, kind: str, second: int, tmp_path: Path
) -> None:
    """One packet in the middle (not a keyframe that is decoded) made two NAL units: the first
    now ends 8 bytes before the packet does, where a second 4-byte length says 4 (it fills the
    packet: whole, and the index is the undamaged one) or 5 (one byte past it: refused). A check
    that took any packet whose first unit is shorter than the packet for whole, or refused it,
    fails one of the two."""
    packets = _packets(media[kind])
    pos, size = packets[len(packets) // 2 + 1]
    data = bytearray(media[kind].read_bytes())
    assert int.from_bytes(data[pos : pos + 4], "big") == size - 4  # one NAL unit fills it
    data[pos : pos + 4] = (size - 12).to_bytes(4, "big")
    data[pos + size - 8 : pos + size - 4] = second.to_bytes(4, "big")
    damaged = tmp_path / "visit.mp4"
    damaged.write_bytes(bytes(data))
    if second == 4:
        assert list(build_frame_index(damaged).times) == list(build_frame_index(media[kind]).times)
        return
    with pytest.raises(BadInput) as caught:
        build_frame_index(damaged)
    assert str(caught.value) == "The file 'visit.mp4' is damaged or incomplete."


def test_the_scan_reads_a_length_prefix_of_each_size() -> None:
    """The first length prefix the scan compares with the packet's size, read from the packet's
    own bytes: 1, 2 or 4 bytes big-endian, unsigned (by hand: 0x81 = 129, 0x8102 = 33,026,
    0x81020304 = 2,164,392,708); a packet shorter than its prefix is an error the scan sends to
    the walk; a 3-byte prefix (not in the standard) matches no packet, so every packet is walked."""
    data = _packet(bytes([0x81, 2, 3, 4, 5]))
    assert frameindex._first_length(1)(data) == (129,)
    assert frameindex._first_length(2)(data) == (33_026,)
    assert frameindex._first_length(4)(data) == (2_164_392_708,)
    assert frameindex._first_length(3)(data) == (-1,)
    with pytest.raises(struct.error):
        frameindex._first_length(4)(_packet(bytes([0, 0, 1])))


def _packet(data: bytes) -> av.Packet[VideoStream]:
    return cast("av.Packet[VideoStream]", av.Packet(data))


def test_nal_units_are_walked_to_the_end_of_every_packet(tmp_path: Path) -> None:
    """Hand-made packets of 2-byte length prefixes: a packet is whole when its NAL units fill it
    (a tail under 4 bytes is left alone, as ffmpeg does); any unit running past its packet, even
    the third, makes the file unsound."""
    whole = bytes([0, 2, 9, 9, 0, 3, 9, 9, 9])  # 2 + 2, 2 + 3: 9 bytes
    tail = bytes([0, 1, 9, 0, 0, 7])  # 2 + 1, then 3 bytes too few to read ffmpeg's next unit
    third = bytes([0, 1, 9, 0, 1, 9, 0, 4, 9, 9, 9])  # the third claims 4 of the 3 left
    path = tmp_path / "packets.bin"
    path.write_bytes(whole + tail + third)
    walk = frameindex._whole_nal_units
    assert walk(path, array("q", [0, 9]), array("q", [9, 6]), 2)
    assert not walk(path, array("q", [0, 9, 15]), array("q", [9, 6, 11]), 2)
    assert not walk(path, array("q", [15]), array("q", [11]), 2)
    assert not walk(path, array("q", [9]), array("q", [27]), 2)  # past the end


def test_times_are_exact_where_int64_would_overflow() -> None:
    """The builder converts every pts at once (numpy) where int64 holds the products, else with
    Python's integers, into sorted distinct times. Hand-computed, 1 tick = 1/2,000,000,000 s =
    1/2000 µs (products 2 * 10^6 times the ticks):
    - 4,611,686,000,000 ticks = 2,305,843,000 µs exactly, its product just under 2^63;
    - 5,000,000,000,000 ticks = 2,500,000,000 µs, its product 10^19, between 2^63 and 2^64;
    - 1000 ticks = 0.5 µs, rounded half up to 1 µs; the origin is the smallest pts, -1;
    - 2^62 is 2^62 + 1 ticks from the origin -1: 4,611,686,018,427,387,905 / 2000 =
      2,305,843,009,213,693.95 µs, rounded to ...694; 2^61, 1,152,921,504,606,846.98, to ...847.
    Ticks of 1 s: 4,000,000,000,001 s is 4,000,000,000,001,000,000 µs, beyond a float's 53 bits.
    Ticks of 1001/30000 s: 3 are 100,100 µs; of 1/30000 s: 1001 are 33,366.67 µs, rounded to ...367."""
    base = Fraction(1, 2_000_000_000)

    def times(pts: list[int], base: Fraction) -> tuple[list[int], bool]:
        converted, lone = frameindex._times_us(array("q", pts), base)
        return list(converted), lone

    assert times([4_611_686_000_000, 0], base) == ([0, 2_305_843_000], False)
    assert times([0, 5_000_000_000_000], base) == ([0, 2_500_000_000], False)
    past = times([2**62, 999, -1, 2**62, 2**61], base)
    assert past == ([0, 1, 1_152_921_504_606_847, 2_305_843_009_213_694], False)
    assert times([4_000_000_000_001, 0], Fraction(1)) == ([0, 4_000_000_000_001_000_000], False)
    assert times([3, 0], Fraction(1001, 30000)) == ([0, 100_100], False)
    assert times([1001, 0], Fraction(1, 30000)) == ([0, 33_367], False)
    assert times([1000, 0], base) == ([0, 1], False)
    # Sorted and distinct; one frame only when every pts is the same (not two that round alike).
    assert times([80, 0, 40, 40], Fraction(1, 1000)) == ([0, 40_000, 80_000], False)
    assert times([7, 7], Fraction(1, 90000)) == ([0], True)
    assert times([1, 0], base) == ([0], False)
