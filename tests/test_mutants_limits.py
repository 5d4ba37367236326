"""interchange.limits at its exact edges (found by make mutation): the size cap to the byte, the unit
a size is told in, gzip members and bombs, nesting depth, the longest stretch of markup, and each
refusal's sentence.

Expected values are worked out by hand in each test, or by a plain reference written here another
way (a split on '<', a recursive depth), never with the code under test.
"""

from __future__ import annotations

import gzip
import json
import random
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput
from vfeedback.interchange import limits

WHAT = "an ELAN file"


def _file(tmp_path: Path, data: bytes, name: str = "session.eaf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _refusal(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(BadInput) as refused:
        call(*args, **kwargs)
    return str(refused.value)


# --- read_bytes: the cap to the byte, and the unit each size is told in ----------------------------


@pytest.mark.parametrize(
    ("limit", "size", "told"),
    [
        # limit, file size, the sentence's "(size; the limit is limit)" worked out by hand
        (10, 11, "(11 bytes; the limit is 10 bytes)"),
        (1023, 1024, "(1 KB; the limit is 1023 bytes)"),
        (1024, 1025, "(1025 bytes; the limit is 1 KB)"),
        (2048, 3072, "(3 KB; the limit is 2 KB)"),
        (1536, 2560, "(2560 bytes; the limit is 1536 bytes)"),
        (1024 * 1024 - 1, 1024 * 1024, "(1 MB; the limit is 1048575 bytes)"),
        (1023 * 1024, 1024 * 1024 + 1, "(1 MB; the limit is 1023 KB)"),
        # 1.5 MB prints as "2 MB" (rounded half to even), 2.5 MB as "2 MB", 2.6 MB as "3 MB".
        (1024 * 1024, 3 * 512 * 1024, "(2 MB; the limit is 1 MB)"),
        (1024 * 1024, 5 * 512 * 1024, "(2 MB; the limit is 1 MB)"),
        (1024 * 1024, 2 * 1024 * 1024 + 629146, "(3 MB; the limit is 1 MB)"),
    ],
)
def test_a_file_one_byte_or_more_over_the_cap_is_refused_with_both_sizes(
    tmp_path: Path, limit: int, size: int, told: str
) -> None:
    """Slips: the cap compared with ``>=`` or off by one, and every edge of the unit a size is told in
    (bytes below 1 KB and for any size not a whole number of KB, whole KB below 1 MB, MB from 1 MB)."""
    path = _file(tmp_path, b"x" * size)
    assert _refusal(limits.read_bytes, path, WHAT, limit) == f"session.eaf is too large to be {WHAT} {told}."


def test_a_file_exactly_at_the_cap_is_read_whole(tmp_path: Path) -> None:
    """Slip: the cap compared with ``>=``, or read one byte short."""
    data = b"<x/>" + b"y" * 96
    assert limits.read_bytes(_file(tmp_path, data), WHAT, 100) == data


def test_the_default_cap_is_50_mb(tmp_path: Path) -> None:
    """Slip: ``MAX_BYTES`` or the default of ``limit`` changed. A sparse file costs no disk."""
    path = tmp_path / "big.eaf"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024 + 1)
    assert _refusal(limits.read_bytes, path, WHAT) == (
        f"big.eaf is too large to be {WHAT} (50 MB; the limit is 50 MB)."
    )
    with path.open("r+b") as f:
        f.truncate(50 * 1024 * 1024)
        f.write(b"<")
    assert len(limits.read_bytes(path, WHAT)) == 52_428_800


def test_a_file_that_grows_after_it_was_measured_is_still_caught() -> None:
    """Slip: read only ``limit`` bytes (then the check after reading never fires). /proc files are
    regular files that say they hold 0 bytes and hold more: this one is over 100 bytes."""
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    assert _refusal(limits.read_bytes, status, "a status file", 100) == (
        "status is too large to be a status file (over 100 bytes)."
    )


@pytest.mark.parametrize("data", [b"", b" ", b" \n\t\r\n "])
def test_an_empty_or_blank_file_is_refused(tmp_path: Path, data: bytes) -> None:
    assert _refusal(limits.read_bytes, _file(tmp_path, data), WHAT) == "session.eaf is empty."


def test_a_missing_file_a_folder_and_a_path_through_a_file_are_each_told(tmp_path: Path) -> None:
    """Slips: any of the ``except`` clauses or the regular-file check dropped."""
    assert _refusal(limits.read_bytes, tmp_path / "gone.eaf", WHAT) == "gone.eaf does not exist."
    (tmp_path / "folder.eaf").mkdir()
    assert _refusal(limits.read_bytes, tmp_path / "folder.eaf", WHAT) == "folder.eaf is not a file."
    plain = _file(tmp_path, b"<x/>", "plain")
    assert _refusal(limits.read_bytes, plain / "inside.eaf", WHAT) == (
        "inside.eaf cannot be read: Not a directory."
    )


def test_a_file_that_cannot_be_opened_is_told_so(tmp_path: Path) -> None:
    """Slip: the ``except OSError`` around the read dropped. /proc/self/mem is a regular file (size
    0) whose read at offset 0 fails with EIO: the sentence carries the system's own words."""
    assert _refusal(limits.read_bytes, Path("/proc/self/mem"), "a memory file") == (
        "mem cannot be read: Input/output error."
    )


# --- gzip ----------------------------------------------------------------------------------------


def test_gzip_members_one_after_another_are_all_unpacked(tmp_path: Path) -> None:
    """Slip: only the first member read (``break`` where the loop goes on)."""
    data = gzip.compress(b"<first/>") + gzip.compress(b"<second/>") + gzip.compress(b"<third/>")
    assert limits.read_maybe_gzip(_file(tmp_path, data), WHAT) == b"<first/><second/><third/>"


def test_padding_after_the_last_member_is_ignored(tmp_path: Path) -> None:
    """Some tools pad a gzip file with zeros: the content ends with the last member."""
    data = gzip.compress(b"<only/>") + b"\0" * 512
    assert limits.read_maybe_gzip(_file(tmp_path, data), WHAT) == b"<only/>"


def test_a_file_is_known_as_gzip_by_its_first_bytes_not_its_name(tmp_path: Path) -> None:
    packed = gzip.compress(b"<a/>")
    assert limits.read_maybe_gzip(_file(tmp_path, packed, "plain.eaf"), WHAT) == b"<a/>"
    assert limits.read_maybe_gzip(_file(tmp_path, b"<a/>", "named.gz"), WHAT) == b"<a/>"


def test_a_cut_short_gzip_file_is_refused(tmp_path: Path) -> None:
    packed = gzip.compress(b"<session>" + b"x" * 5000 + b"</session>")
    assert _refusal(limits.read_maybe_gzip, _file(tmp_path, packed[: len(packed) // 2]), WHAT) == (
        "session.eaf is cut short: the compressed file ends before its content does."
    )


def test_a_damaged_gzip_file_is_refused(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(b"<session/>" * 50))
    packed[12:20] = b"\xff" * 8
    assert _refusal(limits.read_maybe_gzip, _file(tmp_path, bytes(packed)), WHAT) == (
        f"session.eaf is a damaged compressed file and cannot be read as {WHAT}."
    )


def test_gzip_content_exactly_at_the_cap_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    """Slips: the unpacked size compared with ``>=``, or the unpacker allowed one byte too few."""
    at_cap = gzip.compress(b"y" * 1000)
    assert limits.gunzip(at_cap, "s.eaf", WHAT, 1000) == b"y" * 1000
    over = gzip.compress(b"y" * 1001)
    assert _refusal(limits.gunzip, over, "s.eaf", WHAT, 1000) == (
        f"s.eaf unpacks to more than 1000 bytes, too large to be {WHAT}; "
        "it may be damaged or built to exhaust memory."
    )


@pytest.mark.parametrize("first_kb", [None, 1023])
def test_a_gzip_bomb_is_refused_without_ever_holding_it(first_kb: int | None) -> None:
    """Slips: the unpacker's ``max_length`` lost (or made 0, which zlib takes as "no limit"), or
    grown with what is already unpacked (``limit + len(out)`` or ``limit + 1 + len(out)``): the
    refusal comes, but only after 200 MB, or three, were unpacked into memory. Allowed one MB, the
    unpacking asks for at most one MB and a byte in all, and holds that piece and the content it
    joins: 2.2 MB at its peak, never 3 (the slips: 5.4). The bomb comes alone, or after an innocent
    first member of 1023 KB, where only what is left of the MB may be asked for."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = packer.compress(bytes(200 * 1024 * 1024)) + packer.flush()
    if first_kb is not None:
        bomb = gzip.compress(bytes(first_kb * 1024)) + bomb
    assert len(bomb) < 300_000
    tracemalloc.start()
    try:
        sentence = _refusal(limits.gunzip, bomb, "bomb.eaf", WHAT, 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sentence.startswith("bomb.eaf unpacks to more than 1 MB,")
    assert peak < 3 * 1024 * 1024, peak


# --- text ----------------------------------------------------------------------------------------


def test_utf8_text_loses_its_byte_order_mark_and_other_bytes_are_refused_by_position() -> None:
    assert limits.decode_text(b"\xef\xbb\xbf<a>\xc3\xa9</a>", "s.eaf", WHAT) == "<a>é</a>"
    assert _refusal(limits.decode_text, b"<a>ab\xff</a>", "s.eaf", WHAT) == (
        f"s.eaf cannot be read as {WHAT}: it is not UTF-8 text (byte 5)."
    )


def test_a_name_from_a_file_is_refused_in_the_files_words() -> None:
    """The sentence of core.text, told as "In <file>, the ...": only its first letter lowered."""
    with pytest.raises(BadInput) as typed:
        texts.clean("Her\x1bSmile", texts.TIER_NAME, "code name")
    assert str(typed.value)[:1].isupper()
    told = _refusal(limits.clean_text, "Her\x1bSmile", texts.TIER_NAME, "code name", "s.eaf")
    assert told == f"In s.eaf, {str(typed.value)[:1].lower()}{str(typed.value)[1:]}"
    assert limits.clean_text("  Her smile ", texts.TIER_NAME, "code name", "s.eaf") == texts.clean(
        "  Her smile ", texts.TIER_NAME, "code name"
    )


# --- JSON ----------------------------------------------------------------------------------------


def _depth(value: Any) -> int:
    """Nesting depth the plain recursive way: a list or object is one deeper than its deepest child."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _nested(rng: random.Random, depth: int) -> Any:
    if depth == 0:
        return rng.choice([1, "a", None, 2.5])
    inner = [_nested(rng, depth - 1)] + [_nested(rng, rng.randrange(depth)) for _ in range(rng.randrange(3))]
    rng.shuffle(inner)
    return inner if rng.random() < 0.5 else {str(n): v for n, v in enumerate(inner)}


def test_nesting_is_refused_exactly_past_the_limit_whatever_the_shape() -> None:
    """Slips: the depth compared with ``>=``, counted from 0 or 2, or the walk skipping a kind of
    child. 400 random shapes of lists and objects, against a plain recursive count."""
    rng = random.Random(17)
    for _ in range(400):
        value = _nested(rng, rng.randrange(1, 8))
        depth, limit = _depth(value), rng.randrange(1, 8)
        if depth > limit:
            assert _refusal(limits.check_depth, value, "s.json", "a project", limit) == (
                "s.json is nested too deeply to be a project."
            )
        else:
            limits.check_depth(value, "s.json", "a project", limit)


def test_the_default_depth_is_64(tmp_path: Path) -> None:
    ok = _file(tmp_path, b"[" * 64 + b"]" * 64, "ok.boris")
    assert _depth(limits.load_json(ok, "a BORIS project")) == 64
    deep = _file(tmp_path, b"[" * 65 + b"]" * 65, "deep.boris")
    assert _refusal(limits.load_json, deep, "a BORIS project") == (
        "deep.boris is nested too deeply to be a BORIS project."
    )
    assert _refusal(limits.load_json, ok, "a BORIS project", max_depth=63) == (
        "ok.boris is nested too deeply to be a BORIS project."
    )


def test_json_refusals_name_the_place_or_the_kind_of_fault(tmp_path: Path) -> None:
    """A broken file is told by line and column; a number of 5,000 digits (Python refuses to read
    it) and nesting deeper than the parser's stack each get their sentence; gzip is read first."""
    broken = _file(tmp_path, b'{\n  "a": 1,\n  "b": }\n', "broken.boris")
    assert _refusal(limits.load_json, broken, "a BORIS project") == (
        "broken.boris cannot be read as a BORIS project: its JSON is broken at line 3, column 8."
    )
    huge = _file(tmp_path, b'{"a": ' + b"9" * 5000 + b"}", "huge.boris")
    assert _refusal(limits.load_json, huge, "a BORIS project") == (
        "huge.boris cannot be read as a BORIS project: it holds a value that cannot be read."
    )
    stack = _file(tmp_path, b"[" * 200_000 + b"]" * 200_000, "stack.boris")
    assert _refusal(limits.load_json, stack, "a BORIS project") == (
        "stack.boris is nested too deeply to be a BORIS project."
    )
    packed = _file(tmp_path, gzip.compress(json.dumps({"a": [1, 2]}).encode()), "packed.boris")
    assert limits.load_json(packed, "a BORIS project") == {"a": [1, 2]}


def test_a_json_file_over_its_cap_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, b'{"a": "' + b"x" * 100 + b'"}', "big.boris")
    assert _refusal(limits.load_json, path, "a BORIS project", limit=100) == (
        "big.boris is too large to be a BORIS project (109 bytes; the limit is 100 bytes)."
    )


# --- the longest stretch of markup -----------------------------------------------------------------


def _longest_run(data: bytes) -> int:
    """The longest stretch holding no '<', the plain way."""
    return max(len(part) for part in data.split(b"<"))


def test_a_stretch_without_markup_is_refused_exactly_past_the_limit_wherever_it_lies() -> None:
    """Slips: the block size (half the limit) changed, a block skipped, the stretch measured from the
    wrong '<' or to the wrong end, compared with ``>=``. Every text of up to 11 bytes of '<' and 'a'
    (4,095 of them) against every limit from 1 to 8, and 3,000 longer random ones, each against a
    plain split on '<'."""
    rng = random.Random(3)
    cases = [
        (bytes(b"<a"[(n >> i) & 1] for i in range(length)), limit)
        for length in range(1, 12)
        for n in range(1 << length)
        for limit in range(1, 9)
    ]
    for _ in range(3000):
        data = bytes(rng.choice(b"<<aaaaaaaaaaaaaa") for _ in range(rng.randrange(0, 48)))
        cases.append((data, rng.randrange(1, 14)))
    for data, limit in cases:
        if _longest_run(data) > limit:
            assert _refusal(limits.check_markup_runs, data, "s.eaf", WHAT, limit).startswith(
                "s.eaf holds a tag or text longer than"
            ), (data, limit)
        else:
            limits.check_markup_runs(data, "s.eaf", WHAT, limit)


@pytest.mark.parametrize("at", [0, 1, 100, 131_071, 131_072, 131_073, 300_000])
def test_the_default_stretch_is_256_kb_to_the_byte(at: int) -> None:
    """Slip: ``MAX_MARKUP_RUN`` changed; a stretch of exactly 256 KB passes, one byte more does not,
    wherever it begins."""
    limit = 256 * 1024
    fits = b"<" * at + b"a" * limit + b"<x/>"
    limits.check_markup_runs(fits, "s.eaf", WHAT)
    over = b"<" * at + b"a" * (limit + 1) + b"<x/>"
    assert _refusal(limits.check_markup_runs, over, "s.eaf", WHAT) == (
        f"s.eaf holds a tag or text longer than 256 KB, which {WHAT} never needs; it was not read."
    )


class _CountingFinds(bytes):
    """Bytes that count the searches made in them."""

    finds = 0

    def find(self, *args: Any) -> int:
        type(self).finds += 1
        return super().find(*args)


def test_the_stretch_check_searches_once_per_half_limit_not_once_per_byte() -> None:
    """Slip: the block size computed as ``limit % 2`` (so 1): still right, but one search per byte,
    which on a 50 MB file is minutes instead of milliseconds. 1 MB of tags at the default limit is
    eight blocks of 128 KB: eight searches, each finding a '<'."""
    tag = b"<tag a='value'/>"
    assert len(tag) == 16
    data = _CountingFinds(tag * (1024 * 1024 // 16))
    limits.check_markup_runs(data, "s.eaf", WHAT)
    assert _CountingFinds.finds == 8


def test_a_gzip_file_made_with_the_full_window_is_read() -> None:
    """Slip: the unpacker given a smaller window (``wbits`` 30 instead of 31: 16 KB instead of 32
    KB). Small files still unpacked; a file repeating 20 KB of varied text, which gzip writes as a
    reference 20 KB back, was refused as damaged."""
    rng = random.Random(5)
    block = bytes(rng.randrange(256) for _ in range(20_000))
    packed = gzip.compress(block * 2)
    assert len(packed) < 25_000  # the second copy really is a reference back
    assert limits.gunzip(packed, "s.eaf", WHAT) == block * 2
