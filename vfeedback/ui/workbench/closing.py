"""Closing the window while exports run: ask, then finish them or stop them; never drop them silently.

"Finish them" keeps the window open behind a progress note and closes it by itself once the last
export is saved (a clinician who walks away finds the clips done and vfeedback closed); if one fails,
the window stays open with the error. "Stop them" cancels them (the export runner removes its
temporary files, so nothing half-written stays) and closes. Either way, exports that were stopped
(also by the app being quit from outside) are noted in the library's settings and named once at the
next start, to whoever was working.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from vfeedback.core.errors import VfeedbackError
from vfeedback.ui.tasks import Task
from vfeedback.ui.workbench.protocol import Workbench

NOTE_KEY = "interrupted_exports"
KEEP = "Keep working"


class ExportsOnClose:
    def __init__(self, bench: Workbench) -> None:
        self.bench = bench
        self.tasks = bench.tasks
        self.question: QMessageBox | None = None
        self.finishing: QProgressDialog | None = None
        self._may_close = False
        self._failed = False

    # --- closing ----------------------------------------------------------------------------------
    def may_close(self) -> bool:
        """Whether the window may close now; if exports run, ask what to do with them first."""
        if self._may_close or not self.tasks.exports():
            return True
        if self.finishing is None and self.question is None:
            self._ask()
        return False

    def _ask(self) -> None:
        running = self.tasks.exports()
        count = len(running)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "vfeedback",
            f"{count} exports are still running." if count != 1 else "An export is still running.",
            parent=self.bench.widget(),
        )
        box.setObjectName("exportsOnClose")
        listed = _listed([t.export or t.label for t in running])
        them, are = ("them", "they are") if count != 1 else ("it", "it is")
        box.setInformativeText(
            f"{listed[:1].upper()}{listed[1:]}. Finish {them} and vfeedback closes when {are} done, or "
            f"stop {them} now (nothing half-made is kept)."
        )
        finish = box.addButton(f"Finish {them}", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(f"Stop {them}", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(KEEP, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(finish)
        box.setEscapeButton(keep)
        box.buttonClicked.connect(lambda button: self._answered(box.buttonRole(button)))
        box.finished.connect(lambda _result: setattr(self, "question", None))
        self.question = box
        box.open()

    def _answered(self, role: QMessageBox.ButtonRole) -> None:
        if role == QMessageBox.ButtonRole.AcceptRole:
            self._finish()
        elif role == QMessageBox.ButtonRole.DestructiveRole:
            self.stop()

    def _finish(self) -> None:
        progress = QProgressDialog(self.bench.widget())
        progress.setObjectName("finishingExports")
        progress.setWindowTitle("vfeedback")
        progress.setCancelButtonText("Stop them" if len(self.tasks.exports()) != 1 else "Stop it")
        progress.setRange(0, 100)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.canceled.connect(self.stop)
        self.finishing = progress
        self._failed = False
        self.tasks.changed.connect(self._progressed)
        self.tasks.error.connect(self._export_failed)
        self._progressed()
        progress.show()

    def _progressed(self) -> None:
        progress = self.finishing
        if progress is None:
            return
        running = self.tasks.exports()
        if running:
            count = len(running)
            exports = f"{count} exports" if count != 1 else "the last export"
            progress.setLabelText(f"Finishing {exports}; vfeedback closes when they are done.")
            progress.setValue(round(100 * sum(t.progress for t in running) / count))
            return
        self._stop_finishing()
        if self._failed:
            return  # the error is on screen: the clinician decides what next
        self._may_close = True
        self.bench.widget().close()

    def _export_failed(self, _message: str, _details: str) -> None:
        self._failed = True

    def _stop_finishing(self) -> None:
        progress, self.finishing = self.finishing, None
        self.tasks.changed.disconnect(self._progressed)
        self.tasks.error.disconnect(self._export_failed)
        if progress is not None:
            progress.canceled.disconnect(self.stop)  # closing it would otherwise "cancel"
            progress.close()
            progress.deleteLater()

    def stop(self) -> None:
        """Close now; the window's shutdown cancels the exports and notes them (``remember``)."""
        if self.finishing is not None:
            self._stop_finishing()
        self._may_close = True
        self.bench.widget().close()

    # --- the note for next time -------------------------------------------------------------------
    def remember(self, stopped: list[Task]) -> None:
        """Note the exports about to be stopped, for the next start. Never blocks closing."""
        if not stopped:
            return
        library = self.bench.library
        try:
            notes = _notes(library.ctx.setting(NOTE_KEY))
            notes.append(
                {
                    "user": library.user,
                    "at": library.ctx.now().isoformat(timespec="seconds"),
                    "exports": [t.export or t.label for t in stopped],
                }
            )
            library.ctx.put_setting(NOTE_KEY, json.dumps(notes))
        except VfeedbackError:
            pass  # a busy or read-only library: closing matters more than the note

    def tell_stopped(self) -> None:
        """Once, at the start: which of this person's exports were stopped when vfeedback last closed."""
        library = self.bench.library
        try:
            notes = _notes(library.ctx.setting(NOTE_KEY))
            mine = [n for n in notes if n.get("user") == library.user]
            if not mine:
                return
            rest = [n for n in notes if n.get("user") != library.user]
            library.ctx.put_setting(NOTE_KEY, json.dumps(rest) if rest else None)
        except VfeedbackError:
            return
        stopped = [str(e) for n in mine for e in _listing(n.get("exports"))]
        self.bench.show_error(stopped_sentence(stopped))


def stopped_sentence(stopped: list[str]) -> str:
    count = len(stopped)
    what = "An export was" if count == 1 else f"{count} exports were"
    return (
        f"{what} stopped when vfeedback last closed: {_listed(stopped)}. Nothing half-made was kept; "
        "export again what you need."
    )


def _listed(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _listing(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _notes(raw: str | None) -> list[dict[str, object]]:
    try:
        found = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [n for n in found if isinstance(n, dict)] if isinstance(found, list) else []
