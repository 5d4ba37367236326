"""One person, one name: the app asks once at its first start (offering the login name), saves it in one
owner-only file, and the app, the command line and the audit then all say the same name. Before, the
app kept the name in its own settings and the command line used the login name: the audit showed two
people and the CLI's moments counted as a second coder."""

from __future__ import annotations

import json
import os
import pwd
import sqlite3
import stat
from pathlib import Path

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from vfeedback.cli.main import run
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.storage import layout
from vfeedback.system import identity
from vfeedback.ui import app as app_module
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.workbench import player_choice

LOGIN = pwd.getpwuid(os.getuid()).pw_name  # the login name, found another way than getpass


@pytest.fixture(autouse=True)
def _nobody_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VFEEDBACK_CODER", raising=False)
    monkeypatch.delenv("LOGNAME", raising=False)
    monkeypatch.delenv("USER", raising=False)
    monkeypatch.delenv("LNAME", raising=False)
    monkeypatch.delenv("USERNAME", raising=False)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    monkeypatch.setattr(player_choice, "choose_player", lambda: (ClockPlayer(), None))


def _start(qtbot: QtBot, root: Path) -> MainWindow:
    built = app_module.build(str(root))
    assert built is not None
    window = built[1]
    qtbot.addWidget(window)
    return window


def _name_dialog(window: MainWindow) -> QInputDialog | None:
    found = window.findChild(QInputDialog, "nameDialog")
    return found if isinstance(found, QInputDialog) and found.isVisible() else None


def _answer(dialog: QInputDialog, text: str) -> None:
    field = dialog.findChild(QLineEdit)
    assert field is not None
    field.selectAll()
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)


def _rows(root: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        found = conn.execute(sql).fetchall()
    conn.close()
    return found


def test_first_start_asks_once_and_the_app_the_cli_and_the_audit_are_one_person(
    qtbot: QtBot, tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    """Planted bug: ``default_user`` back to "$VFEEDBACK_CODER, else the login name" (the CLI never
    reads the saved name): the CLI's import and moment say the login name, and this fails."""
    root = tmp_path / "lib"
    window = _start(qtbot, root)
    dialog = _name_dialog(window)
    assert dialog is not None and dialog.windowTitle() == "Welcome to vfeedback"
    assert dialog.textValue() == LOGIN  # the login name is offered
    _answer(dialog, "Dr Ana Ruiz")
    assert window.library.user == "Dr Ana Ruiz"
    assert window.statusBar().currentMessage() == "Working as Dr Ana Ruiz."
    # The app's work: a family, an import (audited), a moment.
    window.library.families.add("F1")
    rec = window.library.recordings.import_file(media["cfr25"], "F1")
    window.library.moments.add(rec.id, 1_000_000, code="Waiting", caption="from the app")
    window.close()
    window.library.close()
    # The command line's work, as the same person, with no option or variable set.
    assert run(["--library", str(root), "import", str(media["no_audio"]), "--family", "F1"]) == 0
    assert run(["--library", str(root), "moments", "add", str(rec.id), "--start", "2", "--code", "Waiting",
                "--caption", "from the CLI"]) == 0  # fmt: skip
    capsys.readouterr()
    assert _rows(root, "SELECT action, actor FROM audit_log WHERE action = 'import' ORDER BY id") == [
        ("import", "Dr Ana Ruiz"),
        ("import", "Dr Ana Ruiz"),
    ]
    assert _rows(root, "SELECT caption, coder FROM moments ORDER BY id") == [
        ("from the app", "Dr Ana Ruiz"),
        ("from the CLI", "Dr Ana Ruiz"),
    ]
    # The next start does not ask again.
    again = _start(qtbot, root)
    assert _name_dialog(again) is None and again.library.user == "Dr Ana Ruiz"
    again.close()
    again.library.close()


def test_the_name_is_one_owner_only_file_and_the_overrides_still_win(
    tmp_path: Path, media: MediaSet, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert identity.needs_asking() and identity.current_name() == LOGIN
    identity.save_name("  Dr   Ana ")
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "vfeedback" / "identity.json"
    assert json.loads(path.read_text()) == {"name": "Dr Ana"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not identity.needs_asking()
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("F1")
        rec = lib.recordings.import_file(media["cfr25"], "F1")
    add = ["--library", str(root), "moments", "add", str(rec.id), "--code", "Waiting", "--start"]
    # --coder names the coder of one moment; $VFEEDBACK_CODER is who works for one session.
    assert run([*add, "1", "--coder", "Ben"]) == 0
    monkeypatch.setenv("VFEEDBACK_CODER", "Cleo")
    assert run([*add, "2"]) == 0
    monkeypatch.delenv("VFEEDBACK_CODER")
    assert run([*add, "3"]) == 0
    capsys.readouterr()
    assert [c for (c,) in _rows(root, "SELECT coder FROM moments ORDER BY id")] == ["Ben", "Cleo", "Dr Ana"]


@pytest.mark.parametrize(
    "content", [b"", b"{not json", b'{"name": 3}', b'{"name": "a\\u0007b"}', b'["Dr Ana"]', b"x" * 100_000]
)
def test_a_damaged_name_file_is_asked_again_not_a_failed_start(content: bytes) -> None:
    path = identity.identity_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert identity.saved_name() is None and identity.needs_asking()
    assert identity.current_name() == LOGIN


def test_a_name_that_cannot_be_saved_is_one_sentence_and_nothing_changes(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The configuration folder is a file (a broken home folder): the name is not saved, the window
    says so in one sentence, and keeps working as the login name."""
    blocker = tmp_path / "config-is-a-file"
    blocker.write_bytes(b"")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    window = _start(qtbot, tmp_path / "lib")
    dialog = _name_dialog(window)
    assert dialog is not None
    _answer(dialog, "Dr Ana")
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert [b.text() for b in boxes] == ["Your name ('identity.json') was not written: Not a directory."]
    assert window.library.user == LOGIN and identity.needs_asking() and blocker.read_bytes() == b""
    window.close()
    window.library.close()


def test_a_name_kept_by_an_older_version_in_the_apps_settings_is_carried_over(
    qtbot: QtBot, tmp_path: Path
) -> None:
    settings = QSettings("vfeedback", "vfeedback")
    settings.setValue("workbench/name", "Dr Old")
    try:
        window = _start(qtbot, tmp_path / "lib")
        assert _name_dialog(window) is None and window.library.user == "Dr Old"
        assert identity.saved_name() == "Dr Old"
        window.close()
        window.library.close()
    finally:
        # Qt keeps the settings file it first used for the whole process: leave no name in it for
        # the tests that follow.
        settings.remove("workbench/name")
