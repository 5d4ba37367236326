"""What is on disk matches what the library records: a killed import leaves nothing behind, ``check``
lists files no row owns and ``check --repair`` removes them (and nothing else), and ``check --deep``
finds a change anywhere in a file, which the fast check (first and last MiB) cannot."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.cli.main import run
from vfeedback.services import Library
from vfeedback.storage import layout

MIB = 1 << 20


def _padded(source: Path, target: Path, extra: int) -> Path:
    """A real video with ``extra`` zero bytes after it (players and probes ignore them), so a file can
    be big, or have a middle that neither the first nor the last MiB covers."""
    shutil.copyfile(source, target)
    with target.open("r+b") as f:
        f.truncate(target.stat().st_size + extra)
    return target


def _cli(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = run(["--library", str(root), *args])
    return status, capsys.readouterr().out


def _listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def _import_process(root: Path, video: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "vfeedback", "--library", str(root), "import", str(video), "--family", "K1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition: Callable[[], object], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.002)
    return False


def _after_the_kill_nothing_is_left(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _cli(capsys, root, "check")
    assert status == 0, out
    assert _listing(root / "recordings") == []
    assert _cli(capsys, root, "recordings", "--json")[1].strip() == "[]"
    assert _cli(capsys, root, "delete", "family", "K1", "--yes")[0] == 0
    assert _listing(root / "recordings") == []


def test_kill_9_mid_copy_leaves_no_copy_of_the_film(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lib"
    assert _cli(capsys, root, "family", "add", "K1")[0] == 0
    big = _padded(media["cfr25"], tmp_path / "big film.mp4", 400 * MIB)
    total = big.stat().st_size
    proc = _import_process(root, big)

    def copying() -> bool:
        return any(0 < p.stat().st_size < total for p in (root / "recordings").iterdir())

    try:
        assert _wait_for(copying), "the copy never started"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    left = _listing(root / "recordings")
    assert left and all(name.startswith(".") and name.endswith(f".{proc.pid}.part") for name in left), left
    _after_the_kill_nothing_is_left(root, capsys)


def test_kill_9_after_the_copy_before_the_rows_leaves_nothing(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    """The copy is complete, but the import waits for the library (another window holds its write
    lock) when it is killed: the issue's 111 MB copy with no row. It must still be a temporary."""
    root = tmp_path / "lib"
    assert _cli(capsys, root, "family", "add", "K1")[0] == 0
    video = _padded(media["cfr25"], tmp_path / "film.mp4", 20 * MIB)
    total = video.stat().st_size
    holder = sqlite3.connect(root / layout.DB_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    proc = _import_process(root, video)
    try:
        assert _wait_for(lambda: any(p.stat().st_size == total for p in (root / "recordings").iterdir()))
        time.sleep(0.5)  # past the copy, into waiting for the write lock
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
        holder.execute("ROLLBACK")
        holder.close()
    _after_the_kill_nothing_is_left(root, capsys)


# --- files no row owns -----------------------------------------------------------------------------
def test_check_lists_files_no_row_owns_and_repair_removes_only_those(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("F1")
        lib.consent.give("F1", "feedback", "Dr A")
        rec = lib.recordings.import_file(media["cfr25"], "F1")
        still = lib.exports.still(lib.moments.add(rec.id, 1_000_000, code="Waiting", caption="Hi").id)
        undone = lib.recordings.import_file(media["no_audio"], "F1")
        lib.undo()  # its copy is kept for redo
        lib.media.frame_index(rec.id)
        lib.media.cache_dir(rec.id)
    kept_for_redo = root / undone.path
    sidecar = (root / still.path).with_suffix(".txt")
    assert kept_for_redo.is_file() and sidecar.is_file()
    # What nobody owns: a film copied in by hand, an old clip, the cache of a recording long gone.
    shutil.copyfile(media["cfr25"], root / "recordings" / "0123abcd.mp4")
    old_clip = root / "clips" / "F1_20260101_099.mp4"
    old_clip.write_bytes(b"x" * 1000)
    an_hour_ago = time.time() - 3600
    os.utime(old_clip, (an_hour_ago, an_hour_ago))
    (root / "cache" / "recordings" / "999").mkdir(parents=True)
    (root / "cache" / "recordings" / "999" / "proxy.mp4").write_bytes(b"p")
    # What must stay: another process's temporary, a clip an export in another window is recording now.
    sleeper = subprocess.Popen(["sleep", "60"])
    live_part = root / "recordings" / f".cafe.mp4.{sleeper.pid}.part"
    live_part.write_bytes(b"still copying")
    young_clip = root / "clips" / "F1_20260101_100.mp4"
    young_clip.write_bytes(b"y" * 1000)
    orphans = ["cache/recordings/999", "clips/F1_20260101_099.mp4", "recordings/0123abcd.mp4"]
    try:
        status, out = _cli(capsys, root, "check")
        assert status == 1
        for rel in orphans:
            assert f"- No recording or export owns {rel} (vfeedback check --repair removes it)." in out
        assert out.count("No recording or export owns") == 3
        db_files = sorted(p.name for p in root.glob("vfeedback.db*"))

        status, out = _cli(capsys, root, "check", "--repair", "--json")
        data = json.loads(out)
        assert status == 0 and data["repaired"] == orphans and data["ok"] is True, data
        for rel in orphans:
            assert not (root / rel).exists()
        for path in (kept_for_redo, sidecar, root / still.path, live_part, young_clip, root / rec.path):
            assert path.exists(), path
        assert sorted(p.name for p in root.glob("vfeedback.db*")) == db_files
        status, out = _cli(capsys, root, "redo")
        assert status == 0 and kept_for_redo.is_file()
        assert _cli(capsys, root, "check")[0] == 0

        shutil.copyfile(media["cfr25"], root / "recordings" / "fedcba.mp4")
        status, out = _cli(capsys, root, "check", "--repair")
        assert status == 0 and "Removed recordings/fedcba.mp4: no recording or export owned it." in out
    finally:
        sleeper.kill()
        sleeper.wait()


# --- whole-file hashes --------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _flip_middle_byte(path: Path, keep_mtime: bool = False) -> None:
    before = path.stat()
    size = before.st_size
    with path.open("r+b") as f:
        f.seek(size // 2)
        byte = f.read(1)
        f.seek(size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert path.stat().st_size == size
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _stored(root: Path, query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(root / layout.DB_NAME)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def test_deep_check_finds_a_change_in_the_middle_of_a_film(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lib"
    copied_source = _padded(media["cfr25"], tmp_path / "padded.mp4", 4 * MIB)
    referenced = _padded(media["no_audio"], tmp_path / "kept where it is.mp4", 3 * MIB)
    with Library.open(root) as lib:
        lib.families.add("D1")
        copied = lib.recordings.import_file(copied_source, "D1")
        ref = lib.recordings.import_file(referenced, "D1", reference=True)
    # The hash of the whole file, computed here with hashlib over the original bytes.
    assert _stored(root, "SELECT id, sha256 FROM recordings ORDER BY id") == [
        (copied.id, _sha256(copied_source)),
        (ref.id, _sha256(referenced)),
    ]
    assert _cli(capsys, root, "check", "--deep")[0] == 0

    _flip_middle_byte(root / copied.path)  # 2 MiB from either end: the fingerprint does not see it
    assert _cli(capsys, root, "check")[0] == 0  # the fast check reads only the first and last MiB
    status, out = _cli(capsys, root, "check", "--deep")
    assert status == 1
    assert f"- Recording {copied.id} (D1, padded.mp4): its file's content has changed." in out

    # A recording imported before whole-file hashes were kept: said once, nothing recorded.
    conn = sqlite3.connect(root / layout.DB_NAME)
    with conn:
        conn.execute("UPDATE recordings SET sha256 = NULL WHERE id = ?", (ref.id,))
    conn.close()
    status, out = _cli(capsys, root, "check", "--deep", "--json")
    data = json.loads(out)
    assert data["notices"] == [
        f"1 recording(s) ({ref.id}) were imported before vfeedback kept a hash of the whole file: only "
        "their size and first and last MiB can be checked."
    ]
    assert _stored(root, f"SELECT sha256 FROM recordings WHERE id = {ref.id}") == [(None,)]


def test_a_changed_export_is_found_and_never_handed_out_again(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("E1")
        lib.consent.give("E1", "feedback", "Dr A")
        rec = lib.recordings.import_file(media["cfr25"], "E1")
        moment = lib.moments.add(rec.id, 1_000_000, code="Waiting", caption="You wait")
        still = lib.exports.still(moment.id)
        assert lib.exports.still(moment.id).id == still.id  # unchanged: the stored file is reused
    path = root / still.path
    recorded = _stored(root, f"SELECT mtime_ns FROM highlights WHERE id = {still.id}")
    assert recorded == [(path.stat().st_mtime_ns,)]

    _flip_middle_byte(path)
    status, out = _cli(capsys, root, "check")
    assert status == 1 and f"- Exported still {still.id} ({still.path}): its file has changed." in out
    with Library.open(root) as lib:
        again = lib.exports.still(moment.id)
        assert again.id != still.id and again.sha256 == _sha256(lib.exports.path(again))

    # The same change with its modification time put back: only the whole-file hash sees it.
    other = root / again.path
    _flip_middle_byte(other, keep_mtime=True)
    status, out = _cli(capsys, root, "check")
    assert f"Exported still {again.id}" not in out
    status, out = _cli(capsys, root, "check", "--deep")
    assert status == 1
    assert f"- Exported still {again.id} ({again.path}): its file's content has changed." in out
