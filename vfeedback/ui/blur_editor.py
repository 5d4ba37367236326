"""Drawing the areas to blur (and the areas whose faces to keep) on the moment's picture.

The clinician drags a rectangle on the picture; it shows at once as the export will look, pixelated
and softened, under a quiet dashed outline. Areas to keep are green outlines. An area can be
picked, moved, resized by its corners (handles big enough for a finger) and deleted. Areas are
kept as fractions of the upright picture (``export.blur.Region``), so they hold at any export size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
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

from vfeedback.export.blur import BLOCKS_PER_SHORT_SIDE, MAX_REGIONS, Region
from vfeedback.ui.picture_canvas import PictureCanvas

Kind = Literal["blur", "keep"]
HANDLE = 22  # px: the touch target of a corner handle
MIN_SIDE = 0.02  # a drag smaller than this (of the picture) is a click, not an area
QUIET = "#5f6b73"
BLUR_EDGE = QColor("#f4f1ea")
KEEP_EDGE = QColor("#5fae7c")
SELECTED = QColor("#f0b429")


@dataclass
class Area:
    kind: Kind
    rect: QRectF  # in fractions of the picture


def pixelated(image: QImage) -> QImage:
    """What a blurred area will look like: averaged into the export's big blocks, then scaled
    back up smoothly (the export does the same per area, with ffmpeg)."""
    width, height = max(image.width(), 1), max(image.height(), 1)
    block = max(8, round(min(width, height) / BLOCKS_PER_SHORT_SIDE))
    small = image.scaled(
        max(1, width // block), max(1, height // block),
        Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation,
    )  # fmt: skip
    return small.scaled(
        width, height, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class AreaCanvas(PictureCanvas):
    """The picture with its areas. ``changed`` fires after every edit and change of selection."""

    changed = Signal()

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(image, parent)
        self.preview = pixelated(image)
        self.areas: list[Area] = []
        self.kind: Kind = "blur"
        self.selected: int | None = None
        self._drag: tuple[str, QPointF, QRectF] | None = None  # what, where it began, the area then
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def sizeHint(self) -> QSize:
        size = self.image.size()
        if size.isEmpty():
            return QSize(640, 360)
        return size.scaled(720, 460, Qt.AspectRatioMode.KeepAspectRatio)

    # --- editing ----------------------------------------------------------------------------------
    def set_areas(self, kind: Kind, regions: Sequence[Region]) -> None:
        self.areas = [a for a in self.areas if a.kind != kind]
        self.areas += [Area(kind, QRectF(r.x, r.y, r.w, r.h)) for r in regions]
        self.selected = None
        self.update()

    def regions(self, kind: Kind) -> tuple[Region, ...]:
        """The finished areas of ``kind`` (one still being dragged open is not one yet)."""
        return tuple(
            _region(a.rect)
            for a in self.areas
            if a.kind == kind and a.rect.width() >= MIN_SIDE and a.rect.height() >= MIN_SIDE
        )

    def delete_selected(self) -> None:
        if self.selected is not None:
            del self.areas[self.selected]
            self.selected = None
            self.update()
            self.changed.emit()

    def clear(self) -> None:
        if self.areas:
            self.areas.clear()
            self.selected = None
            self.update()
            self.changed.emit()

    def _hit(self, pos: QPointF) -> tuple[int, str] | None:
        """The area under ``pos`` and what part: a corner ("tl", "tr", "bl", "br") or "body".
        The selected area is tried first, then the topmost."""
        order = list(range(len(self.areas) - 1, -1, -1))
        if self.selected is not None:
            order.remove(self.selected)
            order.insert(0, self.selected)
        for i in order:
            r = self.to_screen(self.areas[i].rect)
            for name, corner in (("tl", r.topLeft()), ("tr", r.topRight()),
                                 ("bl", r.bottomLeft()), ("br", r.bottomRight())):  # fmt: skip
                if abs(pos.x() - corner.x()) <= HANDLE / 2 and abs(pos.y() - corner.y()) <= HANDLE / 2:
                    return i, name
            if r.contains(pos):
                return i, "body"
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        hit = self._hit(pos)
        if hit is not None:
            self.selected, part = hit
            self._drag = (part, self.to_fraction(pos), QRectF(self.areas[self.selected].rect))
        elif self.picture_rect().contains(pos) and len(self.regions(self.kind)) < MAX_REGIONS:
            start = self.to_fraction(pos)
            self.areas.append(Area(self.kind, QRectF(start, start)))
            self.selected = len(self.areas) - 1
            self._drag = ("new", start, QRectF(start, start))
        else:
            self.selected = None
        self.setFocus()
        self.update()
        self.changed.emit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None or self.selected is None:
            hit = self._hit(event.position())
            corner = {"tl": Qt.CursorShape.SizeFDiagCursor, "br": Qt.CursorShape.SizeFDiagCursor,
                      "tr": Qt.CursorShape.SizeBDiagCursor, "bl": Qt.CursorShape.SizeBDiagCursor}  # fmt: skip
            if hit is None:
                self.setCursor(Qt.CursorShape.CrossCursor)
            else:
                self.setCursor(corner.get(hit[1], Qt.CursorShape.SizeAllCursor))
            return
        part, start, before = self._drag
        now = self.to_fraction(event.position())
        area = self.areas[self.selected]
        if part == "body":
            dx = min(max(now.x() - start.x(), -before.left()), 1 - before.right())
            dy = min(max(now.y() - start.y(), -before.top()), 1 - before.bottom())
            area.rect = before.translated(dx, dy)
        elif part == "new":
            area.rect = QRectF(start, now).normalized()
        else:
            rect = QRectF(before)
            if "l" in part:
                rect.setLeft(now.x())
            if "r" in part:
                rect.setRight(now.x())
            if "t" in part:
                rect.setTop(now.y())
            if "b" in part:
                rect.setBottom(now.y())
            area.rect = rect.normalized()
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is None or self.selected is None:
            return
        self._drag = None
        rect = self.areas[self.selected].rect
        if rect.width() < MIN_SIDE or rect.height() < MIN_SIDE:
            del self.areas[self.selected]  # a click, or a slip of the finger
            self.selected = None
        self.update()
        self.changed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
        elif event.key() == Qt.Key.Key_Escape and self.selected is not None:
            self.selected = None
            self.update()
        else:
            super().keyPressEvent(event)

    # --- drawing ------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#2b3033"))
        pic = self.picture_rect()
        painter.drawImage(pic, self.image)
        for i, area in enumerate(self.areas):
            screen = self.to_screen(area.rect)
            if area.kind == "blur":
                source = QRectF(
                    area.rect.left() * self.preview.width(), area.rect.top() * self.preview.height(),
                    area.rect.width() * self.preview.width(), area.rect.height() * self.preview.height(),
                )  # fmt: skip
                painter.drawImage(screen, self.preview, source)
                painter.fillRect(screen, QColor(20, 24, 28, 70))  # a soft veil: "this is hidden"
                pen = QPen(BLUR_EDGE, 1.5, Qt.PenStyle.DashLine)
            else:
                painter.fillRect(screen, QColor(95, 174, 124, 40))
                pen = QPen(KEEP_EDGE, 2.5)
            if i == self.selected:
                pen.setColor(SELECTED)
                pen.setWidthF(2.5)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(screen)
            if i == self.selected:
                painter.setPen(QPen(QColor("#3d3320"), 1))
                painter.setBrush(QBrush(SELECTED))
                for corner in (
                    screen.topLeft(),
                    screen.topRight(),
                    screen.bottomLeft(),
                    screen.bottomRight(),
                ):
                    painter.drawEllipse(corner, 7, 7)
        painter.end()


def _region(rect: QRectF) -> Region:
    return Region.clamped(rect.left(), rect.top(), rect.width(), rect.height())


class BlurEditor(QDialog):
    """Draw areas to blur, and (with faces blurred) areas whose faces to keep, on ``image``.

    ``kind`` is what a new drag draws at first; the clinician can switch. After ``exec()``,
    ``blur_regions()`` and ``keep_regions()`` hold the areas; ``keep_allowed`` False hides keeping.
    """

    def __init__(
        self,
        image: QImage,
        blur: Sequence[Region] = (),
        keep: Sequence[Region] = (),
        *,
        kind: Kind = "blur",
        keep_allowed: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Areas to hide")
        self.canvas = AreaCanvas(image)
        self.canvas.set_areas("blur", blur)
        self.canvas.set_areas("keep", keep if keep_allowed else ())
        intro = QLabel(
            "Drag on the picture to cover what should not be seen — a brother or sister, a visitor, "
            "a letter on the fridge. It is blurred like this for the whole clip."
        )
        intro.setWordWrap(True)
        self.blur_button = QPushButton("Blur an area")
        self.keep_button = QPushButton("Keep a face visible")
        group = QButtonGroup(self)
        for button in (self.blur_button, self.keep_button):
            button.setCheckable(True)
            button.setMinimumHeight(34)
            group.addButton(button)
        group.setExclusive(True)
        self.keep_button.setVisible(keep_allowed)
        self.keep_button.setToolTip(
            "Faces inside a green area are not blurred (for example the parent and baby)"
        )
        self.blur_button.toggled.connect(self._kind_toggled)
        self.keep_button.toggled.connect(self._kind_toggled)
        self.delete_button = QPushButton("Remove the chosen area")
        self.clear_button = QPushButton("Remove all")
        for button in (self.delete_button, self.clear_button):
            button.setMinimumHeight(34)
        self.delete_button.clicked.connect(self.canvas.delete_selected)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.status = QLabel()
        self.status.setStyleSheet(f"color: {QUIET};")
        tools = QHBoxLayout()
        tools.addWidget(self.blur_button)
        tools.addWidget(self.keep_button)
        tools.addStretch(1)
        tools.addWidget(self.delete_button)
        tools.addWidget(self.clear_button)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use these areas")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(tools)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(bottom)
        self.canvas.changed.connect(self._refresh)
        (self.keep_button if kind == "keep" and keep_allowed else self.blur_button).setChecked(True)
        self._refresh()

    def _kind_toggled(self) -> None:
        self.set_kind("keep" if self.keep_button.isChecked() else "blur")

    def set_kind(self, kind: Kind) -> None:
        self.canvas.kind = kind
        self._refresh()

    def blur_regions(self) -> tuple[Region, ...]:
        return self.canvas.regions("blur")

    def keep_regions(self) -> tuple[Region, ...]:
        return self.canvas.regions("keep")

    def _refresh(self) -> None:
        blurred, kept = len(self.blur_regions()), len(self.keep_regions())
        parts = [f"{blurred} area{'s' if blurred != 1 else ''} blurred"]
        if self.keep_button.isVisibleTo(self):
            parts.append(f"{kept} kept")
        hint = "drag to add a green area" if self.canvas.kind == "keep" else "drag to add an area"
        self.status.setText(" · ".join(parts) + f" — {hint}; pick one to move, resize or remove it.")
        self.delete_button.setEnabled(self.canvas.selected is not None)
        self.clear_button.setEnabled(bool(self.canvas.areas))
        self.canvas.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Delete belongs to the canvas (remove an area), never to the dialog.
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.canvas.delete_selected()
            return
        super().keyPressEvent(event)
