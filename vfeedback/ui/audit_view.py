"""A family's audit record, read-only: who imported, exported, showed, deleted or changed consent, and
when; savable as CSV for the service's records. Nothing here can change an entry (the database
refuses it anyway)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.errors import VfeedbackError
from vfeedback.services import Library

COLUMNS = ("When", "Who", "What", "For", "Detail", "Where it went")
ACTIONS = {
    "import": "Imported",
    "export": "Exported",
    "review": "Shown to the family",
    "delete": "Deleted",
    "consent": "Consent",
    "protection": "Record's protection",
}


class AuditView(QDialog):
    def __init__(self, library: Library, family: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.family = library.families.get(family)
        self.setWindowTitle(f"Audit record — {self.family.code}")
        self.resize(900, 520)

        intro = QLabel(
            "Everything done with this family's recordings, newest last. Entries are only ever added; "
            "no one can change or remove them."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setStyleSheet("QTableWidget::item { padding: 4px 10px; }")
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS) - 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(len(COLUMNS) - 2, 360)
        header.setStretchLastSection(True)
        self.empty = QLabel("Nothing has been recorded for this family yet.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #6b7780;")

        self.save = QPushButton("Save as spreadsheet (CSV)…")
        self.save.clicked.connect(self._ask_save)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.save, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addWidget(self.table, 1)
        column.addWidget(self.empty)
        column.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        entries = self.library.audit.entries(self.family.id)
        self.table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            cells = (
                e.at.astimezone().strftime("%d %b %Y %H:%M"),
                e.actor,
                ACTIONS.get(e.action, e.action.capitalize()),
                e.purpose or "",
                e.detail,
                _where(e.destination, e.notes),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        if entries:
            self.table.scrollToBottom()
        self.table.setVisible(bool(entries))
        self.empty.setVisible(not entries)
        self.save.setEnabled(bool(entries))

    def save_csv(self, path: Path) -> int:
        count = self.library.audit.write_csv(path, self.family.id)
        self.refresh()  # the saved file is itself in the record
        return count

    def _ask_save(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the audit record", f"{self.family.code}-audit.csv", "Spreadsheet (*.csv)"
        )
        if not name:
            return
        try:
            count = self.save_csv(Path(name))
        except VfeedbackError as exc:
            self.empty.setText(str(exc))
            self.empty.setVisible(True)
            return
        self.setWindowTitle(f"Audit record — {self.family.code} (saved {count} entries)")


def _where(destination: str | None, notes: bool | None) -> str:
    if destination is None:
        return ""
    return destination + (" (with private notes)" if notes else "")
