"""Closing the window while clips are being exported: vfeedback asks, then finishes them (closing by
itself afterwards) or stops them cleanly, and says at the next start what was stopped. Real window,
real keys and mouse on the real dialogs, real ffmpeg exports of a film long enough to still be
running when the clinician quits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mediagen import MediaSet, make_long_clip
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu, QMessageBox, QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot

from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.ui.export_dialog import ExportDialog
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.workbench.closing import NOTE_KEY

S = 1_000_000


@dataclass
class Bench:
    lib: Library
    window: MainWindow
    moments: list[int]


def _open(qtbot: QtBot, lib: Library, recording_id: int | None = None) -> MainWindow:
    window = MainWindow(lib, player=ClockPlayer())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    if recording_id is not None:
        window.open_recording(recording_id)
        qtbot.waitUntil(lambda: window.coding.index is not None, timeout=30_000)
    return window


@pytest.fixture
def bench(qtbot: QtBot, tmp_path: Path, media: MediaSet, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bench]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    monkeypatch.setenv("VFEEDBACK_CODER", "ana")
    film = make_long_clip(media.folder, seconds=40, size=(640, 360), gop=50)
    with Library.open(tmp_path / "library") as lib:
        lib.families.add("CL1")
        lib.consent.give("CL1", "feedback", "Dr Test")
        rec = lib.recordings.import_file(film, "CL1")
        ids = [
            lib.moments.add(rec.id, start, end, code="Waiting", caption="together").id
            for start, end in ((1 * S, 30 * S), (6 * S, 36 * S))
        ]
        window = _open(qtbot, lib, rec.id)
        yield Bench(lib, window, ids)
        window.tasks.cancel_all()
        window.tasks.wait(60_000)


def _export_both(qtbot: QtBot, bench: Bench) -> None:
    """Select both moments and press Export in the real dialog; wait until both exports are running."""
    window = bench.window
    window.coding.select(bench.moments)

    def press_export() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ExportDialog)
        buttons = dialog.findChild(QDialogButtonBox)
        assert buttons is not None
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        QTest.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, press_export)
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert len(window.tasks.exports()) == 2
    qtbot.waitUntil(lambda: any(t.progress > 0 for t in window.tasks.exports()), timeout=30_000)


def _quit_and_get_question(qtbot: QtBot, window: MainWindow) -> QMessageBox:
    """File › Quit with the mouse (the platform here binds no key to Quit)."""
    bar = window.menuBar()
    file_menu = bar.actions()[0]
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(file_menu).center())
    menu = file_menu.menu()
    assert isinstance(menu, QMenu)
    qtbot.waitUntil(menu.isVisible)
    quit_ = next(a for a in menu.actions() if a.text() == "&Quit")
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(quit_).center())
    qtbot.waitUntil(lambda: window.closing.question is not None and window.closing.question.isVisible())
    box = window.closing.question
    assert box is not None
    return box


def _button(box: QMessageBox, text: str) -> QPushButton:
    return next(b for b in box.findChildren(QPushButton) if b.text() == text)


def _library_files(root: Path) -> list[str]:
    """Every export or temporary in the library: all but the database, the film and the rebuildable
    previews the window makes in the background (cache/), where no temporary may linger either."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file()
        and not p.name.startswith("vfeedback.db")
        and p.parent.name != "recordings"
        and (p.relative_to(root).parts[0] != "cache" or ".part" in p.name or p.name.startswith("."))
    )


def test_stop_them_cancels_cleanly_and_the_next_start_says_so(qtbot: QtBot, bench: Bench) -> None:
    window, lib = bench.window, bench.lib
    # The previews the window makes on opening (proxy, filmstrip) write temporaries of their own.
    qtbot.waitUntil(lambda: not window.tasks.tasks(), timeout=60_000)
    before = _library_files(lib.path)
    _export_both(qtbot, bench)
    box = _quit_and_get_question(qtbot, window)
    assert box.text() == "2 exports are still running."
    first, second = bench.moments
    assert box.informativeText().startswith(f"The clip of moment {first} and the clip of moment {second}.")
    QTest.mouseClick(_button(box, "Stop them"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    assert window.tasks.exports() == [] or all(t.cancelled for t in window.tasks.exports())
    # Nothing half-made stays: no clip, no temporary, no row.
    assert lib.exports.all("CL1") == []
    assert _library_files(lib.path) == before
    note = json.loads(lib.ctx.setting(NOTE_KEY) or "[]")
    assert [(n["user"], n["exports"]) for n in note] == [
        ("ana", [f"the clip of moment {first}", f"the clip of moment {second}"])
    ]

    again = _open(qtbot, lib)
    qtbot.waitUntil(lambda: bool(again.findChildren(QMessageBox)), timeout=5_000)
    [told] = again.findChildren(QMessageBox)
    assert told.text() == (
        f"2 exports were stopped when vfeedback last closed: the clip of moment {first} and the clip "
        f"of moment {second}. Nothing half-made was kept; export again what you need."
    )
    assert lib.ctx.setting(NOTE_KEY) is None  # said once
    told.close()
    again.close()
    third = _open(qtbot, lib)
    QTest.qWait(200)
    assert third.findChildren(QMessageBox) == []
    third.close()


def test_finish_them_keeps_the_window_until_they_are_saved(qtbot: QtBot, bench: Bench) -> None:
    window, lib = bench.window, bench.lib
    _export_both(qtbot, bench)
    box = _quit_and_get_question(qtbot, window)
    QTest.keyClick(box, Qt.Key.Key_Escape)  # Keep working: nothing stops, nothing closes
    qtbot.waitUntil(lambda: window.closing.question is None)
    assert window.isVisible() and len(window.tasks.exports()) == 2
    box = _quit_and_get_question(qtbot, window)
    QTest.mouseClick(_button(box, "Finish them"), Qt.MouseButton.LeftButton)
    progress = window.closing.finishing
    assert isinstance(progress, QProgressDialog) and progress.isVisible() and window.isVisible()
    assert progress.labelText() == "Finishing 2 exports; vfeedback closes when they are done."
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=180_000)
    made = lib.exports.all("CL1")
    assert sorted(h.moment_ids[0] for h in made) == sorted(bench.moments)
    assert all(lib.exports.path(h).is_file() for h in made)
    assert lib.ctx.setting(NOTE_KEY) is None
