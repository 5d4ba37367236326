"""A team library on PostgreSQL: the server, not vfeedback, keeps each caseload to its clinicians,
shows a supervisor exactly what was shared while consent holds, and keeps captions and notes from the
admin; tried through psql as each login, every table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pgserver
import pytest
import teamkit
from mediagen import MediaSet
from teamkit import ADMIN, CLINICIAN_A, CLINICIAN_B, SUPERVISOR, Team

from vfeedback.cli.main import run

pytestmark = pytest.mark.postgres

# Every table a clinician's policy narrows, and how a row of F2 (bob's) is found in it.
OTHER_ROWS = {
    "families": "code = 'F2'",
    "recordings": "family_id = {F2.family}",
    "moments": "recording_id = {F2.recording}",
    "consents": "family_id = {F2.family}",
    "audit_log": "family_id = {F2.family}",
    "undo_log": "\"user\" = 'bob'",
    "caseloads": "family_id = {F2.family}",
    "frame_indexes": "recording_id = {F2.recording}",
    "shares": "owner = 'bob'",
    "highlights": "family_id = {F2.family}",
    "reels": "family_id = {F2.family}",
    "suggestions": "recording_id = {F2.recording}",
    "interchange_imports": "recording_id = {F2.recording}",
    "voice_analyses": "recording_id = {F2.recording}",
    "angles": "main_id = {F2.recording}",
}
# The tables every login reads whole: the coding schemes, settings and who is in the team. Any other
# table (a new one included: camera angles came after the policies) must be narrowed by a policy.
READ_BY_ALL = {"coding_schemes", "codes", "settings", "team_members", "alembic_version"}


def _where(team: Team, table: str) -> str:
    return OTHER_ROWS[table].format(**{"F2": _Ids(team, "F2")})


class _Ids:
    def __init__(self, team: Team, code: str) -> None:
        self.team, self.code = team, code

    def __getattr__(self, name: str) -> int:
        return self.team.ids[f"{self.code}.{name}"]


@pytest.fixture(scope="module")
def team(
    pg_server: pgserver.PgServer, media: MediaSet, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Team]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VFEEDBACK_FILES", teamkit.files_folder(tmp_path_factory.mktemp("team")))
        made = teamkit.make_team(pg_server, "team_rls", media)
        # bob shares one moment with sue (so shares has a row of his); every table has a row of F2
        assert made.cli(CLINICIAN_B, "share", str(made.ids["F2.moment0"]), "--with", SUPERVISOR) == 0
        yield made


def test_team_init_twice_is_fine_and_changes_nothing(team: Team) -> None:
    before = team.rows("postgres", "SELECT tablename, policyname, cmd FROM pg_policies ORDER BY 1, 2")
    assert run(["team", "init", team.url()]) == 0
    assert team.rows("postgres", "SELECT tablename, policyname, cmd FROM pg_policies ORDER BY 1, 2") == before
    forced = team.rows(
        "postgres",
        "SELECT relname FROM pg_class"
        " WHERE relrowsecurity AND relforcerowsecurity AND relkind = 'r' ORDER BY 1",
    )
    assert set(OTHER_ROWS) | {"highlight_moments", "reel_items", "tagging"} <= set(forced)
    from vfeedback.storage.tables import metadata

    assert set(metadata.tables) - READ_BY_ALL - set(forced) == set()


def test_a_clinician_reads_no_row_of_another_caseload_through_psql(team: Team) -> None:
    for table in OTHER_ROWS:
        assert team.rows("postgres", f"SELECT count(*) FROM {table} WHERE {_where(team, table)}") != [
            "0"
        ] or (
            table in {"highlights", "reels", "suggestions", "interchange_imports", "voice_analyses", "angles"}
        ), table
        assert team.rows(CLINICIAN_A, f"SELECT count(*) FROM {table} WHERE {_where(team, table)}") == ["0"], (
            table
        )
    # and their own rows they do see
    assert team.rows(CLINICIAN_A, "SELECT code FROM families") == ["F1"]
    assert team.rows(CLINICIAN_A, "SELECT count(*) FROM moments") == ["2"]


def test_a_clinician_changes_no_row_of_another_caseload_through_psql(team: Team) -> None:
    f2 = _Ids(team, "F2")
    before = team.rows("postgres", "SELECT id, caption, note FROM moments ORDER BY id")
    attempts = {
        "UPDATE moments SET caption = 'x'": "UPDATE 2",  # her own two, none of bob's
        f"UPDATE moments SET note = 'x' WHERE id = {f2.moment0}": "UPDATE 0",
        f"DELETE FROM moments WHERE id = {f2.moment1}": "DELETE 0",
        "UPDATE families SET label = 'x' WHERE code = 'F2'": "UPDATE 0",
        f"DELETE FROM recordings WHERE id = {f2.recording}": "DELETE 0",
        "DELETE FROM shares WHERE owner = 'bob'": "DELETE 0",
        "UPDATE undo_log SET label = 'x' WHERE \"user\" = 'bob'": "UPDATE 0",
    }
    for sql, said in attempts.items():
        done = team.psql(CLINICIAN_A, sql)
        assert (done.returncode, done.stdout.strip()) == (0, said), (sql, done.stderr)
    refused = team.psql(CLINICIAN_A, f"UPDATE consents SET given = false WHERE family_id = {f2.family}")
    assert "permission denied for table consents" in refused.stderr  # no clinician may, on any family
    # ana's own two moments took the caption; bob's did not move
    after = team.rows("postgres", "SELECT id, caption, note FROM moments ORDER BY id")
    assert [r for r in after if r.split("|")[0] in {str(f2.moment0), str(f2.moment1)}] == [
        r for r in before if r.split("|")[0] in {str(f2.moment0), str(f2.moment1)}
    ]
    team.rows("postgres", "UPDATE moments SET caption = 'F1 caption ' || (id - 1)::text WHERE caption = 'x'")


def test_a_clinician_cannot_insert_into_another_family_through_psql(team: Team) -> None:
    f2 = _Ids(team, "F2")
    code = team.rows("postgres", "SELECT min(id) FROM codes")[0]
    refused = {
        "moments": (
            "INSERT INTO moments (recording_id, start_us, end_us, code_id, actor, caption, note, coder,"
            f" created_at, updated_at) VALUES ({f2.recording}, 0, 0, {code}, 'parent', 'x', '', 'ana',"
            " now(), now())"
        ),
        "recordings": (
            "INSERT INTO recordings (family_id, original_name, path, stored, size_bytes, fingerprint,"
            f" imported_at, duration_us, media_json) VALUES ({f2.family}, 'a', 'a', false, 0, 'zz', now(), 0,"
            " '{}')"
        ),
        "consents": (
            "INSERT INTO consents (family_id, purpose, given, on_date, recorded_by, recorded_at)"
            f" VALUES ({f2.family}, 'supervision', false, current_date, 'ana', now())"
        ),
        "caseloads": f"INSERT INTO caseloads VALUES ({f2.family}, 'ana')",
        "audit as bob": (
            "INSERT INTO audit_log (id, at, actor, action, detail)"
            " VALUES (999999, now(), 'bob', 'x', 'forged')"
        ),
    }
    for what, sql in refused.items():
        done = team.psql(CLINICIAN_A, sql)
        assert done.returncode != 0, what
        assert (
            "row-level security" in done.stderr
            or "permission denied" in done.stderr
            or "caseload" in done.stderr
        ), (
            what,
            done.stderr,
        )
    # claiming bob's family by hand does nothing (only a family being added now can be claimed)
    team.rows(CLINICIAN_A, f"SELECT vfeedback_claim({f2.family}, 'ana')")
    assert team.rows("postgres", f"SELECT login FROM caseloads WHERE family_id = {f2.family}") == ["bob"]


def test_the_audit_record_is_append_only_for_every_login_and_its_chain_holds(team: Team) -> None:
    for login in (CLINICIAN_A, SUPERVISOR, ADMIN, "postgres"):
        for sql in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            done = team.psql(login, sql)
            assert done.returncode != 0, (login, sql)
    with team.open("postgres") as lib:
        assert lib.integrity.check() == []


def test_the_admin_reads_no_caption_or_note_through_psql(team: Team) -> None:
    for sql in (
        "SELECT caption FROM moments",
        "SELECT note FROM moments",
        "SELECT * FROM moments",
        "SELECT caption FROM highlights",
        "SELECT * FROM supervision_notes",
        "SELECT changes_json FROM undo_log",
        "SELECT title FROM reels",
        "SELECT * FROM consents",
    ):
        done = team.psql(ADMIN, sql)
        assert done.returncode != 0 and "permission denied" in done.stderr, sql
    assert team.rows(ADMIN, "SELECT count(*) FROM audit_log WHERE detail LIKE '%caption%'") == ["0"]
    # what an admin is for: logins and caseloads
    assert team.rows(ADMIN, "SELECT code FROM families ORDER BY code") == ["F1", "F2"]
    assert team.cli(ADMIN, "caseload", "add", "F2", CLINICIAN_A) == 0
    assert team.rows(CLINICIAN_A, "SELECT code FROM families ORDER BY code") == ["F1", "F2"]
    assert team.cli(ADMIN, "caseload", "remove", "F2", CLINICIAN_A) == 0
    assert team.rows(CLINICIAN_A, "SELECT code FROM families ORDER BY code") == ["F1"]


def test_team_list_json(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    capsys.readouterr()
    assert team.cli(CLINICIAN_A, "team", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == [
        {"login": "ada", "name": "Ada A.", "role": "admin"},
        {"login": "ana", "name": "Ana A.", "role": "clinician"},
        {"login": "bob", "name": "Bob B.", "role": "clinician"},
        {"login": "sue", "name": "Sue S.", "role": "supervisor"},
    ]
    assert team.rows("postgres", "SELECT pg_has_role('ana', 'vfeedback_clinician', 'MEMBER')") == ["t"]
    assert team.rows("postgres", "SELECT pg_has_role('ana', 'vfeedback_admin', 'MEMBER')") == ["f"]


def test_a_clinician_cannot_add_logins(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    assert team.cli(CLINICIAN_A, "team", "add", "eve", "--role", "admin") == 3
    assert "vfeedback: " in capsys.readouterr().err
    assert team.rows("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'eve'") == ["0"]


def _unused(path: Path) -> None:  # pragma: no cover
    del path


def test_a_clinicians_check_verifies_the_whole_chain_it_cannot_read(team: Team) -> None:
    """ana reads only her caseload's audit entries, yet her check follows every link; an entry of
    bob's rewritten with a fresh hash (by someone who removed the guards) breaks the next link."""
    with team.open(CLINICIAN_A) as lib:
        assert lib.integrity.check() == []
        # bob's film is no orphan to ana, whose policy hides its row: --repair must not delete it
        bobs = (
            lib.ctx.root
            / team.rows("postgres", f"SELECT path FROM recordings WHERE id = {team.ids['F2.recording']}")[0]
        )
        assert bobs.is_file()
        assert lib.integrity.repair() == []
        assert bobs.is_file()
    hidden = team.rows(
        "postgres", f"SELECT min(id) FROM audit_log WHERE family_id = {team.ids['F2.family']}"
    )[0]
    assert team.rows(CLINICIAN_A, f"SELECT count(*) FROM audit_log WHERE id = {hidden}") == ["0"]
    team.rows(
        "postgres",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;"
        f" UPDATE audit_log SET detail = 'rewritten', hash = repeat('0', 64) WHERE id = {hidden};"
        " ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_change",
    )
    try:
        with team.open(CLINICIAN_A) as lib:
            found = [p.what for p in lib.integrity.check()]
        assert (
            f"The audit record was altered: entry {int(hidden) + 1} does not follow on from entry {hidden}"
            in (" ".join(found))
        )
    finally:
        pass


def test_only_the_servers_administrator_runs_team_init(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    before = team.rows("postgres", "SELECT tablename, policyname FROM pg_policies ORDER BY 1, 2")
    capsys.readouterr()
    assert run(["team", "init", team.url(ADMIN)]) == 3
    assert capsys.readouterr().err == (
        "vfeedback: team init must be run by the server's administrator "
        "(a PostgreSQL superuser, e.g. postgres).\n"
    )
    assert team.rows("postgres", "SELECT tablename, policyname FROM pg_policies ORDER BY 1, 2") == before
