"""The angles of the open session in the workbench: every film on its exact frame for the session time.

The main recording's clock drives (the PlaybackController's position is always a session time, even
while VLC plays another angle: see ``session_player``). For each film that is not the large one (and
for the large one when it is not the main recording and the picture is ours), the frame shown for
session time S is that film's own frame at ``angle.angle_time(S)``, found in its own frame index;
before its first frame or after its last the cell stays dark and says "not filming yet" or "stopped
filming". Each film has its own exact-frame worker (``FrameThread``: a kept-open decoder on its own
thread), so while playing the small angles follow frame by frame by decoding on, and every seek and
every pause starts again from the session time: nothing accumulates, so nothing can drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

from vfeedback.core.angles import Angle
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Recording
from vfeedback.ui.player.angles_view import AnglesArea
from vfeedback.ui.player.frame_worker import FrameThread
from vfeedback.ui.workbench import background

if TYPE_CHECKING:
    from vfeedback.services import Library
    from vfeedback.ui.player.controller import PlaybackController
    from vfeedback.ui.player.session_player import SessionPlayer
    from vfeedback.ui.player.view import PlayerView
    from vfeedback.ui.tasks import TaskRunner

NOT_YET = "not filming yet"
STOPPED = "stopped filming"
PREPARING = "Preparing exact frames…"
MISSING = "The file of this angle is not where the library expects it."
HANDOVER_US = 120_000
"""While playing, the main recording takes over this long before the large angle's last frame ends
(a few of the controller's 33 ms polls, so VLC never reaches the angle's end first)."""
CELL_CACHE_BYTES = 96 << 20
"""A small angle's decoder cache: its pictures are small, but the decoded frames kept for stepping back
are at the film's own size (1.4 MB a frame at 720p): half of this keeps 34 of them, more than a second."""


def angle_name(rec: Recording) -> str:
    """The clinician's own name for a film, else the file's original name."""
    return rec.title or rec.original_name


def frame_for(index: FrameIndex, local_us: int) -> int | str:
    """The film's frame at its own time ``local_us``, or why it has none there."""
    if local_us < 0:
        return NOT_YET
    if local_us >= index.duration_us:
        return STOPPED
    return index.frame_at(local_us)


def signed_seconds(us: int) -> str:
    return f"{us / 1e6:+.2f} s"


@dataclass(eq=False)
class Member:
    """One film of the session."""

    recording: Recording
    path: Path
    angle: Angle | None  # None for the main recording
    index: FrameIndex | None = None
    proxy: Path | None = None
    thread: FrameThread | None = None
    feed: _Feed | None = None
    wanted: int | str | None = None
    """The frame last asked for (or the sentence shown instead)."""

    @property
    def id(self) -> int:
        return self.recording.id

    @property
    def name(self) -> str:
        return angle_name(self.recording)

    @property
    def aspect(self) -> float:
        """The picture's width / height as a viewer sees it (rotation and pixel shape applied)."""
        media = self.recording.media
        return media.display_width / media.display_height if media.display_height else 16 / 9

    @property
    def offset_us(self) -> int:
        return 0 if self.angle is None else self.angle.offset_us

    def local_us(self, session_us: int) -> int:
        return session_us if self.angle is None else self.angle.angle_time(session_us)


def _ends_at(m: Member, session_us: int) -> bool:
    """Whether angle ``m`` (not the main recording) has stopped filming, or is about to, at ``session_us``."""
    if m.angle is None or m.index is None:
        return False
    return m.local_us(session_us) >= m.index.duration_us - HANDOVER_US


class _Feed(QObject):
    """Brings one film's decoded frames from its worker thread to the GUI thread."""

    def __init__(self, session: AngleSession, recording_id: int) -> None:
        super().__init__(session)
        self._session = session
        self._id = recording_id

    @Slot(int, QImage, bool)
    def take(self, frame: int, image: QImage, exact: bool) -> None:
        self._session.frame_ready(self._id, frame, image, exact)

    @Slot(str)
    def failed(self, sentence: str) -> None:
        self._session.frame_failed(self._id, sentence)


class AngleSession(QObject):
    """The open session's films, which one is large, and which one the nudge keys move."""

    status = Signal(str)
    largeChanged = Signal(int)
    layoutChanged = Signal(bool)  # True: side by side

    def __init__(
        self,
        library: Library,
        tasks: TaskRunner,
        video: PlayerView,
        controller: PlaybackController,
        player: SessionPlayer,
        *,
        vlc: bool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.tasks = tasks
        self.video = video
        self.controller = controller
        self.player = player
        self.vlc = vlc  # VLC shows the large film while playing; else our frames do
        self.area = AnglesArea(video)
        self.area.cellClicked.connect(self.make_large)
        self.members: dict[int, Member] = {}
        self.main_id: int | None = None
        self.large_id: int | None = None
        self.chosen_id: int | None = None
        self._want_large: int | None = None
        self._session_us = 0
        self._playing = False
        self._generation = 0

    # --- the session ----------------------------------------------------------------------------
    def main_of(self, recording_id: int) -> int:
        """The recording the workbench opens for ``recording_id``: its main one when it is an angle."""
        return self.library.angles.main_of(recording_id)

    def open(self, main: Recording, large: int | None = None) -> None:
        """The session of ``main`` (just opened in the window); ``large``: the angle to show large
        once the main recording's frames are ready."""
        self.close()
        self._generation += 1
        self.main_id = self.large_id = main.id
        self.members = {main.id: Member(main, self.library.recordings.path(main), None)}
        for angle in self.library.angles.of(main.id):
            rec = self.library.recordings.get(angle.recording_id)
            self.members[rec.id] = Member(rec, self.library.recordings.path(rec), angle)
        self._want_large = large if large in self.members and large != main.id else None
        angles = [m for m in self.members.values() if m.angle is not None]
        self.chosen_id = angles[0].id if angles else None
        self.area.set_members([(m.id, m.name, m.aspect) for m in self.members.values()], main.id)
        self._show_chosen()
        for m in angles:
            self._prepare(m)

    def is_session(self) -> bool:
        return len(self.members) > 1

    def shows_main_large(self) -> bool:
        return self.large_id is None or self.large_id == self.main_id

    def main_ready(self, index: FrameIndex, proxy: Path | None) -> None:
        """The main recording's frame index (and proxy, when made) are ready."""
        main = self.members.get(self.main_id or -1)
        if main is None:
            return
        main.index, main.proxy = index, proxy
        self._configure(main)
        if main.id != self.large_id:
            self._show(main, force=True)
        if self._want_large is not None:
            want, self._want_large = self._want_large, None
            self.make_large(want)

    def reload(self) -> None:
        """The angles changed in the library (added, removed, nudged, undone)."""
        if self.main_id is None:
            return
        try:
            now = {a.recording_id: a for a in self.library.angles.of(self.main_id)}
            main = self.library.recordings.get(self.main_id)
            names = {rid: angle_name(self.library.recordings.get(rid)) for rid in [main.id, *now]}
        except VfeedbackError:
            return  # the main recording went: the window closes it
        before = {m.id for m in self.members.values() if m.angle is not None}
        shown = {m.id: m.name for m in self.members.values()}
        if set(now) != before or names != shown:  # added, removed (or deleted), or renamed
            index = self.members[self.main_id].index
            proxy = self.members[self.main_id].proxy
            large = self.large_id if self.large_id in now else None
            if large is None and self.large_id != self.main_id:
                self._play_large(self.members[self.main_id])  # the large angle was removed
            self.open(main, None)
            if index is not None:
                self.main_ready(index, proxy)
            if large is not None:
                self.make_large(large)
            return
        for rid, angle in now.items():
            member = self.members[rid]
            if member.angle != angle:
                member.angle = angle
                member.wanted = None
                if rid == self.large_id:
                    self.player.retime(angle.offset_us, at_us=self.controller.time_us())
        self.follow(self.controller.time_us(), self.controller.playing)

    def close(self) -> None:
        for m in self.members.values():
            if m.thread is not None:
                m.thread.stop()
                m.thread = None
            if m.feed is not None:
                m.feed.deleteLater()
        self.members = {}
        self.main_id = self.large_id = self.chosen_id = None
        self.area.clear()

    # --- following the session time -------------------------------------------------------------
    def follow(self, session_us: int, playing: bool) -> None:
        """Every film to its own frame at session time ``session_us`` (the controller's position)."""
        self._session_us, self._playing = session_us, playing
        if not self.is_session():
            return
        large = self.members.get(self.large_id or -1)
        if playing and large is not None and _ends_at(large, session_us):
            # The large angle stops filming: VLC would end there, and the session with it.
            self.make_large(self.main_id or -1)
            self.status.emit(f"'{large.name}' stopped filming here: the main recording is large again.")
            return
        for m in self.members.values():
            if m.id == self.large_id and (m.angle is None or (playing and self.vlc)):
                continue  # the controller's picture, or VLC's
            self._show(m, force=False)

    def _show(self, m: Member, *, force: bool) -> None:
        view = self.area.frame_view(m.id)
        if m.index is None:
            return
        want = frame_for(m.index, m.local_us(self._session_us))
        if isinstance(want, str):
            if want != m.wanted or force:
                view.set_placeholder(want)
            m.wanted = want
            return
        if want == m.wanted and not force:
            return
        m.wanted = want
        self._thread(m).worker.request(want, preview=not self._playing)

    def frame_ready(self, recording_id: int, frame: int, image: QImage, exact: bool) -> None:
        m = self.members.get(recording_id)
        if m is None or m.wanted != frame:
            return  # overtaken, or from a session closed meanwhile
        if m.id == self.large_id and m.angle is None:
            return  # the controller draws the main recording when it is large
        self.area.frame_view(m.id).show_frame(image, frame, exact)

    def frame_failed(self, recording_id: int, sentence: str) -> None:
        m = self.members.get(recording_id)
        if m is not None:
            self.area.frame_view(m.id).set_placeholder(sentence)
            m.wanted = sentence

    # --- large and small ------------------------------------------------------------------------
    def make_large(self, recording_id: int) -> None:
        """Show ``recording_id`` large; VLC plays it, with its sound."""
        m = self.members.get(recording_id)
        if m is None or recording_id == self.large_id:
            return
        if self.controller.playing and m.index is not None:
            here = frame_for(m.index, m.local_us(self.controller.time_us()))
            if isinstance(here, str) or _ends_at(m, self.controller.time_us()):
                # VLC cannot play a film where it has no picture: it would jump the session there.
                self.status.emit(f"'{m.name}' is not filming at this moment; pause to see it large.")
                return
        old = self.members.get(self.large_id or -1)
        self.large_id = recording_id
        self.area.set_large(recording_id)
        self._play_large(m)
        for member in (old, m):
            if member is not None:
                member.wanted = None
                self._configure(member)  # the large picture's size, or the cell's
        if m.angle is None:
            # The main recording large again: its exact frame comes from the controller.
            if not self.controller.playing:
                self.controller.seek_us(self.controller.time_us())
        else:
            self._show(m, force=True)
        if old is not None:
            self._show(old, force=True)
        self.largeChanged.emit(recording_id)
        self.status.emit(f"'{m.name}' is large now, with its sound.")

    def _play_large(self, m: Member) -> None:
        self.player.use(
            m.path,
            m.recording.media.duration_us,
            m.offset_us,
            at_us=self.controller.time_us(),
            playing=self.controller.playing,
        )

    # --- layout ---------------------------------------------------------------------------------
    def toggle_layout(self) -> bool:
        """All side by side, or one large and the others small; returns True for side by side."""
        self.area.set_side_by_side(not self.area.side_by_side)
        for m in self.members.values():
            if m.thread is not None and m.index is not None:
                self._configure(m)
                m.wanted = None
        self.follow(self._session_us, self._playing)
        self.layoutChanged.emit(self.area.side_by_side)
        return self.area.side_by_side

    # --- nudging --------------------------------------------------------------------------------
    def choose(self, step: int) -> None:
        """The next (``step`` 1) or previous (-1) angle becomes the one the nudge keys move."""
        ids = [m.id for m in self.members.values() if m.angle is not None]
        if not ids:
            self.status.emit("This recording has no angles.")
            return
        at = ids.index(self.chosen_id) if self.chosen_id in ids else 0
        self.chosen_id = ids[(at + step) % len(ids)]
        self._show_chosen()
        self.status.emit(f"Alt+Left and Alt+Right now move '{self.members[self.chosen_id].name}'.")

    def nudge(self, frames: int) -> None:
        """Move the chosen angle by ``frames`` of its own frames at the paused session time."""
        if self.chosen_id is None:
            self.status.emit("This recording has no angles to move.")
            return
        self.controller.pause()
        m = self.members[self.chosen_id]
        angle = self.library.angles.nudge(m.id, frames, at_us=self.controller.time_us())
        self.reload()  # in case the library's change came through another thread's queue
        count = "one frame" if abs(frames) == 1 else f"{abs(frames)} frames"
        way = "later" if frames > 0 else "earlier"
        self.status.emit(f"Angle '{m.name}' moved {count} {way} (offset {signed_seconds(angle.offset_us)})")

    def _show_chosen(self) -> None:
        for rid, cell in self.area.cells.items():
            cell.set_chosen(rid == self.chosen_id and len(self.members) > 2)

    # --- workers --------------------------------------------------------------------------------
    def _prepare(self, m: Member) -> None:
        if not m.path.exists():
            self.area.frame_view(m.id).set_placeholder(MISSING)
            return
        self.area.frame_view(m.id).set_placeholder(PREPARING)
        generation = self._generation
        self.tasks.submit(
            f"Indexing frames of '{m.name}'",
            background.index_job(self.library, m.id),
            on_done=lambda index: self._index_ready(generation, m.id, index),
        )

    def _index_ready(self, generation: int, recording_id: int, index: FrameIndex) -> None:
        m = self.members.get(recording_id)
        if generation != self._generation or m is None:
            return
        m.index = index
        m.proxy = self.library.media.proxy_file(m.id)
        self._configure(m)
        self._show(m, force=True)
        if m.proxy is None:
            self.tasks.submit(
                f"Preparing quick stepping for '{m.name}'",
                background.proxy_job(self.library, m.recording, index),
                on_done=lambda path: self._proxy_ready(generation, recording_id, path),
            )

    def _proxy_ready(self, generation: int, recording_id: int, path: Path) -> None:
        m = self.members.get(recording_id)
        if generation == self._generation and m is not None:
            m.proxy = path
            self._configure(m)

    def _thread(self, m: Member) -> FrameThread:
        if m.thread is None:
            m.thread = FrameThread(f"angle-{m.id}", CELL_CACHE_BYTES)
            m.feed = _Feed(self, m.id)
            m.thread.worker.frameReady.connect(m.feed.take)
            m.thread.worker.failed.connect(m.feed.failed)
            self._configure(m)
        return m.thread

    def _configure(self, m: Member) -> None:
        thread = m.thread
        if m.index is None or thread is None:
            return  # configured when its first frame is asked for (``_thread``)
        large = m.id == self.large_id
        size = self.video.display_size() if large else self._cell_size(m.id)
        thread.worker.configure(m.path, m.index, m.recording.media.rotation, size, m.proxy)

    def _cell_size(self, recording_id: int) -> tuple[int, int]:
        """Small pictures at the cell's physical size, but no smaller than 480 x 270 (cells grow
        with the window, and side by side they are half of it)."""
        cell = self.area.cells.get(recording_id)
        ratio = self.area.devicePixelRatioF()
        width = cell.width() if cell is not None else 0
        height = cell.height() if cell is not None else 0
        if self.area.side_by_side:
            return self.video.display_size()
        return max(480, int(width * ratio)), max(270, int(height * ratio))
