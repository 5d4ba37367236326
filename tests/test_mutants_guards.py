"""storage.guards where a slip let an altered guard pass unseen (found by make mutation)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pgserver
import pytest

from vfeedback.services import Library
from vfeedback.storage import layout

# The guard as vfeedback writes it, by hand (storage/guards.py), with whitespace as PostgreSQL keeps it.
REFUSAL = "BEGIN RAISE EXCEPTION 'audit entries cannot be changed or deleted'; END"


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("db", "body"),
    [
        ("t_mutants_guard_body_after", "BEGIN RETURN COALESCE(NEW, OLD); END"),  # sorts after the real one
        (
            "t_mutants_guard_body_before",  # sorts before it ('IF' < 'RAISE')
            "BEGIN IF false THEN RAISE EXCEPTION 'no'; END IF; RETURN COALESCE(NEW, OLD); END",
        ),
    ],
)
def test_postgres_a_guard_function_rewritten_to_let_changes_through_is_seen_and_put_back(
    pg_server: pgserver.PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str, body: str
) -> None:
    """A superuser replaces the audit guard's body with one that lets every change through, whether
    its text sorts before or after the real one. Opening the library finds it, puts the refusal back
    and says so in the audit record; the forged update is refused again."""
    import psycopg

    url = pg_server.create_database(db)
    monkeypatch.setenv(layout.ENV_FILES, str(tmp_path / "files"))
    with Library.open(url) as lib:
        lib.families.add("C1")
        lib.consent.give("C1", "feedback", "Dr A", date(2026, 3, 1))
    raw = psycopg.connect(
        f"host={pg_server.socket_dir} user=postgres dbname={db}", autocommit=True
    )
    try:
        raw.execute(
            f"CREATE OR REPLACE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$"
        )
        raw.execute("UPDATE audit_log SET detail = 'changed' WHERE id = 1")  # the hole is real
        with Library.open(url):
            pass
        stored = raw.execute("SELECT prosrc FROM pg_proc WHERE proname = 'audit_log_refuse'").fetchone()
        assert stored is not None and " ".join(str(stored[0]).split()) == REFUSAL
        last = raw.execute("SELECT action, detail FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        assert last is not None
        assert "(audit_log_no_change, audit_log_no_truncate) and was put back" in str(last[1])
        with pytest.raises(psycopg.errors.RaiseException, match="audit entries cannot be changed"):
            raw.execute("UPDATE audit_log SET detail = 'again' WHERE id = 1")
    finally:
        raw.close()


def test_a_sqlite_guard_rewritten_to_never_fire_is_seen_and_put_back(tmp_path: Path) -> None:
    """The file's owner swaps the update guard for one that never fires (WHEN 0, which sorts after
    the real one's BEGIN). Opening the library puts the real one back and records it."""
    root = tmp_path / "library"
    with Library.open(root) as lib:
        lib.families.add("C1")
    conn = sqlite3.connect(root / layout.DB_NAME)
    try:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN 0 "
            "BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END"
        )
        conn.commit()
    finally:
        conn.close()
    with Library.open(root):
        pass
    conn = sqlite3.connect(root / layout.DB_NAME)
    try:
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_update'").fetchone()
        assert " ".join(sql.split()) == (
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END"
        )
        (detail,) = conn.execute("SELECT detail FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        assert "(audit_log_no_update) and was put back" in detail
        with pytest.raises(sqlite3.IntegrityError, match="audit entries cannot be changed"):
            conn.execute("UPDATE audit_log SET detail = 'forged' WHERE id = 1")
    finally:
        conn.close()


@pytest.mark.postgres
def test_postgres_a_guard_trigger_pointed_at_a_lenient_function_is_seen_and_put_back(
    pg_server: pgserver.PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A superuser points the audit guard's trigger at a function of their own that lets everything
    through ('A allow_all' sorts before 'A audit_log_refuse'). Opening the library re-points it."""
    import psycopg

    url = pg_server.create_database("t_mutants_guard_trigger")
    monkeypatch.setenv(layout.ENV_FILES, str(tmp_path / "files"))
    with Library.open(url) as lib:
        lib.families.add("C1")
    raw = psycopg.connect(
        f"host={pg_server.socket_dir} user=postgres dbname=t_mutants_guard_trigger", autocommit=True
    )
    try:
        raw.execute(
            "CREATE FUNCTION allow_all() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN COALESCE(NEW, OLD); END $$"
        )
        raw.execute("DROP TRIGGER audit_log_no_change ON audit_log")
        raw.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION allow_all()"
        )
        raw.execute("ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_change")
        with Library.open(url):
            pass
        function = raw.execute(
            "SELECT p.proname FROM pg_trigger g JOIN pg_proc p ON p.oid = g.tgfoid "
            "WHERE g.tgname = 'audit_log_no_change'"
        ).fetchone()
        assert function == ("audit_log_refuse",)
        last = raw.execute("SELECT detail FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        assert last is not None and "(audit_log_no_change) and was put back" in str(last[0])
    finally:
        raw.close()
