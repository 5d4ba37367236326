"""Undo and redo of big actions (an import of thousands of moments) check and write their rows a run at
a time, yet refuse exactly as row by row did: a row a colleague changed since, or a row a colleague's
later work hangs on, stops the whole action, names that row, and leaves everything as it was.

Alice and Bob share one real library (SQLite, and PostgreSQL where a refused statement would poison
the transaction), each through their own ``Library`` as in their own windows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mediagen import MediaSet
from sqlalchemy import event, select

from vfeedback.core.errors import Conflict
from vfeedback.services import Library
from vfeedback.services.moments import NewMoment
from vfeedback.storage import layout
from vfeedback.storage import tables as t

FRAME = 40_000
"""cfr25: 25 frames a second, 250 frames."""


class Shared:
    def __init__(self, alice: Library, bob: Library, recording: int) -> None:
        self.alice, self.bob, self.recording = alice, bob, recording

    def import_moments(self, lib: Library, count: int, label: str) -> list[int]:
        """``count`` moments on the film's frames in turn, as one import (one undoable action)."""
        items = [
            NewMoment(n % 250 * FRAME, n % 250 * FRAME, "Waiting", caption=f"{lib.user} {n}")
            for n in range(count)
        ]
        return [m.id for m in lib.moments.add_many(self.recording, items, label)]

    def state(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row an undo could touch or log, read with plain SQL."""
        with self.alice.ctx.read() as conn:
            return {
                table.name: [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]
                for table in (t.moments, t.reels, t.reel_items, t.undo_log)
            }

    def moments(self) -> list[tuple[Any, ...]]:
        return self.state()["moments"]

    def refused(self, step: Callable[[], object]) -> str:
        """What an undo or redo said refusing, having checked that it changed nothing."""
        before = self.state()
        with pytest.raises(Conflict) as refusal:
            step()
        assert self.state() == before
        return str(refusal.value)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared(
    request: pytest.FixtureRequest, tmp_path: Path, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Shared]:
    if request.param == "sqlite":
        specs = str(tmp_path / "shared"), str(tmp_path / "shared")
    else:
        # On a server the login is who works (issue 16): alice and bob are two logins.
        server = request.getfixturevalue("pg_server")
        url = server.create_database(f"u_{request.node.name.lower()[:40]}")
        monkeypatch.setenv(layout.ENV_FILES, str(tmp_path / "files"))
        with Library.open(url) as owner, owner.ctx.write() as conn:  # the schema, made by its owner
            for login in ("undo_alice", "undo_bob"):
                conn.exec_driver_sql(
                    f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') THEN"
                    f" CREATE ROLE {login} LOGIN; END IF; END $$"
                )
                conn.exec_driver_sql(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {login}")
                conn.exec_driver_sql(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {login}")
        specs = url.replace("postgres@", "undo_alice@"), url.replace("postgres@", "undo_bob@")
    with Library.open(specs[0]) as alice, Library.open(specs[1]) as bob:
        alice.user, bob.user = "alice", "bob"  # a library on this computer: typed names
        alice.families.add("B1")
        rec = alice.recordings.import_file(media["cfr25"], "B1")
        alice.media.frame_index(rec.id)
        yield Shared(alice, bob, rec.id)


def _statements(lib: Library) -> list[str]:
    """Every SQL statement ``lib`` sends from now on (an executemany counts once)."""
    sent: list[str] = []
    event.listen(lib.ctx.db.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    return sent


def test_a_big_import_is_undone_and_redone_in_a_few_statements_to_the_exact_rows(shared: Shared) -> None:
    """5,000 moments: row by row, an undo was 5,000 checks and 5,000 deletes. By runs of 500 rows it is
    10 reads and 10 deletes, a redo 10 reads and one insert of them all, plus five statements of the
    log and transaction (begin, the entry, a savepoint and its release, the entry marked undone)."""
    before = shared.moments()
    shared.import_moments(shared.alice, 5_000, "Import 5000 moments")
    imported = shared.moments()
    sent = _statements(shared.alice)
    assert shared.alice.undo().label == "Import 5000 moments"
    assert len(sent) <= 2 * 10 + 5, sent[:30]
    assert shared.moments() == before
    sent.clear()
    assert shared.alice.redo().label == "Import 5000 moments"
    assert len(sent) <= 10 + 1 + 5, sent[:30]
    assert shared.moments() == imported  # the same ids, every column as it was


def test_an_undo_meets_rows_a_colleague_changed_and_names_the_one_row_by_row_would(shared: Shared) -> None:
    ids = shared.import_moments(shared.alice, 600, "Import 600 moments")
    shared.bob.moments.edit(ids[299], caption="bob's words")
    shared.bob.moments.edit(ids[549], caption="bob's words")
    # Undo takes an action back newest row first: moment 550 of the import is met before moment 300.
    assert shared.refused(shared.alice.undo) == (
        f"'Import 600 moments' cannot be undone: moment {ids[549]} was changed since."
    )
    shared.bob.undo()
    shared.bob.undo()
    assert shared.alice.undo().label == "Import 600 moments"
    assert shared.moments() == []


def test_an_undo_meets_a_colleagues_reel_holding_one_moment(shared: Shared) -> None:
    ids = shared.import_moments(shared.alice, 600, "Import 600 moments")
    shared.bob.reels.create("Bob's pick", [ids[499]])
    assert shared.refused(shared.alice.undo) == (
        f"'Import 600 moments' cannot be undone: moment {ids[499]} is tied to changes made since."
    )
    # Once bob takes his reel back, alice's import can go: the refusal left nothing half done.
    shared.bob.undo()
    assert shared.alice.undo().label == "Import 600 moments"
    assert shared.moments() == []


def _deleted_and_back(shared: Shared) -> list[int]:
    """Alice's 600 moments, deleted in one action and that deletion undone: redo would delete them."""
    ids = shared.import_moments(shared.alice, 600, "Import 600 moments")
    shared.alice.moments.delete_many(ids)
    shared.alice.undo()
    return ids


def test_a_redo_meets_rows_a_colleague_changed_and_names_the_one_row_by_row_would(shared: Shared) -> None:
    ids = _deleted_and_back(shared)
    shared.bob.moments.edit(ids[549], caption="bob's words")
    shared.bob.moments.edit(ids[299], caption="bob's words")
    # Redo deletes them again in their order: moment 300 is met before moment 550.
    assert shared.refused(shared.alice.redo) == (
        f"'Delete 600 moments' cannot be redone: moment {ids[299]} was changed since."
    )


def test_a_redo_meets_a_colleagues_reel_made_meanwhile(shared: Shared) -> None:
    ids = _deleted_and_back(shared)
    shared.bob.reels.create("Bob's pick", [ids[10], ids[580]])
    assert shared.refused(shared.alice.redo) == (
        f"'Delete 600 moments' cannot be redone: moment {ids[10]} is tied to changes made since."
    )


def test_each_undoes_and_redoes_only_their_own_batch(shared: Shared) -> None:
    mine = shared.import_moments(shared.alice, 600, "Alice's import")
    with_bob = shared.moments()
    theirs = shared.import_moments(shared.bob, 600, "Bob's import")
    both = shared.moments()
    assert shared.alice.undo().label == "Alice's import"
    assert [row[0] for row in shared.moments()] == theirs
    assert shared.bob.undo_label() == "Bob's import"
    assert shared.alice.redo().label == "Alice's import"
    assert shared.moments() == both
    assert shared.bob.undo().label == "Bob's import"
    assert shared.moments() == with_bob
    assert [row[0] for row in with_bob] == mine
