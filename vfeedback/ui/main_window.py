"""The main window (a first, minimal one): families and their recordings, undo and redo.

The player, timeline and inspector arrive with the workbench; this window already follows the rules they
will: every edit goes through the Library at once, and the view redraws from the Library's ``Changes``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, Qt, QThread, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.errors import VfeedbackError
from vfeedback.core.timecode import format_time
from vfeedback.services import Library
from vfeedback.services.undo import Changes

VIDEO_FILTER = "Videos (*.mp4 *.mov *.m4v *.mkv *.avi *.3gp *.mts *.webm);;All files (*)"


class ImportWorker(QThread):
    """Copies and probes off the GUI thread; the library opens its own connection in this thread."""

    progressed = Signal(int)
    failed = Signal(str)
    finished_ok = Signal(int)

    def __init__(self, library: Library, path: str, family: str) -> None:
        super().__init__()
        self._library, self._path, self._family = library, path, family

    def run(self) -> None:
        from pathlib import Path

        try:
            rec = self._library.import_recording(
                Path(self._path),
                self._family,
                progress=lambda done, total: self.progressed.emit(int(100 * done / max(total, 1))),
            )
        except VfeedbackError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            self.failed.emit(f"The import failed unexpectedly ({type(exc).__name__}: {exc}).")
        else:
            self.finished_ok.emit(rec.id)


class ChangeRelay(QObject):
    """Library listeners may be called from a worker thread; this hops them onto the GUI thread."""

    changed = Signal(object)


class MainWindow(QMainWindow):
    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        self.setWindowTitle("vfeedback")
        self.setMinimumSize(900, 560)
        self._worker: ImportWorker | None = None

        self.families = QListWidget()
        self.families.setObjectName("families")
        self.recordings = QListWidget()
        self.recordings.setObjectName("recordings")
        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setMargin(48)
        self.empty.setStyleSheet("QLabel#emptyState { color: #5b6770; font-size: 15px; }")

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(12, 12, 6, 12)
        column.addWidget(_heading("Families"))
        column.addWidget(self.families, 2)
        column.addWidget(_heading("Recordings"))
        column.addWidget(self.recordings, 3)

        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.empty)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([300, 700])
        self.setCentralWidget(self.splitter)

        self._build_menus()
        self.statusBar().showMessage(f"Library: {library.path}")
        self.families.currentItemChanged.connect(lambda *_: self._show_recordings())
        self._relay = ChangeRelay(self)
        self._relay.changed.connect(self._on_changes)
        library.subscribe(self._relay.changed.emit)
        self._show_families()
        self._restore()

    # --- menus -------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.act_add_family = _action(self, "Add &family…", "Ctrl+Shift+N", self.add_family)
        self.act_import = _action(self, "&Import recording…", "Ctrl+I", self.import_recording)
        file_menu.addActions([self.act_add_family, self.act_import])
        file_menu.addSeparator()
        file_menu.addAction(_action(self, "&Quit", QKeySequence.StandardKey.Quit, self.close))

        edit_menu = self.menuBar().addMenu("&Edit")
        self.act_undo = _action(self, "Undo", QKeySequence.StandardKey.Undo, self.undo)
        self.act_redo = _action(self, "Redo", "Ctrl+Shift+Z", self.redo)
        edit_menu.addActions([self.act_undo, self.act_redo])
        self._refresh_undo()

    def _refresh_undo(self) -> None:
        u, r = self.library.undo_label(), self.library.redo_label()
        self.act_undo.setText(f"&Undo {u}" if u else "&Undo")
        self.act_undo.setEnabled(u is not None)
        self.act_redo.setText(f"&Redo {r}" if r else "&Redo")
        self.act_redo.setEnabled(r is not None)

    # --- actions -----------------------------------------------------------------------------
    def add_family(self) -> None:
        code, ok = QInputDialog.getText(
            self, "Add family", "Case code (pseudonymous; never a real name):"
        )
        if ok and code.strip():
            self._guard(lambda: self.library.add_family(code))

    def import_recording(self) -> None:
        family = self._current_family()
        if family is None:
            QMessageBox.information(self, "Import recording", "Choose or add a family first.")
            return
        path, _ = QFileDialog.getOpenFileName(self, "Import a recording", "", VIDEO_FILTER)
        if not path:
            return
        dialog = QProgressDialog("Importing the recording…", "", 0, 100, self)
        dialog.setCancelButton(None)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        worker = ImportWorker(self.library, path, family)
        worker.progressed.connect(dialog.setValue)
        worker.failed.connect(
            lambda msg: (dialog.close(), QMessageBox.warning(self, "Import", msg))
        )
        worker.finished_ok.connect(lambda _id: dialog.close())
        worker.finished.connect(self._show_families)
        self._worker = worker
        worker.start()
        dialog.show()

    def undo(self) -> None:
        self._guard(self.library.undo)

    def redo(self) -> None:
        self._guard(self.library.redo)

    def _guard(self, job: Callable[[], object]) -> None:
        try:
            job()
        except VfeedbackError as exc:
            QMessageBox.information(self, "vfeedback", str(exc))

    # --- views -------------------------------------------------------------------------------
    def _on_changes(self, changes: Changes) -> None:
        if changes.tables & {"families", "recordings"}:
            self._show_families()
        self._refresh_undo()

    def _current_family(self) -> str | None:
        item = self.families.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _show_families(self) -> None:
        keep = self._current_family()
        self.families.blockSignals(True)
        self.families.clear()
        for fam in self.library.families():
            item = QListWidgetItem(fam.code)
            item.setData(Qt.ItemDataRole.UserRole, fam.code)
            self.families.addItem(item)
            if fam.code == keep:
                self.families.setCurrentItem(item)
        if self.families.currentItem() is None and self.families.count():
            self.families.setCurrentRow(0)
        self.families.blockSignals(False)
        self._show_recordings()

    def _show_recordings(self) -> None:
        self.recordings.clear()
        family = self._current_family()
        if family is None:
            self.empty.setText(
                "Welcome to vfeedback.\n\nAdd a family with File › Add family, using its case code, "
                "then import a recording of parent and baby."
            )
            return
        recs = self.library.recordings(family)
        for rec in recs:
            when = rec.recorded_on.isoformat() if rec.recorded_on else "date unknown"
            context = f" · {rec.context}" if rec.context else ""
            item = QListWidgetItem(f"{when}{context} · {format_time(rec.media.duration_us)[:8]}")
            item.setData(Qt.ItemDataRole.UserRole, rec.id)
            self.recordings.addItem(item)
        if recs:
            self.empty.setText("Choose a recording on the left to watch and tag it.")
        else:
            self.empty.setText(f"No recordings for {family} yet.\n\nUse File › Import recording.")

    # --- persistence -------------------------------------------------------------------------
    def _restore(self) -> None:
        settings = QSettings("vfeedback", "vfeedback")
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = self.screen().availableGeometry()
            self.resize(min(1280, screen.width() - 40), min(800, screen.height() - 60))
        sizes = settings.value("main/splitter")
        if sizes is not None:
            self.splitter.restoreState(sizes)

    def closeEvent(self, event: object) -> None:
        settings = QSettings("vfeedback", "vfeedback")
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/splitter", self.splitter.saveState())
        if self._worker is not None:
            self._worker.wait()
        super().closeEvent(event)  # type: ignore[arg-type]


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _action(
    parent: QWidget, text: str, shortcut: str | QKeySequence.StandardKey, slot: Callable[[], object]
) -> QAction:
    action = QAction(text, parent)
    action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    return action
