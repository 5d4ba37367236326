"""A team library in the window: Supervision › Share with… and colleagues' changes as they happen.

Only on a server library with a team (``vfeedback team init``). The library's ``Live`` listener
announces a colleague's change through the library's announcements, which the window already hops
onto the GUI thread (``ChangeRelay``); a listener that lost its connection says so once here.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMenu

from vfeedback.core.errors import VfeedbackError
from vfeedback.services.team import HEARTBEAT_S
from vfeedback.services.undo import Changes
from vfeedback.storage import team as schema

if TYPE_CHECKING:
    from vfeedback.ui.main_window import MainWindow
    from vfeedback.ui.share_dialog import ShareDialog

LOST = (
    "Colleagues' changes no longer arrive (the connection to the team's server was lost); reopen the library."
)


class _Lost(QObject):
    lost = Signal(str)
    changed = Signal(object)


def tagging_words(others: list[tuple[str, datetime]]) -> str:
    """ "Bob B. is also tagging this recording (since 14:02)." — local time, as the clinic reads it."""
    if not others:
        return ""
    names = " and ".join(f"{name} (since {since.astimezone():%H:%M})" for name, since in others)
    verb = "is" if len(others) == 1 else "are"
    return f"{names} {verb} also tagging this recording."


class TeamActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.library = window.library
        self.dialog: ShareDialog | None = None
        self.is_team = False
        self.role: str | None = None
        if self.library.ctx.login is not None:
            with contextlib.suppress(VfeedbackError), self.library.ctx.read() as conn:
                self.is_team = schema.is_team(conn)
                self.role = schema.role_of(conn, self.library.ctx.login) if self.is_team else None
        self._lost = _Lost(window)
        self._lost.lost.connect(lambda text: window.show_status(text, 0))
        # who else is tagging the open recording: a heartbeat row, shown beside the status bar
        self.presence = QLabel()
        self.presence.setObjectName("alsoTagging")
        self._recording: int | None = None
        self._beat = QTimer(window)
        self._beat.setInterval(HEARTBEAT_S * 1000)
        self._beat.timeout.connect(self._heartbeat)

    def build(self, menu: QMenu) -> None:
        """The Supervision menu's Share with…, and the team's wiring: only on a team library."""
        if not self.is_team:
            return
        w = self.window
        w.statusBar().addPermanentWidget(self.presence)
        w.coding.subscribe(lambda parts: self._heartbeat() if "recording" in parts else None)
        self._lost.changed.connect(self._on_changes)
        self.library.subscribe(self._lost.changed.emit)  # hopped onto the GUI thread
        self._beat.start()
        if self.library.live.available:
            self.library.live.on_error = lambda _exc: self._lost.lost.emit(LOST)
            self.library.live.start()
        if self.role != "clinician":  # supervisors and admins share nothing
            return
        menu.addSeparator()
        action = w.add_action("&Share with…", None, self.open_share)
        action.setObjectName("shareWith")
        menu.addAction(action)

    def _heartbeat(self) -> None:
        rec = self.window.coding.recording
        self._recording = None if rec is None else rec.id
        with contextlib.suppress(VfeedbackError):
            self.library.team.tagging(self._recording)
        self._show_others()

    def _show_others(self) -> None:
        others: list[tuple[str, datetime]] = []
        if self._recording is not None:
            with contextlib.suppress(VfeedbackError):
                others = self.library.team.others_tagging(self._recording)
        self.presence.setText(tagging_words(others))

    def _on_changes(self, changes: Changes) -> None:
        if "tagging" in changes.tables:
            self._show_others()

    def open_share(self) -> None:
        w = self.window
        chosen = [m.id for m in w.coding.selected_moments()]
        if not chosen:
            w.show_error("Select the moments to share first (click one, Shift+click for more).")
            return
        from vfeedback.ui.share_dialog import ShareDialog

        self.close()
        self.dialog = dialog = ShareDialog(self.library, chosen, w)
        dialog.accepted.connect(self._shared)
        dialog.open()

    def _shared(self) -> None:
        dialog = self.dialog
        if dialog is not None and dialog.shared_with is not None:
            count = len(dialog.moment_ids)
            what = "1 moment" if count == 1 else f"{count} moments"
            self.window.show_status(f"Shared {what} with {dialog.shared_with.name} for supervision.")

    def close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None

    def shutdown(self) -> None:
        self.close()
        self._beat.stop()
        if self.is_team:
            self.library.unsubscribe(self._lost.changed.emit)
            with contextlib.suppress(VfeedbackError):
                self.library.team.tagging(None)  # this window no longer tags anything
        self.library.live.stop()
