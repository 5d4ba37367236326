"""services.cases where a slip would delete ANOTHER family's or recording's data along with the one
asked for (found by make mutation): three families, the middle one (by id) deleted, or the middle
recording; everything of the others is still there, row for row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mediagen import MediaSet

from vfeedback.services import Library
from vfeedback.storage import layout

KINDS = ("cfr25", "no_audio", "vfr")
# Rows per recording that deleting another recording must not touch.
PER_RECORDING = (
    "frame_indexes",
    "moments",
    "highlights",
    "suggestions",
    "voice_analyses",
    "interchange_imports",
)
# A row of each of the three caches the sound analysis and an ELAN import would write, as they
# would write it (the deletion reads only recording_id).
CACHES = (
    "INSERT INTO suggestions (recording_id, kind, serve_actor, serve_start_us, serve_end_us, answer_actor,"
    " answer_start_us, answer_end_us, end_us, turns, status) VALUES (?, 'turns', 'parent', 0, 1, 'infant',"
    " 1, 2, 2, 1, 'open')",
    "INSERT INTO voice_analyses (recording_id, version, duration_us, built_at, data)"
    " VALUES (?, 1, 1000, '2026-01-01 00:00:00.000000', '[]')",
    "INSERT INTO interchange_imports (recording_id, sha256, format, at)"
    " VALUES (?, '0000000000000000000000000000000000000000000000000000000000000000', 'eaf',"
    " '2026-01-01 00:00:00.000000')",
)


def _rows(root: Path, recording_id: int) -> list[int]:
    """How many rows of each PER_RECORDING table belong to the recording."""
    return [_count(root, table, "recording_id", recording_id) for table in PER_RECORDING]


def _count(root: Path, table: str, column: str, value: int) -> int:
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        (n,) = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (value,)).fetchone()
    return int(n)


def _three_families(lib: Library, media: MediaSet, root: Path) -> list[int]:
    """F1, F2, F3 (ids in that order), each with consent, one indexed recording, a moment, a reel
    of it and a still of it. Returns the recordings' ids."""
    recs = []
    for n, kind in enumerate(KINDS, start=1):
        lib.families.add(f"F{n}")
        lib.consent.give(f"F{n}", "feedback", "Dr Lee")
        rec = lib.recordings.import_file(media[kind], f"F{n}")
        lib.media.frame_index(rec.id)
        moment = lib.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption=f"You wait {n}")
        lib.reels.create(f"Reel {n}", [moment.id])
        lib.exports.still(moment.id)  # an export made from this recording
        recs.append(rec.id)
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        for rec_id in recs:
            for insert in CACHES:
                conn.execute(insert, (rec_id,))
    return recs


def test_deleting_a_family_leaves_every_other_family_whole(tmp_path: Path, media: MediaSet) -> None:
    root = tmp_path / "library"
    with Library.open(root) as lib:
        recs = _three_families(lib, media, root)
        families = {code: lib.families.get(code).id for code in ("F1", "F3")}
        before = {
            code: (len(lib.consent.register(code)), [r.id for r in lib.recordings.all(fid)])
            for code, fid in families.items()
        }
        lib.cases.delete_family("F2")
        after = {
            code: (len(lib.consent.register(code)), [r.id for r in lib.recordings.all(fid)])
            for code, fid in families.items()
        }
        assert after == before == {"F1": (1, [recs[0]]), "F3": (1, [recs[2]])}
    for code, fid in families.items():
        assert _count(root, "families", "id", fid) == 1
        assert _count(root, "consents", "family_id", fid) == 1
        assert _count(root, "reels", "family_id", fid) == 1, code
    for rec in (recs[0], recs[2]):
        assert [_count(root, table, "recording_id", rec) for table in PER_RECORDING] == [1] * len(
            PER_RECORDING
        )


def test_deleting_a_recording_leaves_every_other_recording_whole(tmp_path: Path, media: MediaSet) -> None:
    root = tmp_path / "library"
    with Library.open(root) as lib:
        recs = _three_families(lib, media, root)
        lib.cases.delete_recording(recs[1])
    for rec in (recs[0], recs[2]):
        assert [_count(root, table, "recording_id", rec) for table in PER_RECORDING] == [1] * len(
            PER_RECORDING
        )
    assert [_count(root, table, "recording_id", recs[1]) for table in PER_RECORDING] == [0] * len(
        PER_RECORDING
    )


def _undo_ids(root: Path) -> set[int]:
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        return {int(i) for (i,) in conn.execute("SELECT id FROM undo_log")}


def test_deleting_a_family_forgets_its_undo_history_and_no_one_elses(tmp_path: Path, media: MediaSet) -> None:
    """The undo entries made while F2 was built (and only those) go: F1's, made before, and F3's,
    made after, can still be undone."""
    root = tmp_path / "library"
    with Library.open(root) as lib:
        made: list[set[int]] = []
        for n, kind in enumerate(KINDS, start=1):
            before = _undo_ids(root)
            lib.families.add(f"F{n}")
            lib.consent.give(f"F{n}", "feedback", "Dr Lee")
            rec = lib.recordings.import_file(media[kind], f"F{n}")
            moment = lib.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption=f"You wait {n}")
            lib.reels.create(f"Reel {n}", [moment.id])
            made.append(_undo_ids(root) - before)
        assert all(made)
        lib.cases.delete_family("F2")
        left = _undo_ids(root)
    assert made[0] | made[2] <= left
    assert not made[1] & left
