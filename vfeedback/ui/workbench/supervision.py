"""The Supervision menu: two coders' work side by side, and a family's strengths across filming cycles.
Each opens its own window, kept while open and refreshed from the library's changes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QInputDialog, QMenu

from vfeedback.core.errors import VfeedbackError
from vfeedback.ui.workbench.protocol import Workbench

SETTLE_MS = 300


class SupervisionActions:
    def __init__(self, bench: Workbench) -> None:
        self.bench = bench
        self.library = bench.library
        self.compare: Any = None
        self.cycles: Any = None
        # Typing a caption saves every few hundred ms; recompute open windows once the edits settle,
        # not on every save (the figures of a long recording take a noticeable moment).
        self._settle = QTimer(bench.widget())
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._refresh_now)

    def build(self, menu: QMenu) -> None:
        b = self.bench
        menu.addAction(b.add_action("&Compare two coders…", None, self.open_compare))
        menu.addAction(b.add_action("&Progress across filming cycles…", None, self.open_cycles))

    def open_compare(self) -> None:
        from vfeedback.ui.compare import CompareWindow

        b = self.bench
        rec = b.coding.recording
        if rec is None:
            b.show_error("Open a recording first: coders are compared on one recording.")
            return
        if len(self.library.supervision.coders(rec.id)) < 2:
            b.show_error("Only one person has tagged this recording so far; a comparison needs two coders.")
            return
        self._close(self.compare)
        try:
            self.compare = CompareWindow(self.library, rec.id, b.widget())
        except VfeedbackError as exc:
            b.show_error(str(exc))
            return
        self.compare.seek_requested.connect(b.playhead.seek_us)
        self._show(self.compare)

    def open_cycles(self) -> None:
        from vfeedback.ui.cycles_view import CyclesWindow

        b = self.bench
        family = b.current_family()
        if family is None:
            families = [f.code for f in self.library.families.all()]
            if not families:
                b.show_error("Add a family and its recordings first.")
                return
            family, ok = QInputDialog.getItem(b.widget(), "Progress", "Which family?", families, 0, False)
            if not ok:
                return
        self._close(self.cycles)
        try:
            self.cycles = CyclesWindow(self.library, family, b.widget())
        except VfeedbackError as exc:
            b.show_error(str(exc))
            return
        self.cycles.moment_chosen.connect(b.go_to_moment)
        self._show(self.cycles)

    def refresh(self, tables: set[str]) -> None:
        """After a change in the library: open windows redraw from it, once the edits settle."""
        if tables & {"moments", "recordings", "codes", "suggestions"} and any(
            w is not None and w.isVisible() for w in (self.compare, self.cycles)
        ):
            self._settle.start()

    def _refresh_now(self) -> None:
        for window in (self.compare, self.cycles):
            if window is not None and window.isVisible():
                window.refresh()

    def close_all(self) -> None:
        self._settle.stop()
        for window in (self.compare, self.cycles):
            self._close(window)
        self.compare = self.cycles = None

    @staticmethod
    def _close(window: Any) -> None:
        if window is not None:
            window.close()
            window.deleteLater()

    def _show(self, window: Any) -> None:
        if not window.isWindow():  # a child of the workbench, shown as a window of its own
            window.setWindowFlag(Qt.WindowType.Window, True)
        window.show()
        window.raise_()
        window.activateWindow()
