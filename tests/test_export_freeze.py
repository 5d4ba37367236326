"""Exporting several moments as clips with "Pause on the playhead frame": the clip whose moment holds
the playhead pauses there, the others play straight through, and the dialog says so first. Driven
through the real window, the real dialog (keys and mouse) and real ffmpeg exports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.ui.export_dialog import ExportDialog
from vfeedback.ui.main_window import MainWindow

S = 1_000_000


@pytest.fixture
def workbench(
    qtbot: QtBot, tmp_path: Path, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[MainWindow, Library, list[int]]]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    monkeypatch.setenv("VFEEDBACK_CODER", "ana")
    with Library.open(tmp_path / "library") as lib:
        lib.families.add("FZ1")
        lib.consent.give("FZ1", "feedback", "Dr Test")
        rec = lib.recordings.import_file(media["cfr25"], "FZ1")
        moments = [
            lib.moments.add(rec.id, start, end, code="Waiting", caption=f"moment {n}")
            for n, (start, end) in enumerate(((1 * S, 2 * S), (4 * S, 5 * S), (7 * S, 8 * S)), 1)
        ]
        window = MainWindow(lib, player=ClockPlayer())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.open_recording(rec.id)
        qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
        yield window, lib, [m.id for m in moments]
        window.tasks.wait(60_000)
        window.close()


def _in_the_dialog(qtbot: QtBot, seconds: str, seen: dict[str, str]) -> None:
    """Type the pause length and press Export, as a clinician would, noting what the dialog said."""
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ExportDialog)
    editor = dialog.freeze.lineEdit()
    editor.setFocus()
    editor.selectAll()
    QTest.keyClicks(editor, seconds)
    QTest.keyClick(editor, Qt.Key.Key_Tab)  # the value is taken when focus leaves the box
    seen["note"] = dialog.freeze_note.text() if dialog.freeze_note.isVisible() else ""
    seen["enabled"] = str(dialog.freeze.isEnabled())
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    button = buttons.button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_three_moments_one_pauses_at_the_playhead_the_others_play_through(
    qtbot: QtBot, workbench: tuple[MainWindow, Library, list[int]]
) -> None:
    window, lib, ids = workbench
    window.coding.select(ids)
    window.controller.seek_us(4_400_000)  # inside the second moment (4-5 s)
    seen: dict[str, str] = {}
    QTimer.singleShot(0, lambda: _in_the_dialog(qtbot, "1", seen))
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # Moment › Export clips
    assert seen["note"] == (
        "Only the clip of the moment at the playhead pauses there; the other 2 play straight through."
    )
    qtbot.waitUntil(lambda: not window.tasks.tasks(), timeout=120_000)
    assert len(lib.exports.all("FZ1")) == 3  # none failed
    made = {h.moment_ids[0]: h for h in lib.exports.all("FZ1")}
    # 25 fps; each moment covers its frames to the last one's end (1 s + 40 ms) with 1 s of padding on
    # each side: 3.04 s = 76 frames. The one at the playhead holds a frame for 1 s more: 101 frames.
    assert {i: made[i].frame_count for i in ids} == {ids[0]: 76, ids[1]: 101, ids[2]: 76}
    assert {i: made[i].duration_us for i in ids} == {ids[0]: 3_040_000, ids[1]: 4_040_000, ids[2]: 3_040_000}
    assert all(Path(lib.exports.path(h)).is_file() for h in made.values())


def test_a_playhead_outside_every_selected_moment_offers_no_pause(
    qtbot: QtBot, workbench: tuple[MainWindow, Library, list[int]]
) -> None:
    window, lib, ids = workbench
    window.coding.select(ids)
    window.controller.seek_us(3_000_000)  # between the first and second moments
    seen: dict[str, str] = {}
    QTimer.singleShot(0, lambda: _in_the_dialog(qtbot, "2", seen))
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert seen == {
        "note": "The playhead is on none of the selected moments, so no clip can pause on it.",
        "enabled": "False",
    }
    qtbot.waitUntil(lambda: not window.tasks.tasks(), timeout=120_000)
    assert sorted(h.frame_count for h in lib.exports.all("FZ1")) == [76, 76, 76]


def test_one_moment_at_the_playhead_needs_no_note() -> None:
    dialog = ExportDialog(1, at_playhead=1)
    dialog.freeze.setValue(1.0)
    assert dialog.freeze_note_text() == ""
    two = ExportDialog(3, at_playhead=2)
    two.freeze.setValue(1.0)
    assert two.freeze_note_text() == (
        "The 2 clips of the moments at the playhead pause there; the other one plays straight through."
    )
    options = two.options(None)
    assert (options.freeze_at_us, options.freeze_s) == (None, 0.0)
    assert (two.options(4 * S).freeze_at_us, two.options(4 * S).freeze_s) == (4 * S, 1.0)
