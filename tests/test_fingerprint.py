"""fingerprint() and sha256_file(): stable, sensitive where promised, fast on huge files."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled
from vfeedback.media.fingerprint import fingerprint, sha256_file

if TYPE_CHECKING:
    from conftest import UnreadableFile

MiB = 1 << 20


def _file(path: Path, size: int, seed: int = 1) -> Path:
    data = (hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1))[:size]
    path.write_bytes(data)
    return path


def _flip(path: Path, offset: int) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0xFF]))


def test_text_form_and_the_documented_layout(tmp_path: Path) -> None:
    big = _file(tmp_path / "big.bin", 3 * MiB + 5)
    data = big.read_bytes()
    expected = hashlib.sha256(b"%d\n" % len(data) + data[:MiB] + data[-MiB:]).hexdigest()
    assert fingerprint(big) == f"v1:{len(data)}:{expected}"
    small = _file(tmp_path / "small.bin", MiB + 7)
    data = small.read_bytes()
    whole = hashlib.sha256(b"%d\n" % len(data) + data).hexdigest()
    assert fingerprint(small) == f"v1:{len(data)}:{whole}"


def test_stable_and_equal_for_copies(tmp_path: Path) -> None:
    original = _file(tmp_path / "clip.mp4", 3 * MiB)
    copy = tmp_path / "elsewhere" / "renamed.mov"
    copy.parent.mkdir()
    shutil.copy(original, copy)
    assert fingerprint(original) == fingerprint(original) == fingerprint(copy)


@pytest.mark.parametrize("where", ["head", "tail", "just inside the tail chunk"])
def test_differs_when_head_or_tail_changes(tmp_path: Path, where: str) -> None:
    path = _file(tmp_path / "clip.mp4", 5 * MiB)
    before = fingerprint(path)
    offset = {"head": 10, "tail": 5 * MiB - 1, "just inside the tail chunk": 4 * MiB}[where]
    _flip(path, offset)
    assert fingerprint(path) != before


def test_differs_when_size_changes(tmp_path: Path) -> None:
    path = _file(tmp_path / "clip.mp4", 5 * MiB)
    before = fingerprint(path)
    with path.open("ab") as fh:
        fh.write(b"\x00")
    assert fingerprint(path) != before


def test_the_middle_of_a_big_file_is_not_read(tmp_path: Path) -> None:
    # The price of reading 2 MiB: an edit in the middle of a large file goes unnoticed (same size).
    path = _file(tmp_path / "clip.mp4", 5 * MiB)
    before = fingerprint(path)
    _flip(path, 2 * MiB)
    assert fingerprint(path) == before
    assert sha256_file(path) != hashlib.sha256(b"").hexdigest()


def test_small_files_are_hashed_whole(tmp_path: Path) -> None:
    small = _file(tmp_path / "small.mp4", 8000)  # below two chunks of 4096
    data = small.read_bytes()
    whole = hashlib.sha256(b"8000\n" + data).hexdigest()
    assert fingerprint(small, chunk=4096) == f"v1/4096:8000:{whole}"
    larger = _file(tmp_path / "larger.mp4", 10_000)
    before = fingerprint(larger, chunk=4096)
    _flip(larger, 5_000)  # between the first 4096 bytes and the last 4096
    assert fingerprint(larger, chunk=4096) == before
    assert fingerprint(larger) != before  # another chunk size is another version


def test_fast_on_a_4_gib_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.mp4"
    with path.open("wb") as fh:  # sparse: no disk used
        fh.truncate(4 << 30)
    started = time.perf_counter()
    result = fingerprint(path)
    assert time.perf_counter() - started < 0.5
    assert result.startswith(f"v1:{4 << 30}:")


def test_sha256_file_matches_sha256sum(tmp_path: Path) -> None:
    path = _file(tmp_path / "export.mp4", 9 * MiB + 3)
    seen: list[float] = []
    digest = sha256_file(path, progress=seen.append, block=MiB)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    if shutil.which("sha256sum"):
        out = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True)
        assert out.stdout.split()[0] == digest
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_sha256_file_can_be_cancelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vfeedback.media import frameindex

    monkeypatch.setattr(frameindex, "PROGRESS_INTERVAL_S", 0.0)
    path = _file(tmp_path / "export.mp4", 4 * MiB)
    with pytest.raises(Cancelled):
        sha256_file(path, should_cancel=lambda: True, block=MiB)


@pytest.mark.parametrize("function", [fingerprint, sha256_file])
def test_os_errors_become_one_sentence(tmp_path: Path, function: Any) -> None:
    with pytest.raises(BadInput, match=r"^The file 'gone\.mp4' does not exist\.$"):
        function(tmp_path / "gone.mp4")
    (tmp_path / "clips").mkdir()
    with pytest.raises(BadInput, match=r"^'clips' is a folder, not a video file\.$"):
        function(tmp_path / "clips")


def test_unreadable_file(unreadable_file: UnreadableFile) -> None:
    message = unreadable_file.bad_input("vfeedback.media.fingerprint:fingerprint")
    assert message == f"The file '{unreadable_file.path.name}' cannot be read (permission denied)."
    assert os.access(unreadable_file.path, os.F_OK)
