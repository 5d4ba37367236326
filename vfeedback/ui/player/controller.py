"""Playback logic: VLC plays; whenever paused, the position is a real frame and the picture is that
frame from our exact decoder. Stepping, scrubbing and resuming all start from that exact frame."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from vfeedback.core.frames import FrameIndex

if TYPE_CHECKING:
    from vfeedback.media.player import Player

POLL_MS = 33
RATES = (0.25, 0.5, 1.0, 1.5, 2.0)
REVERSE_STEP_MS = 80


class PlaybackController(QObject):
    positionChanged = Signal(int, int)  # µs, frame number (-1 while the frame index is not ready)
    playingChanged = Signal(bool)
    frameShown = Signal(QImage, int, bool)  # picture, frame number, exact
    showExactFrames = Signal(bool)  # True: draw our frames over the video; False: let VLC show
    rateChanged = Signal(float)
    message = Signal(str)

    def __init__(self, player: Player, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from vfeedback.ui.player.frame_worker import FrameThread

        self.player = player
        self.index: FrameIndex | None = None
        self._frames = FrameThread()
        self._frames.worker.frameReady.connect(self._on_frame)
        self._frames.worker.failed.connect(self.message)
        self._frame = 0
        self._time_us = 0
        self._playing = False
        self._decoder_ready = False
        self._draws_playback = False  # True with the fallback player: no picture of its own
        self._reported_error = False
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._tick)
        self._reverse = QTimer(self)
        self._reverse.setInterval(REVERSE_STEP_MS)
        self._reverse.timeout.connect(lambda: self.step_frames(-1, keep_reverse=True))

    # --- set-up ---------------------------------------------------------------------------------
    def open(self, path: Path, duration_us: int, *, draws_own_picture: bool = True) -> None:
        self.stop_reverse()
        self.player.open(path, duration_us)
        self.index = None
        self._decoder_ready = False
        self._frame, self._time_us, self._playing = 0, 0, False
        self._draws_playback = not draws_own_picture
        self._reported_error = False
        self._path = path
        self._poll.start()
        self.positionChanged.emit(0, -1)
        self.playingChanged.emit(False)

    def set_index(
        self, index: FrameIndex, rotation: int, max_size: tuple[int, int], proxy: Path | None = None
    ) -> None:
        """Exact frames become available (the index is built in the background)."""
        self.index = index
        self._frames.worker.configure(self._path, index, rotation, max_size, proxy)
        self._decoder_ready = True
        if not self._playing:
            self._go_to_frame(index.frame_at(self._time_us))

    def close(self) -> None:
        self._poll.stop()
        self._reverse.stop()
        self._frames.stop()
        self.player.close()

    # --- queries --------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._playing

    def time_us(self) -> int:
        return self._time_us

    def frame(self) -> int:
        return self._frame if self.index is not None else -1

    # --- transport ------------------------------------------------------------------------------
    def play(self) -> None:
        self.stop_reverse()
        if self._playing:
            return
        if self.index is not None and self._frame >= len(self.index) - 1:
            self._go_to_frame(0)  # at the end, Play starts again from the beginning
        if self.player.position_us() != self._time_us:
            self.player.seek(self._time_us)
        self.player.play()
        self._playing = True
        self.showExactFrames.emit(self._draws_playback)
        self.playingChanged.emit(True)

    def pause(self) -> None:
        self.stop_reverse()
        if not self._playing:
            return
        self.player.pause()
        self._playing = False
        self.playingChanged.emit(False)
        position = self.player.position_us()
        if self.index is not None:
            self._go_to_frame(self.index.frame_at(position))
        else:
            self._time_us = position
            self.positionChanged.emit(position, -1)

    def toggle(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def set_rate(self, rate: float) -> None:
        self.player.set_rate(rate)
        self.rateChanged.emit(rate)

    def faster(self) -> None:
        """L: play, and each further press one step faster (up to 2x)."""
        if not self._playing:
            self.set_rate(1.0)
            self.play()
            return
        current = self.player.rate()
        higher = [r for r in RATES if r > current + 1e-6]
        if higher:
            self.set_rate(higher[0])

    def reverse(self) -> None:
        """J: libvlc cannot play backwards, so step back frame by frame from our decoder."""
        self.pause()
        if self.index is None:
            self.message.emit("Stepping backwards needs the frame index, which is still being built.")
            return
        self._reverse.start()

    def stop_reverse(self) -> None:
        self._reverse.stop()

    def set_loop(self, start_us: int | None, end_us: int | None) -> None:
        """Loop the selected moment while playing (the player seeks back as it passes the end)."""
        valid = start_us is not None and end_us is not None and end_us > start_us
        self.player.set_loop(start_us if valid else None, end_us if valid else None)

    # --- exact positioning ----------------------------------------------------------------------
    def step_frames(self, count: int, *, keep_reverse: bool = False) -> None:
        if not keep_reverse:
            self.stop_reverse()
        if self._playing:
            self.pause()
        if self.index is None:
            self.message.emit("Frame stepping will be ready when the frame index is built.")
            return
        target = min(max(self._frame + count, 0), len(self.index) - 1)
        if keep_reverse and target == self._frame:
            self.stop_reverse()
        self._go_to_frame(target)

    def step_us(self, delta_us: int) -> None:
        self.seek_us(self._time_us + delta_us)

    def seek_us(self, us: int) -> None:
        """Go to the frame on screen at ``us`` (clamped); while playing, playback continues there."""
        if self.index is None:
            self._time_us = max(0, us)
            self.player.seek(self._time_us)
            self.positionChanged.emit(self._time_us, -1)
            return
        last = self.index.times[-1]
        frame = self.index.frame_at(min(max(us, 0), last))
        if self._playing:
            self._time_us = self.index.time_of(frame)
            self.player.seek(self._time_us)
            self.positionChanged.emit(self._time_us, frame)
        else:
            self._go_to_frame(frame)

    def seek_frame(self, frame: int) -> None:
        if self.index is not None:
            self.seek_us(self.index.time_of(min(max(frame, 0), len(self.index) - 1)))

    def _go_to_frame(self, frame: int) -> None:
        assert self.index is not None
        self._frame = frame
        self._time_us = self.index.time_of(frame)
        self.player.seek(self._time_us)
        self.positionChanged.emit(self._time_us, frame)
        if self._decoder_ready:
            self._frames.worker.request(frame)

    # --- polling --------------------------------------------------------------------------------
    @Slot()
    def _tick(self) -> None:
        from vfeedback.media.player import PlayerState

        position = self.player.tick()  # also lets the player finish opening and apply the loop
        if not self._playing:
            if self.player.state() is PlayerState.ERROR and not self._reported_error:
                self._reported_error = True
                self.message.emit(self.player.error() or "This recording cannot be played.")
            return
        state = self.player.state()
        if state in (PlayerState.ENDED, PlayerState.ERROR):
            self._playing = False
            self.playingChanged.emit(False)
            if state is PlayerState.ERROR and not self._reported_error:
                self._reported_error = True
                self.message.emit(self.player.error() or "This recording cannot be played.")
            end = self.index.times[-1] if self.index is not None else position
            if self.index is not None:
                self._go_to_frame(len(self.index) - 1)
            else:
                self._time_us = end
                self.positionChanged.emit(end, -1)
            return
        self._time_us = position
        frame = self.index.frame_at(position) if self.index is not None else -1
        if frame >= 0:
            self._frame = frame
            if self._draws_playback and self._decoder_ready:
                self._frames.worker.request(frame)
        self.positionChanged.emit(position, frame)

    @Slot(int, QImage, bool)
    def _on_frame(self, frame: int, image: QImage, exact: bool) -> None:
        if self._playing and not self._draws_playback:
            return  # a late frame from before play: VLC is showing the picture now
        if frame != self._frame:
            return  # overtaken by a newer step
        self.frameShown.emit(image, frame, exact)
        self.showExactFrames.emit(True)
