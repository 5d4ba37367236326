"""The video area: a native surface VLC draws into while playing, and our exact frame drawn over it
whenever paused (a widget.grab() of VLC's surface is black; screenshots use the screen)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QStackedLayout, QWidget

BACKGROUND = QColor("#1d2226")


class VideoSurface(QWidget):
    """A native window for libvlc (``set_xwindow`` / ``set_hwnd`` / ``set_nsobject``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoSurface")
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, BACKGROUND)
        self.setPalette(palette)

    def handle(self) -> int:
        return int(self.winId())


class FrameView(QWidget):
    """Paints the exact frame, fitted with its aspect ratio kept, on a calm dark background."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exactFrame")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self.frame_number = -1
        self.exact = False
        self._placeholder = ""

    def show_frame(self, image: QImage, frame: int, exact: bool) -> None:
        self._image, self.frame_number, self.exact = image, frame, exact
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self._image = None
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def placeholder(self) -> str:
        """The sentence shown instead of a picture ("" while a picture is shown)."""
        return self._placeholder if self._image is None else ""

    def picture_rect(self) -> QRect:
        if self._image is None or self._image.isNull():
            return QRect()
        size = QSize(self._image.width(), self._image.height()).scaled(
            self.size(), Qt.AspectRatioMode.KeepAspectRatio
        )
        return QRect(
            (self.width() - size.width()) // 2,
            (self.height() - size.height()) // 2,
            size.width(),
            size.height(),
        )

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self._image is not None and not self._image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.picture_rect(), self._image)
        elif self._placeholder:
            painter.setPen(QColor("#c9d1d6"))
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder
            )
        painter.end()


class PlayerView(QWidget):
    """VLC's surface and our frame view, one on top of the other."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self.surface = VideoSurface()
        self.frames = FrameView()
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.surface)
        self._stack.addWidget(self.frames)
        self.show_exact(True)

    def show_exact(self, exact: bool) -> None:
        self._stack.setCurrentWidget(self.frames if exact else self.surface)

    def showing_exact(self) -> bool:
        return self._stack.currentWidget() is self.frames

    def display_size(self) -> tuple[int, int]:
        """Pixels the decoder should scale exact frames to: the widget's physical size, at least 720p
        (a small window may grow) and at most 1080p (what bounds the frame cache's memory)."""
        ratio = self.devicePixelRatioF()
        width = min(1920, max(1280, int(self.width() * ratio)))
        height = min(1080, max(720, int(self.height() * ratio)))
        return width, height
