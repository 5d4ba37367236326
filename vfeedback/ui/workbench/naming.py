"""Who is working: the name new moments are tagged with and the audit record shows. Kept per person on
this computer (QSettings); $VFEEDBACK_CODER, when set, wins, as it does on the command line."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QInputDialog, QLineEdit

from vfeedback.services import Library
from vfeedback.ui.workbench.protocol import Workbench

KEY = "workbench/name"
MAX_NAME = 100


def apply_saved_name(library: Library) -> None:
    if os.environ.get("VFEEDBACK_CODER"):
        return
    saved = QSettings("vfeedback", "vfeedback").value(KEY)
    if isinstance(saved, str) and saved.strip():
        library.user = saved.strip()


def ask_name(bench: Workbench) -> None:
    library = bench.library
    name, ok = QInputDialog.getText(
        bench.widget(),
        "Your name",
        "The name your new moments are tagged with, and the audit record shows\n"
        "(initials are fine; in supervision it tells two coders apart):",
        QLineEdit.EchoMode.Normal,
        library.user,
    )
    name = name.strip()[:MAX_NAME]
    if ok and name:
        library.user = name
        QSettings("vfeedback", "vfeedback").setValue(KEY, name)
        bench.show_status(f"Working as {name}.", 6000)
