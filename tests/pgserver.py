"""A throw-away PostgreSQL server for the tests: its own data folder, a Unix socket only (no TCP port,
so nothing listens on the network), stopped when the session ends."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PgServer:
    data: Path
    socket_dir: Path
    prefix: list[str]
    bindir: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}"

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", str(self.socket_dir), "-U", "postgres", name)
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.data.parent, ignore_errors=True)

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*self.prefix, str(self.bindir / tool), *args],
            check=check,
            capture_output=True,
            timeout=60,
        )


def find_bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def start() -> PgServer | str:
    """A running server, or the reason there can be none here."""
    bindir = find_bindir()
    if bindir is None:
        return "PostgreSQL is not installed (make test installs it)"
    base = Path(tempfile.mkdtemp(prefix="vfeedback-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the postgres system user.
        if shutil.which("runuser") is None:
            return "running as root without runuser"
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
    base.chmod(0o700)
    data, sock = base / "data", base / "sock"
    server = PgServer(data, sock, prefix, bindir)
    try:
        server._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        sock.mkdir()
        if prefix:
            shutil.chown(sock, "postgres")
        server._run(
            "pg_ctl", "-D", str(data), "-w", "-l", str(base / "log"), "-o",
            f"-k {sock} -c listen_addresses='' -c fsync=off", "start",
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(base, ignore_errors=True)
        return f"could not start a PostgreSQL server: {exc}"
    return server
