"""A case's record and its end: the audit record, closure and retention, the cases due, and deleting
a family or a recording for good (letting go of an open recording first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from vfeedback.ui.workbench.protocol import Workbench

if TYPE_CHECKING:
    from vfeedback.ui.library_panel import LibraryPanel


class CaseActions:
    def __init__(self, bench: Workbench, panel: LibraryPanel) -> None:
        self.bench = bench
        self.panel = panel

    def build(self, file_menu: QMenu) -> None:
        b = self.bench
        file_menu.addAction(b.add_action("&Audit record of this family…", None, self.show_audit))
        file_menu.addAction(b.add_action("Closure and &retention…", None, self.edit_retention))
        file_menu.addAction(b.add_action("Cases due for &deletion…", None, self.panel.show_due))
        file_menu.addAction(b.add_action("Delete this recording for good…", None, self.delete_recording))
        file_menu.addAction(b.add_action("Delete this family for good…", None, self.delete_family))

    def show_audit(self) -> None:
        self._for_family(self.panel.show_audit)

    def edit_retention(self) -> None:
        self._for_family(self.panel.edit_retention)

    def delete_family(self) -> None:
        self._for_family(self.panel.delete_family)

    def _for_family(self, action: Callable[[str], object]) -> None:
        family = self.bench.current_family()
        if family is None:
            self.bench.show_error("Choose a family on the left first.")
            return
        action(family)

    def delete_recording(self) -> None:
        rec = self.bench.coding.recording
        if rec is None:
            self.bench.show_error("Open the recording to delete first.")
            return
        self.panel.delete_recording(rec.id)

    def release_for_deletion(self, recording_ids: list[int]) -> None:
        """Before a recording is deleted for good: let go of it, and stop every job that might
        write its caches again after the deletion."""
        rec = self.bench.coding.recording
        if rec is not None and rec.id in recording_ids:
            self.bench.close_recording()
