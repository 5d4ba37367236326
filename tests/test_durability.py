"""Never lose work: a killed process loses nothing it reported saved; two writers lose nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mediagen import MediaSet

from vfeedback.services import Library

# Adds moments one by one, printing each id only after its transaction committed.
WRITER = """
import sys
from vfeedback.services import Library
lib = Library.open(sys.argv[1])
rec, count, tag = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for i in range(count):
    m = lib.moments.add(rec, 40_000 * (i % 200), code="Waiting", caption=f"{tag} {i}", note="n")
    print(m.id, flush=True)
"""


def _prepared_library(root: Path, media_file: Path) -> int:
    with Library.open(root) as lib:
        lib.families.add("F1")
        rec = lib.recordings.import_file(media_file, "F1")
        lib.media.frame_index(rec.id)  # cached, so writers only write
        return rec.id


def _writer(root: Path, rec: int, count: int, tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), str(rec), str(count), tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_batch_keeps_every_reported_moment(tmp_path: Path, media: MediaSet) -> None:
    root = tmp_path / "lib"
    rec = _prepared_library(root, media["cfr25"])
    proc = _writer(root, rec, 100_000, "batch")
    assert proc.stdout is not None
    reported: list[int] = []
    deadline = time.monotonic() + 60
    while len(reported) < 150 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        reported.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(reported) >= 150, proc.stderr.read() if proc.stderr else ""
    with Library.open(root) as lib:
        assert lib.integrity.check() == []
        saved = {m.id for m in lib.moments.all(rec)}
        assert set(reported) <= saved
        # Undo still works after the crash and names the last committed action.
        label = lib.undo_label()
        assert label is not None and label.startswith("Add moment")


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path, media: MediaSet) -> None:
    root = tmp_path / "lib"
    rec = _prepared_library(root, media["cfr25"])
    procs = [_writer(root, rec, 150, tag) for tag in ("alpha", "beta")]
    outputs = [p.communicate(timeout=240) for p in procs]
    for p, (_out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    ids = [int(x) for out, _ in outputs for x in out.split()]
    assert len(ids) == len(set(ids)) == 300
    with Library.open(root) as lib:
        moments = lib.moments.all(rec)
        assert {m.id for m in moments} == set(ids)
        captions = {m.caption for m in moments}
        assert {f"alpha {i}" for i in range(150)} <= captions
        assert {f"beta {i}" for i in range(150)} <= captions
        assert lib.integrity.check() == []
