"""Supervision figures: agreement of two coders over a 1-hour recording with 5,000 moments each.

The maths alone (core), beside the same rules worked one slice and one span at a time in plain
Python (``tests/agreement_reference.py``, the implementation before numpy), and the whole service
call beside reading the same moments from the library (the part no agreement computation can
avoid), in the same run.

- ``agreement_core_ms``, ``agreement_core_100ms_slices_ms``: ``core`` agreement of two coders'
  5,000 spans over an hour in 1 s and 100 ms slices. Baseline: ``reference_compare``, the same
  rules in plain Python.
- ``agreement_service_ms``: ``supervision.agreement`` from the library. Baseline: ``moments.all``
  of the same recording (reading the moments it compares).
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import insert, select

from benchmarks.common import Figure, figure, median, timings_ms
from vfeedback.core.agreement import CodedSpan, compare
from vfeedback.core.frames import FrameIndex
from vfeedback.services import Library
from vfeedback.storage import tables as t

HOUR_US = 3_600_000_000
FRAME_US = 40_000
PER_CODER = 5_000
MEDIA = {
    "container": "mp4", "duration_us": HOUR_US, "video_codec": "h264", "width": 1280, "height": 720,
    "rotation": 0, "display_width": 1280, "display_height": 720, "avg_fps": 25.0,
    "variable_frame_rate": False, "frame_count": HOUR_US // FRAME_US, "start_time_us": 0, "has_audio": True,
}  # fmt: skip
Lib = Library  # bench_interchange opens its library through this name


def _coding(rng: random.Random, codes: list[str]) -> list[tuple[int, int, str]]:
    """Moments on frame starts: many short ones, some points, a few long, as clinicians code."""
    out = []
    for _ in range(PER_CODER):
        start = rng.randrange(0, HOUR_US - 20_000_000, FRAME_US)
        length = rng.choice((0, 0, 1_000_000, 2_000_000, 4_000_000, 10_000_000))
        out.append((start, start + length, rng.choice(codes)))
    return out


def _populate(root: Path) -> int:
    rng = random.Random(5)
    now = datetime.now(UTC)
    with Lib.open(root) as lib:
        codes = [c for c in lib.schemes.get().codes if c.parent_id is not None]
        with lib.ctx.db.write() as conn:
            conn.execute(insert(t.families).values(code="BENCH", label=None, created_at=now))
            fam = conn.execute(select(t.families.c.id)).scalar_one()
            conn.execute(insert(t.recordings).values(
                family_id=fam, original_name="hour.mp4", path="recordings/hour.mp4", stored=True,
                size_bytes=1, fingerprint="v1:hour", recorded_on=None, context=None, imported_at=now,
                duration_us=HOUR_US, media_json=json.dumps(MEDIA),
            ))  # fmt: skip
            rec = conn.execute(select(t.recordings.c.id)).scalar_one()
            index = FrameIndex(range(0, HOUR_US, FRAME_US))
            conn.execute(insert(t.frame_indexes).values(
                recording_id=rec, frame_count=len(index), built_at=now, data=index.to_bytes()
            ))  # fmt: skip
            rows = []
            for coder in ("alice", "bob"):
                for start, end, code in _coding(rng, [str(c.id) for c in codes]):
                    rows.append({
                        "recording_id": rec, "start_us": start, "end_us": end, "code_id": int(code),
                        "actor": "parent", "caption": "", "note": "", "coder": coder,
                        "created_at": now, "updated_at": now,
                    })  # fmt: skip
            conn.execute(insert(t.moments), rows)
        return int(rec)


def run(cache_dir: Path) -> list[Figure]:
    figures = []
    rng = random.Random(9)
    names = [f"code {i}" for i in range(20)]
    a = [CodedSpan(s, e + FRAME_US, c) for s, e, c in _coding(rng, names)]
    b = [CodedSpan(s, e + FRAME_US, c) for s, e, c in _coding(rng, names)]
    from agreement_reference import reference_compare  # tests/ is on the path (see __main__)

    compare(a, b, HOUR_US)  # numpy is loaded by the first comparison, as in the app
    for name, slice_us, runs, target in (
        ("agreement_core_ms", 1_000_000, 11, "<= 50"),
        ("agreement_core_100ms_slices_ms", 100_000, 5, "<= 1000"),
    ):
        ours = timings_ms(partial(compare, a, b, HOUR_US, slice_us, 1_000_000), runs)
        plain = timings_ms(partial(reference_compare, a, b, HOUR_US, slice_us, 1_000_000), 3)
        figures.append(figure(name, median(ours), "ms", median(plain), target))

    root = Path(tempfile.mkdtemp(prefix="vfeedback-bench-sup-", dir=cache_dir))
    try:
        rec = _populate(root)
        with Lib.open(root) as lib:
            ours = timings_ms(lambda: lib.supervision.agreement(rec, "alice", "bob"), 5)
            theirs = timings_ms(lambda: lib.moments.all(rec), 5)
        figures.append(figure("agreement_service_ms", median(ours), "ms", median(theirs), "<= 400"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return figures


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    default = Path(tempfile.gettempdir()) / "vfeedback-bench-supervision"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    cache.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(cache), indent=2))
