"""Controls that step out of the way while a clip plays, and come back when someone reaches for them."""

from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QEvent, QObject, QPoint, QPropertyAnimation, Qt, QTimer
from PySide6.QtGui import QMouseEvent, QWindow
from PySide6.QtWidgets import QApplication, QGraphicsOpacityEffect, QWidget

IDLE_MS = 2500
FADE_OUT_MS = 700
FADE_IN_MS = 180

_ACTIVITY = (
    QEvent.Type.MouseMove,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.Wheel,
    QEvent.Type.KeyPress,
)


class ControlsFader(QObject):
    """Fades ``controls`` out after IDLE_MS without movement while ``playing``; any movement, touch or
    key in ``window`` brings them back. Faded controls let clicks through to the page (a tap on an
    invisible button must not skip a moment) and the pointer hides with them."""

    def __init__(self, window: QWidget, controls: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._controls = controls
        self._effect = QGraphicsOpacityEffect(controls)
        self._effect.setOpacity(1.0)
        controls.setGraphicsEffect(self._effect)
        self._animation = QPropertyAnimation(self._effect, b"opacity", self)
        self._animation.setEasingCurve(QEasingCurve.Type.InOutSine)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_MS)
        self._idle.timeout.connect(self._fade_out)
        self._playing = False
        self._shown = True
        self._last_pos: QPoint | None = None
        self._watching = False

    @property
    def shown(self) -> bool:
        return self._shown

    def start(self) -> None:
        """Watch the whole application for activity aimed at our window."""
        app = QApplication.instance()
        if app is not None and not self._watching:
            app.installEventFilter(self)
            self._watching = True

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None and self._watching:
            app.removeEventFilter(self)
            self._watching = False
        self._idle.stop()

    def set_playing(self, playing: bool) -> None:
        self._playing = playing
        self.poke()

    def poke(self) -> None:
        """Someone moved: show the controls, and start counting again if a clip plays."""
        self._idle.stop()
        if not self._shown:
            self._fade(1.0, FADE_IN_MS)
            self._shown = True
            self._controls.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
            self._window.unsetCursor()
        if self._playing:
            self._idle.start()

    def _fade_out(self) -> None:
        if not self._playing or not self._shown:
            return
        self._shown = False
        self._controls.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self._window.setCursor(Qt.CursorShape.BlankCursor)
        self._fade(0.0, FADE_OUT_MS)

    def _fade(self, target: float, ms: int) -> None:
        self._animation.stop()
        self._animation.setDuration(ms)
        self._animation.setStartValue(self._effect.opacity())
        self._animation.setEndValue(target)
        self._animation.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self._ours(watched):
            if event.type() == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
                # Qt also sends a move when a page changes under a still pointer: only real
                # movement counts, or the controls could never fade.
                pos = event.globalPosition().toPoint()
                if pos == self._last_pos:
                    return False
                self._last_pos = pos
            self.poke()
        return False

    def _ours(self, watched: QObject) -> bool:
        if isinstance(watched, QWidget):
            return watched.window() is self._window
        if isinstance(watched, QWindow):
            # The native video surface has its own QWindow; VLC's picture sits inside it.
            handle = self._window.windowHandle()
            return watched is handle or (handle is not None and watched.parent() is handle)
        return False
