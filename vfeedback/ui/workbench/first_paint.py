"""Work held back until the window has been painted once.

What starts with a recording (VLC opening the file, the jobs building its frame index and reading
its sound, which import the decoders on worker threads taking Python's lock in turns with the GUI
thread) delays the window's first picture when it starts before it. Held here, it starts the moment
the window is on screen; asked for later, or while the window is hidden, it starts at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QWidget

LATEST_MS = 1000
"""A window that is never exposed (minimised as it starts) does not hold the work back for ever."""


class AfterFirstPaint(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._waiting: list[Callable[[], object]] = []
        self._painted = False
        self._watched: QWindow | None = None

    @property
    def painted(self) -> bool:
        return self._painted

    def run(self, work: Callable[[], object]) -> None:
        """``work()`` now if the window has been painted (or is not shown), else right after."""
        handle = self._window.windowHandle()
        if self._painted or not self._window.isVisible() or handle is None:
            work()
            return
        if handle.isExposed():  # exposed windows have been painted
            self._painted = True
            work()
            return
        self._waiting.append(work)
        if self._watched is None:
            self._watched = handle
            handle.installEventFilter(self)
            QTimer.singleShot(LATEST_MS, self, self._release)

    def drop(self) -> None:
        """The window is closing: what still waits will not be wanted."""
        self._waiting = []
        self._stop_watching()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose and watched is self._watched and self._watched.isExposed():
            QTimer.singleShot(0, self, self._release)  # Qt paints while it handles this event
        return False

    def _release(self) -> None:
        self._stop_watching()
        self._painted = True
        waiting, self._waiting = self._waiting, []
        for work in waiting:
            work()

    def _stop_watching(self) -> None:
        if self._watched is not None:
            self._watched.removeEventFilter(self)
            self._watched = None
