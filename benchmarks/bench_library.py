"""Library figures with 100,000 moments over 1,000 recordings, each beside plain sqlite3 doing the
same query on the same file in the same run; and the command line's start on a small library, beside
the sqlite3 command-line tool.

- ``moments_list_ms``: ``moments.all`` of a random recording. Baseline: the sqlite3 module's
  ``SELECT * FROM moments WHERE recording_id = ? ORDER BY start_us, id`` on the same file.
- ``caption_search_ms``: ``moments.search("smile")``. Baseline: the same ``LIKE '%smile%'`` query,
  newest recordings first, at most 500 rows.
- ``library_open_ms``: ``Library.open`` and close. Baseline: sqlite3 connecting and reading the
  schema version.
- ``cli_families_ms``: ``vfeedback families`` as a whole process. Baseline: the ``sqlite3`` tool
  listing the same families with their recording counts."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from benchmarks.common import Figure, figure, median, p, timings_ms
from vfeedback.services import Library
from vfeedback.storage import tables as t

RECORDINGS, PER_RECORDING = 1_000, 100
WORDS = (
    "You look at her and wait", "He reaches for you and you smile back", "You name what he sees",
    "She babbles and you answer", "You follow his lead", "A shared smile", "You give her time",
    "You notice he is tired", "Turn taking with sounds", "You enjoy watching her play",
)  # fmt: skip
MEDIA = {
    "container": "mp4", "duration_us": 600_000_000, "video_codec": "h264", "width": 1280,
    "height": 720, "rotation": 0, "display_width": 1280, "display_height": 720, "avg_fps": 25.0,
    "variable_frame_rate": False, "frame_count": 15000, "start_time_us": 0, "has_audio": True,
}  # fmt: skip


def populate(
    root: Path, families: int = 100, recordings: int = RECORDINGS, per_recording: int = PER_RECORDING
) -> None:
    """Rows written in bulk (the services add one moment per transaction, as a person does)."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    with Library.open(root) as lib:
        code_ids = [c.id for c in lib.schemes.get().codes]
        with lib.ctx.db.write() as conn:
            conn.execute(insert(t.families), [
                {"code": f"F{i:04d}", "label": None, "created_at": now} for i in range(families)
            ])  # fmt: skip
            fam_ids = list(conn.execute(select(t.families.c.id)).scalars())
            conn.execute(insert(t.recordings), [
                {"family_id": fam_ids[i % len(fam_ids)], "original_name": f"r{i}.mp4",
                 "path": f"recordings/r{i}.mp4", "stored": True, "size_bytes": 1, "fingerprint": f"v1:{i}",
                 "recorded_on": None, "context": None, "imported_at": now, "duration_us": 600_000_000,
                 "media_json": json.dumps(MEDIA)}
                for i in range(recordings)
            ])  # fmt: skip
            rec_ids = list(conn.execute(select(t.recordings.c.id)).scalars())
            rows = []
            for rec in rec_ids:
                for _ in range(per_recording):
                    start = rng.randrange(0, 590_000_000, 40_000)
                    end = start + rng.randrange(0, 10_000_000, 40_000)
                    rows.append({
                        "recording_id": rec, "start_us": start, "end_us": end,
                        "code_id": rng.choice(code_ids), "actor": "parent", "caption": rng.choice(WORDS),
                        "note": "private note", "coder": "bench", "created_at": now, "updated_at": now,
                    })  # fmt: skip
            conn.execute(insert(t.moments), rows)


def run(cache_dir: Path) -> list[Figure]:
    root = Path(tempfile.mkdtemp(prefix="vfeedback-bench-lib-", dir=cache_dir))
    try:
        populate(root)
        figures = _measure(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    small = Path(tempfile.mkdtemp(prefix="vfeedback-bench-cli-", dir=cache_dir))
    try:
        populate(small, families=5, recordings=12, per_recording=20)
        return [*figures, _cli_families(small, cache_dir)]
    finally:
        shutil.rmtree(small, ignore_errors=True)


def _measure(root: Path) -> list[Figure]:
    rng = random.Random(11)
    db = root / "vfeedback.db"
    figures = []
    with Library.open(root) as lib:
        rec_ids = [r.id for r in lib.recordings.all()]
        plain = sqlite3.connect(db)
        picks = [rng.choice(rec_ids) for _ in range(300)]
        it = iter(picks * 2)

        ours = timings_ms(lambda: lib.moments.all(next(it)), 300)
        theirs = timings_ms(
            lambda: plain.execute(
                "SELECT * FROM moments WHERE recording_id = ? ORDER BY start_us, id", (next(it),)
            ).fetchall(),
            300,
        )
        figures.append(figure("moments_list_ms", p(ours, 0.5), "ms", median(theirs), "<= 20"))

        ours = timings_ms(lambda: lib.moments.search("smile"), 30)
        theirs = timings_ms(
            lambda: plain.execute(
                "SELECT * FROM moments WHERE caption LIKE '%smile%' ORDER BY recording_id DESC, start_us "
                "LIMIT 500"
            ).fetchall(),
            30,
        )
        figures.append(figure("caption_search_ms", median(ours), "ms", median(theirs), "<= 100"))
        plain.close()

    def open_plain() -> None:
        conn = sqlite3.connect(db)
        conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.close()

    ours = timings_ms(lambda: Library.open(root).close(), 20)
    theirs = timings_ms(open_plain, 20)
    figures.append(figure("library_open_ms", median(ours), "ms", median(theirs), "<= 300"))
    return figures


def _cli_families(root: Path, cache_dir: Path) -> Figure:
    """``vfeedback families`` as a person or a script runs it, a whole process from a cold interpreter,
    beside the sqlite3 tool listing the same families with their recording counts. Bytecode is cached
    (as an installed vfeedback has it) in the benchmark cache, not beside the sources; the first run
    of each writes or warms its caches and is not counted."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache_dir / "pycache")
    cli = [sys.executable, "-m", "vfeedback", "--library", str(root), "families"]
    query = (
        "SELECT f.code, count(r.id), f.label FROM families f LEFT JOIN recordings r ON r.family_id = f.id "
        "GROUP BY f.id ORDER BY f.code"
    )
    bare = [shutil.which("sqlite3") or "sqlite3", str(root / "vfeedback.db"), query]

    def ours() -> None:
        subprocess.run(cli, check=True, capture_output=True, env=env)

    def theirs() -> None:
        subprocess.run(bare, check=True, capture_output=True)

    ours()
    theirs()
    runs = 11
    mine, plain = [], []
    for _ in range(runs):  # in turn, so a drift in the machine's speed touches both alike
        mine += timings_ms(ours, 1)
        plain += timings_ms(theirs, 1)
    return figure("cli_families_ms", median(mine), "ms", median(plain), "<= 250")
