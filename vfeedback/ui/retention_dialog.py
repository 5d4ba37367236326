"""Closure and retention of one case: when it closed, and the service's rule for how long its recordings
are kept. The rule is checked as it is typed and read back in a plain sentence with its due date, so the
clinician sees exactly what they are agreeing to before saving. A rule can be removed again ("No rule"),
as undoably as it was set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.dates import long_date
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import Family
from vfeedback.core.retention import due_date, parse_rule
from vfeedback.services import Library

NO_RULE = "none"
BIRTHDAY = "birthday"
UNTIL = "until"
WRITTEN = "written"
# (label, rule): the rules services commonly write; a preset's rule is the stored text.
PRESETS: tuple[tuple[str, str], ...] = (
    ("Delete 12 months after closure", "delete 12 months after closure"),
    ("Delete 24 months after closure", "delete 24 months after closure"),
    ("Delete 8 years after closure", "delete 8 years after closure"),
)
BIRTHDAY_YEARS = 25
GOOD = "#2e5e4e"
PROBLEM = "#a0522d"
QUIET = "#5f6b73"


# --- plain words (no Qt) --------------------------------------------------------------------------
def years_after(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def span_words(start: date, end: date) -> str:
    """How long from ``start`` to ``end`` (end >= start), as a person would say it."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    if months <= 0:
        days = (end - start).days
        return "today" if days == 0 else f"{days} day{'s' if days != 1 else ''}"
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if months:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    return " and ".join(parts)


@dataclass(frozen=True)
class Reading:
    """What a rule means for this case: valid or not, the sentence to show, and the due date."""

    ok: bool
    sentence: str
    due: date | None = None


def read_rule(text: str, closed_on: date | None, today: date) -> Reading:
    """The rule as typed, read back: the one-sentence reason when it is not a rule."""
    if not text.strip():
        return Reading(True, "No rule yet: this case will not be listed as due for deletion.")
    try:
        rule = parse_rule(text)
    except VfeedbackError as exc:
        return Reading(False, str(exc))
    due = due_date(rule, closed_on)
    if due is None:
        return Reading(
            True,
            f"Recordings are deleted {rule.removeprefix('delete ')}; "
            "the due date follows once the case is closed.",
        )
    if rule.startswith("keep until"):
        what = f"Recordings are kept until {long_date(due)}"
    else:
        what = f"Recordings are deleted {rule.removeprefix('delete ')}: on {long_date(due)}"
    if due > today:
        return Reading(True, f"{what} (in {span_words(today, due)}).", due)
    return Reading(True, f"{what}. This case is due for deletion now.", due)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _date_edit(day: date) -> QDateEdit:
    edit = QDateEdit(_qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMMM yyyy")
    edit.setMinimumWidth(190)
    edit.setMaximumWidth(220)
    return edit


# --- the dialog -----------------------------------------------------------------------------------
class RetentionDialog(QDialog):
    """Edits one family's closure date and retention rule; saves through ``Library.set_retention``."""

    def __init__(
        self, library: Library, family: str, parent: QWidget | None = None, today: date | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.family: Family = library.families.get(family)
        self.today = today or date.today()
        self.setWindowTitle(f"Closure and retention — {self.family.code}")
        self.setMinimumWidth(580)

        intro = QLabel(
            "When the case closed, and how long your service keeps its recordings. When the day comes, "
            "the case is listed under “Cases due for deletion”; nothing is deleted until you confirm it."
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(f"color: {QUIET};")

        self.still_open = QRadioButton("Still open")
        self.closed = QRadioButton("Closed on")
        self.closed_on = _date_edit(self.family.closed_on or self.today)
        self.closed_on.setMaximumDate(_qdate(self.today))
        group = QButtonGroup(self)
        group.addButton(self.still_open)
        group.addButton(self.closed)
        (self.closed if self.family.closed_on else self.still_open).setChecked(True)
        if self.family.closed_on:
            self.still_open.setToolTip("Reopen the case: the family came back to the service.")
        closure = QHBoxLayout()
        closure.setContentsMargins(0, 0, 0, 0)
        closure.addWidget(self.still_open)
        closure.addSpacing(12)
        closure.addWidget(self.closed)
        closure.addWidget(self.closed_on)
        closure.addStretch(1)

        self.preset = QComboBox()
        self.preset.addItem("No rule (remove it)" if self.family.retention_rule else "No rule yet", NO_RULE)
        for label, rule in PRESETS:
            self.preset.addItem(label, rule)
        self.preset.addItem(f"Keep until the child's {BIRTHDAY_YEARS}th birthday", BIRTHDAY)
        self.preset.addItem("Keep until a date", UNTIL)
        self.preset.addItem("Another rule (write it below)", WRITTEN)
        self.born = _date_edit(years_after(self.today, -1))
        self.born.setMaximumDate(_qdate(self.today))
        self.until = _date_edit(years_after(self.today, 1))
        self.rule = QLineEdit()
        self.rule.setObjectName("ruleText")
        self.rule.setPlaceholderText("e.g. delete 24 months after closure")
        self.reading = QLabel()
        self.reading.setObjectName("ruleReading")
        self.reading.setTextFormat(Qt.TextFormat.PlainText)  # it quotes what was typed
        self.reading.setWordWrap(True)
        born_note = QLabel("Only used to work out the date; the birth date itself is not kept.")
        born_note.setStyleSheet(f"color: {QUIET};")
        born_note.setWordWrap(True)
        born_row = QVBoxLayout()
        born_row.setSpacing(2)
        born_row.addWidget(self.born)
        born_row.addWidget(born_note)

        self.form = QFormLayout()
        self.form.setVerticalSpacing(10)
        self.form.addRow("Case", closure)
        self.form.addRow("Keep recordings", self.preset)
        self.form.addRow("Child's date of birth", born_row)
        self.form.addRow("Keep until", self.until)
        self.form.addRow("Rule", self.rule)
        self.form.addRow("", self.reading)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self._choose_initial(self.family.retention_rule)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.born.dateChanged.connect(self._preset_changed)
        self.until.dateChanged.connect(self._preset_changed)
        self.rule.textEdited.connect(self._rule_edited)
        self.closed.toggled.connect(self._update)
        self.closed_on.dateChanged.connect(self._update)
        self._preset_changed()

    # --- state ----------------------------------------------------------------------------------
    def chosen_closure(self) -> date | None:
        return _pydate(self.closed_on.date()) if self.closed.isChecked() else None

    def chosen_rule(self) -> str:
        return self.rule.text().strip()

    def _choose_initial(self, rule: str | None) -> None:
        if not rule:
            return
        for row in range(self.preset.count()):
            if self.preset.itemData(row) == rule:
                self.preset.setCurrentIndex(row)
                return
        if rule.startswith("keep until"):
            self.until.setDate(_qdate(date.fromisoformat(rule.split()[-1])))
            self.preset.setCurrentIndex(self.preset.findData(UNTIL))
            return
        self.preset.setCurrentIndex(self.preset.findData(WRITTEN))
        self.rule.setText(rule)

    def _preset_changed(self) -> None:
        kind = self.preset.currentData()
        self.form.setRowVisible(2, kind == BIRTHDAY)
        self.form.setRowVisible(3, kind == UNTIL)
        if kind == NO_RULE:
            self.rule.setText("")
        elif kind == BIRTHDAY:
            self.rule.setText(f"keep until {years_after(_pydate(self.born.date()), BIRTHDAY_YEARS)}")
        elif kind == UNTIL:
            self.rule.setText(f"keep until {_pydate(self.until.date()).isoformat()}")
        elif kind != WRITTEN:
            self.rule.setText(str(kind))
        self._update()

    def _rule_edited(self) -> None:
        # Typing makes it the clinician's own rule; the presets stay as they were until chosen again.
        if self.preset.currentData() != WRITTEN:
            self.preset.blockSignals(True)
            self.preset.setCurrentIndex(self.preset.findData(WRITTEN))
            self.preset.blockSignals(False)
            self.form.setRowVisible(2, False)
            self.form.setRowVisible(3, False)
        self._update()

    def _update(self) -> None:
        self.closed_on.setEnabled(self.closed.isChecked())
        text = self.chosen_rule()
        reading = read_rule(text, self.chosen_closure(), self.today)
        if not text and self.family.retention_rule:
            reading = Reading(
                True,
                "The rule will be removed: this case will not be listed as due for deletion "
                "(Edit › Undo brings the rule back).",
            )
        self.reading.setText(reading.sentence)
        self.reading.setStyleSheet(f"color: {GOOD if reading.ok else PROBLEM};")
        self.save_button.setEnabled(reading.ok)

    # --- saving ---------------------------------------------------------------------------------
    def save(self) -> None:
        closed_on, rule = self.chosen_closure(), self.chosen_rule() or None
        reopen = closed_on is None and self.family.closed_on is not None
        remove_rule = rule is None and self.family.retention_rule is not None
        if closed_on == self.family.closed_on:
            closed_on = None
        if rule is not None and rule == self.family.retention_rule:
            rule = None
        if closed_on is not None or rule is not None or reopen or remove_rule:
            try:
                self.family = self.library.cases.set_retention(
                    self.family.id, closed_on=closed_on, rule=rule, reopen=reopen, remove_rule=remove_rule
                )
            except VfeedbackError as exc:
                self.reading.setText(str(exc))
                self.reading.setStyleSheet(f"color: {PROBLEM};")
                return
        self.accept()
