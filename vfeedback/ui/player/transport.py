"""The transport bar under the video: play, step, rate, sound, loop, and the exact position.

Nothing in it changes width while playing (the labels are as wide as their longest text), so the
buttons and the picture above never jump; "exact frame" shows only when paused on an exact frame."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QWidget,
)

from vfeedback.core.timecode import format_time
from vfeedback.ui.player.controller import RATES


def _button(text: str, tip: str, icon: QStyle.StandardPixmap | None = None) -> QToolButton:
    button = QToolButton()
    if icon is not None:
        button.setIcon(button.style().standardIcon(icon))
    else:
        button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.setMinimumSize(34, 30)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class TransportBar(QWidget):
    playToggled = Signal()
    stepRequested = Signal(int)
    rateRequested = Signal(float)
    volumeRequested = Signal(int)
    muteToggled = Signal(bool)
    loopToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transport")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.setSpacing(6)

        pixmap = QStyle.StandardPixmap
        self.back = _button("", "One frame back (Left)", pixmap.SP_MediaSeekBackward)
        self.play = _button("", "Play / pause (Space)", pixmap.SP_MediaPlay)
        self.play.setMinimumWidth(44)
        self.forward = _button("", "One frame forward (Right)", pixmap.SP_MediaSeekForward)
        self.back.clicked.connect(lambda: self.stepRequested.emit(-1))
        self.forward.clicked.connect(lambda: self.stepRequested.emit(1))
        self.play.clicked.connect(self.playToggled)

        self.position = QLabel()
        self.position.setObjectName("position")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), 10.5))
        self.position.setFont(mono)
        # Monospaced digits: the widest position is the longest time and a six-digit frame.
        self.position.setFixedWidth(self.position.fontMetrics().horizontalAdvance(_position(0, 999_999)) + 8)
        self.exactness = QLabel()
        self.exactness.setObjectName("exactness")
        small = QFont(self.exactness.font())
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.exactness.setFont(small)
        self.exactness.setFixedWidth(self.exactness.fontMetrics().horizontalAdvance(EXACT) + 8)
        self._playing = False
        self._exact = False

        self.rate = QComboBox()
        self.rate.setToolTip("Playback speed")
        self.rate.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for value in RATES:
            self.rate.addItem(f"{value:g}×", value)
        self.rate.setCurrentIndex(RATES.index(1.0))
        self.rate.activated.connect(lambda i: self.rateRequested.emit(float(self.rate.itemData(i))))

        self.loop = _button("Loop", "Play the selected moment over and over")
        self.loop.setCheckable(True)
        self.loop.toggled.connect(self.loopToggled)
        self.mute = _button("", "Mute", pixmap.SP_MediaVolume)
        self.mute.setCheckable(True)
        self.mute.toggled.connect(self._on_mute)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setFixedWidth(90)
        self.volume.setToolTip("Volume")
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume.valueChanged.connect(self.volumeRequested)

        for w in (self.back, self.play, self.forward):
            row.addWidget(w)
        row.addSpacing(10)
        row.addWidget(self.position)
        row.addWidget(self.exactness)
        row.addStretch(1)
        row.addWidget(self.loop)
        row.addWidget(self.rate)
        row.addWidget(self.mute)
        row.addWidget(self.volume)
        self.show_position(0, -1, exact=False)

    def _on_mute(self, muted: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaVolumeMuted if muted else QStyle.StandardPixmap.SP_MediaVolume
        self.mute.setIcon(self.style().standardIcon(icon))
        self.muteToggled.emit(muted)

    def show_playing(self, playing: bool) -> None:
        self._playing = playing
        self._show_exactness()
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play.setIcon(self.style().standardIcon(icon))
        self.play.setToolTip("Pause (Space)" if playing else "Play (Space)")

    def show_rate(self, rate: float) -> None:
        for i in range(self.rate.count()):
            if abs(float(self.rate.itemData(i)) - rate) < 1e-6:
                self.rate.setCurrentIndex(i)

    def show_position(self, us: int, frame: int, *, exact: bool) -> None:
        self.position.setText(_position(us, frame))

    def show_exactness(self, exact: bool) -> None:
        """Whether the picture shown is the exact frame (our decoder's) or a quick preview."""
        self._exact = exact
        self._show_exactness()

    def _show_exactness(self) -> None:
        self.exactness.setText(EXACT if self._exact and not self._playing else "")


EXACT = "exact frame"


def _position(us: int, frame: int) -> str:
    frame_text = f"frame {frame}" if frame >= 0 else "frame —"
    return f"{format_time(us)}   {frame_text}"
