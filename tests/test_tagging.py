"""Tagging as a clinician expects it, in the real window (fallback player, offscreen), driven by real key
and mouse events: a code key recodes the selected moment, the moment list keeps its caption in view at
1366 px, the transport does not jump while playing, and the lanes by code show whole names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from expect import present
from mediagen import MediaSet
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from vfeedback.core.model import Recording
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.moment_list import COLUMNS


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))


@pytest.fixture
def opened(qtbot: QtBot, library: Library, media: MediaSet) -> Iterator[tuple[MainWindow, Recording]]:
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.open_recording(rec.id)
    qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
    qtbot.waitUntil(
        lambda: window.video.frames.exact and window.video.frames.frame_number == 0, timeout=20_000
    )
    window.setFocus()
    yield window, rec
    window.close()


def type_keys(window: MainWindow, text: str) -> None:
    QTest.keyClicks(window.focusWidget() or window, text)


def press(window: MainWindow, key: Qt.Key) -> None:
    QTest.keyClick(window.focusWidget() or window, key)


def click_row(window: MainWindow, row: int) -> None:
    table = window.moment_list
    rect = table.visualRect(table.model_.index(row, COLUMNS.index("Caption")))
    QTest.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center()
    )


def test_a_code_key_with_a_moment_selected_recodes_it(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    """The clinician tags two points with "Waiting" (key f), clicks the first in the list and presses
    the key of "Turned towards" (a): that moment is recoded, the list and timeline follow, the next tag
    is still "Waiting", and Ctrl+Z takes the recode back."""
    window, rec = opened
    waiting, turned = library.schemes.code("Waiting"), library.schemes.code("Turned towards")
    type_keys(window, present(waiting.key))
    press(window, Qt.Key.Key_M)
    for _ in range(5):
        press(window, Qt.Key.Key_Right)
    press(window, Qt.Key.Key_M)
    first, second = library.moments.all(rec.id)
    click_row(window, 0)
    assert window.coding.selected == [first.id]
    type_keys(window, present(turned.key))
    assert library.moments.get(first.id).code_id == turned.id
    assert library.moments.get(second.id) == second  # nothing else changed
    assert present(window.coding.current_code) == waiting
    model = window.moment_list.model_
    assert model.index(0, COLUMNS.index("Code")).data() == "Turned towards"
    assert [(i.code, i.text) for i in window.timeline.state.items] == [
        (str(turned.id), "Turned towards"),
        (str(waiting.id), "Waiting"),
    ]
    assert window.act_undo.text() == "&Undo Recode moment at 00:00:00.000 as Turned towards"
    assert window.coding.selected == [first.id]  # still selected: another key would recode it again
    press(window, Qt.Key.Key_Escape)
    type_keys(window, present(turned.key))  # nothing selected: the code for the next tag
    assert present(window.coding.current_code) == turned
    assert library.moments.get(second.id).code_id == waiting.id
    QTest.keyClick(window.focusWidget() or window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert library.moments.get(first.id).code_id == waiting.id
    assert model.index(0, COLUMNS.index("Code")).data() == "Waiting"


def test_the_moment_list_keeps_the_caption_in_view_at_1366(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    """At 1366x768 the caption column starts inside the list, takes nearly half of it, and a usual
    caption fits whole (before: Time 150 px, Code 120, Actor 64 left it 119 of 453 px, a quarter); the
    whole span of a moment is in the Time column's tooltip."""
    window, rec = opened
    library.moments.add(rec.id, 1_000_000, 2_520_000, code="Waiting", caption="You waited, and she smiled")
    window.coding.reload()
    table = window.moment_list
    qtbot.waitUntil(lambda: table.model_.rowCount() == 1)
    visible = table.viewport().width()
    narrow = sum(table.columnWidth(COLUMNS.index(c)) for c in ("Time", "Code", "Actor"))
    caption_left = table.columnViewportPosition(COLUMNS.index("Caption"))
    assert caption_left == narrow < visible
    caption_w = visible - caption_left
    assert caption_w >= 0.45 * visible, (visible, narrow)
    assert table.fontMetrics().horizontalAdvance("You waited, and she smiled") < caption_w - 8
    assert table.model_.index(0, 0).data() == "00:01.000"
    assert table.model_.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "00:01.000–00:02.520 (1.5 s)"


def _x(widget: QWidget) -> int:
    return widget.mapTo(widget.window(), QPoint(0, 0)).x()


def test_the_transport_does_not_jump_while_playing(
    qtbot: QtBot, opened: tuple[MainWindow, Recording]
) -> None:
    """Playing past frame 9 makes the position text longer and the "exact frame" note goes: neither
    moves a thing in the bar. Paused on an exact frame the note comes back."""
    window, _ = opened
    bar = window.transport
    assert bar.exactness.text() == "exact frame"
    widgets = (bar.position, bar.exactness, bar.loop, bar.rate)
    before = [(_x(w), w.width()) for w in widgets]
    press(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.controller.frame() >= 12, timeout=10_000)
    assert window.controller.playing and bar.exactness.text() == ""
    assert [(_x(w), w.width()) for w in widgets] == before
    press(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.video.frames.exact, timeout=10_000)
    qtbot.waitUntil(lambda: bar.exactness.text() == "exact frame", timeout=10_000)
    assert [(_x(w), w.width()) for w in widgets] == before
