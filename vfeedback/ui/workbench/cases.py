"""A case's record and its end: the audit record, closure and retention, the cases due, and deleting
a family or a recording for good (letting go of an open recording first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from vfeedback.ui.workbench import background

if TYPE_CHECKING:
    from vfeedback.ui.main_window import MainWindow


class CaseActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def build(self, file_menu: QMenu) -> None:
        w = self.window
        file_menu.addAction(w._action("&Audit record of this family…", None, self.show_audit))
        file_menu.addAction(w._action("Closure and &retention…", None, self.edit_retention))
        file_menu.addAction(w._action("Cases due for &deletion…", None, w.panel.show_due))
        file_menu.addAction(w._action("Delete this recording for good…", None, self.delete_recording))
        file_menu.addAction(w._action("Delete this family for good…", None, self.delete_family))

    def show_audit(self) -> None:
        self._for_family(self.window.panel.show_audit)

    def edit_retention(self) -> None:
        self._for_family(self.window.panel.edit_retention)

    def delete_family(self) -> None:
        self._for_family(self.window.panel.delete_family)

    def _for_family(self, action: Callable[[str], object]) -> None:
        family = self.window.panel.current_family()
        if family is None:
            self.window._show_error("Choose a family on the left first.")
            return
        self.window._guard(lambda: action(family))

    def delete_recording(self) -> None:
        rec = self.window.recording
        if rec is None:
            self.window._show_error("Open the recording to delete first.")
            return
        self.window._guard(lambda: self.window.panel.delete_recording(rec.id))

    def release_for_deletion(self, recording_ids: list[int]) -> None:
        """Before a recording is deleted for good: let go of it, and stop every job that might
        write its caches again after the deletion."""
        w = self.window
        if w.recording is None or w.recording.id not in recording_ids:
            return
        w.controller.pause()
        w.player.stop()
        w.tasks.cancel_all()
        w.tasks.wait(10_000)
        w.recording, w.index = None, None
        w.coding.selected = []
        w.inspector.set_moment(None)
        w._reload_moments()
        w.timeline.set_filmstrip([])
        w.timeline.set_waveform([], background.BUCKET_US)
        w.video.frames.set_placeholder("Choose a recording on the left to watch and tag it.")
        w.setWindowTitle("vfeedback")
