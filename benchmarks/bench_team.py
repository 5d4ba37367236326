"""A team's library on PostgreSQL (issue 16), on a private server the benchmark starts (Unix socket).

- ``team_moments_list_ms``: a clinician lists one recording's 100 moments with row-level security on,
  in a library of 100,000 moments over 1,000 recordings and 20 clinicians (target <= 30 ms); the
  baseline is the same call by the server's superuser, whom no policy binds.
- ``team_update_visible_ms``: a moment added by one client until another client, listening, has
  heard of it and read the recording's moments again, as its window would (target <= 500 ms); the
  baseline is the add itself.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import Figure, figure, median, timings_ms
from vfeedback.cli.main import run as cli
from vfeedback.services import Library
from vfeedback.services.undo import Changes
from vfeedback.storage import layout

CLINICIANS = 20
RECORDINGS = 1_000
PER_RECORDING = 100
RUNS = 20


def run(cache_dir: Path) -> list[Figure]:
    import pgserver  # tests/ is on the path (benchmarks/__main__.py)

    server = pgserver.start()
    if isinstance(server, str):
        raise RuntimeError(server)
    old = os.environ.get(layout.ENV_FILES)
    os.environ[layout.ENV_FILES] = tempfile.mkdtemp(prefix="vfeedback-bench-team-", dir=cache_dir)
    try:
        url = server.create_database("bench_team")
        assert cli(["team", "init", url]) == 0
        logins = [f"c{n:02d}" for n in range(CLINICIANS)]
        for login in logins:
            assert cli(["--library", url, "team", "add", login, "--role", "clinician"]) == 0
        with Library.open(url) as admin:
            _populate(admin)
            rec = 1  # c00's (families are dealt out to clinicians in turn)
            baseline = median(timings_ms(lambda: admin.moments.all(rec), RUNS))
        as_login = url.replace("postgres@", "c00@")
        with Library.open(as_login) as lib:
            assert len(lib.moments.all(rec)) == PER_RECORDING
            listed = median(timings_ms(lambda: lib.moments.all(rec), RUNS))
            from mediagen import MediaSet

            real = lib.recordings.import_file(MediaSet(cache_dir)["cfr25"], "B1")  # a real film to tag
            lib.media.frame_index(real.id)
            with Library.open(as_login) as other:
                visible, adds = _update_visible(lib, other, real.id)
        return [
            figure("team_moments_list_ms", listed, "ms", baseline, "<= 30"),
            figure("team_update_visible_ms", visible, "ms", adds, "<= 500"),
        ]
    finally:
        if old is None:
            os.environ.pop(layout.ENV_FILES, None)
        else:
            os.environ[layout.ENV_FILES] = old
        server.stop()


def _populate(lib: Library) -> None:
    """1,000 families (one recording each) dealt out to the 20 clinicians, 100 moments a recording."""
    with lib.ctx.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO families (code, created_at) SELECT 'B' || n, now() FROM generate_series(1, %s) n",
            (RECORDINGS,),
        )
        conn.exec_driver_sql(
            "INSERT INTO caseloads (family_id, login) SELECT id, 'c' || lpad(((id - 1) %% %s)::text, 2, '0')"
            " FROM families",
            (CLINICIANS,),
        )
        conn.exec_driver_sql(
            "INSERT INTO recordings (family_id, original_name, path, stored, size_bytes, fingerprint,"
            " imported_at, duration_us, media_json) SELECT id, 'r.mp4', 'recordings/r' || id || '.mp4', true,"
            " 0, 'bench' || id, now(), 600000000, '{}' FROM families ORDER BY id"
        )
        code = conn.exec_driver_sql("SELECT min(id) FROM codes WHERE parent_id IS NOT NULL").scalar()
        conn.exec_driver_sql(
            "INSERT INTO moments (recording_id, start_us, end_us, code_id, actor, caption, note, coder,"
            " created_at, updated_at) SELECT r.id, k * 1000000, k * 1000000 + 500000, %s, 'parent',"
            " 'caption ' || k, 'note ' || k, 'c00', now(), now()"
            " FROM recordings r, generate_series(1, %s) k",
            (code, PER_RECORDING),
        )
        conn.exec_driver_sql("ANALYZE")


def _update_visible(lib: Library, other: Library, rec: int) -> tuple[float, float]:
    heard = threading.Event()

    def listener(changes: Changes) -> None:
        if "moments" in changes.tables:
            heard.set()

    other.subscribe(listener)
    assert other.live.start()
    visible: list[float] = []
    adds: list[float] = []
    for n in range(RUNS):
        heard.clear()
        started = time.perf_counter()
        made = lib.moments.add(rec, n * 200_000, code="Waiting", caption=f"live {n}")
        adds.append((time.perf_counter() - started) * 1000)
        if not heard.wait(5):
            raise RuntimeError("the other client never heard of the new moment")
        assert made.id in [m.id for m in other.moments.all(rec)]
        visible.append((time.perf_counter() - started) * 1000)
    other.live.stop()
    return median(visible), median(adds)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    default = Path(tempfile.gettempdir()) / "vfeedback-bench-team"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    cache.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(cache), indent=2))
