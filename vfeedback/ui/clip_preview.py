"""Play an exported clip or reel in place (in the highlights browser), with sound through VLC when it
is available, else by opening it in the system's player."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from vfeedback.core.errors import VfeedbackError
from vfeedback.ui.player.view import VideoSurface

if TYPE_CHECKING:
    from vfeedback.media.player import Player


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
