"""On a team library the server says who is working: no typed name, environment variable or saved
name can make the audit record, a moment's coder or undo name someone else; connections use libpq's
own service and password files, and no password reaches a file vfeedback writes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pgserver
import pytest
import teamkit
from mediagen import MediaSet
from teamkit import CLINICIAN_A, CLINICIAN_B, Team

from vfeedback.services import Library
from vfeedback.system import identity

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def team(
    pg_server: pgserver.PgServer, media: MediaSet, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Team]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VFEEDBACK_FILES", teamkit.files_folder(tmp_path_factory.mktemp("team")))
        yield teamkit.make_team(pg_server, "team_identity", media)


def _audit_actors(team: Team) -> list[str]:
    return team.rows("postgres", "SELECT actor FROM audit_log ORDER BY id")


def test_a_typed_coder_cannot_change_who_the_audit_names(
    team: Team, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = str(team.ids["F1.recording"])
    before = team.rows("postgres", "SELECT count(*) FROM moments")
    actors = _audit_actors(team)
    assert (
        team.cli(
            CLINICIAN_A, "moments", "add", rec, "--start", "f3", "--code", "Waiting", "--coder", CLINICIAN_B
        )
        == 3
    )
    assert capsys.readouterr().err == (
        "vfeedback: On a team library your moments are coded as your login (ana), not as 'bob'; "
        "nothing was saved.\n"
    )
    assert team.rows("postgres", "SELECT count(*) FROM moments") == before
    assert _audit_actors(team) == actors
    # $VFEEDBACK_CODER and a saved name are this computer's, not the server's: the login wins.
    monkeypatch.setenv(identity.ENV_CODER, CLINICIAN_B)
    identity.save_name("Bob pretending")
    assert team.cli(CLINICIAN_A, "moments", "add", rec, "--start", "f3", "--code", "Waiting", "--json") == 0
    assert team.rows("postgres", "SELECT coder FROM moments ORDER BY id DESC LIMIT 1") == [CLINICIAN_A]
    assert team.cli(CLINICIAN_A, "consent", "F1", "--give", "feedback", "--by", CLINICIAN_B, "--json") == 0
    new = _audit_actors(team)[len(actors) :]
    assert new == [CLINICIAN_A]
    assert team.rows("postgres", "SELECT recorded_by FROM consents ORDER BY id DESC LIMIT 1") == [CLINICIAN_A]
    with team.open(CLINICIAN_A) as lib:
        assert lib.user == CLINICIAN_A
        lib.user = "Bob"  # File > Your name... on a server library: the login stays
        assert lib.user == CLINICIAN_A
        assert lib.undo_label() is not None
    assert team.rows("postgres", 'SELECT "user" FROM undo_log ORDER BY id DESC LIMIT 1') == [CLINICIAN_A]
    with team.open("postgres") as lib:
        assert lib.integrity.check() == []


def test_a_local_library_keeps_the_typed_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(identity.ENV_CODER, "Dr Local")
    with Library.open(tmp_path / "lib") as lib:
        assert (lib.user, lib.ctx.login) == ("Dr Local", None)


def test_a_service_file_and_a_password_file_connect_and_no_password_is_written(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A login that must give a password (scram), found in PGPASSFILE; the library named only by a
    service in PGSERVICEFILE. Afterwards no file vfeedback wrote holds the password."""
    secret = "Tr0ub4dor-team-16"
    team.rows("postgres", f"CREATE ROLE pat LOGIN PASSWORD '{secret}'")
    assert team.cli("postgres", "team", "add", "pat", "--role", "clinician", "--name", "Pat P.") == 0
    hba = team.server.data / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text(f"local all pat scram-sha-256\n{original}")
    team.server._run("pg_ctl", "-D", str(team.server.data), "reload")
    try:
        service = tmp_path / "pg_service.conf"
        service.write_text(f"[team]\nhost={team.server.socket_dir}\ndbname={team.database}\nuser=pat\n")
        monkeypatch.setenv("PGSERVICEFILE", str(service))
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
        url = "postgresql+psycopg:///?service=team"
        monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
        with pytest.raises(Exception, match="cannot be opened"):
            Library.open(url)
        passfile = tmp_path / "pgpass"
        passfile.write_text(f"*:*:*:pat:{secret}\n")
        passfile.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(passfile))
        with Library.open(url) as lib:
            assert lib.user == "pat"
            lib.families.add("F9")
            assert [f.code for f in lib.families.all()] == ["F9"]
        # the URL itself may carry the password: it must not reach any file vfeedback writes
        with_password = f"postgresql+psycopg://pat:{secret}@/{team.database}?host={team.server.socket_dir}"
        assert teamkit.run(["--library", with_password, "families", "--json"]) == 0
        assert (
            teamkit.run(
                ["--library", with_password, "moments", "add", "999999", "--start", "f1", "--code", "x"]
            )
            != 0
        )
    finally:
        hba.write_text(original)
        team.server._run("pg_ctl", "-D", str(team.server.data), "reload")
    written = [
        p
        for base in (tmp_path, Path(os.environ["XDG_CONFIG_HOME"]), Path(os.environ["VFEEDBACK_FILES"]))
        for p in base.rglob("*")
        if p.is_file() and p != passfile
    ]
    assert written, "the search must look at something"
    assert [p for p in written if secret.encode() in p.read_bytes()] == []
    assert team.rows("postgres", f"SELECT count(*) FROM settings WHERE value LIKE '%{secret}%'") == ["0"]
    assert team.rows("postgres", f"SELECT count(*) FROM audit_log WHERE detail LIKE '%{secret}%'") == ["0"]
