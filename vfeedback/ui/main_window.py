"""The workbench window, wired in one place: library on the left, player and timeline in the centre,
inspector and moment list on the right. Every edit goes through the Library at once; the coding state
(``core.coding``) holds what is open and selected, and the views redraw from its changes and from the
Library's ``Changes``; long work goes through the one TaskRunner.

The window implements ``workbench.protocol.Workbench`` for its helpers (cases, closing, exchange,
highlights, supervision) and ``workbench.keys.Keys`` for the keys; neither imports this module."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.coding import CodingState, Part
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.frames import FrameIndex
from vfeedback.core.timeline import moment_items
from vfeedback.services import Library
from vfeedback.services.undo import Changes
from vfeedback.ui.inspector import Inspector
from vfeedback.ui.library_panel import LibraryPanel
from vfeedback.ui.live import TeamActions
from vfeedback.ui.moment_list import MomentList
from vfeedback.ui.player.angles import AngleSession
from vfeedback.ui.player.controller import PlaybackController
from vfeedback.ui.player.session_player import SessionPlayer
from vfeedback.ui.player.transport import TransportBar
from vfeedback.ui.player.view import PlayerView
from vfeedback.ui.task_status import TaskStatus
from vfeedback.ui.tasks import TaskRunner
from vfeedback.ui.timeline import TimelineView
from vfeedback.ui.workbench import background, keys, naming
from vfeedback.ui.workbench.arrival import ArrivalActions, Greeting, dropped_video
from vfeedback.ui.workbench.cases import CaseActions
from vfeedback.ui.workbench.closing import ExportsOnClose
from vfeedback.ui.workbench.exchange import ExchangeActions
from vfeedback.ui.workbench.first_paint import AfterFirstPaint
from vfeedback.ui.workbench.highlights import HighlightActions
from vfeedback.ui.workbench.keys import HelpOverlay, KeyRouter
from vfeedback.ui.workbench.player_choice import choose_player
from vfeedback.ui.workbench.protocol import Shortcut
from vfeedback.ui.workbench.suggestions import SuggestionActions
from vfeedback.ui.workbench.supervision import SupervisionActions

if TYPE_CHECKING:
    from vfeedback.core.model import Recording
    from vfeedback.media.player import Player

APP_TITLE = "vfeedback"  # Qt adds the display name to any other title: never write it twice
NOTHING_OPEN = "Choose a recording on the left to watch and tag it."


class ChangeRelay(QObject):
    """Library listeners may be called from a worker thread; this hops them onto the GUI thread."""

    changed = Signal(object)


class WindowPlayhead:
    """The coding state's playhead: the player's exact position, and a jump that also brings the
    place into the timeline's view."""

    def __init__(self, controller: PlaybackController, timeline: TimelineView) -> None:
        self._controller = controller
        self._timeline = timeline

    def time_us(self) -> int:
        return self._controller.time_us()

    def pause(self) -> None:
        self._controller.pause()

    def seek_us(self, us: int) -> None:
        self._controller.seek_us(us)
        self._timeline.ensure_visible(us)


class MainWindow(QMainWindow):
    def __init__(self, library: Library, player: Player | None = None, *, missing: str | None = None) -> None:
        """``player``: the one to use (chosen here when None); ``missing``: why it has no sound, when
        the caller chose it (see ``player_choice``)."""
        super().__init__()
        from vfeedback.media.vlc_player import VlcPlayer

        self.library = library
        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)  # a video dropped anywhere on the window is imported
        self.setMinimumSize(1000, 620)
        self.tasks = TaskRunner(self)
        self.tasks.error.connect(self.show_error)
        self.closing = ExportsOnClose(self)
        if player is None:
            player, missing = choose_player()
        self.player = player
        self._vlc = isinstance(player, VlcPlayer)
        self._player_missing = missing
        self.session_player = SessionPlayer(player)  # VLC plays the large angle on the main clock
        self.controller = PlaybackController(self.session_player, self)
        self.pieces = background.Pieces(self)
        self.after_paint = AfterFirstPaint(self)
        self._thumbs: list[tuple[int, Any]] = []
        self._film_timer = QTimer(self)
        self._film_timer.setSingleShot(True)
        self._film_timer.setInterval(100)
        self._film_timer.timeout.connect(lambda: self.timeline.set_filmstrip(self._thumbs))

        self._build_views()
        self.playhead = WindowPlayhead(self.controller, self.timeline)
        self.coding = CodingState(library.moments, self.playhead)
        self.coding.subscribe(self._on_coding)
        self.exchange = ExchangeActions(self)
        self.supervision = SupervisionActions(self)
        self.cases = CaseActions(self, self.panel)
        self.highlights = HighlightActions(self)
        self.arrival = ArrivalActions(self, self.open_recording)
        self.suggestions = SuggestionActions(self)
        self.team = TeamActions(self)  # a team library: sharing, colleagues' changes live (ui/live.py)
        naming.apply_saved_name(library)
        self._build_menus()
        self._wire()
        self._relay = ChangeRelay(self)
        self._relay.changed.connect(self._on_changes)
        library.subscribe(self._relay.changed.emit)
        self._load_codes()
        self._restore()
        self._show_greeting()
        self.router = KeyRouter(self, self, self.show_error)
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
        self.angles = AngleSession(
            self.library, self.tasks, self.video, self.controller, self.session_player, vlc=self._vlc
        )
        self.transport = TransportBar()
        self.timeline: TimelineView = TimelineView()
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
        column.addWidget(self.angles.area, 1)
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

        # An empty library greets with one action where the film would be.
        self.greeting = Greeting(lambda: self.arrival.choose_file())
        self.middle = QStackedWidget()
        self.middle.addWidget(self.centre)
        self.middle.addWidget(self.greeting)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.panel)
        self.splitter.addWidget(self.middle)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([190, 790, 460])
        self.setCentralWidget(self.splitter)
        self.help = HelpOverlay(self)

        status = self.statusBar()
        status.addPermanentWidget(self.marks_label)
        status.addPermanentWidget(self.code_label)
        status.addPermanentWidget(TaskStatus(self.tasks))
        self.video.frames.set_placeholder(NOTHING_OPEN)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        act = self.add_action
        file_menu = bar.addMenu("&File")
        file_menu.addAction(act("Add &family…", "Ctrl+Shift+N", self.add_family))
        self.arrival.build(file_menu)
        file_menu.addSeparator()
        self.exchange.build(file_menu)
        file_menu.addSeparator()
        self.cases.build(file_menu)
        file_menu.addAction(act("Your &name…", None, self.ask_name))
        file_menu.addSeparator()
        file_menu.addAction(act("&Quit", QKeySequence.StandardKey.Quit, self.close))

        edit = bar.addMenu("&Edit")
        self.act_undo = act("&Undo", "Ctrl+Z", self.undo)
        self.act_redo = act("&Redo", "Ctrl+Shift+Z", self.redo)
        edit.addActions([self.act_undo, self.act_redo])
        edit.addSeparator()
        edit.addAction(act("&Delete selected moments", None, self.coding.delete_selected))

        c = self.controller
        play = bar.addMenu("&Playback")
        play.addAction(act("Play / pause\tSpace", None, lambda: keys.play(self)))
        play.addAction(act("One frame forward\tRight", None, lambda: c.step_frames(1)))
        play.addAction(act("One frame back\tLeft", None, lambda: c.step_frames(-1)))
        play.addAction(act("One second forward\tShift+Right", None, lambda: c.step_us(keys.ONE_SECOND_US)))
        play.addAction(act("One second back\tShift+Left", None, lambda: c.step_us(-keys.ONE_SECOND_US)))
        play.addSeparator()
        play.addAction(act("Angle one frame later\tAlt+Right", None, lambda: keys.nudge_angle(self, 1)))
        play.addAction(act("Angle one frame earlier\tAlt+Left", None, lambda: keys.nudge_angle(self, -1)))
        play.addAction(act("Choose the angle to move", "Alt+Down", lambda: self.angles.choose(1)))

        self.highlights.build(bar.addMenu("&Moment"))
        self.code_menu = bar.addMenu("&Code")  # every code, those without a key too (see _on_coding)
        supervision = bar.addMenu("&Supervision")
        self.supervision.build(supervision)
        self.team.build(supervision)  # Share with…, on a team library only

        view = bar.addMenu("&View")
        self.act_lanes = act("Lanes by &code", None, self._show_lanes)
        self.act_lanes.setCheckable(True)
        view.addAction(self.act_lanes)
        self.suggestions.build(view)
        view.addAction(act("Zoom in\t+", None, self.timeline.zoom_in))
        view.addAction(act("Zoom out\t-", None, self.timeline.zoom_out))
        view.addAction(act("Whole recording\t0", None, self.timeline.fit))
        view.addSeparator()
        self.act_side_by_side = act("Angles side by side", "Ctrl+Shift+A", self.angles.toggle_layout)
        self.act_side_by_side.setCheckable(True)
        self.angles.layoutChanged.connect(self.act_side_by_side.setChecked)
        view.addAction(self.act_side_by_side)
        view.addSeparator()
        view.addAction(act("Keyboard keys\t?", None, lambda: keys.toggle_help(self)))

        from vfeedback.ui import installation_check

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(act("Keyboard keys", None, lambda: keys.toggle_help(self)))
        installation_check.add_to(help_menu, self)
        self._refresh_undo()

    def _wire(self) -> None:
        c, coding = self.controller, self.coding
        c.positionChanged.connect(self._on_position)
        c.positionChanged.connect(lambda us, _frame: self.angles.follow(us, c.playing))
        self.angles.status.connect(self.show_status)
        c.playingChanged.connect(self.transport.show_playing)
        c.frameShown.connect(self._on_frame)
        c.showExactFrames.connect(self.video.show_exact)
        c.rateChanged.connect(self.transport.show_rate)
        c.message.connect(self.show_error)
        t = self.transport
        t.playToggled.connect(lambda: keys.play(self))
        t.stepRequested.connect(lambda n: self._guard(lambda: c.step_frames(n)))
        t.rateRequested.connect(c.set_rate)
        t.volumeRequested.connect(self.player.set_volume)
        t.muteToggled.connect(self.player.set_muted)
        t.loopToggled.connect(lambda _on: self._update_loop())
        self.panel.recordingChosen.connect(lambda rid: self._guard(lambda: self.open_recording(rid)))
        self.panel.aboutToDelete.connect(self.cases.release_for_deletion)
        tl = self.timeline
        tl.seekRequested.connect(c.seek_us)
        tl.createRequested.connect(lambda lane, a, b: self._guard(lambda: coding.create_on_lane(lane, a, b)))
        tl.retimeRequested.connect(lambda spans: self._guard(lambda: self.library.moments.retime(spans)))
        tl.selectionChanged.connect(coding.select)
        tl.deleteRequested.connect(lambda ids: self._guard(lambda: coding.delete(ids)))
        self.moment_list.selectionChangedIds.connect(self._select_from_list)
        self.moment_list.activated_moment.connect(coding.go_to)
        # The selection's right-click (on the timeline or in the list) offers the session pack.
        for view in (tl, self.moment_list):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            view.addAction(self.highlights.prepare_action)
        self.inspector.message.connect(self.show_error)
        self.pieces.thumbnail.connect(self._on_thumbnail)
        self.pieces.waveform.connect(self._on_waveform)

    # --- the Workbench protocol -----------------------------------------------------------------
    def widget(self) -> QWidget:
        return self

    def current_family(self) -> str | None:
        return self.panel.current_family()

    def picture(self) -> QImage | None:
        return self.video.frames.image()

    def add_action(self, text: str, shortcut: Shortcut, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: self._guard(slot))
        self.addAction(action)
        return action

    def show_error(self, message: str, details: str = "") -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "vfeedback", message, parent=self)
        if details:
            box.setDetailedText(details)
        box.open()

    def show_status(self, text: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _guard(self, job: Callable[[], object]) -> None:
        try:
            job()
        except VfeedbackError as exc:
            self.show_error(str(exc))

    # --- opening and closing --------------------------------------------------------------------
    def open_recording(self, recording_id: int) -> None:
        # An angle opens its session: moments are on the main recording's clock; the angle shows large.
        main_id = self.angles.main_of(recording_id)
        rec = self.library.recordings.get(main_id)
        try:
            path = self.library.recordings.openable(rec)
        except VfeedbackError as exc:
            self.show_error(str(exc))
            return
        self.tasks.cancel_all()
        self.inspector.set_moment(None)
        self._thumbs = []
        self.video.frames.set_placeholder("Preparing exact frames…")
        self.video.show_exact(True)
        self.timeline.set_duration(rec.media.duration_us)
        self.timeline.set_filmstrip([])
        self.timeline.set_waveform([], background.BUCKET_US)
        self._show_title(rec)
        self.arrival.remember(rec.id)
        self.panel.select_recording(rec.id)
        self.coding.open(rec)
        self.angles.open(rec, large=recording_id if recording_id != rec.id else None)
        self.suggestions.stop()  # the last recording's suggestions go; this one's come in _start_playing
        self.after_paint.run(lambda: self._start_playing(rec, path))

    def _start_playing(self, rec: Recording, path: Path) -> None:
        """The player on the file, and the background work on it: the frame index (then filmstrip
        and proxy) and the sound; unless another recording was opened meanwhile. At the start of
        the app this waits for the window's first paint (see ``AfterFirstPaint``)."""
        if self.coding.recording is None or self.coding.recording.id != rec.id:
            return
        if self._vlc:
            self.player.set_window(self.video.surface.handle())
        self.controller.open(path, rec.media.duration_us, draws_own_picture=self._vlc)
        self.tasks.submit(
            "Indexing frames",
            background.index_job(self.library, rec.id),
            on_done=lambda idx: self._index_ready(rec.id, idx),
        )
        if rec.media.has_audio:
            self.tasks.submit(
                "Reading the sound",
                background.waveform_job(self.library, rec, self.pieces),
                on_done=lambda peaks: self._waveform_done(rec.id, peaks is None),
            )
        else:
            self.timeline.set_no_sound()
        self.suggestions.start(rec)

    def _index_ready(self, recording_id: int, index: FrameIndex) -> None:
        if not self.coding.set_index(recording_id, index):
            return
        rec = self.coding.recording
        assert rec is not None
        self.timeline.set_frame_index(index)
        proxy = self.library.media.proxy_file(rec.id)
        self.controller.set_index(index, rec.media.rotation, self.video.display_size(), proxy)
        self.angles.main_ready(index, proxy)
        # The filmstrip first (it is what the clinician looks at), then the proxy: the two ffmpeg
        # runs at once held ~210 MB together on an hour of 1080p; one after the other, at most
        # the proxy's ~125 MB, and on two cores the proxy is ready about as soon either way.
        # A filmstrip that fails has said why; the proxy of that file would fail the same way.
        self.tasks.submit(
            "Making the filmstrip",
            background.filmstrip_job(self.library, rec, index, self.pieces),
            on_done=None if proxy is not None else lambda _thumbs: self._make_proxy(recording_id, index),
        )

    def _make_proxy(self, recording_id: int, index: FrameIndex) -> None:
        rec = self.coding.recording
        if rec is None or rec.id != recording_id:
            return  # another recording was opened meanwhile
        self.tasks.submit(
            "Preparing quick stepping",
            background.proxy_job(self.library, rec, index),
            on_done=lambda path: self._proxy_ready(recording_id, path),
        )

    def _proxy_ready(self, recording_id: int, path: Path) -> None:
        rec, index = self.coding.recording, self.coding.index
        if rec is not None and rec.id == recording_id and index is not None:
            self.controller.set_index(index, rec.media.rotation, self.video.display_size(), path)
            self.angles.main_ready(index, path)

    def close_recording(self) -> None:
        self.controller.pause()
        self.player.stop()
        self.tasks.cancel_all()
        self.tasks.wait(10_000)
        self.inspector.set_moment(None)
        self.coding.close()
        self.angles.close()
        self.suggestions.stop()
        self.timeline.set_filmstrip([])
        self.timeline.set_waveform([], background.BUCKET_US)
        self.video.frames.set_placeholder(NOTHING_OPEN)
        self.setWindowTitle(APP_TITLE)
        self._show_greeting()

    def go_to_moment(self, moment_id: int) -> None:
        try:
            moment = self.library.moments.get(moment_id)
        except VfeedbackError as exc:
            self.show_error(str(exc))
            return
        rec = self.coding.recording
        if rec is None or rec.id != moment.recording_id:
            self.open_recording(moment.recording_id)
            rec = self.coding.recording
            if rec is None or rec.id != moment.recording_id:
                return  # the file is missing: already said
        self.coding.select([moment.id])
        self.coding.go_to(moment.id)
        self.raise_()
        self.activateWindow()

    # --- the views follow the coding state ------------------------------------------------------
    def _load_codes(self) -> None:
        schemes = self.library.schemes
        self.coding.set_codes(list(schemes.get().codes), (c for s in schemes.all() for c in s.codes))

    def _on_coding(self, parts: frozenset[Part]) -> None:
        s = self.coding
        if "codes" in parts:
            self.inspector.set_codes(s.codes)
            self.help.set_codes(s.codes)
            keys.fill_code_menu(self.code_menu, s, self.show_error)
            # Items indented under their principle, as in the Code menu and the key list.
            lanes = [(str(c.id), ("   " if c.parent_id else "") + c.name, c.colour) for c in s.codes]
            self.timeline.set_code_lanes(lanes, {str(c.id): c.label for c in s.codes})
        if "code" in parts:
            self._show_current_code()
        if "moments" in parts:
            self.timeline.set_moments(moment_items(s.moments, s.known_codes, s.selected))
            self.moment_list.set_moments(s.moments, s.known_codes)
        if "selection" in parts:
            if s.selected:  # a moment chosen: Enter and Delete act on it, not on a suggestion
                self.suggestions.unfocus()
            self.timeline.set_selection(s.selected)
            self.moment_list.select_ids(s.selected)
        if parts & {"moments", "selection"}:
            selected = s.selected_moments()
            self.inspector.set_moment(selected[0] if len(selected) == 1 else None)
            self._update_loop()
        if "marks" in parts:
            self.marks_label.setText(s.describe_marks())
            self.timeline.set_in_out(s.mark_in, s.mark_out)

    def _select_from_list(self, ids: list[int]) -> None:
        self.coding.select(ids)
        if len(ids) == 1:
            self.coding.go_to(ids[0])

    def _show_current_code(self) -> None:
        code = self.coding.current_code
        if code is None:
            self.code_label.setText("No code")
            return
        swatch = f"<span style='color:{code.colour}'>■</span>"
        self.code_label.setText(f"{swatch} Tagging as: <b>{code.label}</b>")
        self.timeline.set_draft_colour(code.colour)

    def _update_loop(self) -> None:
        if not self.transport.loop.isChecked():
            self.controller.set_loop(None, None)
            return
        span = self.coding.loop_span()
        if span is not None:
            self.controller.set_loop(*span)

    def _show_lanes(self) -> None:
        self.timeline.set_lane_mode("code" if self.act_lanes.isChecked() else "actor")

    # --- actions of the window ------------------------------------------------------------------
    def undo(self) -> None:
        self.inspector.save_texts()  # what was typed last is part of what Undo takes back
        self._guard(self.library.undo)

    def redo(self) -> None:
        self._guard(self.library.redo)

    def add_family(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        code, ok = QInputDialog.getText(self, "Add family", "Case code (pseudonymous; never a real name):")
        if ok and code.strip():
            self.library.families.add(code)

    def import_recording(self) -> None:
        self.arrival.choose_file()

    def _show_title(self, rec: Recording) -> None:
        """The family and the film's own name or day; Qt adds "— vfeedback" itself."""
        from vfeedback.ui.import_dialog import recording_name

        self.setWindowTitle(recording_name(rec))

    def _show_greeting(self) -> None:
        empty = self.coding.recording is None and not self.library.recordings.all()
        self.middle.setCurrentWidget(self.greeting if empty else self.centre)
        self.right.setVisible(not empty)  # no moments to inspect yet: the greeting has the room

    # --- a video dropped on the window ----------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_video(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if dropped_video(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_video(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.arrival.ask(path)

    def ask_name(self) -> None:
        if self.library.ctx.login is not None:  # a team library: the server says who works (issue 16)
            self.show_error(f"On a team library you work as your login, {self.library.ctx.login}.")
            return
        naming.ask_name(self, after=self._refresh_undo)  # Edit › Undo offers only this name's own actions

    # --- reactions ------------------------------------------------------------------------------
    def _on_changes(self, changes: Changes) -> None:
        if changes.tables & {"families", "recordings", "angles"}:
            self.panel.refresh()
            self._show_greeting()
            open_rec = self.coding.recording
            if open_rec is not None:  # its name, date or family code may have changed
                with contextlib.suppress(VfeedbackError):  # deleted: closing it is said elsewhere
                    self._show_title(self.library.recordings.get(open_rec.id))
        if "consents" in changes.tables:
            self.panel.consent.show_family(self.panel.current_family())
        if changes.tables & {"coding_schemes", "codes"}:
            self._load_codes()
        if "moments" in changes.tables:
            self.coding.reload()
        if changes.tables & {"angles", "recordings"}:  # a film of the session deleted or renamed too
            self.angles.reload()
        if "suggestions" in changes.tables:
            self.suggestions.refresh()
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
        if self.angles.shows_main_large():  # else the large angle's own frames are drawn there
            self.video.frames.show_frame(image, frame, exact)
        self.transport.show_exactness(exact)

    def _on_thumbnail(self, recording_id: int, time_us: int, image: Any) -> None:
        rec = self.coding.recording
        if rec is None or recording_id != rec.id:
            return
        from vfeedback.ui.player.frame_worker import to_qimage

        self._thumbs.append((time_us, to_qimage(image)))
        # Thumbnails arrive hundreds at a time from the cache: redraw the strip at most ~10x a second.
        if not self._film_timer.isActive():
            self._film_timer.start()

    def _waveform_done(self, recording_id: int, no_sound: bool) -> None:
        rec = self.coding.recording
        if rec is not None and recording_id == rec.id:
            if no_sound:  # a sound track ffmpeg finds nothing in
                self.timeline.set_no_sound()
            else:
                self.timeline.finish_waveform()

    def _on_waveform(self, recording_id: int, first: int, peaks: Any) -> None:
        rec = self.coding.recording
        if rec is not None and recording_id == rec.id:
            self.timeline.add_waveform(first, peaks)

    # --- persistence ----------------------------------------------------------------------------
    def _restore(self) -> None:
        settings = QSettings("vfeedback", "vfeedback")
        geometry = settings.value("workbench/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = self.screen().availableGeometry()
            self.resize(min(1440, screen.width() - 40), min(900, screen.height() - 60))
        for name, splitter in self._splitters().items():
            state = settings.value(f"workbench/{name}")
            if state is not None:
                splitter.restoreState(state)

    def _splitters(self) -> dict[str, QSplitter]:
        return {"splitter": self.splitter, "centre": self.centre, "right": self.right}

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
        self.after_paint.drop()  # closed before its first paint: nothing is to start any more
        self.inspector.save_texts()
        self.highlights.close_all()
        self.supervision.close_all()
        self.team.shutdown()
        settings = QSettings("vfeedback", "vfeedback")
        settings.setValue("workbench/geometry", self.saveGeometry())
        for name, splitter in self._splitters().items():
            settings.setValue(f"workbench/{name}", splitter.saveState())
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.router)
        self.closing.remember(self.tasks.exports())  # what "stop" (or a quit from outside) cuts short
        self.tasks.cancel_all()
        self.tasks.wait(10_000)
        self.tasks.shutdown()
        self.angles.close()
        self.controller.close()
