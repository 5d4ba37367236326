"""storage.guards where a slip let an altered guard pass unseen (found by make mutation)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pgserver
import pytest

from vfeedback.services import Library
from vfeedback.storage import layout

# The guard as vfeedback writes it, by hand (storage/guards.py), with whitespace as PostgreSQL keeps it.
REFUSAL = "BEGIN RAISE EXCEPTION 'audit entries cannot be changed or deleted'; END"


@pytest.mark.postgres
def test_postgres_a_guard_function_rewritten_to_let_changes_through_is_seen_and_put_back(
    pg_server: pgserver.PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A superuser replaces the audit guard's body with one that lets every change through (and that
    sorts after the real one: 'RETURN' > 'RAISE'). Opening the library finds it, puts the refusal
    back and says so in the audit record; the forged update is refused again."""
    import psycopg

    url = pg_server.create_database("t_mutants_guard_body")
    monkeypatch.setenv(layout.ENV_FILES, str(tmp_path / "files"))
    with Library.open(url) as lib:
        lib.families.add("C1")
        lib.consent.give("C1", "feedback", "Dr A", date(2026, 3, 1))
    raw = psycopg.connect(
        f"host={pg_server.socket_dir} user=postgres dbname=t_mutants_guard_body", autocommit=True
    )
    try:
        raw.execute(
            "CREATE OR REPLACE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN COALESCE(NEW, OLD); END $$"
        )
        raw.execute("UPDATE audit_log SET detail = 'changed' WHERE id = 1")  # the hole is real
        with Library.open(url):
            pass
        body = raw.execute("SELECT prosrc FROM pg_proc WHERE proname = 'audit_log_refuse'").fetchone()
        assert body is not None and " ".join(str(body[0]).split()) == REFUSAL
        last = raw.execute("SELECT action, detail FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        assert last is not None
        assert "(audit_log_no_change, audit_log_no_truncate) and was put back" in str(last[1])
        with pytest.raises(psycopg.errors.RaiseException, match="audit entries cannot be changed"):
            raw.execute("UPDATE audit_log SET detail = 'again' WHERE id = 1")
    finally:
        raw.close()
