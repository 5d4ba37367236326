"""The one small dialog a new film goes through (File › Import…, or a video dropped on the window), and
the same form for a recording's Details… later: its family (pick one, or type a new case code), the
day it was filmed (read from the film where it says, else from the file's dates), the context it was
filmed in (suggestions, and the contexts used before) and an optional name of the clinician's own.

Nothing is written here: the dialog hands back a checked ``ImportChoice`` (``chosen``) or edits the
recording in one undoable action (Details…)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core import text as texts
from vfeedback.core.dates import long_date
from vfeedback.core.errors import BadInput, NotFound, VfeedbackError
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.model import Recording
from vfeedback.services import Library
from vfeedback.services.recordings import filmed_on

CONTEXTS = (
    "play",
    "feeding",
    "bath",
    "nappy change",
    "book sharing",
    "mealtime",
    "singing",
    "tummy time",
    "getting dressed",
    "bedtime",
)
"""Suggested contexts (free text: the clinician may type any other)."""
HINT_STYLE = "color: palette(placeholder-text);"
ERROR_STYLE = "color: #9a3b20;"


@dataclass(frozen=True)
class ImportChoice:
    """What the clinician chose for a new film, already checked."""

    path: Path
    family: str
    new_family: bool
    recorded_on: date
    context: str | None
    title: str | None


def filming_date(path: Path, info: MediaInfo) -> tuple[date, bool]:
    """The day a film was made and whether the film itself says so: its own date where it has one
    (``services.recordings.filmed_on``), else the file's dates (the earliest the system keeps)."""
    own = filmed_on(info)
    if own is not None:
        return own, True
    st = path.stat()
    times = [st.st_mtime, getattr(st, "st_birthtime", st.st_mtime)]
    return datetime.fromtimestamp(min(times)).date(), False


class DateField(QDateEdit):
    """A date whose Tab goes on to the next field, as in any form (a plain QDateEdit spends Tab on
    stepping through day, month and year; the arrow keys still do that)."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


class RecordingForm(QDialog):
    """The form; ``ImportDialog`` and ``DetailsDialog`` say what it is for."""

    def __init__(self, library: Library, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.library = library
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.heading = QLabel()
        self.heading.setObjectName("heading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        self.about = _hint()
        self.family = QComboBox()
        self.family.setObjectName("family")
        self.family_hint = _hint()
        self.date = DateField()
        self.date.setObjectName("filmedOn")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("d MMMM yyyy")
        self.date.setMaximumDate(QDate.currentDate().addDays(1))
        self.date_hint = _hint()
        self.context = QComboBox()
        self.context.setObjectName("context")
        self.context.setEditable(True)
        self.context.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        used = library.recordings.contexts()
        self.context.addItems(used + [c for c in CONTEXTS if c not in used])
        self.context.setCurrentIndex(-1)
        self.context.setEditText("")
        line = self.context.lineEdit()
        assert line is not None
        line.setPlaceholderText("e.g. play, feeding, bath")
        self.name = QLineEdit()
        self.name.setObjectName("title")
        self.name.setPlaceholderText("Optional: your own name for it, e.g. Bath time")
        self.name.setMaxLength(texts.REEL_TITLE.limit)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("OK", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        self.form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(6)
        form.addRow("Family", self.family)
        form.addRow("", self.family_hint)
        form.addRow("Filmed on", self.date)
        form.addRow("", self.date_hint)
        form.addRow("Context", self.context)
        form.addRow("Name", self.name)
        column = QVBoxLayout(self)
        column.setContentsMargins(18, 16, 18, 14)
        column.setSpacing(10)
        column.addWidget(self.heading)
        column.addWidget(self.about)
        column.addLayout(form)
        column.addWidget(self.error)
        column.addWidget(self.buttons)
        # Enter anywhere in the form is OK (Import, Save), never Cancel: set once the button is in
        # the dialog, or the dialog does not know it and Enter takes the first button it finds.
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setAutoDefault(False)
        self.ok.setDefault(True)

    def _say(self, hint: QLabel, text: str) -> None:
        """A hint under a field, its row gone while it has nothing to say (no empty gap)."""
        hint.setText(text)
        self.form.setRowVisible(hint, bool(text))

    def filmed_on(self) -> date:
        chosen = self.date.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def _set_date(self, day: date) -> None:
        self.date.setDate(QDate(day.year, day.month, day.day))

    def _refuse(self, sentence: str) -> None:
        self.error.setText(sentence)
        self.error.show()


class ImportDialog(RecordingForm):
    """``chosen(ImportChoice)`` when the clinician presses Import with sound choices."""

    chosen = Signal(object)

    def __init__(
        self, library: Library, path: Path, family: str | None, parent: QWidget | None = None
    ) -> None:
        """Raises BadInput (one sentence) when ``path`` is not a video vfeedback can use."""
        from vfeedback.media.probe import probe

        info = probe(path)  # a file that is no film is said before any question is asked
        super().__init__(library, "Import a film", parent)
        self.setObjectName("importDialog")
        self.path = path
        self.heading.setText(f"Import {texts.quoted_name(path)}")
        size = f"{info.display_width}×{info.display_height}"
        self.about.setText(
            f"{film_length(info.duration_us)} · {size}. vfeedback keeps its own copy in the library; "
            "the file you chose stays where it is."
        )
        self.ok.setText("Import")
        self.family.setEditable(True)
        self.family.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.family.addItems([f.code for f in library.families.all()])
        fam_line = self.family.lineEdit()
        assert fam_line is not None
        fam_line.setPlaceholderText("a case code, e.g. F12 (never a real name)")
        if family is not None:
            self.family.setCurrentText(family)
        else:
            self.family.setCurrentIndex(-1)
            self.family.setEditText("")
        self.family.currentTextChanged.connect(self._family_typed)
        self._family_typed(self.family.currentText())
        day, own = filming_date(path, info)
        self._set_date(day)
        self._say(
            self.date_hint,
            "From the film's own recording date."
            if own
            else "From the file's date: change it if the film was made on another day.",
        )
        (self.family if family is None else self.context).setFocus()

    def _family_typed(self, text: str) -> None:
        self.error.hide()
        code = text.strip()
        if not code:
            self._say(self.family_hint, "Pick the family, or type a new case code.")
            return
        try:
            self.library.families.get(code)
        except NotFound:
            self._say(self.family_hint, f"A new family {code} will be made.")
            return
        self._say(self.family_hint, "")

    def accept(self) -> None:
        try:
            choice = self.choice()
        except BadInput as exc:
            self._refuse(str(exc))
            return
        super().accept()
        self.chosen.emit(choice)

    def choice(self) -> ImportChoice:
        """What was chosen, checked; BadInput (one sentence) otherwise."""
        typed = self.family.currentText().strip()
        if not typed:
            raise BadInput("Choose the family this film belongs to, or type a new case code.")
        try:
            code, new = self.library.families.get(typed).code, False
        except NotFound:
            code, new = texts.case_code(typed), True
        return ImportChoice(
            path=self.path,
            family=code,
            new_family=new,
            recorded_on=self.filmed_on(),
            context=texts.optional(self.context.currentText(), texts.CONTEXT),
            title=texts.optional(self.name.text(), texts.REEL_TITLE, "name of the recording"),
        )


class DetailsDialog(RecordingForm):
    """A recording's date, context and name, changed in one undoable action on OK."""

    def __init__(self, library: Library, recording_id: int, parent: QWidget | None = None) -> None:
        rec = library.recordings.get(recording_id)
        super().__init__(library, "Recording details", parent)
        self.setObjectName("detailsDialog")
        self.recording_id = rec.id
        self.heading.setText(recording_name(rec))
        self.about.setText(
            f"Recording {rec.id} · {film_length(rec.media.duration_us)} · from {rec.original_name}"
        )
        self.family.addItem(rec.family_code)
        self.family.setEnabled(False)
        self._say(self.family_hint, "")
        self._set_date(rec.recorded_on or rec.imported_at.date())
        # An unknown filming day stays unknown unless the clinician sets one (not the import day).
        self._unknown_day = None if rec.recorded_on is not None else self.filmed_on()
        self._say(
            self.date_hint,
            "" if rec.recorded_on else "The day it was filmed is not known yet: the import day is shown.",
        )
        self.context.setEditText(rec.context or "")
        self.name.setText(rec.title or "")
        self.ok.setText("Save")
        self.name.setFocus()

    def accept(self) -> None:
        try:
            day = self.filmed_on()
            self.library.recordings.edit(
                self.recording_id,
                recorded_on=None if day == self._unknown_day else day,
                context=self.context.currentText(),
                title=self.name.text(),
            )
        except VfeedbackError as exc:
            self._refuse(str(exc))
            return
        super().accept()


def film_length(us: int) -> str:
    """How long a film is, as its player shows it: ``0:10``, ``14:32``, ``1:02:05``."""
    seconds = round(us / 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def recording_name(rec: Recording) -> str:
    """How a recording is named to the clinician: its family and its own name, else the day it was
    filmed, else its number ("F12 · Bath time", "F12 · 3 November 2026")."""
    if rec.title:
        return f"{rec.family_code} · {rec.title}"
    if rec.recorded_on is not None:
        return f"{rec.family_code} · {long_date(rec.recorded_on)}"
    return f"{rec.family_code} · recording {rec.id}"
