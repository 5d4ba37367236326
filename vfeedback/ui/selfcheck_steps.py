"""``vfeedback --self-check``: ``vfeedback.selfcheck`` with the steps only the desktop part can give.

Qt starting on this display, and a native window that libVLC draws the test film into. Qt is
imported inside its step, never at the top, so an installation whose Qt is broken still gets every
other line and an exit status instead of a traceback.
"""

from __future__ import annotations

import os
import sys

from vfeedback import selfcheck

WINDOW_PLATFORMS = {"xcb", "windows", "cocoa"}
"""Where libVLC can draw into a window Qt made (Wayland has no handle for it)."""


def self_check() -> int:
    """``vfeedback --self-check``: every line on stdout, exit status 0 only when all passed."""
    desktop: list[selfcheck.Step] = [("qt", qt_step)]
    if _has_display():
        desktop.append(("window", window_step))
    return selfcheck.run(sys.stdout, desktop=desktop)


def window_step(ws: selfcheck.Workspace) -> str:
    """libVLC plays the test film into the window Qt showed (the X11 or Windows or macOS output)."""
    if ws.window is None:
        raise selfcheck.StepFailed("needs a window from Qt, which this display did not give")
    return selfcheck.vlc_step(ws)


def qt_step(ws: selfcheck.Workspace) -> str:
    """Qt starts on this display and shows a window for VLC to draw into."""
    if not _has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["vfeedback", "--self-check"])
    assert isinstance(app, QApplication)
    platform = app.platformName()
    window = _TestWindow()
    ws.closers.append(window.close)
    if platform in WINDOW_PLATFORMS:
        ws.window = window
    return f"Qt {qVersion()} (PySide6 {pyside_version}) on the {platform} display"


class _TestWindow:
    """A small native window, shown, for VLC to draw the test film into."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QWidget

        self._widget = QWidget()
        self._widget.setWindowTitle("vfeedback self-check")
        self._widget.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self._widget.resize(*selfcheck.SIZE)
        self._widget.show()
        self.wait(0.1)

    def handle(self) -> int:
        return int(self._widget.winId())

    def wait(self, seconds: float) -> None:
        from PySide6.QtCore import QDeadlineTimer, QEventLoop
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents(
            QEventLoop.ProcessEventsFlag.AllEvents, QDeadlineTimer(int(seconds * 1000))
        )

    def close(self) -> None:
        self._widget.close()
        self._widget.deleteLater()


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def self_check_argv() -> list[str]:
    """How to run this installation's self-check as a child: the frozen app runs itself."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--self-check"]
    return [sys.executable, "-m", "vfeedback", "--self-check"]
