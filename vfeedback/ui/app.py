"""Composition root of the desktop app: make the QApplication, open the library, show the window."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from vfeedback.ui.main_window import MainWindow

APP_ID = "org.vfeedback.VFeedback"


def run_gui(argv: Sequence[str]) -> int:
    """``vfeedback [--library X]``: the window on the library."""
    return start(_library_arg(argv), recording_id=None)


def start(library_spec: str | None, recording_id: int | None) -> int:
    built = build(library_spec, recording_id)
    if built is None:
        return 3
    app, window = built
    try:
        return app.exec()
    finally:
        window.library.close()


def build(
    library_spec: str | None, recording_id: int | None = None
) -> tuple[QApplication, MainWindow] | None:
    """The application and its shown window (None, after telling the user, if the library cannot be
    opened). Separate from ``start`` so a benchmark can time exactly this."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from vfeedback.core.errors import VfeedbackError
    from vfeedback.resources import resources_dir
    from vfeedback.services import Library
    from vfeedback.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "vfeedback"])
    assert isinstance(app, QApplication)
    app.setApplicationName("vfeedback")
    app.setApplicationDisplayName("vfeedback")
    app.setDesktopFileName(APP_ID)
    icon = resources_dir() / "icons" / "vfeedback.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    try:
        library = Library.open(library_spec)
    except VfeedbackError as exc:
        QMessageBox.critical(None, "vfeedback", str(exc))
        return None
    window = MainWindow(library)
    window.show()
    if recording_id is not None:
        try:
            window.open_recording(recording_id)
        except VfeedbackError as exc:
            QMessageBox.warning(window, "vfeedback", str(exc))
    return app, window


def _library_arg(argv: Sequence[str]) -> str | None:
    args = list(argv)
    for i, arg in enumerate(args):
        if arg.startswith("--library="):
            return arg.split("=", 1)[1]
        if arg == "--library" and i + 1 < len(args):
            return args[i + 1]
    return None
