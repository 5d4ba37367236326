"""Background work in the status bar: what is running, how far, and a way to cancel it."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from vfeedback.ui.tasks import TaskRunner


class TaskStatus(QWidget):
    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setFixedWidth(120)
        self.bar.setTextVisible(False)
        self.cancel = QToolButton()
        self.cancel.setText("Cancel")
        self.cancel.setAutoRaise(True)
        self.cancel.clicked.connect(runner.cancel_all)
        for w in (self.label, self.bar, self.cancel):
            row.addWidget(w)
        runner.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        tasks = self.runner.tasks()
        self.setVisible(bool(tasks))
        if not tasks:
            return
        first = tasks[0]
        more = f" (+{len(tasks) - 1} more)" if len(tasks) > 1 else ""
        self.label.setText(f"{first.label}…{more}")
        self.bar.setValue(round(first.progress * 100))
