"""Drawing the marks with the mouse: a circle from its middle outwards, an arrow towards its tip,
a slip of the hand ignored, the last taken back; and in the session pack, drawn from a moment's
row and kept in the handout's settings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from mediagen import MediaSet
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from vfeedback.core.marks import Mark, marks_from
from vfeedback.services import Library
from vfeedback.ui.marks_editor import MarkCanvas, MarksEditor
from vfeedback.ui.session_pack import PrepareSessionDialog, default_moments
from vfeedback.ui.tasks import TaskRunner

S = 1_000_000


def _drag(qtbot: QtBot, canvas: QWidget, start: tuple[int, int], end: tuple[int, int]) -> None:
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*start))
    qtbot.mouseMove(canvas, QPoint((start[0] + end[0]) // 2, (start[1] + end[1]) // 2))
    qtbot.mouseMove(canvas, QPoint(*end))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*end))


def _picture() -> QImage:
    image = QImage(320, 240, QImage.Format.Format_RGB888)
    image.fill(QColor("#6a8caf"))
    return image


def test_drawing_a_circle_and_an_arrow_with_the_mouse(qtbot: QtBot) -> None:
    editor = MarksEditor(_picture())
    qtbot.addWidget(editor)
    editor.show()
    canvas = editor.findChild(MarkCanvas, "marksCanvas")
    assert canvas is not None
    canvas.setFixedSize(640, 480)  # the picture fills it exactly: 2 screen pixels a picture pixel
    qtbot.waitUntil(lambda: canvas.size().width() == 640)
    _drag(qtbot, canvas, (320, 192), (384, 192))  # 0.5, 0.4 out to 0.6, 0.4
    arrow = editor.findChild(QPushButton, "toolArrow")
    assert arrow is not None
    qtbot.mouseClick(arrow, Qt.MouseButton.LeftButton)
    _drag(qtbot, canvas, (64, 48), (192, 144))  # 0.1, 0.1 to its tip at 0.3, 0.3
    _drag(qtbot, canvas, (400, 400), (403, 401))  # a slip of the hand: under 2 % of 480 px
    assert editor.marks() == (Mark("circle", 0.5, 0.4, 0.6, 0.4), Mark("arrow", 0.1, 0.1, 0.3, 0.3))
    back = editor.findChild(QPushButton, "removeMark")
    assert back is not None
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert editor.marks() == (Mark("circle", 0.5, 0.4, 0.6, 0.4),)


def test_framing_a_clip_closer_with_the_mouse(qtbot: QtBot) -> None:
    editor = MarksEditor(_picture(), framing=True)
    qtbot.addWidget(editor)
    editor.show()
    canvas = editor.canvas
    canvas.setFixedSize(640, 480)
    qtbot.waitUntil(lambda: canvas.size().width() == 640)
    frame = editor.findChild(QPushButton, "toolFrame")
    assert frame is not None and frame.isVisible()
    qtbot.mouseClick(frame, Qt.MouseButton.LeftButton)
    _drag(qtbot, canvas, (480, 360), (160, 120))  # dragged up and left: the quarter to the half
    crop = editor.crop()
    assert crop is not None and (crop.x, crop.y, crop.w, crop.h) == (0.25, 0.25, 0.5, 0.5)
    _drag(qtbot, canvas, (10, 10), (40, 40))  # too small to be a frame: the one before stays
    assert editor.crop() == crop and editor.marks() == ()


def test_marks_drawn_from_the_session_pack_reach_the_handout(
    qtbot: QtBot, library: Library, media: MediaSet, tmp_path: Path
) -> None:
    library.families.add("E1")
    library.consent.give("E1", "feedback", "Dr Rowe")
    rec = library.recordings.import_file(media["cfr25"], "E1")
    library.moments.add(rec.id, 1 * S, 2 * S, code="Waiting", caption="Look at her", picture=1_520_000)
    tasks = TaskRunner()
    dialog = PrepareSessionDialog(library, tasks, rec, default_moments(library, rec.id))
    qtbot.addWidget(dialog)
    dialog.show()
    row = dialog.findChild(QWidget, "packMoment1")
    assert row is not None
    point = row.findChild(QToolButton, "pointAt")
    assert point is not None
    qtbot.waitUntil(point.isEnabled, timeout=20_000)  # once the picture to draw on has arrived
    drawn: list[str] = []

    def draw() -> None:  # the editor runs its own loop: drawn on from inside it
        editor = QApplication.activeModalWidget()
        if not isinstance(editor, MarksEditor):
            QTimer.singleShot(50, draw)
            return
        canvas = editor.canvas
        canvas.setFixedSize(640, 480)
        _drag(qtbot, canvas, (320, 192), (384, 192))
        drawn.append(editor.objectName())
        qtbot.keyClick(editor, Qt.Key.Key_Return)

    QTimer.singleShot(50, draw)
    qtbot.mouseClick(point, Qt.MouseButton.LeftButton)
    assert drawn == ["marksEditor"]
    make = dialog.findChild(QPushButton, "makePack")
    assert make is not None
    qtbot.mouseClick(make, Qt.MouseButton.LeftButton)
    ready = dialog.findChild(QLabel, "packReady")
    assert ready is not None
    qtbot.waitUntil(ready.isVisible, timeout=120_000)
    pack = dialog.pack
    assert pack is not None
    with sqlite3.connect(library.path / "vfeedback.db") as conn:
        (settings,) = conn.execute(
            "SELECT settings_json FROM highlights WHERE id = ?", (pack.handout.id,)
        ).fetchone()
    conn.close()
    [(moment, marks)] = json.loads(settings)["marks"].items()
    assert int(moment) == pack.reel.moment_ids[0]
    assert marks_from(marks) == (Mark("circle", 0.5, 0.4, 0.6, 0.4),)
    tasks.wait(10_000)
    tasks.shutdown()
