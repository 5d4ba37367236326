"""Composition root of the desktop app: make the QApplication, open the library, show the window."""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from vfeedback.ui.main_window import MainWindow

APP_ID = "org.vfeedback.VFeedback"


def run_gui(argv: Sequence[str]) -> int:
    """``vfeedback [--library X]``: the window on the library."""
    return start(_library_arg(argv), recording_id=None)


def start(library_spec: str | None, recording_id: int | None) -> int:
    asked: list[int] = []
    forget_early = _remember_stop(asked)
    try:
        built = build(library_spec, recording_id)
        if built is None:
            return 3
        app, window = built
        stop_watch = quit_on_signals(app, window)
        try:
            if asked:  # asked to stop while the window was being built: close it as the user would
                _stop_now(app, window)
                return 0
            return app.exec()
        finally:
            stop_watch()
            window.library.close()
    finally:
        forget_early()


def _remember_stop(asked: list[int]) -> Callable[[], None]:
    """Until the window is up, SIGTERM or SIGHUP (a logout during a slow start) is remembered and any
    child stopped, so that the half-built app is then closed as the user would close it, its library
    closed, rather than killed while it opens the library. Returns the function that forgets."""
    import signal

    from vfeedback.system import processes

    def handler(signum: int, _frame: object) -> None:
        asked.append(signum)
        processes.stop_all()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}

    def forget() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    return forget


def _stop_now(app: QApplication, window: MainWindow) -> None:
    """Close as the user would, except that running work is stopped instead of asked about."""
    from vfeedback.system import processes

    window.tasks.cancel_all()
    processes.stop_all()
    window.tasks.wait(10_000)
    window.close()
    app.quit()


def quit_on_signals(app: QApplication, window: MainWindow) -> Callable[[], None]:
    """SIGTERM or SIGHUP (a logout, a service manager) close the window as the user would, except
    that running work is stopped instead of asked about: children killed, half-written files
    removed by their jobs. Qt's loop runs no Python while it waits, so the signal is also written to
    a socket the loop watches (``signal.set_wakeup_fd``), which wakes Python to run the handler.
    Returns the function that stops watching."""
    import signal

    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)
    notifier.activated.connect(lambda *_: _drain(reader))

    def handler(signum: int, _frame: object) -> None:
        _stop_now(app, window)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    old_fd = signal.set_wakeup_fd(writer.fileno())

    def stop() -> None:
        signal.set_wakeup_fd(old_fd)
        for signum, old in previous.items():
            signal.signal(signum, old)
        notifier.setEnabled(False)
        reader.close()
        writer.close()

    return stop


def _drain(reader: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while reader.recv(64):
            pass


def build(
    library_spec: str | None, recording_id: int | None = None
) -> tuple[QApplication, MainWindow] | None:
    """The application and its shown window (None, after telling the user, if the library cannot be
    opened). Separate from ``start`` so a benchmark can time exactly this."""
    from vfeedback.ui.workbench.player_choice import PlayerStarting

    starting = PlayerStarting()  # libvlc starts while the modules below load
    # The library (SQLAlchemy) and numpy (the timeline draws with it) before Qt: PySide6 reads the
    # source of every module imported after it (looking for its ``__feature__`` switch), which for
    # SQLAlchemy's hundreds of modules costs a tenth of a second or more at every start.
    import numpy  # noqa: F401

    from vfeedback.core.errors import VfeedbackError
    from vfeedback.services import Library

    from PySide6.QtGui import QIcon  # isort: skip
    from PySide6.QtWidgets import QApplication, QMessageBox  # isort: skip

    from vfeedback.resources import resources_dir
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
        starting.result()[0].close()
        QMessageBox.critical(None, "vfeedback", str(exc))
        return None
    player, missing = starting.result()
    window = MainWindow(library, player, missing=missing)
    window.show()
    from vfeedback.ui.workbench import naming

    if library.ctx.login is None:  # a server library names its login (issue 16): nothing to ask
        naming.first_start(window)  # once per person: the name the app, the CLI and the audit share
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
