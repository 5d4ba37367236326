"""A widget that shows one picture as large as fits, centred, and maps between its own points and
fractions of the upright picture: what the blur areas and the marks are stored in."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget


class PictureCanvas(QWidget):
    """Base of the drawing canvases (``blur_editor.AreaCanvas``, ``marks_editor.MarkCanvas``)."""

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = image

    def picture_rect(self) -> QRectF:
        """Where the picture is drawn: as large as fits, centred."""
        size = self.image.size()
        if size.isEmpty():
            return QRectF(self.rect())
        fitted = size.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        left = (self.width() - fitted.width()) / 2
        top = (self.height() - fitted.height()) / 2
        return QRectF(left, top, fitted.width(), fitted.height())

    def to_screen(self, rect: QRectF) -> QRectF:
        """A rectangle in fractions of the picture, in this widget's points."""
        pic = self.picture_rect()
        return QRectF(
            pic.left() + rect.left() * pic.width(), pic.top() + rect.top() * pic.height(),
            rect.width() * pic.width(), rect.height() * pic.height(),
        )  # fmt: skip

    def to_fraction(self, point: QPointF) -> QPointF:
        """A point of this widget as fractions of the picture, held inside it."""
        pic = self.picture_rect()
        x = (point.x() - pic.left()) / max(pic.width(), 1)
        y = (point.y() - pic.top()) / max(pic.height(), 1)
        return QPointF(min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0))
