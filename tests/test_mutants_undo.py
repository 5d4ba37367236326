"""services.undo where a slip passed every other test (found by make mutation): what an undone
import's file and cache become once redo is gone, the refusals of rows that vanished or collide, how
many statements an undo of a big edit sends, the order an import's moments come back in, and which
rows a delete removes.

Each test drives a real SQLite library; its docstring names the slip it catches. Row ids are worked
out by hand: ids are never reused (``sqlite_autoincrement``), so the first family, recording or
moment of a new library is 1.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from mediagen import MediaSet
from sqlalchemy import event
from sqlalchemy.engine import Row

from vfeedback.core.errors import Conflict, NothingToDo
from vfeedback.services import Library
from vfeedback.services.moments import NewMoment
from vfeedback.services.undo import Changes
from vfeedback.storage import layout

FRAME = 40_000
"""cfr25: 25 frames a second."""


def _sql(lib: Library, statement: str, *params: object) -> None:
    """A change made outside the app (another tool, a hand edit): no undo entry of its own."""
    with sqlite3.connect(lib.path / layout.DB_NAME) as conn:
        conn.execute(statement, params)
    conn.close()


def test_an_announced_change_cannot_be_rewritten_by_one_listener(library: Library) -> None:
    """Slip: ``Changes`` no longer frozen. Every window is told about an undo with the same object;
    one that rewrote it would tell the others a different story."""
    library.families.add("F1")
    changes = library.undo()
    assert changes == Changes("Add family F1", {"families": frozenset({1})})
    with pytest.raises(dataclasses.FrozenInstanceError):
        changes.label = "Something else"  # type: ignore[misc]
    assert changes.label == "Add family F1"


def test_an_undone_import_loses_its_file_once_redo_is_gone_beside_other_recordings(
    library: Library, media: MediaSet
) -> None:
    """Slips: "is the file still used" asked with ``path != rel`` or ``path <= rel``. Any other
    recording (one referenced in place, whose absolute path "/..." sorts before "recordings/...")
    then counted as the undone import's user, and its copy stayed behind, owned by nobody."""
    library.families.add("F1")
    kept = library.recordings.import_file(media["no_audio"], "F1", reference=True)
    assert kept.path.startswith("/")
    gone = library.recordings.import_file(media["cfr25"], "F1")
    stored = library.recordings.path(gone)
    library.undo()
    assert stored.exists()  # kept for redo
    library.families.add("F2")  # a new action: the import can no longer be redone
    assert not stored.exists()
    assert [r.id for r in library.recordings.all()] == [kept.id]
    assert library.recordings.path(kept) == media["no_audio"].resolve()


def test_an_undone_edit_of_a_recording_leaves_its_cache_when_redo_is_gone(
    library: Library, media: MediaSet
) -> None:
    """Slip: the cache clean-up's "a recording AND gone" turned into "a recording OR gone". Dropping
    the redo of an undone edit of a recording (its title) then deleted the preview, filmstrip and
    sound of a recording that is still in the library."""
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    cache = library.media.cache_dir(rec.id)
    (cache / "filmstrip.png").write_bytes(b"a filmstrip")
    library.recordings.edit(rec.id, title="Bath time")
    library.undo()
    library.families.add("F2")  # drops the redo of the edit
    assert library.recordings.get(rec.id).title is None
    assert (cache / "filmstrip.png").read_bytes() == b"a filmstrip"


def test_an_undo_of_an_add_whose_row_was_deleted_since_is_refused(library: Library) -> None:
    """Slip: ``_same`` answering "one of them is absent" with ``and`` instead of ``or``: a row
    deleted outside the app since it was added (the log expects it, it is None) crashed with a
    TypeError instead of the refusal naming it."""
    library.families.add("F1")
    _sql(library, "DELETE FROM families WHERE id = 1")
    with pytest.raises(Conflict) as refusal:
        library.undo()
    assert str(refusal.value) == "'Add family F1' cannot be undone: family 1 was changed since."
    assert library.undo_label() == "Add family F1"


def test_a_redo_whose_row_now_collides_with_a_colleagues_is_refused_and_names_it(tmp_path: Path) -> None:
    """Slip: ``_move`` writing back a row with ``current is not None``: the re-insert of an absent
    row went down the update branch and crashed (AttributeError on None) instead of saying which row
    a colleague's work is in the way of. Alice adds F7 (family 1) and undoes it; Bob adds his own F7
    (family 2, ids are never reused); Alice's redo would make a second F7."""
    root = tmp_path / "shared"
    with Library.open(root) as alice, Library.open(root) as bob:
        alice.user, bob.user = "alice", "bob"
        alice.families.add("F7")
        alice.undo()
        assert bob.families.add("F7").id == 2
        with pytest.raises(Conflict) as refusal:
            alice.redo()
        assert (
            str(refusal.value) == "'Add family F7' cannot be redone: family 1 is tied to changes made since."
        )
        assert [(f.id, f.code) for f in alice.families.all()] == [(2, "F7")]
        assert alice.redo_label() == "Add family F7"


def test_an_undo_of_a_big_recode_is_a_few_statements(library: Library, media: MediaSet) -> None:
    """Slip: ``_write_run`` taking ``kind >= "insert"`` for the insert branch, so a run of updates
    was INSERTed, refused (the ids exist) and done again row by row: 600 moments given another code
    took 1,200 statements to undo instead of two reads and one UPDATE of them all (plus the log's
    own: the entry read and marked undone, the savepoint and its release)."""
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    items = [NewMoment(n % 250 * FRAME, n % 250 * FRAME, "Waiting") for n in range(600)]
    ids = [m.id for m in library.moments.add_many(rec.id, items, "Import 600 moments")]
    before = [(m.id, m.code_id) for m in library.moments.all(rec.id)]
    library.moments.recode(ids, "Guiding")
    sent: list[str] = []
    event.listen(library.ctx.db.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    assert library.undo().label == "Recode 600 moments as Guiding"
    assert sum(1 for s in sent if s.lstrip().upper().startswith("UPDATE MOMENTS")) == 1, sent[:10]
    assert len(sent) <= 8, sent[:20]
    assert [(m.id, m.code_id) for m in library.moments.all(rec.id)] == before


def test_an_import_returns_its_moments_in_the_order_given_whatever_order_the_database_returns_ids(
    library: Library, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slip: ``sort_by_parameter_order=False``. SQLite and SQLAlchemy both say an INSERT's RETURNING
    rows may come back in any order; here they come back reversed (the real SQLite database, its
    result rows handed over last first). Asked to keep the order, SQLAlchemy inserts row by row on
    SQLite and the order cannot go wrong; without it, the third moment came back first, and an
    importer pairing its items with the moments made would have paired them wrongly."""
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    context = library.ctx.db.engine.dialect.execution_ctx_cls
    unordered = context.fetchall_for_returning

    def reversed_rows(self: Any, cursor: Any) -> Sequence[Row[Any]]:
        return list(reversed(unordered(self, cursor)))

    monkeypatch.setattr(context, "fetchall_for_returning", reversed_rows)
    items = [
        NewMoment(n * FRAME, n * FRAME, "Waiting", caption=word) for n, word in enumerate(("a", "b", "c"))
    ]
    made = library.moments.add_many(rec.id, items, "Import 3 moments")
    assert [(m.id, m.caption, m.start_us) for m in made] == [(1, "a", 0), (2, "b", 40_000), (3, "c", 80_000)]


def test_deleting_one_moment_deletes_that_moment_only(library: Library, media: MediaSet) -> None:
    """Slip: ``Tx.delete`` removing ``id <= pk``: deleting moment 2 of three also removed moment 1,
    which no undo entry held, so even an undo could not bring it back."""
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    for n in (1, 2, 3):
        library.moments.add(rec.id, n * 1_000_000, code="Waiting", caption=f"moment {n}")
    library.moments.delete(2)
    assert [(m.id, m.caption) for m in library.moments.all(rec.id)] == [(1, "moment 1"), (3, "moment 3")]
    library.undo()
    assert [m.id for m in library.moments.all(rec.id)] == [1, 2, 3]


def test_dropping_a_redo_leaves_a_colleagues_undone_import_its_cache(tmp_path: Path, media: MediaSet) -> None:
    """Slips: the cache clean-up asking ``table >= "recordings"`` or ``<=`` instead of ``==``. A reel
    or a moment (a table after or before "recordings" in the alphabet) in a dropped redo was then
    taken for a recording of the same id, and the cache of Bob's undone import 1, kept for his redo,
    went with Alice's reel 1 or moment 1."""
    root = tmp_path / "shared"
    with Library.open(root) as alice, Library.open(root) as bob:
        alice.user, bob.user = "alice", "bob"
        bob.families.add("B1")
        bobs = bob.recordings.import_file(media["no_audio"], "B1")
        assert bobs.id == 1
        (bob.media.cache_dir(1) / "filmstrip.png").write_bytes(b"bob's filmstrip")
        bob.undo()  # his import: the recording row goes, its copy and cache stay for his redo
        alice.families.add("A1")
        rec = alice.recordings.import_file(media["cfr25"], "A1")
        moment = alice.moments.add(rec.id, 1_000_000, code="Waiting")
        assert (moment.id, alice.reels.create("Her smile", [moment.id]).id) == (1, 1)
        alice.undo()
        alice.undo()
        alice.families.add("A2")  # drops her redo of the reel and of the moment
        assert (bob.media.cache_dir(1, create=False) / "filmstrip.png").read_bytes() == b"bob's filmstrip"
        assert bob.redo().label == f"Import {media['no_audio'].name}"
        assert bob.recordings.get(1).fingerprint == bobs.fingerprint


def test_an_undone_rename_whose_old_code_a_colleague_took_is_refused(tmp_path: Path) -> None:
    """Slip: ``_move`` writing a changed row only ``if not diff``. Alice renames F1 to F9; Bob then
    adds his own F1 (family 2). Alice's undo cannot give family 1 its old code back: the run is
    refused by the database, and row by row the slip skipped the write that would be refused, so the
    undo "succeeded" without undoing anything and the rename could no longer be undone."""
    root = tmp_path / "shared"
    with Library.open(root) as alice, Library.open(root) as bob:
        alice.user, bob.user = "alice", "bob"
        alice.families.add("F1")
        alice.families.edit("F1", code="F9")
        assert bob.families.add("F1").id == 2
        with pytest.raises(Conflict) as refusal:
            alice.undo()
        assert (
            str(refusal.value) == "'Edit family F1' cannot be undone: family 1 is tied to changes made since."
        )
        assert [(f.id, f.code) for f in alice.families.all()] == [(2, "F1"), (1, "F9")]  # by code
        assert alice.undo_label() == "Edit family F1"


def test_an_undo_ignores_the_media_facts_a_cache_refined_since(library: Library, media: MediaSet) -> None:
    """Slip: ``_same`` asking that every column differ (``!=``) instead of that every compared column
    be equal. A recording's ``media_json`` is refined by the frame index without the user's doing and
    is not compared; the slip refused the undo of a title edit as "changed since" whenever it was."""
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    library.recordings.edit(rec.id, title="Bath time")
    with sqlite3.connect(library.path / layout.DB_NAME) as conn:
        (facts,) = conn.execute("SELECT media_json FROM recordings WHERE id = ?", (rec.id,)).fetchone()
    conn.close()
    refined = json.dumps(json.loads(facts), indent=1)  # the same facts, written again
    assert refined != facts
    _sql(library, "UPDATE recordings SET media_json = ? WHERE id = ?", refined, rec.id)
    assert library.undo().label == "Edit recording 1"
    assert library.recordings.get(rec.id).title is None


def test_a_new_action_leaves_a_colleagues_redo_whatever_their_name(tmp_path: Path) -> None:
    """Slip: the redo stack dropped by a new action chosen with ``user >= me`` instead of ``==``:
    Alice's new family dropped Bob's undone action too ("bob" sorts after "alice"), and he could no
    longer redo it."""
    root = tmp_path / "shared"
    with Library.open(root) as alice, Library.open(root) as bob:
        alice.user, bob.user = "alice", "bob"
        bob.families.add("B1")
        bob.undo()
        alice.families.add("A1")
        assert bob.redo_label() == "Add family B1"
        assert bob.redo().label == "Add family B1"
        assert [f.code for f in bob.families.all()] == ["A1", "B1"]


def test_an_undone_delete_of_moments_in_a_reel_puts_back_each_in_its_own_table(
    library: Library, media: MediaSet
) -> None:
    """Slip: a run cut only where the next step's key sorts after the last (``mine > key``, not
    ``!=``). Deleting moments 1 and 2, both in reel 1 (items 1 and 2), logs item 1, moment 1, item 2,
    moment 2; its undo puts back moment 2, item 2, moment 1, item 1, and the slip ran item 2 and
    moment 1 as one run of reel_items (there is no item 1 then, so its check passed): the undo failed
    writing a moment into reel_items."""
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    ids = [library.moments.add(rec.id, n * 1_000_000, code="Waiting").id for n in (1, 2)]
    assert ids == [1, 2]
    reel = library.reels.create("Her smile", ids)
    library.moments.delete_many(ids)
    assert library.reels.get(reel.id).moment_ids == ()
    assert library.undo().label == "Delete 2 moments"
    assert [m.id for m in library.moments.all(rec.id)] == [1, 2]
    assert library.reels.get(reel.id).moment_ids == (1, 2)


def test_an_undone_reel_of_a_hundred_moments_is_a_few_statements(library: Library, media: MediaSet) -> None:
    """Slip: a run cut only where the next step's key sorts before the last (``mine < key``, not
    ``!=``). Reel 1 holds items 1 and 2; reel 2 is made of 100 moments (items 3 to 102). Its undo
    deletes items 102 down to 3, then reel 2: two runs, each a read, a savepoint, one DELETE and its
    release. The slip ran reel 2 ("reels" sorts after "reel_items") in the run of items, read its
    id 2 as item 2 (reel 1's, unlike the reel the log expects), refused the run and did all 101 rows
    one at a time: two statements each. The rows end the same; only the count tells."""
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    items = [NewMoment(n * FRAME, n * FRAME, "Waiting") for n in range(100)]
    ids = [m.id for m in library.moments.add_many(rec.id, items, "Import 100 moments")]
    assert ids == list(range(1, 101))
    first = library.reels.create("First", [1, 2])
    second = library.reels.create("Second", ids)
    assert (first.id, second.id) == (1, 2)
    sent: list[str] = []
    event.listen(library.ctx.db.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    assert library.undo().label == "Create reel 'Second'"
    deletes = [s for s in sent if s.lstrip().upper().startswith("DELETE FROM REEL")]
    assert len(deletes) == 2, deletes[:5]
    assert len(sent) <= 16, sent[:30]
    assert [r.id for r in library.reels.all()] == [1]
    assert library.reels.get(1).moment_ids == (1, 2)
    assert [m.id for m in library.moments.all(rec.id)] == ids


def test_no_statement_of_an_undo_names_more_than_500_rows(library: Library, media: MediaSet) -> None:
    """Slip: ``_CHUNK = 501``. An undo reads and deletes its rows 500 ids a statement, well inside
    every database's limit on bound values (SQLite built before 3.32 allows 999): undoing an import
    of 501 moments reads them in two SELECTs and deletes them in two DELETEs, of 500 ids and of 1."""
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    items = [NewMoment(n % 250 * FRAME, n % 250 * FRAME, "Waiting") for n in range(501)]
    library.moments.add_many(rec.id, items, "Import 501 moments")
    sent: list[tuple[str, int]] = []

    def record(_conn: object, _cursor: object, statement: str, params: Any, *_rest: object) -> None:
        values = len(params) if isinstance(params, Sequence) else 0
        sent.append((statement.lstrip().split()[0].upper(), values))

    event.listen(library.ctx.db.engine, "before_cursor_execute", record)
    assert library.undo().label == "Import 501 moments"
    # The log entry read (3 values), the moments read and deleted 500 and 1 at a time, the entry marked.
    assert [n for kind, n in sent if kind in ("SELECT", "DELETE")] == [3, 500, 1, 500, 1], sent
    assert library.moments.all(rec.id) == []


def test_an_undone_import_loses_its_file_once_redo_is_gone_beside_a_copy_named_after_it(
    library: Library, media: MediaSet
) -> None:
    """Slip: "is the file still used" asked with ``path >= rel``. Copies are named at random
    ("recordings/<32 hex digits>.mp4"); here family F2's copy is given the last such name there can
    be, so it sorts after F1's and counted as the user of F1's undone import, whose copy then stayed
    behind, owned by nobody."""
    library.families.add("F1")
    library.families.add("F2")
    later = library.recordings.import_file(media["no_audio"], "F2")
    last = "recordings/" + "f" * 32 + ".mp4"
    library.recordings.path(later).rename(library.path / last)
    _sql(library, "UPDATE recordings SET path = ? WHERE id = ?", last, later.id)
    gone = library.recordings.import_file(media["cfr25"], "F1")
    assert gone.path.startswith("recordings/") and gone.path < last
    stored = library.recordings.path(gone)
    library.undo()
    assert stored.exists()  # kept for redo
    library.families.add("F3")  # a new action: the import can no longer be redone
    assert not stored.exists()
    assert [r.id for r in library.recordings.all()] == [later.id]
    assert library.recordings.path(library.recordings.get(later.id)) == library.path / last
    assert (library.path / last).is_file()


def test_an_undone_import_takes_its_frame_index_with_it_in_one_run(library: Library, media: MediaSet) -> None:
    """Slip: a run of deleted recordings leaving their caches (``for cache, column in []``). The
    frame index row holds on to its recording, the database refused the run, and the undo went
    row by row; nothing was left behind, but only by luck of the fallback. The run deletes the
    index, then the recording, each with one statement naming its ids."""
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    library.media.frame_index(rec.id)
    with sqlite3.connect(library.path / layout.DB_NAME) as conn:
        assert conn.execute("SELECT recording_id FROM frame_indexes").fetchall() == [(rec.id,)]
    conn.close()
    sent: list[str] = []
    event.listen(library.ctx.db.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    library.undo()
    deletes = [" ".join(s.split()) for s in sent if s.lstrip().upper().startswith("DELETE")]
    assert deletes == [
        "DELETE FROM frame_indexes WHERE frame_indexes.recording_id IN (?)",
        "DELETE FROM voice_analyses WHERE voice_analyses.recording_id IN (?)",
        "DELETE FROM suggestions WHERE suggestions.recording_id IN (?)",
        "DELETE FROM recordings WHERE recordings.id IN (?)",
    ], deletes
    with sqlite3.connect(library.path / layout.DB_NAME) as conn:
        assert conn.execute("SELECT count(*) FROM frame_indexes").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM recordings").fetchone() == (0,)
    conn.close()


def test_a_redo_marks_only_its_own_entry_done(tmp_path: Path) -> None:
    """Slip: the redo marking done every entry up to its own (``id <= entry.id``). Bob adds B1 and
    undoes it (entry 1, undone); Alice adds A1 (entry 2), undoes and redoes it. The slip also
    marked Bob's entry done: his family B1 stayed gone, yet his redo was lost and his next undo
    would have tried to take back a family that is not there."""
    root = tmp_path / "shared"
    with Library.open(root) as alice, Library.open(root) as bob:
        alice.user, bob.user = "alice", "bob"
        bob.families.add("B1")
        bob.undo()
        alice.families.add("A1")
        alice.undo()
        assert alice.redo().label == "Add family A1"
        assert bob.redo_label() == "Add family B1"
        assert alice.redo_label() is None
        assert [f.code for f in bob.families.all()] == ["A1"]
        assert bob.redo().label == "Add family B1"
        assert [f.code for f in bob.families.all()] == ["A1", "B1"]


def test_a_time_changed_by_an_hour_across_a_clock_change_still_refuses_the_undo(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slip: ``_norm`` converting naive times instead of aware ones. SQLite hands back naive UTC
    times; the slip read them as the computer's local time, and in London 00:30 and 01:30 on 29
    March 2026 (the night the clocks go forward: 01:30 local never happens, and Python reads it
    with the summer offset) both became 00:30 UTC. A family's creation time moved by a hand edit
    from one to the other then passed as unchanged, and the undo wrote over a row changed since it
    was logged."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        library.families.add("F1")
        _sql(library, "UPDATE families SET created_at = '2026-03-29 00:30:00.000000' WHERE id = 1")
        library.families.edit("F1", label="First visit")
        _sql(library, "UPDATE families SET created_at = '2026-03-29 01:30:00.000000' WHERE id = 1")
        with pytest.raises(Conflict) as refused:
            library.undo()
        assert str(refused.value) == "'Edit family F1' cannot be undone: family 1 was changed since."
        assert library.families.get("F1").label == "First visit"
    finally:
        monkeypatch.undo()  # the zone this process had, read again at once
        time.tzset()


def test_nothing_to_undo_counts_only_colleagues_actions_that_could_be_undone(tmp_path: Path) -> None:
    """Slips: "is there anything of anyone's to undo" asked of undone entries (and "to redo" of
    done ones). Bob's only action is undone, so nobody has anything to undo: Alice must hear
    "nothing to undo", not "nothing of yours", which sends her looking for work of hers that is not
    there; Bob could redo, so for her there is "nothing of yours to redo". Once Bob does something
    new, it is the other way round."""
    root = tmp_path / "shared"
    with Library.open(root) as alice, Library.open(root) as bob:
        alice.user, bob.user = "alice", "bob"
        bob.families.add("B1")
        bob.undo()
        with pytest.raises(NothingToDo) as nothing:
            alice.undo()
        assert str(nothing.value) == "There is nothing to undo."
        with pytest.raises(NothingToDo) as nothing:
            alice.redo()
        assert str(nothing.value) == "There is nothing of yours to redo."
        bob.families.add("B2")  # drops Bob's redo: nothing of anyone's is undone now
        with pytest.raises(NothingToDo) as nothing:
            alice.undo()
        assert str(nothing.value) == "There is nothing of yours to undo."
        with pytest.raises(NothingToDo) as nothing:
            alice.redo()
        assert str(nothing.value) == "There is nothing to redo."
