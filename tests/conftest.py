"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import subprocess
import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pgserver
import pytest
from mediagen import MediaSet, have_ffmpeg
from pluggy import Result
from PySide6.QtWidgets import QApplication

from vfeedback.services import Library

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> MediaSet:
    """Test media by kind (``media["cfr25"]`` or ``media.cfr25``), generated on first use.

    Set VFEEDBACK_TEST_MEDIA to a folder to keep the files between runs.
    """
    if not have_ffmpeg():
        pytest.skip("ffmpeg and ffprobe are needed to generate test media")
    kept = os.environ.get("VFEEDBACK_TEST_MEDIA")
    return MediaSet(Path(kept) if kept else tmp_path_factory.mktemp("media"))


_CALL = """
import importlib, sys
from pathlib import Path
from vfeedback.core.errors import BadInput
module, name = sys.argv[1].split(":")
try:
    getattr(importlib.import_module(module), name)(Path(sys.argv[2]))
except BadInput as exc:
    print(exc)
else:
    sys.exit("no BadInput raised")
"""


@dataclass(frozen=True)
class UnreadableFile:
    """A file its reader may not open (chmod 000).

    Root reads anything, so as root ``bad_input`` runs the call in a child process whose capability
    bounding set lacks the two capabilities that bypass file permissions (setpriv, util-linux).
    """

    path: Path
    prefix: tuple[str, ...]

    def bad_input(self, function: str) -> str:
        """Call ``"module:function"(path)`` unprivileged; return the BadInput sentence it raised."""
        done = subprocess.run(
            [*self.prefix, sys.executable, "-c", _CALL, function, str(self.path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.rstrip("\n")


@pytest.fixture
def unreadable_file(tmp_path: Path) -> Iterator[UnreadableFile]:
    path = tmp_path / "locked clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    path.chmod(0)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, which reads any file, and setpriv is not installed")
        prefix = (setpriv, "--bounding-set", "-dac_override,-dac_read_search")
        probe = subprocess.run([*prefix, "cat", str(path)], capture_output=True, check=False)
        if probe.returncode == 0:
            pytest.skip("running as root, and setpriv could not take away the right to read")
    try:
        yield UnreadableFile(path, prefix)
    finally:
        path.chmod(0o600)


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    """A new, real SQLite library in its own folder."""
    with Library.open(tmp_path / "library") as lib:
        yield lib


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    """A private PostgreSQL server for the session (Unix socket only)."""
    server = pgserver.start()
    if isinstance(server, str):
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the PostgreSQL library: {server}")
        pytest.skip(server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def _one_qapplication(qapp: QApplication) -> QApplication:
    """The widgets' QApplication exists before anything (the handout renderer) makes a bare
    QGuiApplication, which would leave later widget tests unable to create a QWidget."""
    return qapp


@pytest.fixture(autouse=True)
def _own_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a person with no saved name (``system.identity``) and never reads or
    writes the real user's configuration folder; a test that needs a name sets or saves one."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """vfeedback opens no network connection, ever: any internet socket opened in a test fails it.
    (Unix sockets stay allowed: the PostgreSQL test server listens on one.)"""
    import socket

    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(sock: socket.socket) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            raise AssertionError("a test tried to open a network connection")

    def connect(self: socket.socket, address: object) -> None:
        guard(self)
        real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        guard(self)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


# --- no silent skips in CI ------------------------------------------------------------------------
# A test that cannot run here must not pass quietly where it matters: with $CI set, a skip fails the
# run, unless the test is on this list, each with the reason it may be skipped there too.
SKIP_ALLOWED_IN_CI: dict[str, str] = {
    # None today: every tool a test needs is installed by `make test` (scripts/setup.sh).
}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Result[pytest.TestReport], None]:
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and os.environ.get("CI")) or hasattr(report, "wasxfail"):
        return
    if any(item.nodeid.startswith(allowed) for allowed in SKIP_ALLOWED_IN_CI):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped in CI, where every test must run: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, Result[pytest.CollectReport], None]:
    """A whole module skipped while it is collected (``allow_module_level``) counts the same."""
    outcome = yield
    report = outcome.get_result()
    allowed = any(report.nodeid.startswith(name) for name in SKIP_ALLOWED_IN_CI)
    if report.skipped and os.environ.get("CI") and not allowed:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {reason}"
