"""Undo figures: an ELAN import of 5,000 moments (one coder's hour) taken back, and done again.

``undo_import_ms`` beside a plain DELETE of the same rows with the sqlite3 module (same pragmas, in a
transaction rolled back): what checking every row against the log and keeping the action redoable
add to the bare deletion. ``redo_import_ms`` beside the import itself (reading the ELAN file,
mapping its tiers and writing the same 5,000 moments).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
from functools import partial
from pathlib import Path

from sqlalchemy import delete

from benchmarks.bench_supervision import _populate
from benchmarks.common import Figure, figure, median, timings_ms
from vfeedback.services import Library
from vfeedback.storage import layout
from vfeedback.storage import tables as t

RUNS = 5


def run(cache_dir: Path) -> list[Figure]:
    work = Path(tempfile.mkdtemp(prefix="vfeedback-bench-undo-", dir=cache_dir))
    root = work / "library"
    try:
        rec = _populate(root)  # a 1-hour recording, 5,000 moments each by alice and bob
        with Library.open(root) as lib:
            family = lib.recordings.get(rec).family_code
            lib.consent.give(family, "feedback", by="bench")
            with lib.ctx.write() as conn:
                conn.execute(delete(t.moments).where(t.moments.c.coder == "bob"))
            eaf = work / "alice.eaf"
            lib.interchange.export_eaf(rec, eaf)
            with lib.ctx.write() as conn:  # set-up, not an action of anyone's
                conn.execute(delete(t.moments))
            plain = sqlite3.connect(root / layout.DB_NAME, isolation_level=None)
            for pragma in ("foreign_keys = ON", "secure_delete = ON", "synchronous = FULL"):
                plain.execute(f"PRAGMA {pragma}")
            imports: list[float] = []
            undos: list[float] = []
            redos: list[float] = []
            deletes: list[float] = []
            for _ in range(RUNS):
                started = time.perf_counter()
                made = [m.id for m in lib.interchange.import_eaf(eaf, rec)]
                imports.append((time.perf_counter() - started) * 1000)
                assert len(made) == 5_000, len(made)
                undos += timings_ms(lib.undo, 1)
                redos += timings_ms(lib.redo, 1)
                deletes += timings_ms(partial(_plain_delete, plain, made), 1)
                lib.undo()  # untimed: the next run imports the file again
            plain.close()
        return [
            figure("undo_import_ms", median(undos), "ms", median(deletes), "<= 300"),
            figure("redo_import_ms", median(redos), "ms", median(imports), "<= 300"),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _plain_delete(conn: sqlite3.Connection, ids: list[int]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    for n in range(0, len(ids), 500):
        chunk = ids[n : n + 500]
        conn.execute(f"DELETE FROM moments WHERE id IN ({','.join('?' * len(chunk))})", chunk)
    conn.execute("ROLLBACK")


if __name__ == "__main__":
    import sys

    default = Path(tempfile.gettempdir()) / "vfeedback-bench-undo"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    cache.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(cache), indent=2))
