"""Supervision shares on a team library: a supervisor sees exactly the moments shared with them,
only while the family's supervision consent is given, and a private note only when the clinician
ticked "include my note"; all of it through psql as the supervisor, not only through vfeedback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pgserver
import pytest
import teamkit
from mediagen import MediaSet
from teamkit import ADMIN, CLINICIAN_A, CLINICIAN_B, SUPERVISOR, Team

pytestmark = pytest.mark.postgres


@pytest.fixture
def team(
    pg_server: pgserver.PgServer,
    media: MediaSet,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Team]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VFEEDBACK_FILES", teamkit.files_folder(tmp_path_factory.mktemp("team")))
        yield teamkit.make_team(pg_server, f"sh_{request.node.name.lower()[5:40]}", media)


def _seen(team: Team) -> list[str]:
    return team.rows(SUPERVISOR, "SELECT id FROM moments ORDER BY id")


def test_a_supervisor_sees_exactly_the_shared_moments_while_consent_holds(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    m0, m1 = team.ids["F1.moment0"], team.ids["F1.moment1"]
    assert _seen(team) == []
    assert team.cli(CLINICIAN_A, "share", str(m0), "--with", SUPERVISOR) == 0
    assert capsys.readouterr().out == f"Shared {m0} with {SUPERVISOR}.\n"
    assert _seen(team) == [str(m0)]
    assert team.rows(SUPERVISOR, "SELECT caption FROM moments") == ["F1 caption 0"]
    # and nothing else of the family: not the other moment, not bob's family, not the consent
    assert team.rows(SUPERVISOR, "SELECT code FROM families") == ["F1"]
    assert team.rows(SUPERVISOR, "SELECT count(*) FROM recordings") == ["1"]
    # the consent register of that family only: it is what lets them see the moment
    assert team.rows(SUPERVISOR, "SELECT DISTINCT family_id FROM consents") == [str(team.ids["F1.family"])]
    # withdrawing the family's supervision consent hides it at once (the policy reads the register)
    assert team.cli(CLINICIAN_A, "consent", "F1", "--withdraw", "supervision", "--by", CLINICIAN_A) == 0
    assert _seen(team) == []
    assert team.rows(SUPERVISOR, "SELECT count(*) FROM families") == ["0"]
    assert team.cli(CLINICIAN_A, "consent", "F1", "--give", "supervision", "--by", CLINICIAN_A) == 0
    assert _seen(team) == [str(m0)]
    # and withdrawing the share
    assert team.cli(CLINICIAN_A, "share", "withdraw", str(m0)) == 0
    assert _seen(team) == []
    assert m1 not in {int(x) for x in _seen(team)}
    details = team.rows(
        "postgres", "SELECT actor || ': ' || detail FROM audit_log WHERE action = 'share' ORDER BY id"
    )
    assert details == [
        f"ana: Shared moment {m0} with sue for supervision",
        f"ana: Withdrew moment {m0} from supervision with sue",
    ]


def test_a_note_only_with_include_my_note_and_never_through_the_column(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    m0, m1 = team.ids["F1.moment0"], team.ids["F1.moment1"]
    assert team.cli(CLINICIAN_A, "share", str(m0), "--with", SUPERVISOR, "--include-note") == 0
    assert team.cli(CLINICIAN_A, "share", str(m1), "--with", SUPERVISOR) == 0
    assert _seen(team) == [str(m0), str(m1)]
    for sql in (
        "SELECT note FROM public.moments",
        "SELECT * FROM public.moments",
        f"SELECT note FROM public.moments WHERE id = {m1}",
    ):
        done = team.psql(SUPERVISOR, sql)
        assert "permission denied for table moments" in done.stderr, sql
    # a supervisor's own "moments" (their search_path) is the shared ones, with the one note shared
    assert team.rows(SUPERVISOR, "SELECT id || '|' || note FROM moments ORDER BY id") == [
        f"{m0}|F1 private note {m0}",
        f"{m1}|",
    ]
    capsys.readouterr()
    assert team.cli(SUPERVISOR, "moments", "list", str(team.ids["F1.recording"]), "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(m["id"], m["caption"], m["note"]) for m in listed] == [
        (m0, "F1 caption 0", f"F1 private note {m0}"),
        (m1, "F1 caption 1", ""),
    ]
    assert team.rows(SUPERVISOR, "SELECT moment_id || '|' || note FROM supervision_notes") == [
        f"{m0}|F1 private note {m0}"
    ]
    # a clinician of another caseload reads no note through the view either
    assert team.psql(CLINICIAN_B, "SELECT * FROM supervision_notes").returncode != 0
    assert team.cli(CLINICIAN_A, "consent", "F1", "--withdraw", "supervision", "--by", CLINICIAN_A) == 0
    assert team.rows(SUPERVISOR, "SELECT count(*) FROM supervision_notes") == ["0"]


def test_what_cannot_be_shared(team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    m0, bobs = team.ids["F1.moment0"], team.ids["F2.moment0"]
    capsys.readouterr()
    assert team.cli(CLINICIAN_A, "share", str(m0), "--with", CLINICIAN_B) == 3
    assert capsys.readouterr().err == "vfeedback: bob is not a supervisor of the team; nothing was shared.\n"
    assert team.cli(CLINICIAN_A, "share", str(bobs), "--with", SUPERVISOR) == 3
    assert capsys.readouterr().err == f"vfeedback: There is no moment {bobs} in your caseload.\n"
    assert team.cli(CLINICIAN_A, "share", "withdraw", str(m0)) == 3
    assert capsys.readouterr().err == (
        f"vfeedback: Moment {m0} is not shared by you for supervision; nothing was withdrawn.\n"
    )
    # past vfeedback: a share row for bob's moment, or in bob's name
    insert = "INSERT INTO shares (moment_id, owner, with_login, include_note, shared_at) VALUES "
    for sql in (
        insert + f"({bobs}, 'ana', 'sue', true, now())",
        insert + f"({m0}, 'bob', 'sue', true, now())",
        insert + f"({m0}, 'ana', 'bob', true, now())",
    ):
        done = team.psql(CLINICIAN_A, sql)
        assert "row-level security" in done.stderr, sql
    assert team.psql(ADMIN, "SELECT * FROM shares").returncode != 0
    assert team.rows("postgres", "SELECT count(*) FROM shares") == ["0"]


def test_shares_json_for_the_clinician_and_the_supervisor(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    m0 = team.ids["F1.moment0"]
    assert team.cli(CLINICIAN_A, "share", str(m0), "--with", SUPERVISOR, "--include-note") == 0
    capsys.readouterr()
    for login in (CLINICIAN_A, SUPERVISOR):
        assert team.cli(login, "shares", "--json") == 0
        found = json.loads(capsys.readouterr().out)
        assert [(s["moment"], s["owner"], s["with"], s["include_note"]) for s in found] == [
            (m0, "ana", "sue", True)
        ]
    assert team.cli(CLINICIAN_B, "shares", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_shared_highlight_is_seen_while_consent_holds(team: Team) -> None:
    with team.open(CLINICIAN_A) as ana:
        still = ana.exports.still(team.ids["F1.moment0"], purpose="supervision")
        other = ana.exports.still(team.ids["F1.moment1"], purpose="supervision")
    assert team.rows(SUPERVISOR, "SELECT count(*) FROM highlights") == ["0"]
    assert team.cli(CLINICIAN_A, "share", f"h{still.id}", "--with", SUPERVISOR) == 0
    assert team.rows(SUPERVISOR, "SELECT id FROM highlights") == [str(still.id)]
    assert other.id != still.id
    assert team.cli(CLINICIAN_A, "consent", "F1", "--withdraw", "supervision", "--by", CLINICIAN_A) == 0
    assert team.rows(SUPERVISOR, "SELECT count(*) FROM highlights") == ["0"]
    assert team.rows(ADMIN, "SELECT count(*) FROM highlights") == ["0"]  # the admin's grant shows no row


def test_a_family_code_another_caseload_holds_is_one_sentence(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert team.cli(CLINICIAN_A, "family", "add", "F2") == 3
    assert capsys.readouterr().err == (
        "vfeedback: That is already in the team's library (perhaps in a colleague's caseload); "
        "nothing was saved.\n"
    )
    assert team.rows("postgres", "SELECT count(*) FROM families WHERE code = 'F2'") == ["1"]
