"""The Library services against real SQLite files and real generated media."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from mediagen import MediaSet

from vfeedback.core.errors import BadInput, Conflict, NotFound, NothingToDo
from vfeedback.core.model import Actor
from vfeedback.core.timecode import parse_time
from vfeedback.services import Library
from vfeedback.services.undo import Changes
from vfeedback.storage import layout

BAD_KINDS = ("empty", "truncated", "text_mp4", "jpeg_mov", "audio_only")


def _library_files(lib: Library) -> list[Path]:
    return sorted(p for p in (lib.path / "recordings").rglob("*") if p.is_file())


# --- families ---------------------------------------------------------------------------------


def test_family_codes_are_unique_and_found_case_insensitively(library: Library) -> None:
    fam = library.families.add("Fam-01", label="first referral")
    assert library.families.get("fam-01") == fam
    assert library.families.get(fam.id) == fam
    with pytest.raises(Conflict, match="already a family"):
        library.families.add("FAM-01".lower())
    with pytest.raises(BadInput, match="not a usable case code"):
        library.families.add("Jane Smith / baby")
    with pytest.raises(NotFound):
        library.families.get("NOPE")


# --- import -----------------------------------------------------------------------------------


def test_import_copies_privately_under_a_name_that_reveals_nothing(library: Library, media: MediaSet) -> None:
    library.families.add("F1")
    source = media["unicode"]
    rec = library.recordings.import_file(source, "F1", context="free play")
    stored = library.recordings.path(rec)
    assert stored.is_file() and stored.parent == library.path / "recordings"
    assert stored.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert source.stem not in rec.path and "Bébé" not in rec.path
    assert rec.original_name == source.name and rec.stored
    assert rec.media.duration_us > 0 and rec.family_code == "F1"
    assert library.recordings.all("F1") == [rec]


def test_duplicate_import_is_refused_and_adds_nothing(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    library.families.add("F1")
    library.families.add("F2")
    first = library.recordings.import_file(media["cfr25"], "F1")
    renamed = tmp_path / "renamed copy.mp4"
    shutil.copy(media["cfr25"], renamed)
    with pytest.raises(Conflict, match=f"recording {first.id} of family F1"):
        library.recordings.import_file(renamed, "F2")
    assert len(library.recordings.all()) == 1
    assert len(_library_files(library)) == 1


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_files_are_refused_and_leave_nothing(library: Library, media: MediaSet, kind: str) -> None:
    library.families.add("F1")
    with pytest.raises(BadInput) as err:
        library.recordings.import_file(media[kind], "F1")
    message = str(err.value)
    assert "\n" not in message and message.endswith(".")
    assert library.recordings.all() == [] and _library_files(library) == []
    assert not list(library.path.rglob("*.part"))


def test_missing_path_and_folder_are_refused(library: Library, tmp_path: Path) -> None:
    library.families.add("F1")
    for path in (tmp_path / "nowhere.mp4", tmp_path):
        with pytest.raises(BadInput):
            library.recordings.import_file(path, "F1")
    assert library.recordings.all() == []


def test_import_into_unknown_family_copies_nothing(library: Library, media: MediaSet) -> None:
    with pytest.raises(NotFound):
        library.recordings.import_file(media["cfr25"], "GHOST")
    assert _library_files(library) == []


def test_referenced_recording_is_relinked_by_content(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    library.families.add("F1")
    original = tmp_path / "camera" / "clip.mp4"
    original.parent.mkdir()
    shutil.copy(media["cfr25"], original)
    rec = library.recordings.import_file(original, "F1", reference=True)
    assert not rec.stored and Path(rec.path) == original.resolve()
    assert _library_files(library) == []
    moved = tmp_path / "archive" / "deep" / "renamed.mp4"
    moved.parent.mkdir(parents=True)
    original.rename(moved)
    [problem] = library.integrity.check()
    assert "missing" in problem.what and problem.recording_id == rec.id
    [(relinked, where)] = library.recordings.relink(tmp_path / "archive")
    assert where == moved.resolve() and library.recordings.path(relinked) == moved.resolve()
    assert library.integrity.check() == []
    library.undo()
    assert library.recordings.path(library.recordings.get(rec.id)) == original.resolve()


# --- frame index ------------------------------------------------------------------------------


def test_frame_index_is_built_once_and_cached(library: Library, media: MediaSet) -> None:
    library.families.add("F1")
    rec = library.recordings.import_file(media["vfr"], "F1")
    calls: list[float] = []
    index = library.media.frame_index(rec.id, progress=calls.append)
    assert calls, "building reports progress"
    assert len(index) > 10 and index.times[0] == 0
    again: list[float] = []
    assert list(library.media.frame_index(rec.id, progress=again.append).times) == list(index.times)
    assert again == [], "the cached index is not rebuilt"
    refreshed = library.recordings.get(rec.id).media
    assert refreshed.frame_count == len(index) and refreshed.variable_frame_rate


# --- moments ----------------------------------------------------------------------------------


@pytest.fixture
def rec_id(library: Library, media: MediaSet) -> int:
    library.families.add("F1")
    return library.recordings.import_file(media["cfr25"], "F1").id


def test_moment_times_snap_to_real_frames(library: Library, rec_id: int) -> None:
    index = library.media.frame_index(rec_id)
    m = library.moments.add(rec_id, parse_time("1.03"), parse_time("0:02.52"), code="Waiting")
    assert m.start_us in index.times and m.end_us in index.times
    assert m.start_us <= 1_030_000 < m.start_us + 40_000
    assert m.end_us == 2_520_000
    by_frame = library.moments.add(rec_id, parse_time("f10"), code="Waiting")
    assert by_frame.start_us == index.time_of(10) and by_frame.is_point
    clock = library.moments.add(rec_id, parse_time("00:00:03.000"), code="Waiting")
    assert clock.start_us == 3_000_000


def test_moment_input_errors_are_single_sentences(library: Library, rec_id: int) -> None:
    cases: list[dict[str, Any]] = [
        dict(start=parse_time("3"), end=parse_time("2"), code="Waiting"),
        dict(start=parse_time("99:00"), code="Waiting"),
        dict(start=parse_time("f99999"), code="Waiting"),
        dict(start=parse_time("1"), code="No such code"),
        dict(start=parse_time("1"), code="Waiting", actor="grandmother"),
        dict(start=parse_time("1"), code="Waiting", caption="x" * 1000),
    ]
    for kwargs in cases:
        with pytest.raises((BadInput, NotFound)) as err:
            library.moments.add(rec_id, **kwargs)
        assert "\n" not in str(err.value)
    assert library.moments.all(rec_id) == []


def test_codes_resolve_by_id_name_and_path(library: Library, rec_id: int) -> None:
    waiting = library.schemes.code("waiting")
    assert library.schemes.code(waiting.id) == waiting
    assert library.schemes.code(f"{waiting.principle}/{waiting.name}") == waiting
    m = library.moments.add(rec_id, 1_000_000, code=str(waiting.id))
    assert m.code_id == waiting.id
    assert m.actor == (waiting.default_actor or Actor.PARENT)


def test_edit_delete_undo_redo_round_trip(library: Library, rec_id: int) -> None:
    seen: list[Changes] = []
    library.subscribe(seen.append)
    m = library.moments.add(rec_id, 1_000_000, 2_000_000, code="Waiting", caption="You waited", note="n1")
    edited = library.moments.edit(m.id, caption="You waited for her", actor="infant", end=parse_time("3"))
    assert (edited.caption, edited.actor, edited.end_us) == (
        "You waited for her",
        Actor.INFANT,
        3_000_000,
    )
    assert seen[-1].touched("moments") == {m.id}
    assert library.undo_label() == "Edit moment at 00:00:01.000"
    library.moments.delete(m.id)
    assert library.moments.all(rec_id) == []
    library.undo()
    assert library.moments.all(rec_id) == [edited]
    library.undo()
    assert library.moments.get(m.id).caption == "You waited"
    library.redo()
    library.redo()
    assert library.moments.all(rec_id) == []
    library.undo()
    library.undo()
    library.undo()  # the add itself
    assert library.moments.all(rec_id) == []
    assert library.redo_label() == "Add moment at 00:00:01.000 (Waiting)"


def test_new_action_drops_the_redo_stack(library: Library, rec_id: int) -> None:
    library.moments.add(rec_id, 1_000_000, code="Waiting")
    library.undo()
    library.moments.add(rec_id, 2_000_000, code="Waiting")
    with pytest.raises(NothingToDo):
        library.redo()
    assert [m.start_us for m in library.moments.all(rec_id)] == [2_000_000]


def test_undo_refuses_to_overwrite_a_later_change(library: Library, rec_id: int) -> None:
    m = library.moments.add(rec_id, 1_000_000, code="Waiting", caption="before")
    # Someone changes the row outside this action (another tool, a hand edit).
    with sqlite3.connect(library.path / layout.DB_NAME) as conn:
        conn.execute("UPDATE moments SET caption = 'changed elsewhere' WHERE id = ?", (m.id,))
    conn.close()
    with pytest.raises(Conflict, match=f"moment {m.id} was changed since"):
        library.undo()
    assert library.moments.get(m.id).caption == "changed elsewhere"


def test_undo_of_import_keeps_the_file_for_redo_then_forgets_it(library: Library, media: MediaSet) -> None:
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    stored = library.recordings.path(rec)
    library.undo()
    assert library.recordings.all() == [] and stored.exists()
    library.redo()
    assert library.recordings.get(rec.id).path == rec.path
    library.undo()
    library.families.add("F2")  # a new action: the import can no longer be redone
    assert not stored.exists()


def test_caption_search_is_case_insensitive_and_literal(library: Library, rec_id: int) -> None:
    library.moments.add(rec_id, 1_000_000, code="Waiting", caption="You WAIT for her smile")
    library.moments.add(rec_id, 2_000_000, code="Waiting", caption="100% with him")
    library.moments.add(rec_id, 3_000_000, code="Waiting", caption="1000 smiles", note="wait")
    assert [m.caption for m in library.moments.search("wait")] == ["You WAIT for her smile"]
    assert [m.caption for m in library.moments.search("0%")] == ["100% with him"]
    assert library.moments.search("   ") == []


# --- integrity --------------------------------------------------------------------------------


def test_check_finds_changed_files(library: Library, media: MediaSet) -> None:
    library.families.add("F1")
    a = library.recordings.import_file(media["cfr25"], "F1")
    b = library.recordings.import_file(media["no_audio"], "F1")
    assert library.integrity.check() == []
    with library.recordings.path(a).open("ab") as f:
        f.write(b"extra")
    data = bytearray(library.recordings.path(b).read_bytes())
    data[100] ^= 0xFF
    library.recordings.path(b).write_bytes(bytes(data))
    problems = {p.recording_id: p.what for p in library.integrity.check()}
    assert "bytes" in problems[a.id] and "content has changed" in problems[b.id]


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    Library.open(root).close()
    stale = root / "recordings" / ".abc.mp4.999999999.part"
    stale.write_bytes(b"half a copy")
    Library.open(root).close()
    assert not stale.exists()


def test_retime_moves_several_moments_as_one_undo_step(library: Library, rec_id: int) -> None:
    a = library.moments.add(rec_id, 1_000_000, 2_000_000, code="Waiting")
    b = library.moments.add(rec_id, 3_000_000, code="Waiting")
    moved = library.moments.retime([(a.id, 1_010_000, 2_010_000), (b.id, 3_050_000, 3_050_000)])
    index = library.media.frame_index(rec_id)
    assert all(m.start_us in index.times and m.end_us in index.times for m in moved)
    assert [(m.start_us, m.end_us) for m in moved] == [(1_000_000, 2_000_000), (3_040_000, 3_040_000)]
    assert library.undo_label() == "Move moment at 00:00:03.000"  # a's snapped span did not change
    moved = library.moments.retime([(a.id, 1_200_000, 2_400_000), (b.id, 3_200_000, 3_200_000)])
    assert library.undo_label() == "Move 2 moments"
    library.undo()
    assert [(m.start_us, m.end_us) for m in library.moments.all(rec_id)] == [
        (1_000_000, 2_000_000),
        (3_040_000, 3_040_000),
    ]
    with pytest.raises(BadInput):
        library.moments.retime([(a.id, 5_000_000, 4_000_000)])


def test_open_file_reuses_an_existing_import_or_files_it_as_unfiled(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    library.families.add("F1")
    first = library.recordings.import_file(media["cfr25"], "F1")
    copy = tmp_path / "same content.mp4"
    shutil.copy(media["cfr25"], copy)
    assert library.recordings.open_file(copy).id == first.id
    other = library.recordings.open_file(media["no_audio"])
    assert other.family_code == "Unfiled" and library.families.get("Unfiled").label
    again = library.recordings.open_file(media["no_audio"])
    assert again.id == other.id and len(library.recordings.all()) == 2
    placed = library.recordings.open_file(media["vfr"], family="F1")
    assert placed.family_code == "F1"
    with pytest.raises(BadInput):
        library.recordings.open_file(tmp_path / "missing.mp4")


def test_cache_folders_are_private(library: Library) -> None:
    folder = library.media.cache_dir(7)
    assert folder == library.path / "cache" / "recordings" / "7" and folder.is_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
