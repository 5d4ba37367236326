"""Play an exported clip or reel in place (in the highlights browser) or full screen, with sound
through VLC when it is available, else by opening it in the system's player."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPalette,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from vfeedback.core.errors import VfeedbackError
from vfeedback.ui.player.view import VideoSurface

if TYPE_CHECKING:
    from vfeedback.media.player import Player, PlayerState


class ClipPreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.surface = VideoSurface()
        self.surface.setMinimumSize(320, 180)
        self.title = QLabel("Double-click a clip to watch it here.")
        self.title.setWordWrap(True)
        self.toggle = QPushButton("Pause")
        self.toggle.setEnabled(False)
        self.toggle.clicked.connect(self._toggle)
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(self.toggle)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.surface, 1)
        column.addLayout(row)
        self._player: Player | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._tick)

    def play(self, path: Path) -> None:
        from vfeedback.media.player import make_player
        from vfeedback.media.probe import probe
        from vfeedback.media.vlc_player import VlcPlayer

        try:
            duration = probe(path).duration_us
        except VfeedbackError as exc:
            self.title.setText(str(exc))
            return
        if self._player is None:
            self._player = make_player()
        if not isinstance(self._player, VlcPlayer):
            # No libvlc here: the system's own player shows it (with sound).
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
            return
        self._player.set_window(self.surface.handle())
        self._player.open(path, duration)
        self._player.play()
        self.title.setText(path.name)
        self.toggle.setEnabled(True)
        self.toggle.setText("Pause")
        self._poll.start()

    def _toggle(self) -> None:
        if self._player is not None:
            self._player.toggle()

    def _tick(self) -> None:
        if self._player is None:
            return
        self._player.tick()
        from vfeedback.media.player import PlayerState

        playing = self._player.state() is PlayerState.PLAYING
        self.toggle.setText("Pause" if playing else "Play")

    def stop(self) -> None:
        self._poll.stop()
        if self._player is not None:
            self._player.close()
            self._player = None


class FullScreenPlayer(QWidget):
    """A finished clip or reel, full screen on black, to watch it as the family will (outside review
    mode: the file itself, its burned captions and title card). Space or a click pauses and plays;
    Escape closes; it closes by itself at the end. ``closed`` is emitted once the player is released.

    ``player``: by default ``make_player()``, headless where Qt draws nowhere (the offscreen
    platform: a window handed to libvlc there makes it pick an output of its own). Without VLC the
    system's player is asked instead and this window never opens (``opened`` is False).
    """

    closed = Signal()

    def __init__(self, path: Path, player: Player | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        from vfeedback.media.player import make_player
        from vfeedback.media.probe import probe
        from vfeedback.media.vlc_player import VlcPlayer

        self.setWindowTitle("Playing full screen")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("black"))
        self.setPalette(palette)
        self.surface = VideoSurface()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.surface)
        self._poll = QTimer(self)
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._tick)
        self._released = False
        self.ended_as: PlayerState | None = None  # how it closed by itself, if it did
        self._duration_us = probe(path).duration_us  # a bad file: one sentence, raised to the caller
        self._draw = QGuiApplication.platformName() not in ("offscreen", "minimal")
        self.player = player or make_player(headless=not self._draw)
        self.opened = isinstance(self.player, VlcPlayer)
        self._path = path
        if not self.opened:
            self.player.close()
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def present(self) -> None:
        """Full screen on the screen this window is given (the browser's), then play."""
        if not self.opened:
            return
        screen = self.screen()
        if screen is not None:
            self.setGeometry(screen.geometry())  # without a window manager nobody answers the request
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
        self.setFocus()
        if self._draw:
            self.player.set_window(self.surface.handle())
        self.player.open(self._path, self._duration_us)
        self.player.play()
        self._poll.start()

    def _tick(self) -> None:
        from vfeedback.media.player import PlayerState

        self.player.tick()
        state = self.player.state()
        if state in (PlayerState.ENDED, PlayerState.ERROR):
            self.ended_as = state
            self.close()

    def toggle(self) -> None:
        if not self._released:
            self.player.toggle()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
        elif event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.toggle()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.toggle()
        super().mousePressEvent(event)

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        self._poll.stop()
        self.player.close()
        self.closed.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.release()
        super().closeEvent(event)
