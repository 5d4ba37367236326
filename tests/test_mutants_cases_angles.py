"""services.cases where deleting one recording would take another's angles or exports with it (found
by make mutation): the recording deleted sits between others by id, so a < or > written for an =
takes a neighbour, and every angle pairing and export of the others is checked to be still there."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mediagen import MediaSet

from vfeedback.services import Library
from vfeedback.storage import layout

# Seven films, imported in this order (ids 1 to 7 in a new library): F1 has 1 to 5, F2 has 6 and 7.
KINDS = ("cfr25", "ntsc2997", "vfr", "no_audio", "portrait", "mkv", "mpegts")


def _angles(root: Path) -> set[tuple[int, int]]:
    """Every (angle, main) pairing in the database."""
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        return {(int(a), int(m)) for a, m in conn.execute("SELECT recording_id, main_id FROM angles")}


def _library(lib: Library, media: MediaSet) -> list[int]:
    """Recording 2 is an angle of 1, 4 of 3 and 7 of 6 (mains before their angles, F2's after F1's);
    5 stands alone. Returns the ids."""
    for code in ("F1", "F2"):
        lib.families.add(code)
        lib.consent.give(code, "feedback", "Dr Lee")
    ids = [
        lib.recordings.import_file(media[kind], "F1" if n < 5 else "F2").id for n, kind in enumerate(KINDS)
    ]
    assert ids == [1, 2, 3, 4, 5, 6, 7]
    for angle, main in ((2, 1), (4, 3), (7, 6)):
        lib.angles.add(angle, main, 0)
    return ids


def test_deleting_a_main_film_frees_its_angle_and_no_other(tmp_path: Path, media: MediaSet) -> None:
    """Deleting recording 3: its angle 4 becomes a film of its own again (the pairing goes, whichever
    side of it the film is on); 2's pairing with 1 (lower ids) and 7's with 6 (higher) stay. Catches
    either comparison written <=, > or != (taking a neighbour's pairing, or keeping 3's), and the |
    written / or % (SQL arithmetic on the two tests, true only when both are, or never)."""
    root = tmp_path / "library"
    with Library.open(root) as lib:
        _library(lib, media)
        assert _angles(root) == {(2, 1), (4, 3), (7, 6)}
        lib.cases.delete_recording(3)
        assert lib.angles.get(4) is None and lib.angles.main_of(4) == 4
    assert _angles(root) == {(2, 1), (7, 6)}


def test_deleting_an_angle_leaves_its_main_and_the_other_pairings(tmp_path: Path, media: MediaSet) -> None:
    """Deleting recording 4, the angle of 3: its pairing goes, 3 is a main film with no angles, and
    the pairings of 2 (with 1) and 7 (with 6) stay."""
    root = tmp_path / "library"
    with Library.open(root) as lib:
        _library(lib, media)
        lib.cases.delete_recording(4)
        assert lib.angles.of(3) == []
    assert _angles(root) == {(2, 1), (7, 6)}


def test_deleting_a_recording_keeps_the_exports_of_the_familys_other_recordings(
    tmp_path: Path, media: MediaSet
) -> None:
    """F1 has a still of a moment of recording 1, of 3 and of 5. Deleting 3 removes its still's file;
    the stills of 1 (a lower id) and 5 (a higher one) are still on disk. Catches the moments of
    recordings other than 3 counted as its own (a <= or >= for the ==), which would delete the files
    of their exports while the library still lists them."""
    root = tmp_path / "library"
    with Library.open(root) as lib:
        _library(lib, media)
        stills = {}
        for rec in (1, 3, 5):
            moment = lib.moments.add(rec, 1_000_000, 1_000_000, code="Waiting", caption=f"Still {rec}")
            stills[rec] = lib.exports.path(lib.exports.still(moment.id))
        assert all(p.is_file() for p in stills.values())
        lib.cases.delete_recording(3)
    assert {rec: p.is_file() for rec, p in stills.items()} == {1: True, 3: False, 5: True}
