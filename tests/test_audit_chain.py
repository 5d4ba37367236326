"""The audit record and the consent register are append-only and tamper-evident.

Every forgery is made the way an attacker with the database file (or a superuser on the server)
would: raw SQL through ``sqlite3`` or ``psycopg``, never through vfeedback. Then ``vfeedback check``
must exit 1 naming the first bad entry; the untouched library checks clean.

The library every test starts from (``_build``), with its entries numbered by hand:

    audit 1  consent C1 feedback given          consent 1 (C1 chain: 1, 2, 4)
    audit 2  consent C1 supervision given       consent 2
    audit 3  consent C2 feedback given          consent 3 (C2 chain: 3, 5)
    audit 4  consent C1 supervision withdrawn   consent 4
    audit 5  consent C2 research given          consent 5
    audit 6  export of the audit record as CSV (destination: the CSV's absolute path)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pgserver
import pytest

from vfeedback.cli.main import run
from vfeedback.services import Library
from vfeedback.storage import layout

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import TupleRow

DROP_GUARDS = [
    "DROP TRIGGER audit_log_no_update",
    "DROP TRIGGER audit_log_no_delete",
    "DROP TRIGGER audit_log_no_replace",
    "DROP TRIGGER consents_no_update",
    "DROP TRIGGER consents_no_delete",
    "DROP TRIGGER consents_no_replace",
]
# The columns in the order the README's canonical encoding lists them.
AUDIT_COLUMNS = "id, at, actor, action, family_id, family_code, purpose, detail, destination, notes"
CONSENT_COLUMNS = "id, family_id, purpose, given, on_date, recorded_by, recorded_at, audit_id"


PathOrUrl = TypeVar("PathOrUrl", Path, str)


def _build(root: PathOrUrl, tmp_path: Path) -> PathOrUrl:
    with Library.open(root) as lib:
        lib.families.add("C1")
        lib.families.add("C2")
        lib.consent.give("C1", "feedback", "Dr A", date(2026, 3, 1))
        lib.consent.give("C1", "supervision", "Dr A", date(2026, 3, 1))
        lib.consent.give("C2", "feedback", "Dr B", date(2026, 3, 2))
        lib.consent.withdraw("C1", "supervision", "Dr A", date(2026, 3, 3))
        lib.consent.give("C2", "research", "Dr B", date(2026, 3, 4))
        lib.audit.write_csv(tmp_path / "record.csv")
        assert [e.id for e in lib.audit.entries()] == [1, 2, 3, 4, 5, 6]
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return _build(tmp_path / "lib", tmp_path)


def _sql(root: Path, *statements: str) -> None:
    conn = sqlite3.connect(root / layout.DB_NAME, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def _rows(root: Path, table: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(root / layout.DB_NAME)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        conn.close()


def _check(root: Path, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[int, str]:
    capsys.readouterr()
    status = run(["--library", str(root), "check", *more])
    return status, capsys.readouterr().out


def _stamp(text: str) -> str:
    """A timestamp as SQLite stores it ("2026-03-01 10:00:00.123456"), as the encoding writes it."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _spec_hash(kind: str, values: list[object], prev: str) -> str:
    """The README's encoding, written here from the documentation, not taken from vfeedback."""
    data = json.dumps([kind, *values, prev], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _audit_spec(row: tuple[object, ...], prev: str) -> str:
    (id_, at, actor, action, family_id, family_code, purpose, detail, destination, notes) = row
    values = [id_, _stamp(str(at)), actor, action, family_id, family_code, purpose, detail, destination]
    return _spec_hash("vfeedback-audit-v1", [*values, None if notes is None else bool(notes)], prev)


def _consent_spec(row: tuple[object, ...], prev: str) -> str:
    (id_, family_id, purpose, given, on_date, recorded_by, recorded_at, audit_id) = row
    values = [id_, family_id, purpose, bool(given), on_date, recorded_by, _stamp(str(recorded_at)), audit_id]
    return _spec_hash("vfeedback-consent-v1", values, prev)


def _select(root: Path, query: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(root / layout.DB_NAME)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


# --- the untouched library, and the encoding ----------------------------------------------------
def test_the_untouched_library_checks_clean(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _check(root, capsys)
    assert status == 0, out
    assert "the audit record is intact" in out
    status, out = _check(root, capsys, "--json")
    data = json.loads(out)
    assert status == 0 and data["ok"] is True and data["audit_chain_ok"] is True and data["repaired"] == []


def test_every_hash_follows_the_documented_encoding(root: Path) -> None:
    """Recomputed from the raw rows with the README's recipe: the chain vfeedback wrote is that one."""
    prev = "0" * 64
    for *row, stored_prev, stored in _select(root, f"SELECT {AUDIT_COLUMNS}, prev_hash, hash FROM audit_log"):
        assert stored_prev == prev
        assert stored == _audit_spec(tuple(row), prev)
        prev = stored
    heads: dict[object, str] = {}
    query = f"SELECT {CONSENT_COLUMNS}, prev_hash, hash FROM consents ORDER BY id"
    for *row, stored_prev, stored in _select(root, query):
        family = row[1]
        assert stored_prev == heads.get(family, "0" * 64)
        assert stored == _consent_spec(tuple(row), heads.get(family, "0" * 64))
        heads[family] = stored
    # Each consent entry names the audit entry written with it (see the table in the docstring).
    assert _select(root, "SELECT id, audit_id FROM consents ORDER BY id") == [(n, n) for n in range(1, 6)]


def test_audit_json_shows_hash_destination_and_notes(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(["--library", str(root), "audit", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    stored = dict(_select(root, "SELECT id, hash FROM audit_log"))
    assert [e["hash"] for e in entries] == [stored[e["id"]] for e in entries]
    assert entries[5]["destination"] == str(tmp_path / "record.csv") and entries[5]["notes"] is False
    assert entries[0]["destination"] is None and entries[0]["notes"] is None


# --- the database refuses ----------------------------------------------------------------------
REFUSED = [
    ("REPLACE INTO audit_log (id, at, actor, action, detail) VALUES (4, '2026-01-01', 'x', 'consent', 'f')",
     "audit entries cannot be replaced"),
    ("INSERT OR REPLACE INTO audit_log (id, at, actor, action, detail) "
     "VALUES (6, '2026-01-01', 'x', 'y', 'z')", "audit entries cannot be replaced"),
    ("INSERT INTO audit_log (id, at, actor, action, detail) VALUES (2, '2026-01-01', 'x', 'y', 'z') "
     "ON CONFLICT(id) DO UPDATE SET detail = 'forged'", "audit entries cannot be replaced"),
    ("UPDATE audit_log SET detail = 'forged' WHERE id = 3", "audit entries cannot be changed"),
    ("DELETE FROM audit_log WHERE id = 6", "audit entries cannot be deleted"),
    # The attack of the issue: a withdrawal turned into a "given".
    ("INSERT OR REPLACE INTO consents (id, family_id, purpose, given, on_date, recorded_by, recorded_at) "
     "VALUES (4, 1, 'supervision', 1, '2026-03-03', 'Dr A', '2026-03-03 10:00:00')",
     "consent entries cannot be replaced"),
    ("UPDATE consents SET given = 1 WHERE id = 4", "consent entries cannot be changed"),
    ("DELETE FROM consents WHERE id = 4", "consent entries cannot be deleted, except with their family"),
]  # fmt: skip


@pytest.mark.parametrize(("statement", "refusal"), REFUSED)
def test_the_database_refuses_every_change(
    root: Path, capsys: pytest.CaptureFixture[str], statement: str, refusal: str
) -> None:
    before = (_rows(root, "audit_log"), _rows(root, "consents"))
    with pytest.raises(sqlite3.DatabaseError, match=refusal):
        _sql(root, statement)
    assert (_rows(root, "audit_log"), _rows(root, "consents")) == before
    assert _check(root, capsys)[0] == 0


# --- forgeries: check names the first bad entry --------------------------------------------------
def _forged_consent_4_given(root: Path) -> str:
    """The withdrawal (consent 4) rewritten as a "given" by someone who knows the encoding: its own
    hash and its chain are right; only the audit entry written with it disagrees."""
    [(*row, prev)] = _select(root, f"SELECT {CONSENT_COLUMNS}, prev_hash FROM consents WHERE id = 4")
    row[3] = 1
    return f"UPDATE consents SET given = 1, hash = '{_consent_spec(tuple(row), str(prev))}' WHERE id = 4"


def _forged_audit_3(root: Path) -> str:
    """Audit entry 3 rewritten with a correct hash of its own: the next entry no longer follows it."""
    [(*row, prev)] = _select(root, f"SELECT {AUDIT_COLUMNS}, prev_hash FROM audit_log WHERE id = 3")
    row[7] = "Consent for research given on 2026-03-02"
    forged = _audit_spec(tuple(row), str(prev))
    return f"UPDATE audit_log SET detail = '{row[7]}', hash = '{forged}' WHERE id = 3"


FORGED = {
    "update with guards dropped": (
        ["UPDATE audit_log SET detail = 'Consent for training given on 2026-03-02' WHERE id = 3"],
        "The audit record was altered: entry 3 does not match its hash.",
    ),
    "replace into with guards dropped": (
        ["REPLACE INTO audit_log SELECT id, at, actor, action, family_id, family_code, purpose, "
         "'Consent for supervision given on 2026-03-03', destination, notes, prev_hash, hash "
         "FROM audit_log WHERE id = 4"],
        "The audit record was altered: entry 4 does not match its hash.",
    ),
    "insert or replace: a withdrawal becomes a given": (
        ["INSERT OR REPLACE INTO consents SELECT id, family_id, purpose, 1, on_date, recorded_by, "
         "recorded_at, audit_id, prev_hash, hash FROM consents WHERE id = 4"],
        "The consent register of family C1 was altered: entry 4 does not match its hash.",
    ),
    "delete in the middle": (
        ["DELETE FROM audit_log WHERE id = 3"],
        "The audit record was altered: entry 4 does not follow on from entry 2 (an entry between them "
        "was removed or rewritten).",
    ),
    "delete the tail": (
        ["DELETE FROM audit_log WHERE id = 6"],
        "Entry 6 was found removed from the audit record",
    ),
    "delete a consent in the middle": (
        ["DELETE FROM consents WHERE id = 2"],
        "The consent register of family C1 was altered: entry 4 does not follow on from the entry before it.",
    ),
    "delete the last consent of a family": (
        ["DELETE FROM consents WHERE id = 4"],
        "The consent register of family C1 was altered: the change recorded in audit entry 4 is missing "
        "from it.",
    ),
}  # fmt: skip


@pytest.mark.parametrize("how", list(FORGED))
def test_a_forged_row_fails_the_check_naming_it(
    root: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    statements, sentence = FORGED[how]
    _sql(root, *DROP_GUARDS, *statements)
    status, out = _check(root, capsys)
    assert status == 1
    assert sentence in out, out
    # The guards were found gone; vfeedback put them back, and says so (for good).
    assert "The database's protection of the audit record and consent register was found removed" in out
    assert _select(root, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'") == [(6,)]
    status, out = _check(root, capsys, "--json")
    data = json.loads(out)
    assert status == 1 and data["ok"] is False and data["audit_chain_ok"] is False
    assert any(sentence in p["what"] for p in data["problems"])


def test_only_the_first_bad_entry_is_named(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(root, *DROP_GUARDS, "UPDATE audit_log SET actor = 'Dr X' WHERE id IN (3, 5)")
    status, out = _check(root, capsys)
    assert status == 1 and "entry 3 does not match its hash" in out and "entry 5" not in out


@pytest.mark.parametrize(
    ("forge", "sentence"),
    [
        (_forged_audit_3, "The audit record was altered: entry 4 does not follow on from entry 3"),
        (_forged_consent_4_given, "The consent register of family C1 was altered: entry 4 has no matching "
         "entry in the audit record."),
    ],
)  # fmt: skip
def test_a_forger_who_knows_the_encoding_is_still_seen(
    root: Path, capsys: pytest.CaptureFixture[str], forge: Callable[[Path], str], sentence: str
) -> None:
    _sql(root, *DROP_GUARDS, forge(root))
    status, out = _check(root, capsys)
    assert status == 1 and sentence in out, out


def test_a_tail_removed_and_guards_put_back_by_hand_is_seen(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The attacker tidies up: guards restored exactly as they were, so nothing is found at open."""
    sql = dict(_select(root, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    _sql(root, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE id IN (5, 6)")
    _sql(root, str(sql["audit_log_no_delete"]))
    status, out = _check(root, capsys)
    assert status == 1
    assert (
        "The audit record was altered: it ends at entry 4, but the database had numbered entries up to 6 "
        "(the last entries were removed)."
    ) in out
    assert "protection" not in out  # nothing was missing at open


def test_a_removed_tail_stays_visible_after_new_entries(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The next entry would link to the surviving head; it records the removal first."""
    sql = dict(_select(root, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    _sql(root, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE id = 6")
    _sql(root, str(sql["audit_log_no_delete"]))
    with Library.open(root) as lib:
        lib.consent.give("C2", "training", "Dr B")
        assert [(e.id, e.action) for e in lib.audit.entries()][-2:] == [(7, "protection"), (8, "consent")]
    status, out = _check(root, capsys)
    assert status == 1 and "Entry 6 was found removed from the audit record" in out
    assert "(audit entry 7)" in out


def test_dropping_a_guard_is_reported_and_undone(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(root, "DROP TRIGGER audit_log_no_replace")
    status, out = _check(root, capsys)
    assert status == 1
    assert "(audit_log_no_replace) and was put back" in out and "(audit entry 7)" in out
    with pytest.raises(sqlite3.DatabaseError, match="cannot be replaced"):
        _sql(root, "REPLACE INTO audit_log (id, at, actor, action, detail) VALUES (2, '2026', 'x', 'y', 'z')")
    # A guard replaced by one that does nothing counts as removed too.
    _sql(root, "DROP TRIGGER consents_no_update",
         "CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents BEGIN SELECT 1; END")  # fmt: skip
    status, out = _check(root, capsys)
    assert status == 1 and "(consents_no_update) and was put back" in out


def test_dropping_the_audit_table_is_reported(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(root, "DROP TABLE audit_log")
    status, out = _check(root, capsys)
    assert status == 1
    assert "The audit record was missing from the database and was started again" in out
    assert (
        "The consent register of family C1 was altered: entry 1 has no matching entry in the audit record."
    ) in out
    with pytest.raises(sqlite3.DatabaseError, match="cannot be deleted"):
        _sql(root, "DELETE FROM audit_log")


def test_dropping_the_consent_table_is_reported(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(root, "DROP TABLE consents")
    status, out = _check(root, capsys)
    assert status == 1
    assert "The consent register was missing from the database and was created again, empty" in out
    assert "the change recorded in audit entry 1 is missing from it" in out


# --- deletion for good ---------------------------------------------------------------------------
def test_deleting_a_family_for_good_leaves_the_other_chains_verifiable(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Library.open(root) as lib:
        lib.cases.delete_family("C1")
        assert [(e.purpose.value, e.given) for e in lib.consent.register("C2")] == [
            ("feedback", True), ("research", True),
        ]  # fmt: skip
    assert _select(root, "SELECT id FROM consents ORDER BY id") == [(3,), (5,)]
    status, out = _check(root, capsys)
    assert status == 0, out


def test_a_forged_deletion_entry_does_not_hide_a_removed_register(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The guard lets a family's consents go with an audit entry recording its deletion. Appending a
    fake one (with a correct hash) and deleting a live family's consents is let through by the
    database, but the register is then missing changes the audit record holds."""
    [(prev,)] = _select(root, "SELECT hash FROM audit_log WHERE id = 6")
    at = "2026-03-05 10:00:00.000000"
    row = (7, at, "mallory", "delete", 2, "C2", None, "Deleted family C2: 0 recording(s)", None, None)
    forged = _audit_spec(row, str(prev))
    _sql(
        root,
        "INSERT INTO audit_log (id, at, actor, action, family_id, family_code, detail, prev_hash, hash) "
        f"VALUES (7, '{at}', 'mallory', 'delete', 2, 'C2', 'Deleted family C2: 0 recording(s)', '{prev}', "
        f"'{forged}')",
        "DELETE FROM consents WHERE family_id = 2",
    )
    status, out = _check(root, capsys)
    assert status == 1
    assert (
        "The consent register of family C2 was altered: the change recorded in audit entry 3 is missing "
        "from it."
    ) in out


# --- a failed write is not a forgery -------------------------------------------------------------
def test_a_rolled_back_entry_leaves_no_false_alarm(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Library.open(root) as lib:
        with pytest.raises(RuntimeError), lib.ctx.db.write() as conn:
            lib.audit.record(conn, "export", None, "never happened")
            raise RuntimeError
        lib.consent.give("C1", "research", "Dr A")
        assert [e.id for e in lib.audit.entries()][-1] == 7
    assert _check(root, capsys)[0] == 0


# --- an existing library is migrated -------------------------------------------------------------
def test_a_library_from_before_the_chain_is_hashed_when_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from vfeedback.storage import migrate
    from vfeedback.storage.database import Database

    root = tmp_path / "old"
    location = layout.resolve(root)
    layout.prepare(location)
    db = Database(location.db_url)
    migrate.upgrade(db, "0005")
    db.dispose()
    stamp = "2026-02-01 09:00:0{}.000000"
    statements = [f"INSERT INTO families (id, code, created_at) VALUES (1, 'OLD1', '{stamp.format(0)}')"]
    # As vfeedback 0005 wrote them: each consent entry, then its audit entry, in one transaction.
    for n, (purpose, given, wording, verb) in enumerate(
        [("feedback", 1, "feedback with the family", "given"), ("feedback", 0, "feedback with the family",
          "withdrawn")], start=1,
    ):  # fmt: skip
        statements += [
            "INSERT INTO consents (family_id, purpose, given, on_date, recorded_by, recorded_at) "
            f"VALUES (1, '{purpose}', {given}, '2026-02-01', 'Dr Old', '{stamp.format(n)}')",
            "INSERT INTO audit_log (at, actor, action, family_id, family_code, purpose, detail) "
            f"VALUES ('{stamp.format(n)}', 'Dr Old', 'consent', 1, 'OLD1', '{purpose}', "
            f"'Consent for {wording} {verb} on 2026-02-01')",
        ]
    statements.append(
        "INSERT INTO audit_log (at, actor, action, family_id, family_code, purpose, detail) "
        f"VALUES ('{stamp.format(3)}', 'ann', 'export', 1, 'OLD1', 'feedback', 'Exported still x.png')"
    )
    _sql(root, *statements)
    status, out = _check(root, capsys)
    assert status == 0, out
    assert _select(root, "SELECT id, audit_id FROM consents ORDER BY id") == [(1, 1), (2, 2)]
    prev = "0" * 64
    for *row, stored in _select(root, f"SELECT {AUDIT_COLUMNS}, hash FROM audit_log ORDER BY id"):
        assert stored == _audit_spec(tuple(row), prev)
        prev = str(stored)
    with pytest.raises(sqlite3.DatabaseError, match="cannot be replaced"):
        _sql(root, "INSERT OR REPLACE INTO consents SELECT id, family_id, purpose, 1, on_date, recorded_by, "
             "recorded_at, audit_id, prev_hash, hash FROM consents WHERE id = 2")  # fmt: skip
    _sql(root, *DROP_GUARDS, "UPDATE consents SET given = 1 WHERE id = 2")
    status, out = _check(root, capsys)
    assert status == 1
    assert "The consent register of family OLD1 was altered: entry 2 does not match its hash." in out


# --- PostgreSQL ----------------------------------------------------------------------------------
@pytest.fixture
def pg(
    pg_server: pgserver.PgServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[tuple[str, psycopg.Connection[TupleRow]]]:
    """A team library on the test server, built like ``_build``; yields its URL and a raw superuser
    connection (psycopg, autocommit)."""
    import psycopg

    name = f"t_chain_{request.node.name.lower()[:30]}".replace("[", "_").replace("]", "_").replace("-", "_")
    url = pg_server.create_database(name)
    monkeypatch.setenv(layout.ENV_FILES, str(tmp_path / "files"))
    _build(url, tmp_path)
    raw = psycopg.connect(f"host={pg_server.socket_dir} user=postgres dbname={name}", autocommit=True)
    try:
        yield url, raw
    finally:
        raw.close()


@pytest.mark.postgres
def test_postgres_guards_hold_even_for_a_replica_session(
    pg: tuple[str, psycopg.Connection[TupleRow]], capsys: pytest.CaptureFixture[str]
) -> None:
    import psycopg

    url, raw = pg
    raw.execute("SET session_replication_role = replica")
    for statement in (
        "UPDATE audit_log SET detail = 'forged' WHERE id = 3",
        "DELETE FROM audit_log WHERE id = 6",
        "TRUNCATE audit_log",
        "UPDATE consents SET given = true WHERE id = 4",
        "DELETE FROM consents WHERE id = 4",
        "TRUNCATE consents CASCADE",
    ):
        with pytest.raises(psycopg.errors.RaiseException, match="cannot be changed"):
            raw.execute(statement)
    capsys.readouterr()
    assert run(["--library", url, "check"]) == 0, capsys.readouterr().out


@pytest.mark.postgres
def test_postgres_a_superuser_bypass_is_seen(
    pg: tuple[str, psycopg.Connection[TupleRow]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, raw = pg
    raw.execute("SET session_replication_role = replica")
    raw.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    raw.execute("UPDATE audit_log SET detail = 'Consent for training given on 2026-03-02' WHERE id = 3")
    capsys.readouterr()
    assert run(["--library", url, "check"]) == 1
    out = capsys.readouterr().out
    assert "The audit record was altered: entry 3 does not match its hash." in out
    assert "(audit_log_no_change) and was put back" in out
    enabled = raw.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_log_no_change'").fetchone()
    assert enabled == ("A",)


@pytest.mark.postgres
def test_postgres_a_removed_tail_is_seen(
    pg: tuple[str, psycopg.Connection[TupleRow]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, raw = pg
    raw.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    raw.execute("DELETE FROM audit_log WHERE id IN (5, 6)")
    raw.execute("ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_change")
    capsys.readouterr()
    assert run(["--library", url, "check"]) == 1
    assert (
        "it ends at entry 4, but the database had numbered entries up to 6" in capsys.readouterr().out
    )


@pytest.mark.postgres
def test_postgres_deletion_for_good_and_forged_consents(
    pg: tuple[str, psycopg.Connection[TupleRow]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, raw = pg
    with Library.open(url) as lib:
        lib.cases.delete_family("C1")
        with pytest.raises(RuntimeError), lib.ctx.db.write() as conn:  # a failed write: no false alarm
            lib.audit.record(conn, "export", None, "never happened")
            raise RuntimeError
    assert raw.execute("SELECT id FROM consents ORDER BY id").fetchall() == [(3,), (5,)]
    capsys.readouterr()
    assert run(["--library", url, "check"]) == 0, capsys.readouterr().out
    raw.execute("ALTER TABLE consents DISABLE TRIGGER consents_no_change")
    raw.execute("UPDATE consents SET given = false WHERE id = 5")
    capsys.readouterr()
    assert run(["--library", url, "check"]) == 1
    assert "The consent register of family C2 was altered: entry 5 does not match its hash." in (
        capsys.readouterr().out
    )
