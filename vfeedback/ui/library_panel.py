"""The left column: families (by case code) and the chosen family's recordings.

Right-click a case for its closure and retention rule or to delete it for good, a recording for its
Details… (filming date, context, its own name) or to delete it; a quiet notice appears under the
cases when any is due for deletion.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.dates import long_date
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import Family
from vfeedback.core.retention import due_date
from vfeedback.services import Library
from vfeedback.ui.import_dialog import film_length
from vfeedback.ui.tasks import TaskRunner

if TYPE_CHECKING:  # the dialogs load when first opened, not at every start
    from vfeedback.ui.audit_view import AuditView
    from vfeedback.ui.confirm_delete import ConfirmDeleteDialog
    from vfeedback.ui.due_view import DueForDeletionView
    from vfeedback.ui.import_dialog import DetailsDialog as RecordingDetails
    from vfeedback.ui.retention_dialog import RetentionDialog


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _retention_tip(fam: Family) -> str:
    closed = f"Closed on {long_date(fam.closed_on)}" if fam.closed_on else "Open"
    if not fam.retention_rule:
        return f"{closed} · no retention rule yet"
    when = due_date(fam.retention_rule, fam.closed_on)
    due = f" (due {long_date(when)})" if when else ""
    return f"{closed} · {fam.retention_rule}{due}"


class LibraryPanel(QWidget):
    """``aboutToDelete(list)``: these recordings are about to be deleted (close them now);
    ``deleted(list)``: a deletion has finished (the panel has refreshed; the undo history is empty)."""

    recordingChosen = Signal(int)
    familyChanged = Signal(str)
    aboutToDelete = Signal(list)
    deleted = Signal(list)

    def __init__(
        self, library: Library, parent: QWidget | None = None, *, tasks: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.tasks = tasks
        self.due_view: DueForDeletionView | None = None
        self.confirming: ConfirmDeleteDialog | None = None
        self.families = QListWidget()
        self.families.setObjectName("families")
        self.families.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.families.customContextMenuRequested.connect(self._family_menu)
        self.due_notice = QPushButton()
        self.due_notice.setObjectName("dueNotice")
        self.due_notice.setFlat(True)
        self.due_notice.setCursor(Qt.CursorShape.PointingHandCursor)
        self.due_notice.setStyleSheet(
            "QPushButton#dueNotice { color: #8a4b2f; text-align: left; padding: 2px; }"
        )
        self.due_notice.clicked.connect(self.show_due)
        self.recordings = QListWidget()
        self.recordings.setObjectName("recordings")
        self.recordings.setWordWrap(True)
        self.recordings.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.recordings.customContextMenuRequested.connect(self._recording_menu)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 10, 4, 10)
        column.addWidget(_heading("Families"))
        column.addWidget(self.families, 2)
        column.addWidget(self.due_notice)
        column.addWidget(_heading("Recordings"))
        column.addWidget(self.recordings, 3)
        from vfeedback.ui.consent_panel import ConsentPanel

        self.consent = ConsentPanel(library)
        column.addWidget(self.consent)
        self.families.currentItemChanged.connect(self._family_changed)
        self.recordings.itemActivated.connect(self._activated)
        self.recordings.itemClicked.connect(self._activated)
        self.refresh()

    def current_family(self) -> str | None:
        item = self.families.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def refresh(self) -> None:
        keep = self.current_family()
        self.families.blockSignals(True)
        self.families.clear()
        for fam in self.library.families.all():
            item = QListWidgetItem(fam.code)
            item.setData(Qt.ItemDataRole.UserRole, fam.code)
            item.setToolTip(_retention_tip(fam))
            self.families.addItem(item)
            if fam.code == keep:
                self.families.setCurrentItem(item)
        if self.families.currentItem() is None and self.families.count():
            self.families.setCurrentRow(0)
        self.families.blockSignals(False)
        self.show_recordings()
        self.consent.show_family(self.current_family())
        self._show_due_notice()

    def select_recording(self, recording_id: int) -> None:
        rec = self.library.recordings.get(recording_id)
        for row in range(self.families.count()):
            if self.families.item(row).data(Qt.ItemDataRole.UserRole) == rec.family_code:
                self.families.setCurrentRow(row)
        for row in range(self.recordings.count()):
            if self.recordings.item(row).data(Qt.ItemDataRole.UserRole) == recording_id:
                self.recordings.setCurrentRow(row)

    def show_recordings(self) -> None:
        self.recordings.clear()
        family = self.current_family()
        if family is None:
            return
        films = self.library.recordings.all(family)
        names = {rec.id: rec.title or rec.original_name for rec in films}
        for rec in films:
            when = long_date(rec.recorded_on) if rec.recorded_on else "date unknown"
            context = f" · {rec.context}" if rec.context else ""
            length = film_length(rec.media.duration_us)
            angle = self.library.angles.get(rec.id)
            if angle is not None:  # opening it opens its session
                length += f" · angle of {names.get(angle.main_id, f'recording {angle.main_id}')}"
            first = f"{rec.title}\n{when}{context} · {length}" if rec.title else f"{when}{context}\n{length}"
            item = QListWidgetItem(first)
            item.setData(Qt.ItemDataRole.UserRole, rec.id)
            item.setToolTip(f"Recording {rec.id}")
            self.recordings.addItem(item)

    def _show_due_notice(self) -> None:
        count = len(self.library.cases.due(date.today()))
        self.due_notice.setText(f"{count} case{'' if count == 1 else 's'} due for deletion…" if count else "")
        self.due_notice.setVisible(count > 0)

    # --- retention and deletion -----------------------------------------------------------------
    def edit_retention(self, family: str) -> RetentionDialog:
        """The closure and retention dialog for ``family``, shown without blocking."""
        from vfeedback.ui.retention_dialog import RetentionDialog

        dialog = RetentionDialog(self.library, family, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    def show_audit(self, family: str) -> AuditView:
        """The family's audit record, shown without blocking."""
        from vfeedback.ui.audit_view import AuditView

        view = AuditView(self.library, family, self)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.open()
        return view

    def delete_family(self, family: str) -> ConfirmDeleteDialog:
        return self._confirm(family=family)

    def delete_recording(self, recording_id: int) -> ConfirmDeleteDialog:
        return self._confirm(recording=recording_id)

    def show_due(self) -> DueForDeletionView:
        """The cases due for deletion (one window, raised if already open)."""
        if self.due_view is None:
            from vfeedback.ui.due_view import DueForDeletionView

            view = DueForDeletionView(self.library, self.tasks, self)
            view.aboutToDelete.connect(self.aboutToDelete)
            view.deleted.connect(self._after_delete)
            view.finished.connect(self._due_closed)
            self.due_view = view
        else:
            self.due_view.refresh()
        self.due_view.show()
        self.due_view.raise_()
        self.due_view.activateWindow()
        return self.due_view

    def _due_closed(self) -> None:
        if self.due_view is not None:
            self.due_view.deleteLater()
            self.due_view = None

    def _confirm(self, *, family: str | None = None, recording: int | None = None) -> ConfirmDeleteDialog:
        from vfeedback.ui.confirm_delete import ConfirmDeleteDialog

        dialog = ConfirmDeleteDialog(
            self.library, family=family, recording=recording, tasks=self.tasks, parent=self
        )
        dialog.aboutToDelete.connect(self.aboutToDelete)
        # A bound method, not a closure over the dialog: a closure connected to the dialog's own
        # signal would free the dialog's wrapper while Qt is destroying it (a crash in PySide6).
        dialog.finished.connect(self._confirm_finished)
        self.confirming = dialog
        dialog.open()
        return dialog

    def _confirm_finished(self) -> None:
        dialog, self.confirming = self.confirming, None
        if dialog is None:
            return
        from vfeedback.ui.confirm_delete import report_outcome

        report_outcome(self, dialog)
        if dialog.result() == QDialog.DialogCode.Accepted or dialog.error:
            self._after_delete(list(dialog.inventory.recording_ids))
        dialog.deleteLater()

    def _after_delete(self, recording_ids: list[int]) -> None:
        self.refresh()
        if self.due_view is not None:
            self.due_view.refresh()
        self.deleted.emit(recording_ids)

    def _safely(self, action: Callable[[], object]) -> None:
        """Open a dialog, or say in one sentence why not (e.g. the case was deleted meanwhile)."""
        try:
            action()
        except VfeedbackError as exc:
            box = QMessageBox(QMessageBox.Icon.Information, "vfeedback", str(exc), parent=self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    def _say(self, text: str) -> None:
        """A short word in the window's status bar (the panel may also stand alone, in tests)."""
        from PySide6.QtWidgets import QMainWindow

        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 8000)

    def family_menu(self, code: str) -> QMenu:
        menu = QMenu(self)
        menu.addAction("Audit record…", lambda: self._safely(lambda: self.show_audit(code)))
        menu.addAction("Closure and retention…", lambda: self._safely(lambda: self.edit_retention(code)))
        menu.addAction("Cases due for deletion…", lambda: self._safely(self.show_due))
        menu.addSeparator()
        menu.addAction("Delete family for good…", lambda: self._safely(lambda: self.delete_family(code)))
        return menu

    def edit_details(self, recording_id: int) -> RecordingDetails:
        """The recording's date, context and name, shown without blocking; saved as one undoable
        action (the list and the window's title follow the library's change)."""
        from vfeedback.ui.import_dialog import DetailsDialog

        dialog = DetailsDialog(self.library, recording_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def recording_menu(self, recording_id: int) -> QMenu:
        from vfeedback.ui.workbench import angle_menu

        menu = QMenu(self)
        menu.addAction("Details…", lambda: self._safely(lambda: self.edit_details(recording_id)))
        angle_menu.fill(menu, self.library, recording_id, self._safely, self._say, self.tasks)
        menu.addSeparator()
        menu.addAction(
            "Delete recording for good…", lambda: self._safely(lambda: self.delete_recording(recording_id))
        )
        return menu

    def _family_menu(self, pos: QPoint) -> None:
        item = self.families.itemAt(pos)
        if item is None:
            return
        self.families.setCurrentItem(item)
        menu = self.family_menu(str(item.data(Qt.ItemDataRole.UserRole)))
        menu.exec(self.families.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _recording_menu(self, pos: QPoint) -> None:
        item = self.recordings.itemAt(pos)
        if item is None:
            return
        menu = self.recording_menu(int(item.data(Qt.ItemDataRole.UserRole)))
        menu.exec(self.recordings.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _family_changed(self) -> None:
        self.show_recordings()
        family = self.current_family()
        self.consent.show_family(family)
        if family is not None:
            self.familyChanged.emit(family)

    def _activated(self, item: QListWidgetItem) -> None:
        self.recordingChosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
