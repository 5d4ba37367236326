"""Prepare session… in the real workbench window: the Moment menu's action (Ctrl+Shift+P) and the
selection's right-click open the dialog with the recording's strengths in timeline order, and the
end view's "Review with the family" starts the review of the reel just made."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMenu, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from vfeedback.core.model import Moment, Recording
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.session_pack import PrepareSessionDialog

S = 1_000_000


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))


@pytest.fixture
def opened(qtbot: QtBot, library: Library, media: MediaSet) -> Iterator[tuple[MainWindow, list[Moment]]]:
    library.families.add("W1")
    rec: Recording = library.recordings.import_file(media["cfr25"], "W1")
    concern = next(c for s in library.schemes.all() for c in s.codes if c.kind.value == "concern")
    late = library.moments.add(rec.id, 6 * S, 7 * S, code="Turned towards", caption="You turned to her")
    library.moments.add(rec.id, 3 * S, 4 * S, code=concern.id, caption="Not shown")
    early = library.moments.add(rec.id, 1 * S, 2 * S, code="Waiting", caption="You waited")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.open_recording(rec.id)
    qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
    window.setFocus()
    yield window, [early, late]
    window.close()


def _dialog(window: MainWindow) -> PrepareSessionDialog:
    dialog = window.highlights.pack_dialog
    assert isinstance(dialog, PrepareSessionDialog) and dialog.isVisible()
    return dialog


def _captions(dialog: PrepareSessionDialog) -> list[str]:
    return [row.include.text() for row in dialog.rows]


def test_the_shortcut_opens_the_strengths_and_review_starts_from_the_end_view(
    qtbot: QtBot, opened: tuple[MainWindow, list[Moment]], library: Library
) -> None:
    window, _ = opened
    QTest.keyClick(window.focusWidget() or window, Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    qtbot.waitUntil(lambda: window.highlights.pack_dialog is not None, timeout=5_000)
    dialog = _dialog(window)
    assert _captions(dialog) == ["You waited", "You turned to her"]
    by = dialog.findChild(QLineEdit, "consentBy")
    assert by is not None
    by.setFocus()
    QTest.keyClick(by, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(by, "Dr Rowe")
    for name in ("recordConsent", "makePack"):
        button = dialog.findChild(QPushButton, name)
        assert button is not None and button.isEnabled()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    ready = dialog.findChild(QLabel, "packReady")
    assert ready is not None
    qtbot.waitUntil(ready.isVisible, timeout=120_000)
    assert ready.text() == "2 clips, a reel and a handout are ready"
    review = dialog.findChild(QPushButton, "reviewWithFamily")
    assert review is not None
    qtbot.mouseClick(review, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.highlights.review is not None, timeout=10_000)
    assert not window.isVisible()  # the workbench hidden while the family watches
    assert [e.action for e in library.audit.entries()][-1] == "review"
    window.highlights.review.leave()
    window.highlights.review.close_finished()
    qtbot.waitUntil(window.isVisible, timeout=5_000)


def test_the_selections_right_click_offers_prepare_session(
    qtbot: QtBot, opened: tuple[MainWindow, list[Moment]]
) -> None:
    window, _ = opened
    listing: QWidget = window.moment_list.viewport()
    at = listing.rect().center()
    offered: list[list[str]] = []

    def choose() -> None:  # the menu runs its own loop: answered from inside it, as a person would
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(50, choose)
            return
        offered.append([a.text() for a in menu.actions()])
        QTest.keyClick(menu, Qt.Key.Key_Down)
        QTest.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(50, choose)
    QApplication.sendEvent(
        listing, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, listing.mapToGlobal(at))
    )
    assert offered == [["&Prepare session…"]]
    qtbot.waitUntil(lambda: window.highlights.pack_dialog is not None, timeout=5_000)
    assert _captions(_dialog(window)) == ["You waited", "You turned to her"]
    _dialog(window).reject()
