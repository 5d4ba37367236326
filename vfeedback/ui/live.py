"""A team library in the window: Supervision › Share with… and colleagues' changes as they happen.

Only on a server library with a team (``vfeedback team init``). The library's ``Live`` listener
announces a colleague's change through the library's announcements, which the window already hops
onto the GUI thread (``ChangeRelay``); a listener that lost its connection says so once here.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu

from vfeedback.core.errors import VfeedbackError
from vfeedback.storage import team as schema

if TYPE_CHECKING:
    from vfeedback.ui.main_window import MainWindow
    from vfeedback.ui.share_dialog import ShareDialog

LOST = (
    "Colleagues' changes no longer arrive (the connection to the team's server was lost); reopen the library."
)


class _Lost(QObject):
    lost = Signal(str)


class TeamActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.library = window.library
        self.dialog: ShareDialog | None = None
        self.is_team = False
        if self.library.ctx.login is not None:
            with contextlib.suppress(VfeedbackError), self.library.ctx.read() as conn:
                self.is_team = schema.is_team(conn)
        self._lost = _Lost(window)
        self._lost.lost.connect(lambda text: window.show_status(text, 0))
        if self.library.live.available:
            self.library.live.on_error = lambda _exc: self._lost.lost.emit(LOST)
            self.library.live.start()

    def build(self, menu: QMenu) -> None:
        if not self.is_team:
            return
        menu.addSeparator()
        action = self.window.add_action("&Share with…", None, self.open_share)
        action.setObjectName("shareWith")
        menu.addAction(action)

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
        self.library.live.stop()
