"""The first window: it shows the library and follows the library's changes and undo labels."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings

from vfeedback.services import Library
from vfeedback.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def _private_settings(tmp_path, monkeypatch) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))


def test_window_lists_families_and_recordings(qtbot, library: Library, media) -> None:
    library.add_family("F1")
    library.add_family("F2")
    rec = library.import_recording(media["cfr25"], "F1", context="bath time")
    window = MainWindow(library)
    qtbot.addWidget(window)
    window.show()
    assert [window.families.item(i).text() for i in range(window.families.count())] == ["F1", "F2"]
    assert window.recordings.count() == 1
    assert "bath time" in window.recordings.item(0).text()
    assert window.recordings.item(0).data(0x0100) == rec.id
    assert rec.original_name not in window.recordings.item(0).text()


def test_window_follows_changes_and_names_undo(qtbot, library: Library) -> None:
    window = MainWindow(library)
    qtbot.addWidget(window)
    assert not window.act_undo.isEnabled()
    library.add_family("NEW")
    qtbot.waitUntil(lambda: window.families.count() == 1)
    assert window.act_undo.text() == "&Undo Add family NEW"
    window.act_undo.trigger()
    qtbot.waitUntil(lambda: window.families.count() == 0)
    assert window.act_redo.isEnabled() and "Add family NEW" in window.act_redo.text()
