"""Moment › Prepare session…: the chosen moments become, in one progress view, a clip each, the reel
and its handout, and the end view offers what comes next (open the folder, play the reel, print the
handout, review with the family).

One dialog with three pages. Choosing: the title and date, the purpose and its consent (recorded right
here when missing, the rest of the dialog kept), and per moment whether it goes in, the picture that
stands for it (stepped frame by frame within the moment, shown exactly as decoded) and the family's
own words. Working: what is being made, a bar and Stop (nothing half-made is kept). Ready: the four
ways on. The work itself is one service call, ``lib.exports.session_pack``, on the task runner.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from vfeedback.core.dates import long_date
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.marks import Mark
from vfeedback.core.model import CodeKind, Moment, Purpose, Recording
from vfeedback.core.timecode import format_time
from vfeedback.export.blur import Region
from vfeedback.export.options import Layout
from vfeedback.services import Library
from vfeedback.services.exports import SessionPack
from vfeedback.ui.tasks import Task, TaskRunner

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter
    from PySide6.QtWidgets import QMenu

    from vfeedback.core.frames import FrameIndex
    from vfeedback.core.jobs import Progress, ShouldCancel
    from vfeedback.core.model import Highlight
    from vfeedback.media.decoder import FrameDecoder
    from vfeedback.ui.highlights_browser import HighlightsBrowser

DEFAULT_TITLE = "Our moments together"
THUMB = (224, 126)
MAKE = "Make the session pack"
STOPPED = "Stopped: nothing of this session pack was kept."


def default_moments(library: Library, recording_id: int) -> list[Moment]:
    """The strengths tagged on this recording, in timeline order."""
    strengths = {c.id for s in library.schemes.all() for c in s.codes if c.kind is CodeKind.STRENGTH}
    moments = [m for m in library.moments.all(recording_id) if m.code_id in strengths]
    return sorted(moments, key=lambda m: (m.start_us, m.end_us, m.id))



class _Steps(QObject):
    """Carries the service's ``step(words)`` from the worker thread to the label (queued)."""

    said = Signal(str)


class MomentRow(QFrame):
    """One moment: in or out, its picture (stepped within the moment) and the family's words."""

    def __init__(self, moment: Moment, index: FrameIndex, picture_us: int, pictures: Pictures | None,
                 number: int) -> None:  # fmt: skip
        super().__init__()
        self.setObjectName(f"packMoment{number}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.moment, self._index, self._pictures = moment, index, pictures
        self._first, self._last = index.frame_at(moment.start_us), index.frame_at(moment.end_us)
        self.frame = index.frame_at(picture_us)
        self.chosen_at_start = self.frame
        self.image: QImage | None = None
        self.shown_frame: int | None = None
        """The frame whose picture is on show (None while the first one is being decoded)."""
        self._decoded: Any = None  # that frame's pixels, for drawing marks on again
        caption = " ".join(moment.caption.split()) or "(no caption)"
        self.include = QCheckBox(caption)
        self.include.setObjectName("include")
        self.include.setChecked(True)
        self.picture = QLabel()
        self.picture.setObjectName("picture")
        self.picture.setFixedSize(*THUMB)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet("background: #2b2622; border-radius: 4px;")
        self.earlier = QToolButton()
        self.earlier.setObjectName("earlier")
        self.earlier.setText("◀")
        self.earlier.setToolTip("One frame earlier")
        self.earlier.clicked.connect(lambda: self.step(-1))
        self.later = QToolButton()
        self.later.setObjectName("later")
        self.later.setText("▶")
        self.later.setToolTip("One frame later")
        self.later.clicked.connect(lambda: self.step(1))
        self.marks: tuple[Mark, ...] = ()
        self.crop: Region | None = None
        self.point = QToolButton()
        self.point.setObjectName("pointAt")
        self.point.setText("Point…")
        self.point.setToolTip("Draw a soft circle or an arrow on the picture, to show where to look")
        self.point.clicked.connect(self.point_at)
        self.where = QLabel()
        self.where.setObjectName("pictureTime")
        self.words = QLineEdit(moment.family_words or "")
        self.words.setObjectName("familyWords")
        self.words.setPlaceholderText("The family's own words, if they said something (optional)")
        stepping = QHBoxLayout()
        stepping.addWidget(self.earlier)
        stepping.addWidget(self.where, 1, Qt.AlignmentFlag.AlignCenter)
        stepping.addWidget(self.later)
        stepping.addWidget(self.point)
        left = QVBoxLayout()
        left.addWidget(self.picture)
        left.addLayout(stepping)
        right = QVBoxLayout()
        right.addWidget(self.include)
        right.addWidget(QLabel(f"{format_time(moment.start_us)} – {format_time(moment.end_us)}"))
        right.addStretch(1)
        right.addWidget(self.words)
        row = QHBoxLayout(self)
        row.addLayout(left)
        row.addLayout(right, 1)
        self._show()

    def point_at(self) -> None:
        """Draw marks on the picture, and frame the clip closer (the editor on this very frame)."""
        from vfeedback.ui.marks_editor import MarksEditor

        if self.image is None:
            return
        editor = MarksEditor(self.image, self.marks, self, crop=self.crop, framing=True)
        if editor.exec() == QDialog.DialogCode.Accepted:
            self.marks, self.crop = editor.marks(), editor.crop()
            self._show()

    @property
    def picture_us(self) -> int:
        return self._index.time_of(self.frame)

    def step(self, frames: int) -> None:
        self.frame = min(max(self.frame + frames, self._first), self._last)
        self._show()

    def _show(self) -> None:
        self.earlier.setEnabled(self.frame > self._first)
        self.later.setEnabled(self.frame < self._last)
        self.where.setText(f"Picture at {format_time(self.picture_us)}")
        if self._pictures is None:
            self.picture.setText("No picture")
            return
        if self.shown_frame == self.frame and self._decoded is not None:
            self._paint(self._decoded)  # the same frame with other marks: no decoding
            return
        self.point.setEnabled(False)  # until the picture it draws on is here
        if self.shown_frame is None:
            self.picture.setText("…")
        self._pictures.request(self, self.frame)

    def show_decoded(self, frame: int, image: Any) -> None:
        """The decoded picture of ``frame`` has arrived (on the GUI thread); one overtaken by a later
        step is dropped."""
        if frame != self.frame:
            return
        self.shown_frame, self._decoded = frame, image
        self.point.setEnabled(True)
        self._paint(image)

    def show_failure(self, frame: int, message: str) -> None:
        if frame == self.frame:
            self.shown_frame, self._decoded, self.image = None, None, None
            self.picture.setText(message)

    def _paint(self, image: Any) -> None:
        from vfeedback.export.stills import draw_marks
        from vfeedback.ui.player.frame_worker import to_qimage

        self.image = to_qimage(image)
        pixmap = QPixmap.fromImage(to_qimage(draw_marks(image, self.marks)))  # as the handout will show it
        self.picture.setPixmap(pixmap.scaled(*THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))  # fmt: skip


class Pictures:
    """The rows' exact pictures, decoded off the GUI thread so the dialog opens and steps at once.

    One decoder for the recording (it is not thread-safe, so one decode at a time under a lock) on the
    window's task runner; a request a later step overtook before it started is skipped."""

    def __init__(self, decoder: FrameDecoder, tasks: TaskRunner) -> None:
        self._decoder: FrameDecoder | None = decoder
        self._tasks = tasks
        self._lock = threading.Lock()
        self.pending = 0
        """Requests not yet answered (a test waits for 0)."""

    def request(self, row: MomentRow, frame: int) -> None:
        def job(_progress: Progress, _cancel: ShouldCancel) -> Any:
            if row.frame != frame:  # stepped on before this began: the newer request shows
                return None
            with self._lock:
                if self._decoder is None:
                    return None
                return self._decoder.frame(frame).image

        def done(image: Any) -> None:
            self.pending -= 1
            if image is not None and self._decoder is not None and isValid(row):  # not closed since
                row.show_decoded(frame, image)

        def failed(message: str) -> None:
            self.pending -= 1
            if self._decoder is not None and isValid(row):
                row.show_failure(frame, message)

        self.pending += 1
        self._tasks.submit("Showing the pictures", job, on_done=done, on_error=failed)

    def close(self) -> None:
        """Waits for a decode under way (a fraction of a second), then lets go of the file."""
        with self._lock:
            if self._decoder is not None:
                self._decoder.close()
                self._decoder = None


class PrepareSessionDialog(QDialog):
    """See the module's docstring. ``play_requested(path)`` and ``review_requested(reel_id)`` ask
    the window to play the reel's film, or to start the review with the family."""

    play_requested = Signal(Path)
    review_requested = Signal(int)

    def __init__(self, library: Library, tasks: TaskRunner, recording: Recording, moments: list[Moment],
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("prepareSession")
        self.setWindowTitle("Prepare the session")
        self.library, self.tasks, self.recording = library, tasks, recording
        self.pack: SessionPack | None = None
        self._task: Task | None = None
        self._pictures = self._open_pictures()
        self._steps = _Steps(self)
        self._steps.said.connect(self._on_step)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._choosing(moments))
        self.pages.addWidget(self._working())
        self.pages.addWidget(self._ready())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        tasks.changed.connect(self._tasks_changed)
        self._show_consent()
        # As tall as the screen allows (three moments show whole at 1080 lines), never taller.
        room = self.screen().availableGeometry().height() if self.screen() is not None else 768
        self.resize(780, max(560, min(900, room - 80)))

    # --- the pages ------------------------------------------------------------------------------
    def _choosing(self, moments: list[Moment]) -> QWidget:
        page = QWidget()
        heading = QLabel("<b>Prepare the session with the family</b><br>A clip of each moment, the reel "
                         "and a printed handout, made in one go.")  # fmt: skip
        heading.setWordWrap(True)
        self.title = QLineEdit(self.recording.title or DEFAULT_TITLE)
        self.title.setObjectName("packTitle")
        self.date = QLineEdit(long_date(self.recording.recorded_on or date.today()))
        self.date.setObjectName("packDate")
        self.purpose = QComboBox()
        self.purpose.setObjectName("packPurpose")
        for purpose in Purpose:
            self.purpose.addItem(purpose.wording.capitalize(), purpose.value)
        self.purpose.currentIndexChanged.connect(self._show_consent)
        form = QFormLayout()
        form.addRow("Title", self.title)
        form.addRow("Date", self.date)
        form.addRow("For", self.purpose)

        self.consent_state = QLabel()
        self.consent_state.setObjectName("consentState")
        self.consent_state.setWordWrap(True)
        self.consent_by = QLineEdit(self.library.ctx.user)
        self.consent_by.setObjectName("consentBy")
        self.consent_by.setPlaceholderText("Who recorded it")
        self.consent_on = QDateEdit(QDate.currentDate())
        self.consent_on.setObjectName("consentDate")
        self.consent_on.setCalendarPopup(True)
        self.consent_on.setDisplayFormat("d MMMM yyyy")
        self.consent_on.setMaximumDate(QDate.currentDate())
        self.record_consent = QPushButton("Record consent")
        self.record_consent.setObjectName("recordConsent")
        self.record_consent.clicked.connect(self._record_consent)
        self.consent_form = QWidget()
        self.consent_form.setObjectName("consentForm")
        consent_row = QHBoxLayout(self.consent_form)
        consent_row.setContentsMargins(0, 0, 0, 0)
        consent_row.addWidget(QLabel("Given, recorded by"))
        consent_row.addWidget(self.consent_by, 1)
        consent_row.addWidget(QLabel("on"))
        consent_row.addWidget(self.consent_on)
        consent_row.addWidget(self.record_consent)

        self.rows: list[MomentRow] = []
        index = self.library.media.frame_index(self.recording.id)
        listing = QWidget()
        column = QVBoxLayout(listing)
        for number, m in enumerate(moments, start=1):
            row = MomentRow(m, index, self.library.exports.picture_of(m), self._pictures, number)
            self.rows.append(row)
            column.addWidget(row)
        if not moments:
            column.addWidget(QLabel("No strengths are tagged on this recording yet: select the moments "
                                    "to show, then choose Prepare session… again."))  # fmt: skip
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("packMoments")
        scroll.setWidgetResizable(True)
        scroll.setWidget(listing)

        self.error = QLabel()
        self.error.setObjectName("packError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #9a3b2e;")
        self.make = QPushButton(MAKE)
        self.make.setObjectName("makePack")
        self.make.setDefault(True)
        self.make.clicked.connect(self.start)
        cancel = QPushButton("Cancel")
        cancel.setObjectName("cancelPack")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.make)

        layout = QVBoxLayout(page)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.consent_state)
        layout.addWidget(self.consent_form)
        layout.addWidget(scroll, 1)
        # A session filmed by several cameras: the handout can show both faces, side by side.
        self.both_faces = QCheckBox("Show every camera side by side in the handout's pictures")
        self.both_faces.setObjectName("handoutCameras")
        if self.library.angles.of(self.recording.id):
            layout.addWidget(self.both_faces)
        else:
            self.both_faces.setParent(page)
            self.both_faces.hide()
        layout.addLayout(buttons)
        return page

    def _working(self) -> QWidget:
        page = QWidget()
        self.step_label = QLabel("Starting…")
        self.step_label.setObjectName("packStep")
        self.bar = QProgressBar()
        self.bar.setObjectName("packProgress")
        self.bar.setRange(0, 1000)
        self.stop = QPushButton("Stop")
        self.stop.setObjectName("stopPack")
        self.stop.clicked.connect(self._stop)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.step_label)
        layout.addWidget(self.bar)
        layout.addWidget(self.stop, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        return page

    def _ready(self) -> QWidget:
        page = QWidget()
        self.ready = QLabel()
        self.ready.setObjectName("packReady")
        self.ready.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ready.setStyleSheet("font-size: 18px; color: #5A4636;")
        self.open_folder = QPushButton("Open folder")
        self.open_folder.setObjectName("openFolder")
        self.open_folder.clicked.connect(self._open_folder)
        self.play_reel = QPushButton("Play the reel")
        self.play_reel.setObjectName("playReel")
        self.play_reel.clicked.connect(self._play)
        self.print_handout = QPushButton("Print the handout…")
        self.print_handout.setObjectName("printHandout")
        self.print_handout.clicked.connect(self.print_the_handout)
        self.review = QPushButton("Review with the family")
        self.review.setObjectName("reviewWithFamily")
        self.review.clicked.connect(self._review)
        close = QPushButton("Close")
        close.setObjectName("closePack")
        close.clicked.connect(self.accept)
        grid = QGridLayout()
        for i, button in enumerate((self.open_folder, self.play_reel, self.print_handout, self.review)):
            button.setMinimumHeight(40)
            grid.addWidget(button, i // 2, i % 2)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.ready)
        layout.addSpacing(16)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        return page

    # --- consent --------------------------------------------------------------------------------
    def chosen_purpose(self) -> str:
        return str(self.purpose.currentData())

    def _show_consent(self) -> None:
        purpose = Purpose(self.chosen_purpose())
        entry = self.library.consent.state(self.recording.family_id)[purpose]
        if entry is not None and entry.given:
            self.consent_state.setText(
                f"Consent for {purpose.wording}: given on {long_date(entry.on_date)} "
                f"(recorded by {entry.recorded_by})."
            )
            self.consent_form.hide()
        else:
            self.consent_state.setText(
                f"Family {self.recording.family_code} has not given consent for {purpose.wording}. "
                "Record it here once they have given it:"
            )
            self.consent_form.show()
        self.make.setEnabled(bool(self.rows) and entry is not None and entry.given)

    def _record_consent(self) -> None:
        picked = self.consent_on.date()
        try:
            self.library.consent.give(
                self.recording.family_id,
                self.chosen_purpose(),
                self.consent_by.text(),
                date(picked.year(), picked.month(), picked.day()),
            )
        except VfeedbackError as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        self._show_consent()

    # --- making ---------------------------------------------------------------------------------
    def chosen(self) -> list[MomentRow]:
        return [row for row in self.rows if row.include.isChecked()]

    def start(self) -> None:
        """Keep the pictures and words chosen, then make the pack on the task runner."""
        rows = self.chosen()
        if not rows:
            self.error.setText("Tick at least one moment for the session pack.")
            return
        title, day, purpose = self.title.text(), self.date.text(), self.chosen_purpose()
        try:
            self.library.consent.require(self.recording.family_id, purpose)
            for row in rows:
                m = self.library.moments.get(row.moment.id)
                if row.frame != row.chosen_at_start:
                    self.library.moments.edit(m.id, picture=row.picture_us)
                    row.chosen_at_start = row.frame
                if row.words.text().strip() != (m.family_words or ""):
                    self.library.moments.edit(m.id, family_words=row.words.text())
        except VfeedbackError as exc:
            self.error.setText(str(exc))
            return
        self.error.clear()
        ids = [row.moment.id for row in rows]
        said = self._steps.said
        # Marks drawn here replace the handout's; none drawn keep those of the reel's last handout.
        drawn = {row.moment.id: row.marks for row in rows if row.marks} or None
        crops = {row.moment.id: row.crop for row in rows if row.crop is not None}
        handout_layout = Layout("side-by-side") if self.both_faces.isChecked() else None

        def job(progress: Progress, cancel: ShouldCancel) -> SessionPack:
            return self.library.exports.session_pack(
                ids, title, day, purpose=purpose, progress=progress, should_cancel=cancel, step=said.emit,
                marks=drawn, crops=crops, handout_layout=handout_layout,
            )  # fmt: skip

        self.step_label.setText("Starting…")
        self.bar.setValue(0)
        self.pages.setCurrentIndex(1)
        self._task = self.tasks.submit(
            f"Session pack '{title}'",
            job,
            on_done=self._done,
            on_error=self._failed,
            export=f"the session pack '{title}'",
        )

    def _on_step(self, words: str) -> None:
        self.step_label.setText(words)

    def _tasks_changed(self) -> None:
        task = self._task
        if task is None:
            return
        if task in self.tasks.tasks():
            self.bar.setValue(round(task.progress * 1000))
            return
        self._task = None
        if self.pack is None and task.cancelled:  # stopped: back, the settings kept
            self.stop.setEnabled(True)
            self.pages.setCurrentIndex(0)
            self.error.setText(STOPPED)

    def _stop(self) -> None:
        if self._task is not None:
            self.stop.setEnabled(False)
            self.step_label.setText("Stopping…")
            self._task.cancel()

    def _done(self, pack: Any) -> None:
        assert isinstance(pack, SessionPack)
        self.pack = pack
        self.ready.setText(pack.summary())
        self.pages.setCurrentIndex(2)

    def _failed(self, message: str) -> None:
        self.pages.setCurrentIndex(0)
        self.error.setText(message)

    # --- what comes next ------------------------------------------------------------------------
    def _open_folder(self) -> None:
        if self.pack is not None:
            folder = self.library.exports.path(self.pack.handout).parent
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _play(self) -> None:
        if self.pack is not None:
            self.play_requested.emit(self.library.exports.path(self.pack.film))

    def _review(self) -> None:
        if self.pack is not None:
            reel_id = self.pack.reel.id
            self.accept()
            self.review_requested.emit(reel_id)

    def printer(self) -> QPrinter:
        """The printer the handout goes to (kept, so a second print starts from the same choices)."""
        return browser_printer(self)

    def print_the_handout(self) -> None:
        """The system's print dialog, then the handout painted onto the printer by the renderer that
        wrote the PDF (no PDF viewer between)."""
        if self.pack is not None:
            print_handout(
                self.library, self.pack.reel.id, self.printer(), self, purpose=self.pack.handout.purpose
            )

    # --- the exact pictures ---------------------------------------------------------------------
    def _open_pictures(self) -> Pictures | None:
        from vfeedback.media.decoder import FrameDecoder

        try:
            index = self.library.media.frame_index(self.recording.id)
            path = self.library.recordings.path(self.recording)
            decoder = FrameDecoder(
                path, index, self.recording.media.rotation, max_size=(THUMB[0] * 2, THUMB[1] * 2)
            )
        except VfeedbackError:
            return None  # the file is missing: the rows say "No picture", the pack says why
        return Pictures(decoder, self.tasks)

    def done(self, result: int) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._pictures is not None:
            self._pictures.close()
            self._pictures = None
        super().done(result)


def print_handout(library: Library, reel_id: int, printer: QPrinter, parent: QWidget | None,
                  *, purpose: str = "feedback") -> bool:  # fmt: skip
    """Ask where and how to print (the system's print dialog), then paint the reel's handout onto the
    printer. True if it was printed."""
    from PySide6.QtPrintSupport import QPrintDialog

    from vfeedback.render.handout import paint_handout

    reel = library.reels.get(reel_id)
    pictures = library.exports.handout_pictures(reel_id, purpose=purpose)
    dialog = QPrintDialog(printer, parent)
    dialog.setObjectName("printDialog")
    dialog.setWindowTitle("Print the handout")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    paint_handout(printer, reel.title, reel.date_text, pictures)
    return True


def add_handout_entries(menu: QMenu, browser: HighlightsBrowser, chosen: list[Highlight]) -> None:
    """The highlights browser's right-click on a reel or a handout: make the reel's handout (again:
    it replaces the one before) and print it. Added to the browser's one menu."""
    from vfeedback.core.model import HighlightKind

    reels = [h for h in chosen if h.reel_id is not None]
    if not reels:
        return
    h = reels[0]
    reel_id, purpose = int(h.reel_id or 0), h.purpose
    library = browser.library
    made = [x for x in library.exports.all(h.family_id, kind=HighlightKind.HANDOUT) if x.reel_id == reel_id]
    make = menu.addAction("Make the handout again" if made else "Make the handout")
    make.setObjectName("makeHandout")
    printing = menu.addAction("Print the handout…")
    printing.setObjectName("printHandout")
    printing.setEnabled(bool(made))

    def job(progress: Progress, cancel: ShouldCancel) -> Any:
        return library.exports.handout(reel_id, progress, cancel, purpose=purpose)

    def error(message: str) -> None:
        browser.status.setText(message)

    make.triggered.connect(
        lambda: browser.tasks.submit(
            "Making the handout",
            job,
            on_done=lambda _h: browser.refresh(),
            on_error=error,
            export=f"the handout of reel {reel_id}",
        )
    )

    def print_it() -> None:
        try:
            print_handout(library, reel_id, browser_printer(browser), browser, purpose=purpose)
        except VfeedbackError as exc:
            error(str(exc))

    printing.triggered.connect(print_it)


def browser_printer(widget: QWidget) -> QPrinter:
    """One printer per window, kept on it, so a second print starts from the same choices."""
    from PySide6.QtGui import QPageSize
    from PySide6.QtPrintSupport import QPrinter

    printer = getattr(widget, "_handout_printer", None)
    if not isinstance(printer, QPrinter):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setFullPage(True)
        widget._handout_printer = printer  # type: ignore[attr-defined]
    return printer
