"""Where the angles of a session are drawn: the large picture (the window's PlayerView, VLC's surface
and the exact frame) and the others small beside it, or all side by side.

Each small angle is an exact frame with its name in a calm small label under it; where the angle has
no frame at the session time the cell stays dark and says so. A click on a small angle asks for it to
be made large; the one chosen for nudging wears a thin light outline.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from vfeedback.ui.player.view import BACKGROUND, FrameView, PlayerView

GAP = 6
LABEL_H = 20
BORDER = 2
OUTLINE = QColor("#9fd3c7")
MIN_CELL = (160, 90)


def _name_label(name: str) -> QLabel:
    """A film's name, small and calm, under its picture."""
    label = QLabel(name)
    label.setObjectName("angleName")
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 0.9)
    label.setFont(font)
    label.setStyleSheet("color: #b5c0c7;")
    label.setFixedHeight(LABEL_H)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    label.setIndent(4)
    label.setToolTip(name)
    return label


class AngleCell(QWidget):
    """One small angle: its exact frame and its name."""

    clicked = Signal(int)

    def __init__(
        self, recording_id: int, name: str, aspect: float = 16 / 9, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("angleCell")
        self.recording_id = recording_id
        self.aspect = aspect  # the film's width / height as a viewer sees it: the cell takes its shape
        self.frames = FrameView()
        self.frames.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label = _name_label(name)
        column = QVBoxLayout(self)
        column.setContentsMargins(BORDER, BORDER, BORDER, 0)
        column.setSpacing(0)
        column.addWidget(self.frames, 1)
        column.addWidget(self.label)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{name}: click to make it large")
        self.chosen = False

    def set_chosen(self, chosen: bool) -> None:
        """The angle the nudge keys move."""
        if chosen != self.chosen:
            self.chosen = chosen
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.recording_id)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.chosen:
            painter.setPen(OUTLINE)
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()


class AnglesArea(QWidget):
    """The large picture and the small angles, laid out by hand so the native VLC surface and the
    cells never overlap."""

    cellClicked = Signal(int)

    def __init__(self, video: PlayerView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("anglesArea")
        self.video = video
        video.setParent(self)
        self.setMinimumSize(video.minimumSize())
        video.setMinimumSize(*MIN_CELL)  # side by side, the large picture is one of four
        self.cells: dict[int, AngleCell] = {}
        self._order: list[int] = []
        self._large: int | None = None
        self._aspects: dict[int, float] = {}
        self._names: dict[int, str] = {}
        self.side_by_side = False
        # Side by side, the large film's name sits under it as the others' do under theirs.
        self.large_label = _name_label("")
        self.large_label.setParent(self)
        self.large_label.hide()

    # --- what is shown --------------------------------------------------------------------------
    def set_members(self, members: list[tuple[int, str, float]], large: int) -> None:
        """The session's films in order (main first: id, name, picture aspect) and which one is large."""
        for cell in self.cells.values():
            cell.hide()
            cell.deleteLater()
        self.cells = {}
        self._order = [rid for rid, _, _ in members]
        self._aspects = {rid: aspect for rid, _, aspect in members}
        self._names = {rid: name for rid, name, _ in members}
        for rid, name, aspect in members:
            cell = AngleCell(rid, name, aspect, self)
            cell.clicked.connect(self.cellClicked)
            self.cells[rid] = cell
        self.set_large(large)

    def clear(self) -> None:
        self.set_members([], -1)

    def set_large(self, recording_id: int) -> None:
        self._large = recording_id
        for rid, cell in self.cells.items():
            cell.setVisible(rid != recording_id and len(self.cells) > 1)
        self._place()

    def set_side_by_side(self, on: bool) -> None:
        self.side_by_side = on
        self._place()

    def small(self) -> list[AngleCell]:
        """The small angles, in session order."""
        return [self.cells[rid] for rid in self._order if rid != self._large]

    def frame_view(self, recording_id: int) -> FrameView:
        """Where the exact frame of ``recording_id`` is drawn: the large picture or its cell."""
        if recording_id == self._large or recording_id not in self.cells:
            return self.video.frames
        return self.cells[recording_id].frames

    # --- layout ---------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        painter.end()

    def _place(self) -> None:
        small = self.small() if len(self._order) > 1 else []
        area = self.rect()
        self.large_label.setVisible(bool(small) and self.side_by_side)
        if not small:
            self.video.setGeometry(area)
            return
        if self.side_by_side:
            self._place_grid(area)
            return
        w, h = area.width(), area.height()
        chrome_w, chrome_h = 2 * BORDER, BORDER + LABEL_H  # around each small picture
        if w >= 1.3 * h:  # wide: a column on the right, each cell the shape of its film
            col_w = max(MIN_CELL[0], min(int(w * 0.28), 400))
            room_h = (h - GAP * (len(small) - 1)) // len(small)
            sizes = []
            for cell in small:
                pic_w = col_w - GAP - chrome_w  # GAP: air at the right edge too
                pic_h = min(round(pic_w / cell.aspect), room_h - chrome_h)
                sizes.append((round(pic_h * cell.aspect) + chrome_w, pic_h + chrome_h))
            # The large picture in its own shape, the column beside it, the two centred together.
            aspect = self._aspects.get(self._large or -1, 16 / 9)
            big_w = min(w - col_w - GAP, round(h * aspect))
            big_h = min(h, round(big_w / aspect))
            x0 = max(0, (w - big_w - GAP - col_w) // 2)
            self.video.setGeometry(QRect(x0, (h - big_h) // 2, big_w, big_h))
            top = max(0, (h - sum(ch for _, ch in sizes) - GAP * (len(small) - 1)) // 2)
            column_x = x0 + big_w + GAP
            for cell, (cw, ch) in zip(small, sizes, strict=True):
                cell.setGeometry(QRect(column_x + (col_w - GAP - cw) // 2, top, cw, ch))
                top += ch + GAP
        else:  # narrow: a row below
            row_h = max(MIN_CELL[1] + chrome_h, min(h // 4, 220))
            room_w = (w - GAP * (len(small) - 1)) // len(small)
            sizes = []
            for cell in small:
                pic_h = row_h - chrome_h
                pic_w = min(round(pic_h * cell.aspect), room_w - chrome_w)
                sizes.append((pic_w + chrome_w, round(pic_w / cell.aspect) + chrome_h))
            # The large picture in its own shape, the row right under it, the two centred together.
            aspect = self._aspects.get(self._large or -1, 16 / 9)
            big_h = min(h - row_h - GAP, round(w / aspect))
            big_w = min(w, round(big_h * aspect))
            y0 = max(0, (h - big_h - GAP - row_h) // 2)
            self.video.setGeometry(QRect((w - big_w) // 2, y0, big_w, big_h))
            left = max(0, (w - sum(cw for cw, _ in sizes) - GAP * (len(small) - 1)) // 2)
            for cell, (cw, ch) in zip(small, sizes, strict=True):
                cell.setGeometry(QRect(left, y0 + big_h + GAP, cw, ch))
                left += cw + GAP

    def _place_grid(self, area: QRect) -> None:
        """All side by side, the same size: one row for two (or three on a wide area), else 2 x 2."""
        n = len(self._order)
        w, h = area.width(), area.height()
        cols = n if n == 2 or (n == 3 and w >= 2.2 * h) else 2
        rows = (n + cols - 1) // cols
        cell_w = (w - GAP * (cols - 1)) // cols
        cell_h = (h - GAP * (rows - 1)) // rows
        chrome_w, chrome_h = 2 * BORDER, BORDER + LABEL_H
        for i, rid in enumerate(self._order):
            row, col = divmod(i, cols)
            # A last row that is not full is centred.
            in_row = min(cols, n - row * cols)
            left = (w - in_row * cell_w - GAP * (in_row - 1)) // 2
            box = QRect(left + col * (cell_w + GAP), row * (cell_h + GAP), cell_w, cell_h)
            # Each film in its own shape, centred in its box, its name under its picture.
            aspect = self._aspects.get(rid, 16 / 9)
            pic_w = min(box.width() - chrome_w, round((box.height() - chrome_h) * aspect))
            pic_h = min(box.height() - chrome_h, round(pic_w / aspect))
            shape = QRect(
                box.x() + (box.width() - pic_w - chrome_w) // 2,
                box.y() + (box.height() - pic_h - chrome_h) // 2,
                pic_w + chrome_w,
                pic_h + chrome_h,
            )
            if rid == self._large:
                self.video.setGeometry(shape.adjusted(BORDER, BORDER, -BORDER, -LABEL_H))
                self.large_label.setText(self._names.get(rid, ""))
                self.large_label.setGeometry(shape.x(), shape.bottom() - LABEL_H + 1, shape.width(), LABEL_H)
            else:
                self.cells[rid].setGeometry(shape)
