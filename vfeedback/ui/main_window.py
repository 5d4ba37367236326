"""The workbench window, wired in one place: library on the left, player and timeline in the centre,
inspector and moment list on the right. Every edit goes through the Library at once; views redraw from
the Library's ``Changes``; long work goes through the one TaskRunner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.errors import VfeedbackError
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Code, Moment, Recording
from vfeedback.services import Library
from vfeedback.services.undo import Changes
from vfeedback.ui.inspector import Inspector
from vfeedback.ui.library_panel import LibraryPanel
from vfeedback.ui.moment_list import MomentList
from vfeedback.ui.player.controller import PlaybackController
from vfeedback.ui.player.transport import TransportBar
from vfeedback.ui.player.view import PlayerView
from vfeedback.ui.task_status import TaskStatus
from vfeedback.ui.tasks import TaskRunner
from vfeedback.ui.timeline import TimelineView, moment_items
from vfeedback.ui.workbench import background, naming
from vfeedback.ui.workbench.cases import CaseActions
from vfeedback.ui.workbench.closing import ExportsOnClose
from vfeedback.ui.workbench.coding import CodingState
from vfeedback.ui.workbench.exchange import ExchangeActions
from vfeedback.ui.workbench.highlights import HighlightActions
from vfeedback.ui.workbench.keys import HelpOverlay, KeyRouter
from vfeedback.ui.workbench.supervision import SupervisionActions

if TYPE_CHECKING:
    from vfeedback.media.player import Player

VIDEO_FILTER = "Videos (*.mp4 *.mov *.m4v *.mkv *.avi *.3gp *.mts *.webm);;All files (*)"
ONE_SECOND_US = 1_000_000


class ChangeRelay(QObject):
    """Library listeners may be called from a worker thread; this hops them onto the GUI thread."""

    changed = Signal(object)


class MainWindow(QMainWindow):
    def __init__(self, library: Library, player: Player | None = None) -> None:
        super().__init__()
        from vfeedback.media.player import make_player, player_unavailable_reason
        from vfeedback.media.vlc_player import VlcPlayer

        self.library = library
        self.setWindowTitle("vfeedback")
        self.setMinimumSize(1000, 620)
        self.tasks = TaskRunner(self)
        self.tasks.error.connect(self._show_error)
        self.closing = ExportsOnClose(self)
        self.player = player if player is not None else make_player()
        self._vlc = isinstance(self.player, VlcPlayer)
        # Only when VLC did not start do we ask why (that starts a second libvlc, ~0.2 s).
        self._player_missing = (
            player_unavailable_reason() if player is None and not isinstance(self.player, VlcPlayer) else None
        )
        self.controller = PlaybackController(self.player, self)
        self.recording: Recording | None = None
        self.index: FrameIndex | None = None
        self.moments: list[Moment] = []
        self.codes: dict[int, Code] = {}
        self.pieces = background.Pieces(self)
        self._thumbs: list[tuple[int, Any]] = []
        self._film_timer = QTimer(self)
        self._film_timer.setSingleShot(True)
        self._film_timer.setInterval(100)
        self._film_timer.timeout.connect(lambda: self.timeline.set_filmstrip(self._thumbs))
        self.coding = CodingState(library, position=self.controller.time_us)
        self.exchange = ExchangeActions(self)
        self.supervision = SupervisionActions(self)
        self.cases = CaseActions(self)
        self.highlights = HighlightActions(self)
        naming.apply_saved_name(library)

        self._build_views()
        self._build_menus()
        self._wire()
        self._relay = ChangeRelay(self)
        self._relay.changed.connect(self._on_changes)
        library.subscribe(self._relay.changed.emit)
        self._load_codes()
        self._restore()
        self.router = KeyRouter(self, self.code_key)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.router)
            app.aboutToQuit.connect(self._shutdown)  # also when the app quits without a close
        self._shut_down = False
        if self._player_missing:
            self.statusBar().showMessage(
                self._player_missing + " Playing silently with vfeedback's own decoder."
            )
        # Exports stopped when vfeedback last closed are named once, after the window is up.
        QTimer.singleShot(0, self, self.closing.tell_stopped)

    # --- building -------------------------------------------------------------------------------
    def _build_views(self) -> None:
        self.panel = LibraryPanel(self.library, tasks=self.tasks)
        self.video = PlayerView()
        self.transport = TransportBar()
        self.timeline = TimelineView()
        # Every lane stays visible at 1366x768; the video gives way first.
        self.timeline.setMinimumHeight(self.timeline.sizeHint().height())
        self.inspector = Inspector(self.library)
        self.moment_list = MomentList()
        self.code_label = QLabel()
        self.code_label.setObjectName("currentCode")
        self.marks_label = QLabel()

        centre_top = QWidget()
        column = QVBoxLayout(centre_top)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.video, 1)
        column.addWidget(self.transport)

        self.centre = QSplitter(Qt.Orientation.Vertical)
        self.centre.addWidget(centre_top)
        self.centre.addWidget(self.timeline)
        self.centre.setStretchFactor(0, 1)
        self.centre.setStretchFactor(1, 0)
        self.centre.setCollapsible(1, False)

        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.inspector)
        self.right.addWidget(self.moment_list)
        self.right.setStretchFactor(0, 1)
        self.right.setStretchFactor(1, 1)
        self.right.setSizes([420, 380])

        self.splitter = QSplitter()
        self.splitter.addWidget(self.panel)
        self.splitter.addWidget(self.centre)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([190, 790, 460])
        self.setCentralWidget(self.splitter)
        self.help = HelpOverlay(self)

        status = self.statusBar()
        status.addPermanentWidget(self.marks_label)
        status.addPermanentWidget(self.code_label)
        status.addPermanentWidget(TaskStatus(self.tasks))
        self.video.frames.set_placeholder("Choose a recording on the left to watch and tag it.")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self._action("Add &family…", "Ctrl+Shift+N", self.add_family))
        file_menu.addAction(self._action("&Import recording…", "Ctrl+I", self.import_recording))
        file_menu.addSeparator()
        self.exchange.build(file_menu)
        file_menu.addSeparator()
        self.cases.build(file_menu)
        file_menu.addAction(self._action("Your &name…", None, self.ask_name))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.close))

        edit = bar.addMenu("&Edit")
        self.act_undo = self._action("&Undo", "Ctrl+Z", self.undo)
        self.act_redo = self._action("&Redo", "Ctrl+Shift+Z", self.redo)
        edit.addActions([self.act_undo, self.act_redo])
        edit.addSeparator()
        edit.addAction(self._action("&Delete selected moments", None, self.delete_selected))

        play = bar.addMenu("&Playback")
        play.addAction(self._action("Play / pause\tSpace", None, self.toggle_play))
        play.addAction(self._action("One frame forward\tRight", None, self.step_forward))
        play.addAction(self._action("One frame back\tLeft", None, self.step_back))
        play.addAction(self._action("One second forward\tShift+Right", None, self.second_forward))
        play.addAction(self._action("One second back\tShift+Left", None, self.second_back))

        moment = bar.addMenu("&Moment")
        self.highlights.build(moment)

        self.supervision.build(bar.addMenu("&Supervision"))

        view = bar.addMenu("&View")
        self.act_lanes = self._action("Lanes by &code", None, self._toggle_lanes)
        self.act_lanes.setCheckable(True)
        view.addAction(self.act_lanes)
        view.addAction(self._action("Zoom in\t+", None, self.zoom_in))
        view.addAction(self._action("Zoom out\t-", None, self.zoom_out))
        view.addAction(self._action("Whole recording\t0", None, self.zoom_fit))
        view.addSeparator()
        view.addAction(self._action("Keyboard keys\t?", None, self.toggle_help))
        self._refresh_undo()

    def _action(
        self, text: str, shortcut: str | QKeySequence.StandardKey | None, slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: self._guard(slot))
        self.addAction(action)
        return action

    def _wire(self) -> None:
        c = self.controller
        c.positionChanged.connect(self._on_position)
        c.playingChanged.connect(self.transport.show_playing)
        c.frameShown.connect(self._on_frame)
        c.showExactFrames.connect(self.video.show_exact)
        c.rateChanged.connect(self.transport.show_rate)
        c.message.connect(self._show_error)
        t = self.transport
        t.playToggled.connect(self.toggle_play)
        t.stepRequested.connect(lambda n: self._guard(lambda: self.controller.step_frames(n)))
        t.rateRequested.connect(self.controller.set_rate)
        t.volumeRequested.connect(self.player.set_volume)
        t.muteToggled.connect(self.player.set_muted)
        t.loopToggled.connect(lambda _on: self._update_loop())
        self.panel.recordingChosen.connect(lambda rid: self._guard(lambda: self.open_recording(rid)))
        tl = self.timeline
        tl.seekRequested.connect(lambda us: self.controller.seek_us(us))
        self.panel.aboutToDelete.connect(self.cases.release_for_deletion)
        tl.createRequested.connect(lambda lane, a, b: self._guard(lambda: self._create_on_lane(lane, a, b)))
        tl.retimeRequested.connect(lambda spans: self._guard(lambda: self.library.moments.retime(spans)))
        tl.selectionChanged.connect(self._select_from_timeline)
        tl.deleteRequested.connect(lambda ids: self._guard(lambda: self._delete(ids)))
        self.moment_list.selectionChangedIds.connect(self._select_from_list)
        self.moment_list.activated_moment.connect(self._jump_to)
        self.inspector.message.connect(self._show_error)
        self.pieces.thumbnail.connect(self._on_thumbnail)
        self.pieces.waveform.connect(self._on_waveform)

    # --- opening --------------------------------------------------------------------------------
    def open_recording(self, recording_id: int) -> None:
        rec = self.library.recordings.get(recording_id)
        path = self.library.recordings.path(rec)
        if not path.exists():
            self._show_error(
                f"The file of this recording ({rec.original_name}) is not where the library expects it. "
                "If it was moved, `vfeedback relink FOLDER` finds it again."
            )
            return
        self.tasks.cancel_all()
        self.inspector.set_moment(None)
        self.recording, self.index = rec, None
        self._thumbs = []
        self.coding.recording_id = rec.id
        self.coding.selected = []
        self.coding.clear_marks()
        if self._vlc:
            self.player.set_window(self.video.surface.handle())
        self.controller.open(path, rec.media.duration_us, draws_own_picture=self._vlc)
        self.video.frames.set_placeholder("Preparing exact frames…")
        self.video.show_exact(True)
        self.timeline.set_duration(rec.media.duration_us)
        self.timeline.set_filmstrip([])
        self.timeline.set_waveform([], background.BUCKET_US)
        self.setWindowTitle(f"vfeedback — {rec.family_code}, recording {rec.id}")
        self.panel.select_recording(rec.id)
        self._reload_moments()
        self._update_marks()
        self.tasks.submit(
            "Indexing frames",
            background.index_job(self.library, rec.id),
            on_done=lambda idx: self._index_ready(rec.id, idx),
        )
        if rec.media.has_audio:
            self.tasks.submit("Reading the sound", background.waveform_job(self.library, rec, self.pieces))

    def _index_ready(self, recording_id: int, index: FrameIndex) -> None:
        if self.recording is None or self.recording.id != recording_id:
            return
        rec = self.recording
        self.index = index
        self.timeline.set_frame_index(index)
        self.tasks.submit(
            "Making the filmstrip", background.filmstrip_job(self.library, rec, index, self.pieces)
        )
        proxy = self.library.media.proxy_file(rec.id)
        self.controller.set_index(index, rec.media.rotation, self.video.display_size(), proxy)
        if proxy is None:
            self.tasks.submit(
                "Preparing quick stepping",
                background.proxy_job(self.library, rec, index),
                on_done=lambda path: self._proxy_ready(recording_id, path),
            )

    def _proxy_ready(self, recording_id: int, path: Path) -> None:
        if self.recording is not None and self.recording.id == recording_id and self.index is not None:
            self.controller.set_index(
                self.index, self.recording.media.rotation, self.video.display_size(), path
            )

    # --- moments --------------------------------------------------------------------------------
    def _load_codes(self) -> None:
        scheme = self.library.schemes.get()
        codes = list(scheme.codes)
        self.codes = {c.id: c for s in self.library.schemes.all() for c in s.codes}
        self.coding.set_codes(codes)
        self.inspector.set_codes(codes)
        self.help.set_codes(codes)
        self.timeline.set_code_lanes([(str(c.id), c.label, c.colour) for c in codes])
        self._show_current_code()

    def _reload_moments(self) -> None:
        if self.recording is None:
            self.moments = []
        else:
            self.moments = self.library.moments.all(self.recording.id)
        self.timeline.set_moments(moment_items(self.moments, self.codes, self.coding.selected))
        self.moment_list.set_moments(self.moments, self.codes)
        self._sync_inspector()

    def _sync_inspector(self) -> None:
        selected = [m for m in self.moments if m.id in self.coding.selected]
        self.inspector.set_moment(selected[0] if len(selected) == 1 else None)
        self._update_loop()

    def _select(self, ids: list[int]) -> None:
        self.coding.selected = list(ids)
        self.timeline.set_selection(self.coding.selected)
        self.moment_list.select_ids(self.coding.selected)
        self._sync_inspector()

    def _select_from_timeline(self, ids: list[int]) -> None:
        self._select(ids)

    def _select_from_list(self, ids: list[int]) -> None:
        self._select(ids)
        if len(ids) == 1:
            self._jump_to(ids[0])

    def _jump_to(self, moment_id: int) -> None:
        for m in self.moments:
            if m.id == moment_id:
                self.controller.seek_us(m.start_us)
                self.timeline.ensure_visible(m.start_us)

    def go_to_moment(self, moment_id: int) -> None:
        """Show a moment chosen elsewhere (the progress chart): its recording, selected, playhead on it."""
        try:
            moment = self.library.moments.get(moment_id)
        except VfeedbackError as exc:
            self._show_error(str(exc))
            return
        if self.recording is None or self.recording.id != moment.recording_id:
            self.open_recording(moment.recording_id)
            if self.recording is None or self.recording.id != moment.recording_id:
                return  # the file is missing: already said
        self._select([moment.id])
        self._jump_to(moment.id)
        self.raise_()
        self.activateWindow()

    def _create_on_lane(self, lane: str, start_us: int, end_us: int) -> None:
        moment = self.coding.create_on_lane(lane, start_us, end_us)
        self._select([moment.id])

    def _delete(self, ids: list[int]) -> None:
        if ids:
            self.inspector.set_moment(None)
            self.library.moments.delete_many(ids)
            self.coding.selected = []

    def code_key(self, text: str) -> bool:
        """A digit or letter picks the code with that key (the router calls this)."""
        code = self.coding.pick_key(text)
        if code is None:
            return False
        self._show_current_code()
        return True

    def _show_current_code(self) -> None:
        code = self.coding.current_code
        if code is None:
            self.code_label.setText("No code")
            return
        swatch = f"<span style='color:{code.colour}'>■</span>"
        self.code_label.setText(f"{swatch} Tagging as: <b>{code.label}</b>")
        self.timeline.set_draft_colour(code.colour)

    def _update_marks(self) -> None:
        self.marks_label.setText(self.coding.describe_marks())
        self.timeline.set_in_out(self.coding.mark_in, self.coding.mark_out)

    def _update_loop(self) -> None:
        if not self.transport.loop.isChecked():
            self.controller.set_loop(None, None)
            return
        selected = [m for m in self.moments if m.id in self.coding.selected and not m.is_point]
        if selected:
            self.controller.set_loop(selected[0].start_us, selected[0].end_us)

    # --- key actions (see keys.BINDINGS) --------------------------------------------------------
    def toggle_play(self) -> None:
        if self.recording is not None:
            self.controller.toggle()

    def pause(self) -> None:
        self.controller.pause()

    def shuttle_forward(self) -> None:
        if self.recording is not None:
            self.controller.faster()

    def shuttle_back(self) -> None:
        if self.recording is not None:
            self.controller.reverse()

    def step_forward(self) -> None:
        self.controller.step_frames(1)

    def step_back(self) -> None:
        self.controller.step_frames(-1)

    def second_forward(self) -> None:
        self.controller.step_us(ONE_SECOND_US)

    def second_back(self) -> None:
        self.controller.step_us(-ONE_SECOND_US)

    def set_in(self) -> None:
        self.controller.pause()
        self.coding.set_in()
        self._update_marks()

    def set_out(self) -> None:
        self.controller.pause()
        self.coding.set_out()
        self._update_marks()

    def create_moment(self) -> None:
        self._guard(self._create)

    def _create(self) -> None:
        self.controller.pause()
        moment = self.coding.create()
        self._update_marks()
        self._select([moment.id])

    def point_moment(self) -> None:
        def point() -> None:
            self.controller.pause()
            self._select([self.coding.point().id])

        self._guard(point)

    def next_moment(self) -> None:
        self._neighbour(True)

    def previous_moment(self) -> None:
        self._neighbour(False)

    def _neighbour(self, forward: bool) -> None:
        moment = self.coding.neighbour(self.moments, forward)
        if moment is not None:
            self.controller.pause()
            self._select([moment.id])
            self._jump_to(moment.id)

    def delete_selected(self) -> None:
        self._guard(lambda: self._delete(list(self.coding.selected)))

    def escape(self) -> None:
        if self.help.isVisible():
            self.help.hide()
            return
        self.coding.clear_marks()
        self._update_marks()
        self._select([])

    def zoom_in(self) -> None:
        self.timeline.zoom_in()

    def zoom_out(self) -> None:
        self.timeline.zoom_out()

    def zoom_fit(self) -> None:
        self.timeline.fit()

    def undo(self) -> None:
        self.inspector.save_texts()
        self._guard(self.library.undo)

    def redo(self) -> None:
        self._guard(self.library.redo)

    def toggle_help(self) -> None:
        if not self.help.isVisible():
            self.controller.pause()  # VLC's native picture would cover the list while playing
        self.help.toggle()

    def _toggle_lanes(self) -> None:
        self.timeline.set_lane_mode("code" if self.act_lanes.isChecked() else "actor")

    # --- library actions ------------------------------------------------------------------------
    def add_family(self) -> None:
        code, ok = QInputDialog.getText(self, "Add family", "Case code (pseudonymous; never a real name):")
        if ok and code.strip():
            self.library.families.add(code)

    def import_recording(self) -> None:
        family = self.panel.current_family()
        if family is None:
            QMessageBox.information(self, "Import recording", "Choose or add a family first.")
            return
        path, _ = QFileDialog.getOpenFileName(self, "Import a recording", "", VIDEO_FILTER)
        if not path:
            return
        source = Path(path)

        def job(progress: Progress, _cancel: ShouldCancel) -> Recording:
            return self.library.recordings.import_file(
                source, family, progress=lambda done, total: progress(done / max(total, 1))
            )

        self.tasks.submit(f"Importing {source.name}", job, on_done=lambda rec: self.open_recording(rec.id))

    # --- exports --------------------------------------------------------------------------------
    def ask_name(self) -> None:
        naming.ask_name(self, self.library)
        self._refresh_undo()  # Edit › Undo offers only this name's own actions

    # --- reactions ------------------------------------------------------------------------------
    def _on_changes(self, changes: Changes) -> None:
        if changes.tables & {"families", "recordings"}:
            self.panel.refresh()
        if changes.tables & {"coding_schemes", "codes"}:
            self._load_codes()
        if "moments" in changes.tables:
            self._reload_moments()
        self.supervision.refresh(set(changes.tables))
        self._refresh_undo()

    def _refresh_undo(self) -> None:
        u, r = self.library.undo_label(), self.library.redo_label()
        self.act_undo.setText(f"&Undo {u}" if u else "&Undo")
        self.act_undo.setEnabled(u is not None)
        self.act_redo.setText(f"&Redo {r}" if r else "&Redo")
        self.act_redo.setEnabled(r is not None)

    def _on_position(self, us: int, frame: int) -> None:
        self.transport.show_position(us, frame, exact=not self.controller.playing)
        self.timeline.set_playhead(us, follow=self.controller.playing)

    def _on_frame(self, image: Any, frame: int, exact: bool) -> None:
        self.video.frames.show_frame(image, frame, exact)
        self.transport.show_exactness("exact frame" if exact else "preview")

    def _on_thumbnail(self, recording_id: int, time_us: int, image: Any) -> None:
        if self.recording is None or recording_id != self.recording.id:
            return
        from vfeedback.ui.player.frame_worker import to_qimage

        self._thumbs.append((time_us, to_qimage(image)))
        # Thumbnails arrive hundreds at a time from the cache: redraw the strip at most ~10x a second.
        if not self._film_timer.isActive():
            self._film_timer.start()

    def _on_waveform(self, recording_id: int, first: int, peaks: Any) -> None:
        if self.recording is not None and recording_id == self.recording.id:
            self.timeline.add_waveform(first, peaks)

    def _guard(self, job: Callable[[], object]) -> None:
        try:
            job()
        except VfeedbackError as exc:
            self._show_error(str(exc))

    def _show_error(self, message: str, details: str = "") -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "vfeedback", message, parent=self)
        if details:
            box.setDetailedText(details)
        box.open()

    # --- persistence ----------------------------------------------------------------------------
    def _restore(self) -> None:
        settings = QSettings("vfeedback", "vfeedback")
        geometry = settings.value("workbench/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = self.screen().availableGeometry()
            self.resize(min(1440, screen.width() - 40), min(900, screen.height() - 60))
        for name in ("splitter", "centre", "right"):
            state = settings.value(f"workbench/{name}")
            if state is not None:
                getattr(self, name).restoreState(state)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.help.isVisible():
            self.help.setGeometry(self.rect())

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.closing.may_close():  # exports are running: it asks, then finishes or stops them
            event.ignore()
            return
        self._shutdown()
        super().closeEvent(event)

    def _shutdown(self) -> None:
        """Save what is typed and where things were, stop background work and the player; once."""
        if self._shut_down:
            return
        self._shut_down = True
        self.inspector.save_texts()
        self.highlights.close_all()
        self.supervision.close_all()
        settings = QSettings("vfeedback", "vfeedback")
        settings.setValue("workbench/geometry", self.saveGeometry())
        for name in ("splitter", "centre", "right"):
            settings.setValue(f"workbench/{name}", getattr(self, name).saveState())
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.router)
        self.closing.remember(self.tasks.exports())  # what "stop" (or a quit from outside) cuts short
        self.tasks.cancel_all()
        self.tasks.wait(10_000)
        self.tasks.shutdown()
        self.controller.close()
