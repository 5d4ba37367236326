"""Composition root of the desktop app: make the QApplication, open the library, show the window."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run_gui(argv: Sequence[str]) -> int:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from vfeedback.core.errors import VfeedbackError
    from vfeedback.resources import resources_dir
    from vfeedback.services import Library
    from vfeedback.ui.main_window import MainWindow

    library_spec = _library_arg(argv)
    app = QApplication([sys.argv[0] if sys.argv else "vfeedback"])
    app.setApplicationName("vfeedback")
    app.setApplicationDisplayName("vfeedback")
    app.setDesktopFileName("org.vfeedback.VFeedback")
    icon = resources_dir() / "icons" / "vfeedback.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    try:
        library = Library.open(library_spec)
    except VfeedbackError as exc:
        QMessageBox.critical(None, "vfeedback", str(exc))
        return 3
    window = MainWindow(library)
    window.show()
    try:
        return app.exec()
    finally:
        library.close()


def _library_arg(argv: Sequence[str]) -> str | None:
    args = list(argv)
    for i, arg in enumerate(args):
        if arg.startswith("--library="):
            return arg.split("=", 1)[1]
        if arg == "--library" and i + 1 < len(args):
            return args[i + 1]
    return None
