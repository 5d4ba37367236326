"""Undo that survives between commands and windows.

Every mutation runs in one write transaction (a ``Tx``) that records each row it inserts, updates or
deletes as a before/after pair. The pairs are stored with a label in ``undo_log`` in the same
transaction, so undo is as durable as the edit itself and works from the CLI (``vfeedback undo``).
Undo writes the "before" images back; redo writes the "after" images. Before either, each row must still
look as the log left it: if someone changed it since, undo refuses rather than overwrite their work.
Rows are checked and written a run at a time (a run: consecutive changes to one table of one kind, so
an import of thousands of moments is undone by a few statements); where a run would be refused, it is
done again row by row, so the refusal names exactly the row it always did.

Each person has their own history in a shared library: undo and redo take the current user's own
latest action (``undo_log.user``), never a colleague's, and a new action drops only that user's redo
stack. An older action of yours whose rows a colleague changed later is refused as above (a Conflict
naming the row); one whose rows a colleague's later work now depends on (a family they imported a
recording into) is refused the same way rather than breaking that work.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Date, DateTime, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from vfeedback.core.errors import Conflict, NothingToDo
from vfeedback.storage import tables as t
from vfeedback.storage.layout import Location

KEEP_ENTRIES = 1000
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Changes:
    """What one action changed, so a view redraws only that."""

    label: str
    ids: Mapping[str, frozenset[int]] = field(default_factory=dict)

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(self.ids)

    def touched(self, table: str) -> frozenset[int]:
        return self.ids.get(table, frozenset())


@dataclass(slots=True)
class RowChange:
    table: str
    pk: int
    before: Row | None
    after: Row | None


_CHUNK = 500
"""Ids per ``IN (...)`` query: well inside every database's limit on bound parameters."""


class Tx:
    """A write transaction that remembers what it changed."""

    def __init__(self, conn: Connection, label: str) -> None:
        self.conn = conn
        self.label = label
        self.changes: list[RowChange] = []
        self.files: list[str] = []
        """Library-relative files this action created; deleted if the action is undone for good."""

    def insert(self, table: Table, values: Row) -> Row:
        pk = self.conn.execute(insert(table).values(**values)).inserted_primary_key
        assert pk is not None
        row = _fetch(self.conn, table, int(pk[0]))
        assert row is not None
        self.changes.append(RowChange(table.name, int(pk[0]), None, row))
        return row

    def insert_many(self, table: Table, rows: list[Row]) -> list[Row]:
        """Insert ``rows`` in one statement (an import of thousands of moments), in order."""
        if not rows:
            return []
        result = self.conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        ids = [int(r[0]) for r in result]
        found = _fetch_many(self.conn, table, ids)
        made = [found[i] for i in ids]
        self.changes.extend(RowChange(table.name, i, None, row) for i, row in zip(ids, made, strict=True))
        return made

    def update(self, table: Table, pk: int, values: Row) -> tuple[Row, Row]:
        before = _fetch(self.conn, table, pk)
        assert before is not None, f"{table.name} {pk} vanished inside its own transaction"
        self.conn.execute(update(table).where(table.c.id == pk).values(**values))
        after = _fetch(self.conn, table, pk)
        assert after is not None
        self.changes.append(RowChange(table.name, pk, before, after))
        return before, after

    def delete(self, table: Table, pk: int) -> Row:
        before = _fetch(self.conn, table, pk)
        assert before is not None
        self.conn.execute(delete(table).where(table.c.id == pk))
        self.changes.append(RowChange(table.name, pk, before, None))
        return before

    def summary(self) -> Changes:
        return _summarise(self.label, self.changes)


def commit_entry(tx: Tx, user: str, now: datetime, location: Location) -> None:
    """Log ``tx`` as the newest undoable action; the redo stack is dropped (as in every editor)."""
    if not tx.changes:
        return
    discard_redo(tx.conn, location, user)
    tx.conn.execute(
        insert(t.undo_log).values(
            label=tx.label,
            changes_json=json.dumps([_encode_change(c) for c in tx.changes]),
            files_json=json.dumps(tx.files),
            undone=False,
            created_at=now,
            user=user,
        )
    )
    _prune(tx.conn)


def discard_redo(conn: Connection, location: Location, user: str) -> None:
    """Drop ``user``'s redo stack (a colleague's stays theirs to redo)."""
    log = t.undo_log
    mine = log.c.undone & (log.c.user == user)
    doomed = list(conn.execute(select(log.c.id, log.c.files_json, log.c.changes_json).where(mine)))
    if not doomed:
        return
    conn.execute(delete(log).where(log.c.id.in_([r.id for r in doomed])))
    # Files of undone imports were kept for redo; with redo gone they belong to nobody, nor does such a
    # recording's cache (its preview copy, filmstrip and sound).
    for entry in doomed:
        for rel in json.loads(entry.files_json):
            still_used = conn.execute(select(t.recordings.c.id).where(t.recordings.c.path == rel)).first()
            if still_used is None:
                _remove_quietly(location.root / rel)
        for change in json.loads(entry.changes_json):
            pk = int(change["pk"])
            if change["table"] == "recordings" and _fetch(conn, t.recordings, pk) is None:
                shutil.rmtree(location.recording_caches / str(pk), ignore_errors=True)


def undo_label(conn: Connection, user: str) -> str | None:
    """What ``user``'s undo would take back."""
    row = _last(conn, user, undone=False)
    return None if row is None else str(row.label)


def redo_label(conn: Connection, user: str) -> str | None:
    row = _last(conn, user, undone=True)
    return None if row is None else str(row.label)


def undo(conn: Connection, user: str) -> Changes:
    """Take back ``user``'s latest action that is not undone yet."""
    entry = _last(conn, user, undone=False)
    if entry is None:
        raise NothingToDo(_nothing(conn, "undo", undone=False))
    changes = [_decode_change(c) for c in json.loads(entry.changes_json)]
    steps = [Step(c, expected=c.after, target=c.before) for c in reversed(changes)]
    _move_all(conn, steps, label=entry.label, verb="undone")
    conn.execute(update(t.undo_log).where(t.undo_log.c.id == entry.id).values(undone=True))
    return _summarise(entry.label, changes)


def redo(conn: Connection, user: str) -> Changes:
    """Do again the action ``user`` undid last."""
    entry = _last(conn, user, undone=True)
    if entry is None:
        raise NothingToDo(_nothing(conn, "redo", undone=True))
    changes = [_decode_change(c) for c in json.loads(entry.changes_json)]
    steps = [Step(c, expected=c.before, target=c.after) for c in changes]
    _move_all(conn, steps, label=entry.label, verb="redone")
    conn.execute(update(t.undo_log).where(t.undo_log.c.id == entry.id).values(undone=False))
    return _summarise(entry.label, changes)


def forget(conn: Connection, holds: Callable[[str, Row], bool]) -> int:
    """Delete every entry (done or undone, anyone's) holding a row for which ``holds(table, row)`` is
    true, before or after; the rest of the history stays. Returns how many went."""
    log = t.undo_log
    doomed = [
        entry.id
        for entry in conn.execute(select(log.c.id, log.c.changes_json))
        if any(
            row is not None and holds(change["table"], row)
            for change in json.loads(entry.changes_json)
            for row in (change["before"], change["after"])
        )
    ]
    for n in range(0, len(doomed), _CHUNK):
        conn.execute(delete(log).where(log.c.id.in_(doomed[n : n + _CHUNK])))
    return len(doomed)


def _nothing(conn: Connection, verb: str, *, undone: bool) -> str:
    """Nothing of the user's: say so, and whether that is because it is all other people's."""
    someone = conn.execute(select(t.undo_log.c.id).where(t.undo_log.c.undone == undone).limit(1)).first()
    return f"There is nothing of yours to {verb}." if someone else f"There is nothing to {verb}."


# Columns that caches refine without the user's doing; they never block an undo.
_NOT_COMPARED = {"recordings": {"media_json"}}
# Rebuildable rows that hang on an undoable row and go with it (a redo builds them again when needed).
_CACHES = {
    "recordings": (
        (t.frame_indexes, "recording_id"),
        (t.voice_analyses, "recording_id"),
        (t.suggestions, "recording_id"),
    )
}


@dataclass(frozen=True, slots=True)
class Step:
    """One row of an undo or redo: it must look like ``expected`` now (None: absent) and becomes
    ``target`` (None: deleted)."""

    change: RowChange
    expected: Row | None
    target: Row | None

    @property
    def kind(self) -> Literal["delete", "insert", "update"]:
        return "delete" if self.target is None else "insert" if self.expected is None else "update"


def _move_all(conn: Connection, steps: Sequence[Step], *, label: str, verb: str) -> None:
    """Every step, in order, a run at a time. Rows are independent of each other (no triggers, no
    cascades on these tables), so a run checked and written at once ends as the same steps one by one
    would; a run that would be refused is done again row by row to say exactly what it always said."""
    for run in _runs(steps):
        if not _move_run(conn, run):
            for step in run:
                _move(conn, step, label=label, verb=verb)


def _runs(steps: Sequence[Step]) -> Iterator[list[Step]]:
    """Consecutive steps on one table, of one kind (inserts also of one set of columns), each row at
    most once: what one statement per ``_CHUNK`` rows can do."""
    run: list[Step] = []
    seen: set[int] = set()
    key: tuple[object, ...] = ()
    for step in steps:
        mine = (step.change.table, step.kind, tuple(step.target or ()) if step.kind == "insert" else ())
        if run and (mine != key or step.change.pk in seen):
            yield run
            run, seen = [], set()
        run.append(step)
        seen.add(step.change.pk)
        key = mine
    if run:
        yield run


def _move_run(conn: Connection, run: list[Step]) -> bool:
    """Check and write a run in a few statements; False (nothing written) where a row is not as the
    log left it or the database refuses the writes (a colleague's work hangs on a row)."""
    table = t.UNDOABLE_TABLES[run[0].change.table]
    pks = [step.change.pk for step in run]
    current = _fetch_many(conn, table, pks)
    if not all(_same(table.name, current.get(step.change.pk), step.expected) for step in run):
        return False
    try:
        with conn.begin_nested():  # PostgreSQL needs it to go on after a refused statement
            _write_run(conn, table, run, current)
    except IntegrityError:
        return False
    return True


def _write_run(conn: Connection, table: Table, run: list[Step], current: dict[int, Row]) -> None:
    kind = run[0].kind
    if kind == "delete":
        pks = [step.change.pk for step in run]
        for n in range(0, len(pks), _CHUNK):
            chunk = pks[n : n + _CHUNK]
            for cache, column in _CACHES.get(table.name, ()):
                conn.execute(delete(cache).where(cache.c[column].in_(chunk)))
            conn.execute(delete(table).where(table.c.id.in_(chunk)))
    elif kind == "insert":
        conn.execute(insert(table), [step.target for step in run if step.target is not None])
    else:
        # One UPDATE per set of changed columns, each given all the rows that change just those.
        changed: dict[tuple[str, ...], list[Row]] = {}
        for step in run:
            now, target = current[step.change.pk], step.target or {}
            diff = {k: v for k, v in target.items() if now.get(k) != v}
            if diff:
                changed.setdefault(tuple(diff), []).append({"undo_pk": step.change.pk, **diff})
        for rows in changed.values():
            conn.execute(update(table).where(table.c.id == bindparam("undo_pk")), rows)


def _move(conn: Connection, step: Step, *, label: str, verb: str) -> None:
    """One step on its own (how a refused run finds the row to name)."""
    c, expected, target = step.change, step.expected, step.target
    table = t.UNDOABLE_TABLES[c.table]
    current = _fetch(conn, table, c.pk)
    if not _same(c.table, current, expected):
        raise Conflict(f"'{label}' cannot be {verb}: {_describe(c.table, c.pk)} was changed since.")
    try:
        if target is None:
            for cache, column in _CACHES.get(c.table, ()):
                conn.execute(delete(cache).where(cache.c[column] == c.pk))
            conn.execute(delete(table).where(table.c.id == c.pk))
        elif current is None:
            conn.execute(insert(table).values(**target))
        else:
            diff = {k: v for k, v in target.items() if current.get(k) != v}
            if diff:
                conn.execute(update(table).where(table.c.id == c.pk).values(**diff))
    except IntegrityError:
        # Someone else's later work hangs on this row (a recording in the family), or this row on
        # something since removed: refusing keeps theirs whole; the transaction rolls back.
        raise Conflict(
            f"'{label}' cannot be {verb}: {_describe(c.table, c.pk)} is tied to changes made since."
        ) from None


def _same(table: str, current: Row | None, expected: Row | None) -> bool:
    if current == expected:  # the usual answer, at C speed
        return True
    if current is None or expected is None:
        return False
    ignored = _NOT_COMPARED.get(table, set())
    keys = (set(current) | set(expected)) - ignored
    return all(_norm(current.get(k)) == _norm(expected.get(k)) for k in keys)


def _norm(value: Any) -> Any:
    # SQLite hands back naive datetimes, PostgreSQL aware ones: compare the wall-clock UTC value.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _describe(table: str, pk: int) -> str:
    return {
        "moments": f"moment {pk}",
        "suggestions": f"suggested moment {pk}",
        "families": f"family {pk}",
        "recordings": f"recording {pk}",
        "codes": f"code {pk}",
        "coding_schemes": f"coding scheme {pk}",
    }.get(table, f"{table} {pk}")


def _fetch(conn: Connection, table: Table, pk: int) -> Row | None:
    row = conn.execute(select(table).where(table.c.id == pk)).mappings().first()
    return None if row is None else dict(row)


def _fetch_many(conn: Connection, table: Table, pks: Sequence[int]) -> dict[int, Row]:
    """The rows that exist of ``pks``, by id."""
    found: dict[int, Row] = {}
    for n in range(0, len(pks), _CHUNK):
        result = conn.execute(select(table).where(table.c.id.in_(pks[n : n + _CHUNK])))
        names = list(result.keys())
        for values in result:
            row = dict(zip(names, values, strict=True))
            found[int(row["id"])] = row
    return found


def _last(conn: Connection, user: str, *, undone: bool) -> Any:
    # A user's own entries are always a run of done ones followed by undone ones (a new action drops
    # their undone ones), so the newest done one is undo's and the oldest undone one is redo's.
    log = t.undo_log
    order = log.c.id.asc() if undone else log.c.id.desc()
    query = select(log).where(log.c.undone == undone, log.c.user == user).order_by(order).limit(1)
    return conn.execute(query).first()


def _prune(conn: Connection) -> None:
    log = t.undo_log
    newest = conn.execute(select(func.max(log.c.id))).scalar_one()
    if newest is not None and newest % 100 == 0:
        conn.execute(delete(log).where(log.c.id <= newest - KEEP_ENTRIES))


def _summarise(label: str, changes: Iterable[RowChange]) -> Changes:
    ids: dict[str, set[int]] = {}
    for c in changes:
        ids.setdefault(c.table, set()).add(c.pk)
    return Changes(label, {k: frozenset(v) for k, v in ids.items()})


def _encode_change(c: RowChange) -> dict[str, Any]:
    table = t.UNDOABLE_TABLES[c.table]
    return {
        "table": c.table,
        "pk": c.pk,
        "before": _encode_row(table, c.before),
        "after": _encode_row(table, c.after),
    }


def _decode_change(data: dict[str, Any]) -> RowChange:
    table = t.UNDOABLE_TABLES[data["table"]]
    return RowChange(
        data["table"],
        int(data["pk"]),
        _decode_row(table, data["before"]),
        _decode_row(table, data["after"]),
    )


def _encode_row(table: Table, row: Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in row.items()}


def _decode_row(table: Table, data: dict[str, Any] | None) -> Row | None:
    if data is None:
        return None
    out: Row = dict(data)
    for key, parse in _parsers(table).items():
        value = out.get(key)
        if value is not None:
            out[key] = parse(value)
    return out


@functools.cache
def _parsers(table: Table) -> dict[str, Callable[[str], Any]]:
    """How each date or time column of ``table`` is read back from its ISO text in the log."""
    found: dict[str, Callable[[str], Any]] = {}
    for column in table.columns:
        if isinstance(column.type, DateTime):
            found[column.name] = datetime.fromisoformat
        elif isinstance(column.type, Date):
            found[column.name] = date.fromisoformat
    return found


def _remove_quietly(path: Path) -> None:
    # A file we cannot remove is left for `vfeedback check` to report; never fail an edit over it.
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
