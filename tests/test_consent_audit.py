"""Consent gates every export by purpose; the audit record is append-only, enforced by the database."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pgserver
import pytest
from mediagen import MediaSet
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from vfeedback.cli.main import run
from vfeedback.core.errors import BadInput, ConsentMissing
from vfeedback.core.model import Moment, Purpose, Recording
from vfeedback.services import Library
from vfeedback.storage import layout


@pytest.fixture
def family(library: Library, media: MediaSet) -> tuple[Recording, Moment]:
    library.families.add("C1")
    rec = library.recordings.import_file(media["cfr25"], "C1")
    moment = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait")
    return rec, moment


def test_register_records_each_purpose_separately(library: Library, family: tuple[Recording, Moment]) -> None:
    assert all(entry is None for entry in library.consent.state("C1").values())
    library.consent.give("C1", "feedback", "Dr A", date(2026, 3, 1))
    library.consent.give("C1", "supervision", "Dr A")
    library.consent.withdraw("C1", "supervision", "Dr B")
    state = library.consent.state("C1")
    feedback, supervision = state[Purpose.FEEDBACK], state[Purpose.SUPERVISION]
    assert feedback is not None and supervision is not None
    assert feedback.given and feedback.on_date == date(2026, 3, 1)
    assert supervision.given is False and supervision.recorded_by == "Dr B"
    assert state[Purpose.TRAINING] is None and state[Purpose.RESEARCH] is None
    assert [e.given for e in library.consent.register("C1")] == [True, True, False]
    with pytest.raises(BadInput):
        library.consent.give("C1", "marketing", "Dr A")
    with pytest.raises(BadInput):
        library.consent.give("C1", "feedback", "  ")
    with pytest.raises(BadInput):
        library.consent.give("C1", "feedback", "Dr A", date.today() + timedelta(days=2))


def test_exports_need_consent_for_their_purpose_and_withdrawal_lists_them(
    library: Library, family: tuple[Recording, Moment]
) -> None:
    _, moment = family
    with pytest.raises(ConsentMissing, match="feedback with the family"):
        library.exports.still(moment.id)
    library.consent.give("C1", "feedback", "Dr A")
    library.consent.give("C1", "training", "Dr A")
    for_family = library.exports.still(moment.id)
    for_training = library.exports.still(moment.id, purpose="training")
    assert for_training.id != for_family.id and for_training.purpose == "training"
    with pytest.raises(ConsentMissing, match="supervision"):
        library.exports.still(moment.id, purpose="supervision")
    _, exported = library.consent.withdraw("C1", "training", "Dr A")
    assert [h.id for h in exported] == [for_training.id]
    with pytest.raises(ConsentMissing):
        library.exports.still(moment.id, 1_500_000, purpose="training")
    reel = library.reels.create("Ours", [moment.id])
    assert library.exports.start_review(reel.id) == reel
    library.consent.withdraw("C1", "feedback", "Dr A")
    with pytest.raises(ConsentMissing):
        library.exports.start_review(reel.id)


def test_audit_records_who_did_what(
    library: Library, family: tuple[Recording, Moment], tmp_path: Path
) -> None:
    _, moment = family
    library.consent.give("C1", "feedback", "Dr A")
    still = library.exports.still(moment.id)
    library.exports.delete(still.id)
    actions = [e.action for e in library.audit.entries("C1")]
    assert actions == ["import", "consent", "export", "delete"]
    assert library.audit.entries("C1")[1].actor == "Dr A"
    count = library.audit.write_csv(tmp_path / "audit.csv", "C1")
    lines = (tmp_path / "audit.csv").read_text(encoding="utf-8").splitlines()
    assert count == 4 and lines[0].startswith("id,at,actor,action") and len(lines) == 5


def test_audit_rows_cannot_be_changed_or_deleted_on_sqlite(
    library: Library, family: tuple[Recording, Moment]
) -> None:
    with sqlite3.connect(library.path / layout.DB_NAME) as conn:
        with pytest.raises(sqlite3.DatabaseError, match="cannot be changed"):
            conn.execute("UPDATE audit_log SET detail = 'forged'")
        with pytest.raises(sqlite3.DatabaseError, match="cannot be deleted"):
            conn.execute("DELETE FROM audit_log")
    conn.close()
    assert library.audit.entries()[0].action == "import"


@pytest.mark.postgres
def test_audit_rows_cannot_be_changed_or_deleted_on_postgres(
    pg_server: pgserver.PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_server.create_database("t_audit_guard")
    monkeypatch.setenv(layout.ENV_FILES, str(tmp_path / "files"))
    with Library.open(url) as lib:
        lib.families.add("PG")
        lib.consent.give("PG", "feedback", "Dr A")
    engine = create_engine(url)
    for statement in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with engine.connect() as conn, pytest.raises(DBAPIError, match="cannot be changed or deleted"):
            conn.execute(text(statement))
    engine.dispose()


def test_cli_consent_audit_and_exit_status_4(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = str(tmp_path / "lib")
    with Library.open(lib) as library:
        library.families.add("C2")
        rec = library.recordings.import_file(media["cfr25"], "C2")
        m = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="x")
    capsys.readouterr()
    assert run(["--library", lib, "export", "still", str(m.id)]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vfeedback: ") and "consent" in err
    assert run(["--library", lib, "consent", "C2", "--give", "feedback", "--by", "Dr A"]) == 0
    assert run(["--library", lib, "export", "still", str(m.id), "--json"]) == 0
    capsys.readouterr()
    assert run(["--library", lib, "export", "clip", str(m.id), "--purpose", "supervision"]) == 4
    assert run(["--library", lib, "consent", "C2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["purposes"] == {"feedback": True, "supervision": False, "training": False, "research": False}
    assert run(["--library", lib, "consent", "C2", "--withdraw", "feedback", "--by", "Dr A"]) == 0
    assert "exported for feedback" in capsys.readouterr().out
    assert run(["--library", lib, "audit", "--family", "C2", "--json"]) == 0
    actions = [e["action"] for e in json.loads(capsys.readouterr().out)]
    assert actions == ["import", "consent", "export", "consent"]
    assert run(["--library", lib, "consent", "C2", "--give", "feedback"]) == 3  # no --by
