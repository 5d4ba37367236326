"""What the workbench's helpers (cases, closing, exchange, highlights, supervision, naming) may ask of
the window, and no more. The main window implements it; a test can hand a helper any object that does,
without building the whole window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QWidget

from vfeedback.core.coding import CodingState, Playhead
from vfeedback.services import Library
from vfeedback.ui.tasks import TaskRunner

Shortcut = str | QKeySequence.StandardKey | None


class Workbench(Protocol):
    @property
    def library(self) -> Library: ...

    @property
    def coding(self) -> CodingState:
        """The open recording, its frame index and moments, the selection."""
        ...

    @property
    def playhead(self) -> Playhead: ...

    @property
    def tasks(self) -> TaskRunner: ...

    def widget(self) -> QWidget:
        """The window itself: the parent of dialogs, hidden during a review with a family."""
        ...

    def current_family(self) -> str | None:
        """The case chosen in the library column."""
        ...

    def picture(self) -> QImage | None:
        """The exact frame on screen, upright (None before the first)."""
        ...

    def add_action(self, text: str, shortcut: Shortcut, slot: Callable[[], object]) -> QAction:
        """A window action (menus take it); a refusal from ``slot`` is shown as its sentence."""
        ...

    def show_error(self, message: str, details: str = "") -> None: ...

    def show_status(self, text: str, timeout_ms: int = 8000) -> None:
        """A passing note in the status bar ("Saved … in the library.")."""
        ...

    def close_recording(self) -> None:
        """Let go of the open recording: playback stopped, its background work stopped and waited for."""
        ...

    def go_to_moment(self, moment_id: int) -> None:
        """Show a moment chosen elsewhere: its recording open, it selected, the playhead on it."""
        ...
