"""Playing a moment's clip straight from its recording, and fetching its exact first frame.

The workbench's PlaybackController does the playing: VLC draws the picture when it is there; with the
silent fallback player the controller asks our decoder for each frame and the view paints them.
This adds what review mode needs on top: stop at the end of the clip, switch recordings between
moments, and hand over the exact frame at a moment's start for "Pause on this moment".

Any trouble (a file gone, a frame that will not decode) becomes ``unavailable``; the window shows a
gentle card. The technical sentence is dropped on purpose: it names files, and a family is watching.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

from vfeedback.core.frames import FrameIndex
from vfeedback.media.player import PlayerState
from vfeedback.ui.player.controller import PlaybackController
from vfeedback.ui.player.view import PlayerView
from vfeedback.ui.review.flow import ReviewItem, Source
from vfeedback.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from vfeedback.media.player import Player
    from vfeedback.services import Library


class ClipRunner(QObject):
    clipFinished = Signal()
    playingChanged = Signal(bool)
    freezeReady = Signal(QImage, int)  # the exact picture, its frame number
    unavailable = Signal(int)  # recording id

    def __init__(
        self,
        library: Library,
        player: Player,
        sources: dict[int, Source],
        view: PlayerView,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        from vfeedback.media.vlc_player import VlcPlayer

        self.library = library
        self.view = view
        self.sources = sources
        self.vlc = isinstance(player, VlcPlayer)
        self.controller = PlaybackController(player, self)
        self.indexes: dict[int, FrameIndex] = {}
        self._tasks = TaskRunner(self, max_threads=1)
        self._open_id: int | None = None
        self._end_us: int | None = None
        self._freeze_us: int | None = None
        self._released = False
        c = self.controller
        c.frameShown.connect(self._on_frame)
        c.showExactFrames.connect(view.show_exact)
        c.positionChanged.connect(self._on_position)
        c.playingChanged.connect(self._on_playing)
        c.message.connect(self._on_problem)

    # --- preparing ------------------------------------------------------------------------------
    def prepare(self, recording_ids: list[int]) -> None:
        """Load (or build) the frame index of each recording in the background, in reel order, so
        the first moment is ready first."""
        for rid in dict.fromkeys(recording_ids):
            source = self.sources.get(rid)
            if source is None or not source.present():
                continue
            self._tasks.submit(
                "Preparing",
                _index_job(self.library, rid),
                on_done=partial(self._index_ready, rid),
                on_error=partial(self._index_failed, rid),
            )

    def _index_failed(self, recording_id: int, _sentence: str) -> None:
        self.unavailable.emit(recording_id)

    def _index_ready(self, recording_id: int, index: Any) -> None:
        self.indexes[recording_id] = index
        if self._open_id == recording_id:
            self._give_index(recording_id)

    def _give_index(self, recording_id: int) -> None:
        source = self.sources[recording_id]
        self.controller.set_index(
            self.indexes[recording_id],
            source.rotation,
            self.view.display_size(),
            self.library.media.proxy_file(recording_id),
        )

    def _open(self, recording_id: int) -> bool:
        source = self.sources.get(recording_id)
        if source is None or not source.present():
            self.unavailable.emit(recording_id)
            return False
        if self._open_id != recording_id:
            if self.vlc:
                self.controller.player.set_window(self.view.surface.handle())
            self.controller.open(source.path, source.duration_us, draws_own_picture=self.vlc)
            self.view.frames.set_placeholder("")
            self.view.show_exact(True)
            self._open_id = recording_id
            if recording_id in self.indexes:
                self._give_index(recording_id)
        return True

    # --- commands -------------------------------------------------------------------------------
    def play(self, item: ReviewItem, rate: float = 1.0) -> None:
        """Play the clip from its start at ``rate`` and stop at its end (``clipFinished``)."""
        self._freeze_us = None
        self._end_us = None
        self.controller.pause()
        if not self._open(item.recording_id):
            return
        self.controller.set_rate(rate)
        self.controller.seek_us(item.clip_start_us)
        self._end_us = item.clip_end_us
        self.controller.play()

    def freeze(self, item: ReviewItem) -> None:
        """Fetch the exact frame at the moment's start (``freezeReady``)."""
        self._end_us = None
        self.controller.pause()
        if not self._open(item.recording_id):
            return
        self._freeze_us = item.start_us
        self.controller.seek_us(item.start_us)

    def pause(self) -> None:
        self.controller.pause()

    def resume(self) -> None:
        if self._end_us is not None:
            self.controller.play()

    def toggle(self) -> None:
        if self.controller.playing:
            self.pause()
        else:
            self.resume()

    def stop(self) -> None:
        """Leave the clip: pause, and forget its end and any frame asked for."""
        self._end_us = None
        self._freeze_us = None
        self.controller.pause()

    @property
    def playing(self) -> bool:
        return self.controller.playing

    def release(self) -> None:
        """Stop the background work, the frame thread and the player; once."""
        if self._released:
            return
        self._released = True
        self._tasks.shutdown()
        self.controller.close()

    # --- from the controller --------------------------------------------------------------------
    @Slot(int, int)
    def _on_position(self, us: int, _frame: int) -> None:
        if self._end_us is not None and self.controller.playing and us >= self._end_us:
            self._finish()

    @Slot(bool)
    def _on_playing(self, playing: bool) -> None:
        self.playingChanged.emit(playing)
        if not playing and self._end_us is not None:
            state = self.controller.player.state()
            if state is PlayerState.ENDED:  # the recording ended inside the clip's last second
                self._finish()
            elif state is PlayerState.ERROR:
                self._on_problem("")

    def _finish(self) -> None:
        self._end_us = None
        self.controller.pause()
        self.clipFinished.emit()

    @Slot(QImage, int, bool)
    def _on_frame(self, image: QImage, frame: int, exact: bool) -> None:
        self.view.frames.show_frame(image, frame, exact)
        index = self.controller.index
        if (
            exact
            and self._freeze_us is not None
            and index is not None
            and frame == index.frame_at(self._freeze_us)
        ):
            self._freeze_us = None
            self.freezeReady.emit(image, frame)

    @Slot(str)
    def _on_problem(self, _sentence: str) -> None:
        self._end_us = None
        self._freeze_us = None
        if self._open_id is not None:
            self.unavailable.emit(self._open_id)


def _index_job(library: Library, recording_id: int) -> Any:
    def job(progress: Any, should_cancel: Any) -> FrameIndex:
        return library.media.frame_index(recording_id, progress=progress, should_cancel=should_cancel)

    return job
