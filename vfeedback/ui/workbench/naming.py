"""Who is working: the name new moments are tagged with and the audit record shows. One name per person
on this computer (``system.identity``), the same one the command line uses; $VFEEDBACK_CODER, when
set, wins, as it does on the command line. The app asks for it once, at its first start."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from vfeedback.core.errors import VfeedbackError
from vfeedback.services import Library
from vfeedback.system import identity
from vfeedback.ui.workbench.protocol import Workbench

OLD_KEY = "workbench/name"  # where versions before the shared identity kept the app's name
MAX_NAME = 100
FIRST_TITLE = "Welcome to vfeedback"
FIRST_LABEL = (
    "What name should your work be recorded under?\n"
    "New moments are tagged with it and the audit record shows it, in the app and on the\n"
    "command line alike (initials are fine; in supervision it tells two coders apart)."
)
LABEL = (
    "The name your new moments are tagged with, and the audit record shows\n"
    "(initials are fine; in supervision it tells two coders apart):"
)


def apply_saved_name(library: Library) -> None:
    """Carry a name the app kept before the shared identity into it, once; then work under it."""
    if identity.needs_asking():
        old = QSettings("vfeedback", "vfeedback").value(OLD_KEY)
        if isinstance(old, str) and old.strip():
            try:
                identity.save_name(old)
            except VfeedbackError:
                return  # the first-start question asks instead
    library.user = identity.current_name()


def _dialog(parent: QWidget, title: str, label: str, offered: str) -> QInputDialog:
    dialog = QInputDialog(parent)
    dialog.setObjectName("nameDialog")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
    dialog.setTextValue(offered)
    dialog.setOkButtonText("Save")
    return dialog


def ask_name(bench: Workbench, after: Callable[[], None] | None = None) -> QInputDialog:
    """File › Your name…: shown without blocking; on Save the name is this person's everywhere."""
    dialog = _dialog(bench.widget(), "Your name", LABEL, bench.library.user)
    dialog.textValueSelected.connect(lambda name: _save(bench, name, after))
    dialog.open()
    return dialog


def first_start(bench: Workbench) -> QInputDialog | None:
    """At the very first start (no name saved, none in the environment), ask once, offering the login
    name. Closing the question keeps the login name for now; the next start asks again."""
    if not identity.needs_asking():
        return None
    dialog = _dialog(bench.widget(), FIRST_TITLE, FIRST_LABEL, identity.login_name())
    dialog.textValueSelected.connect(lambda name: _save(bench, name, None))
    dialog.open()
    return dialog


def _save(bench: Workbench, name: str, after: Callable[[], None] | None) -> None:
    try:
        saved = identity.save_name(name.strip()[:MAX_NAME])
    except VfeedbackError as exc:
        bench.show_error(str(exc))
        return
    if identity.env_name() is None:
        bench.library.user = saved
        bench.show_status(f"Working as {saved}.", 6000)
    else:
        bench.show_status(
            f"Saved {saved} as your name; this session works as {identity.env_name()} "
            f"(set by {identity.ENV_CODER}).",
            8000,
        )
    if after is not None:
        after()
