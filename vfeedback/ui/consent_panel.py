"""The consent register of the chosen family, in the library column: each purpose's state at a glance,
and a plain dialog to record a giving or a withdrawal (never an edit: the register only grows)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.dates import long_date
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import Purpose
from vfeedback.services import Library
from vfeedback.services.audit import ExportedFile


class ConsentPanel(QWidget):
    changed = Signal()

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.family: str | None = None
        self.summary = QLabel()
        self.summary.setObjectName("consentSummary")
        self.summary.setWordWrap(True)
        self.record = QPushButton("Record consent…")
        self.record.clicked.connect(self.open_dialog)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Consent")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        column.addWidget(title)
        column.addWidget(self.summary)
        column.addWidget(self.record)
        self.show_family(None)

    def show_family(self, family: str | None) -> None:
        self.family = family
        self.record.setEnabled(family is not None)
        if family is None:
            self.summary.setText("")
            return
        lines = []
        for purpose, entry in self.library.consent.state(family).items():
            if entry is None:
                state = "<span style='color:#8a8f94'>not recorded</span>"
            elif entry.given:
                state = f"<span style='color:#2e7d4f'>given</span> {long_date(entry.on_date)}"
            else:
                state = f"<span style='color:#a0522d'>withdrawn</span> {long_date(entry.on_date)}"
            lines.append(f"{purpose.wording.capitalize()}: {state}")
        self.summary.setText("<br>".join(lines))

    def open_dialog(self) -> None:
        if self.family is None:
            return
        dialog = ConsentDialog(self.family, self)
        if not dialog.exec():
            return
        purpose, give, by, on = dialog.values()
        try:
            if give:
                self.library.consent.give(self.family, purpose, by, on)
            else:
                self.library.consent.withdraw(self.family, purpose, by, on)
                files = self.library.audit.exported_files(self.family, purpose)
                if files:
                    self._tell_exported(Purpose(purpose).wording, files)
        except VfeedbackError as exc:
            QMessageBox.information(self, "Consent", str(exc))
            return
        self.show_family(self.family)
        self.changed.emit()


    def _tell_exported(self, wording: str, files: list[ExportedFile]) -> None:
        """Every file the audit record says went out for the purpose (the whole list in Details)."""
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Consent withdrawn",
            f"{len(files)} file(s) were exported for {wording}. Recall or delete each where it went; "
            "those kept in the library are in Highlights (Moment › Highlights).",
            parent=self,
        )
        notes = {True: "with private notes", False: "no notes", None: "notes not recorded"}
        box.setDetailedText(
            "\n".join(
                f"{f.at.astimezone():%d %b %Y %H:%M}  {f.path or '(where it went was not recorded)'}  "
                f"({notes[f.notes]})"
                for f in files
            )
        )
        box.exec()


class ConsentDialog(QDialog):
    def __init__(self, family: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Consent — {family}")
        self.purpose = QComboBox()
        for purpose in Purpose:
            self.purpose.addItem(purpose.wording.capitalize(), purpose.value)
        self.change = QComboBox()
        self.change.addItem("Given", True)
        self.change.addItem("Withdrawn", False)
        self.by = QLineEdit()
        self.by.setPlaceholderText("Who recorded it")
        self.on = QDateEdit(QDate.currentDate())
        self.on.setCalendarPopup(True)
        self.on.setMaximumDate(QDate.currentDate())
        form = QFormLayout()
        form.addRow("Purpose", self.purpose)
        form.addRow("Consent", self.change)
        form.addRow("Date", self.on)
        form.addRow("Recorded by", self.by)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, bool, str, date]:
        picked = self.on.date()
        return (
            str(self.purpose.currentData()),
            bool(self.change.currentData()),
            self.by.text(),
            date(picked.year(), picked.month(), picked.day()),
        )
