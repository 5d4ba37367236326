"""A team library on the test PostgreSQL server: logins, families, recordings and moments, and psql
as any login (the policies must hold outside vfeedback too)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pgserver
from mediagen import MediaSet

from vfeedback.cli.main import run

__all__ = ["run"]
from vfeedback.core.model import Moment
from vfeedback.services import Library

CLINICIAN_A, CLINICIAN_B, SUPERVISOR, ADMIN = "ana", "bob", "sue", "ada"


@dataclass
class Team:
    server: pgserver.PgServer
    database: str
    ids: dict[str, int] = field(default_factory=dict)

    def url(self, login: str = "postgres") -> str:
        return f"postgresql+psycopg://{login}@/{self.database}?host={self.server.socket_dir}"

    def open(self, login: str) -> Library:
        return Library.open(self.url(login))

    def psql(self, login: str, sql: str) -> subprocess.CompletedProcess[str]:
        """``sql`` through psql as ``login`` (unaligned, tuples only); never raises."""
        return subprocess.run(
            [
                str(self.server.bindir / "psql"),
                "-h", str(self.server.socket_dir), "-U", login, "-d", self.database,
                "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )  # fmt: skip

    def rows(self, login: str, sql: str) -> list[str]:
        done = self.psql(login, sql)
        assert done.returncode == 0, done.stderr
        return [line for line in done.stdout.splitlines() if line]

    def cli(self, login: str, *argv: str) -> int:
        return run(["--library", self.url(login), *argv])


def make_team(server: pgserver.PgServer, name: str, media: MediaSet) -> Team:
    """init; ana (F1) and bob (F2) clinicians, sue supervisor, ada admin; one recording and two
    moments per family, each with a caption and a private note; supervision consent given for both."""
    team = Team(server, name)
    server.create_database(name)
    assert run(["team", "init", team.url()]) == 0
    for login, role, shown in (
        (CLINICIAN_A, "clinician", "Ana A."),
        (CLINICIAN_B, "clinician", "Bob B."),
        (SUPERVISOR, "supervisor", "Sue S."),
        (ADMIN, "admin", "Ada A."),
    ):
        assert team.cli("postgres", "team", "add", login, "--role", role, "--name", shown) == 0
    for login, code, kind in ((CLINICIAN_A, "F1", "cfr25"), (CLINICIAN_B, "F2", "vfr")):
        with team.open(login) as lib:
            fam = lib.families.add(code)
            lib.consent.give(code, "supervision", by=login)
            rec = lib.recordings.import_file(media[kind], code)
            made: list[Moment] = [
                lib.moments.add(rec.id, n * 400_000, code="Waiting", caption=f"{code} caption {n}")
                for n in range(2)
            ]
            for m in made:
                lib.moments.edit(m.id, note=f"{code} private note {m.id}")
            team.ids[f"{code}.family"] = fam.id
            team.ids[f"{code}.recording"] = rec.id
            team.ids[f"{code}.moment0"] = made[0].id
            team.ids[f"{code}.moment1"] = made[1].id
    return team


def files_folder(tmp: Path) -> str:
    folder = tmp / "team-files"
    folder.mkdir(exist_ok=True)
    return str(folder)
