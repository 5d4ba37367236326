"""Deleting a family or a recording leaves nothing of it on disk or in the database but the audit record."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.cli.main import run
from vfeedback.core.errors import NotFound
from vfeedback.core.model import Recording
from vfeedback.export.options import ClipOptions
from vfeedback.services import Library
from vfeedback.storage import layout

CODE = "ZQX-4471"
NOTE = "NOTE-ZQX private words"


@pytest.fixture
def full_family(library: Library, media: MediaSet) -> tuple[Recording, Recording, Recording]:
    library.families.add(CODE, label="first referral")
    library.families.add("OTHER-1")
    library.consent.give(CODE, "feedback", "Dr A")
    a = library.recordings.import_file(media["cfr25"], CODE)
    b = library.recordings.import_file(media["no_audio"], CODE)
    keep = library.recordings.import_file(media["vfr"], "OTHER-1")
    m1 = library.moments.add(a.id, 1_000_000, 2_000_000, code="Waiting", caption="ZQX caption one", note=NOTE)
    m2 = library.moments.add(b.id, 500_000, 1_500_000, code="Waiting", caption="ZQX caption two", note=NOTE)
    library.exports.clip(m1.id, ClipOptions(padding_us=0))
    library.exports.still(m2.id)
    reel = library.reels.create("ZQX reel", [m1.id, m2.id])
    library.exports.handout(reel.id)
    library.media.frame_index(keep.id)
    return a, b, keep


def _db_dump(root: Path) -> str:
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        text = "\n".join(conn.iterdump())
    conn.close()
    return text


def test_deleting_a_family_leaves_only_the_audit_record(
    library: Library, full_family: tuple[Recording, Recording, Recording]
) -> None:
    _, _, keep = full_family
    assert library.cases.delete_family(CODE) == []
    with pytest.raises(NotFound):
        library.families.get(CODE)
    files = [
        p
        for p in library.path.rglob("*")
        if p.is_file() and p.name != layout.DB_NAME and "-wal" not in p.name
    ]
    assert not any(CODE in p.name for p in files), files
    for p in files:
        if p.suffix in (".vtt", ".txt", ".pdf", ".mp4", ".png"):
            assert b"ZQX" not in p.read_bytes(), p
    dump = _db_dump(library.path)
    outside_audit = [
        line for line in dump.splitlines() if "ZQX" in line and 'INSERT INTO "audit_log"' not in line
    ]
    assert outside_audit == []
    assert NOTE not in dump
    assert [e.action for e in library.audit.entries()][-1] == "delete"
    assert library.recordings.all() == [keep] and library.integrity.check() == []
    # The other family's history is still there to undo.
    assert library.undo_label() == f"Import {keep.original_name}"


def test_deleting_a_recording_takes_what_was_made_from_it(
    library: Library, full_family: tuple[Recording, Recording, Recording]
) -> None:
    a, b, _ = full_family
    library.cases.delete_recording(a.id)
    with pytest.raises(NotFound):
        library.recordings.get(a.id)
    remaining = library.exports.all(CODE)
    # b's still at its start, and the handout's picture of b (its middle frame); the handout
    # showed a frame of a, so it went.
    assert [h.kind.value for h in remaining] == ["still", "still"]
    assert library.reels.all(CODE)[0].moment_ids == (library.moments.all(b.id)[0].id,)
    assert not (library.path / "cache" / "recordings" / str(a.id)).exists()
    assert library.integrity.check() == []


def test_cli_delete_needs_yes(tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]) -> None:
    lib = str(tmp_path / "lib")
    with Library.open(lib) as library:
        library.families.add("D1")
        library.recordings.import_file(media["cfr25"], "D1")
    assert run(["--library", lib, "delete", "family", "D1"]) == 3
    assert "--yes" in capsys.readouterr().err
    assert run(["--library", lib, "delete", "family", "D1", "--yes"]) == 0
    assert run(["--library", lib, "families", "--json"]) == 0
    assert capsys.readouterr().out.strip().endswith("[]")


def test_deleted_words_are_gone_from_the_database_files_themselves(
    library: Library, full_family: tuple[Recording, Recording, Recording]
) -> None:
    library.cases.delete_family(CODE)
    for f in library.path.glob(f"{layout.DB_NAME}*"):
        assert NOTE.encode() not in f.read_bytes(), f
        assert b"ZQX caption" not in f.read_bytes(), f
