"""Drawing soft circles and arrows on a moment's picture, to show a parent where to look.

The clinician picks Circle or Arrow and drags on the picture: a circle from its centre out to its
edge, an arrow from where it starts to its tip. "Frame closer" drags the rectangle the clip is cut
to (on the baby and parent); outside it the picture dims. Marks show at once in the warm colour the export
uses. "Take back" removes the last, "Clear" all. Marks are kept as fractions of the upright picture
(``core.marks.Mark``), so they hold at any export size. As in the blur editor, a drag too small to
mean anything is a click, not a mark.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.errors import BadInput
from vfeedback.core.marks import COLOUR, MAX_MARKS, MIN_SIZE, Mark, line_width
from vfeedback.export.blur import Region
from vfeedback.ui.picture_canvas import PictureCanvas

WARM = QColor(*COLOUR)


class MarkCanvas(PictureCanvas):
    """The picture, scaled to fit and centred, with its marks; a drag draws one of ``tool``."""

    def __init__(self, image: QImage, marks: Sequence[Mark] = (), parent: QWidget | None = None,
                 crop: Region | None = None) -> None:  # fmt: skip
        super().__init__(image, parent)
        self.setObjectName("marksCanvas")
        self.marks: list[Mark] = list(marks)
        self.crop = crop
        self.tool = "circle"
        self._from: QPointF | None = None
        self._to: QPointF | None = None
        self.setMinimumSize(480, 270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def sizeHint(self) -> QSize:
        return QSize(800, 450)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.picture_rect().contains(event.position()):
            self._from = self._to = self.to_fraction(event.position())
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._from is not None:
            self._to = self.to_fraction(event.position())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        start, self._from = self._from, None
        if start is None or event.button() != Qt.MouseButton.LeftButton:
            return
        end = self.to_fraction(event.position())
        self._to = None
        rect = self.picture_rect()
        short = min(rect.width(), rect.height())
        if self.tool == "frame":
            left, top = min(start.x(), end.x()), min(start.y(), end.y())
            w, h = abs(end.x() - start.x()), abs(end.y() - start.y())
            if (
                min(w * rect.width(), h * rect.height()) >= 10 * MIN_SIZE * short
            ):  # a fifth of the short side at least
                self.crop = Region.clamped(left, top, w, h)
            self.update()
            return
        length = math.hypot((end.x() - start.x()) * rect.width(), (end.y() - start.y()) * rect.height())
        if length >= MIN_SIZE * short and len(self.marks) < MAX_MARKS:
            self.marks.append(Mark(self.tool, start.x(), start.y(), end.x(), end.y()))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), QColor("#2b2622"))
        rect = self.picture_rect()
        painter.drawImage(rect, self.image)
        frame = self.crop
        if self.tool == "frame" and self._from is not None and self._to is not None:
            a, b = self._from, self._to
            with contextlib.suppress(BadInput):
                frame = Region.clamped(min(a.x(), b.x()), min(a.y(), b.y()), abs(b.x() - a.x()) or 1e-3,
                                       abs(b.y() - a.y()) or 1e-3)  # fmt: skip
        if frame is not None:
            inner = QRectF(rect.left() + frame.x * rect.width(), rect.top() + frame.y * rect.height(),
                           frame.w * rect.width(), frame.h * rect.height())  # fmt: skip
            shade = QPainterPath()
            shade.addRect(rect)
            shade.addRect(inner)  # odd-even fill: everything but the frame
            painter.fillPath(shade, QColor(20, 16, 12, 150))
            painter.setPen(QPen(QColor("#f4f1ea"), 1.5, Qt.PenStyle.DashLine))
            painter.drawRect(inner)
        drawing = list(self.marks)
        if self.tool != "frame" and self._from is not None and self._to is not None:
            with contextlib.suppress(BadInput):
                drawing.append(Mark(self.tool, self._from.x(), self._from.y(), self._to.x(), self._to.y()))
        # The same width as the export's, on the picture as shown.
        thick = line_width(round(rect.width()), round(rect.height()))
        pen = QPen(WARM, thick, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setOpacity(0.85)
        for mark in drawing:
            a = QPointF(rect.left() + mark.x1 * rect.width(), rect.top() + mark.y1 * rect.height())
            b = QPointF(rect.left() + mark.x2 * rect.width(), rect.top() + mark.y2 * rect.height())
            if mark.kind == "circle":
                radius = math.hypot(b.x() - a.x(), b.y() - a.y())
                painter.drawEllipse(a, radius, radius)
            else:
                painter.drawLine(a, b)
                angle = math.atan2(b.y() - a.y(), b.x() - a.x())
                head = min(0.45 * math.hypot(b.x() - a.x(), b.y() - a.y()), thick * 6)
                for turn in (math.pi * 3 / 4, -math.pi * 3 / 4):
                    painter.drawLine(
                        b, b + QPointF(math.cos(angle + turn) * head, math.sin(angle + turn) * head)
                    )
        painter.end()


class MarksEditor(QDialog):
    """Point at what matters on ``image``; ``marks()`` after it is accepted."""

    def __init__(self, image: QImage, marks: Sequence[Mark] = (), parent: QWidget | None = None,
                 *, crop: Region | None = None, framing: bool = False) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("marksEditor")
        self.setWindowTitle("Point at what matters")
        self.canvas = MarkCanvas(image, marks, crop=crop)
        hint = QLabel("Drag on the picture: a circle from its middle outwards, an arrow towards its tip.")
        hint.setWordWrap(True)
        self.circle = QPushButton("Circle")
        self.circle.setObjectName("toolCircle")
        self.arrow = QPushButton("Arrow")
        self.arrow.setObjectName("toolArrow")
        self.frame = QPushButton("Frame closer")
        self.frame.setObjectName("toolFrame")
        self.frame.setToolTip("Drag the part of the picture the clip shows: closer on the baby and parent")
        self.frame.setVisible(framing)
        tools = QButtonGroup(self)
        for button in (self.circle, self.arrow, self.frame):
            button.setCheckable(True)
            tools.addButton(button)
        self.circle.setChecked(True)
        self.circle.clicked.connect(lambda: self._use("circle"))
        self.arrow.clicked.connect(lambda: self._use("arrow"))
        self.frame.clicked.connect(lambda: self._use("frame"))
        self.take_back = QPushButton("Take back")
        self.take_back.setObjectName("removeMark")
        self.take_back.clicked.connect(self._take_back)
        self.clear = QPushButton("Clear")
        self.clear.setObjectName("clearMarks")
        self.clear.clicked.connect(self._clear)
        row = QHBoxLayout()
        for button in (self.circle, self.arrow, self.frame):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.take_back)
        row.addWidget(self.clear)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setObjectName("marksButtons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(buttons)

    def _use(self, tool: str) -> None:
        self.canvas.tool = tool

    def _take_back(self) -> None:
        if self.canvas.marks:
            self.canvas.marks.pop()
            self.canvas.update()

    def _clear(self) -> None:
        self.canvas.marks.clear()
        self.canvas.crop = None
        self.canvas.update()

    def marks(self) -> tuple[Mark, ...]:
        return tuple(self.canvas.marks)

    def crop(self) -> Region | None:
        """The closer frame for the clip, if one was drawn."""
        return self.canvas.crop
