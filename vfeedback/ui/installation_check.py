"""Help › Check this installation: ``vfeedback --self-check`` run as a child, its lines shown as they come.

A child (started by the one owner of children, ``system.processes``) rather than a call: a crash in
a broken plugin then ends the check, not the app, and what the clinician sees is exactly what
support sees on the command line. Wiring: ``installation_check.add_to(help_menu, window)``.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vfeedback.ui.selfcheck_steps import self_check_argv

TITLE = "Check this installation"
PASSED = "Everything works: this installation can import, play and export films."
FAILED = (
    "Something does not work here (the lines marked failed say what): "
    "copy the report for whoever looks after your installation."
)


def add_to(menu: QMenu, parent: QWidget) -> None:
    """Add "Check this installation…" to ``menu`` (the window's Help menu)."""
    menu.addAction(f"{TITLE}…", lambda: InstallationCheckDialog(parent).open())


class InstallationCheckDialog(QDialog):
    """Runs the self-check as a child and shows its report; ``exit_status`` once it has ended."""

    line_read = Signal(str)
    ended = Signal(int)

    def __init__(self, parent: QWidget | None = None, argv: list[str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.resize(760, 380)
        self.status = QLabel("Checking: this takes a few seconds…")
        self.status.setWordWrap(True)
        self.report = QPlainTextEdit(readOnly=True)
        self.report.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.copy = QPushButton("Copy the report")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.report.toPlainText()))
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.report)
        layout.addWidget(buttons)
        self.exit_status: int | None = None
        self._proc: subprocess.Popen[str] | None = None
        self.line_read.connect(self._add_line)
        self.ended.connect(self._done)
        self._argv = argv or self_check_argv()
        self._thread = threading.Thread(target=self._run, name="self-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:  # a worker thread: only signals reach the widgets
        from vfeedback.system import processes

        try:
            with processes.running(
                self._argv, stdout=processes.PIPE, stderr=processes.DEVNULL, text=True
            ) as proc:
                self._proc = proc
                assert proc.stdout is not None
                for line in proc.stdout:
                    self._emit(self.line_read, line.rstrip("\n"))
                status = proc.wait()
        except OSError as exc:
            self._emit(self.line_read, f"failed  start    the self-check could not start ({exc.strerror})")
            status = 1
        self._emit(self.ended, status)

    def _emit(self, signal: Any, value: object) -> None:
        # The dialog may be gone by now (the window closed): the check's lines then go nowhere.
        with contextlib.suppress(RuntimeError):
            signal.emit(value)

    def done(self, result: int) -> None:
        """Closing the dialog stops a check still running: it makes films and exports of its own."""
        from vfeedback.system import processes

        proc = self._proc
        if proc is not None and proc.poll() is None:
            processes.stop(proc, grace=1.0)
        super().done(result)

    @Slot(str)
    def _add_line(self, line: str) -> None:
        self.report.appendPlainText(line)

    @Slot(int)
    def _done(self, status: int) -> None:
        self.exit_status = status
        self.status.setText(PASSED if status == 0 else FAILED)
