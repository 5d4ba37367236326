"""Cases due for deletion under their retention rule, earliest first, each with its own "Delete for
good…" (through the same confirmation as everywhere else); below, the cases whose date is still to
come, so nothing arrives as a surprise."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.dates import long_date
from vfeedback.core.model import Family
from vfeedback.core.retention import due_date
from vfeedback.services import Library
from vfeedback.ui.confirm_delete import DELETE_STYLE, ConfirmDeleteDialog, report_outcome
from vfeedback.ui.retention_dialog import QUIET, span_words
from vfeedback.ui.tasks import TaskRunner

DUE_COLUMNS = ("Case", "Closed", "Rule", "Due since", "Overdue by", "")
COMING_COLUMNS = ("Case", "Closed", "Rule", "Due on", "In")


def coming_up(library: Library, today: date) -> list[tuple[Family, date]]:
    """Cases with a rule whose due date is known and still ahead, earliest first."""
    ahead = []
    for fam in library.families.all():
        if fam.retention_rule:
            when = due_date(fam.retention_rule, fam.closed_on)
            if when is not None and when > today:
                ahead.append((fam, when))
    return sorted(ahead, key=lambda pair: pair[1])


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    return label


def _quiet(text: str, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {QUIET};")
    if name:
        label.setObjectName(name)
    return label


def _table(columns: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(38)
    table.setWordWrap(False)
    table.setStyleSheet(
        "QTableWidget::item { padding: 0 8px; }"
        "QHeaderView::section { padding: 4px 11px; border: none; border-bottom: 1px solid #d5dadd;"
        " background: #f4f6f7; color: #46535e; }"
    )
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fit_height(table: QTableWidget, rows_at_most: int = 8) -> None:
    """Tall enough for its rows (up to a few), so short lists don't float in empty space."""
    shown = min(table.rowCount(), rows_at_most)
    height = table.horizontalHeader().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(r) for r in range(shown))
    table.setFixedHeight(height + 2)


def _codes(table: QTableWidget) -> list[str]:
    items = (table.item(row, 0) for row in range(table.rowCount()))
    return [item.text() for item in items if item is not None]


def _rule_words(rule: str) -> str:
    return rule[:1].upper() + rule[1:]


class DueForDeletionView(QDialog):
    """``aboutToDelete(list)`` / ``deleted(list)`` carry the recording ids of a family being deleted."""

    aboutToDelete = Signal(list)
    deleted = Signal(list)

    def __init__(
        self,
        library: Library,
        tasks: TaskRunner | None = None,
        parent: QWidget | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.library, self.tasks = library, tasks
        self.today = today
        self.confirm: ConfirmDeleteDialog | None = None
        self.setWindowTitle("Cases due for deletion")
        self.setMinimumSize(900, 480)
        self.setStyleSheet(DELETE_STYLE)

        self.due = _table(DUE_COLUMNS, "dueTable")
        self.empty = QLabel("No case is due for deletion.")
        self.empty.setObjectName("dueEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet(f"color: {QUIET}; padding: 18px; font-size: 14px;")
        self.coming = _table(COMING_COLUMNS, "comingTable")
        self.coming_empty = _quiet("No other case has a due date yet.")
        self.no_rule = _quiet("", "noRule")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 12)
        layout.setSpacing(8)
        layout.addWidget(_heading("Due for deletion"))
        self.intro = _quiet(
            "Under their retention rule, these cases' recordings should now be deleted. Deleting "
            "removes everything of the case for good; only the audit record remains."
        )
        layout.addWidget(self.intro)
        layout.addWidget(self.due)
        layout.addWidget(self.empty)
        layout.addSpacing(10)
        layout.addWidget(_heading("Coming up"))
        layout.addWidget(self.coming)
        layout.addWidget(self.coming_empty)
        layout.addSpacing(6)
        layout.addWidget(self.no_rule)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.refresh()

    def day(self) -> date:
        return self.today or date.today()

    def due_codes(self) -> list[str]:
        return _codes(self.due)

    def coming_codes(self) -> list[str]:
        return _codes(self.coming)

    def refresh(self) -> None:
        today = self.day()
        due = self.library.cases.due(today)
        self.due.setRowCount(len(due))
        for row, (fam, when) in enumerate(due):
            self._fill(self.due, row, fam, when, "due today" if when == today else span_words(when, today))
            button = QPushButton("Delete for good…")
            button.setObjectName("deleteRow")
            button.clicked.connect(lambda _=False, code=fam.code: self.delete_family(code))
            cell = QWidget()
            box = QHBoxLayout(cell)
            box.setContentsMargins(6, 3, 6, 3)
            box.addStretch(1)
            box.addWidget(button)
            self.due.setCellWidget(row, 5, cell)
        self.due.setVisible(bool(due))
        self.empty.setVisible(not due)
        self.intro.setVisible(bool(due))
        _fit_height(self.due)

        ahead = coming_up(self.library, today)
        self.coming.setRowCount(len(ahead))
        for row, (fam, when) in enumerate(ahead):
            self._fill(self.coming, row, fam, when, span_words(today, when))
        self.coming.setVisible(bool(ahead))
        self.coming_empty.setVisible(not ahead)
        _fit_height(self.coming, 6)

        without = [f for f in self.library.families.all() if not f.retention_rule]
        self.no_rule.setText(
            f"{len(without)} case{' has' if len(without) == 1 else 's have'} no retention rule yet "
            "(right-click a case in the library › Closure and retention…)."
            if without
            else ""
        )
        self.no_rule.setVisible(bool(without))

    @staticmethod
    def _fill(table: QTableWidget, row: int, fam: Family, when: date, span: str) -> None:
        closed = long_date(fam.closed_on) if fam.closed_on else "still open"
        cells = (fam.code, closed, _rule_words(fam.retention_rule or ""), long_date(when), span)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column == 0:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            table.setItem(row, column, item)

    def delete_family(self, code: str) -> ConfirmDeleteDialog:
        """Open the confirmation (without blocking); the list refreshes when it has finished."""
        dialog = ConfirmDeleteDialog(self.library, family=code, tasks=self.tasks, parent=self)
        dialog.aboutToDelete.connect(self.aboutToDelete)
        # A bound method, not a closure over the dialog (see LibraryPanel._confirm).
        dialog.finished.connect(self._finished)
        self.confirm = dialog
        dialog.open()
        return dialog

    def _finished(self) -> None:
        dialog, self.confirm = self.confirm, None
        if dialog is None:
            return
        report_outcome(self, dialog)
        if dialog.result() == QDialog.DialogCode.Accepted or dialog.error:
            self.refresh()
            self.deleted.emit(list(dialog.inventory.recording_ids))
        dialog.deleteLater()
