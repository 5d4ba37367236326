"""Entry point of the command line: parse, open the library, run one handler, map errors to exit
statuses. Never prints a traceback: a bug is logged to a file and reported in one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from vfeedback.cli.output import escaping_stdout
from vfeedback.core.errors import VfeedbackError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_BAD_INPUT = 0, 1, 2, 3
EXIT_INTERNAL = 70


@escaping_stdout  # what handlers print reaches the terminal with its control characters escaped
def run(argv: Sequence[str], start_gui: Callable[[str | None, int], int] | None = None) -> int:
    """Run one command. ``open`` needs ``start_gui(library, recording_id)``: the CLI prepares the
    recording, the entry point (which may import the GUI) shows it."""
    from vfeedback.cli import parser, registry
    from vfeedback.system import processes

    try:
        args = parser.parse(list(argv))
    except SystemExit as exc:  # usage error (2), --help or --version (0)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        return fail("say which command to run (vfeedback --help lists them).", EXIT_USAGE)
    try:
        if args.command == "probe":
            from vfeedback.cli.cmd_recordings import probe

            return probe(args)
        if args.command == "open":
            if start_gui is None:
                return fail("the app cannot be started from here.", EXIT_USAGE)
            from vfeedback.cli.cmd_recordings import recording_to_open

            return start_gui(args.library, recording_to_open(args))
        if args.command == "team" and args.action == "init":
            from vfeedback.cli.cmd_team import init

            return init(args)  # it makes the library, rather than opening one
        from vfeedback.services import Library

        handler = registry.handler(args.command, getattr(args, "action", None))
        with Library.open(args.library) as lib:
            return handler(lib, args)
    except VfeedbackError as exc:
        return fail(str(exc), exc.exit_status)
    except KeyboardInterrupt:
        processes.stop_all()
        return fail("interrupted; nothing half-done was kept.", 130)
    except processes.Terminated as exc:
        processes.stop_all()
        return fail("stopped; nothing half-done was kept.", exc.exit_status)
    except BrokenPipeError:
        return 0
    except Exception as exc:
        return internal_error(exc, _command_name(args))


def _command_name(args: object) -> str:
    """``export clip``: what ran, never the values it was given (a note, a family's file name)."""
    words = [getattr(args, "command", None), getattr(args, "action", None)]
    return " ".join(w for w in words if isinstance(w, str)) or "?"


def fail(message: str, status: int) -> int:
    """The one line an error gets: what users or files supplied (a file name with a newline, a
    caption with ESC) is shown escaped, so it can neither break the line nor drive the terminal."""
    from vfeedback.core.text import terminal

    sys.stderr.write(f"vfeedback: {terminal(message)}\n")
    return status


def internal_error(exc: BaseException, command: str = "?") -> int:
    """Write what went wrong to a private log file for support, tell the user one line.

    The log must not keep a family's data: it names the command (not its arguments) and the code's
    path through the failure (file, line, function), but no exception messages, which can quote a
    value (a database error quotes its statement's parameters: a caption, a note)."""
    try:
        log = log_file()
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NOFOLLOW, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(scrubbed_report(exc, command))
        where = f" (details in {log})"
    except OSError:
        where = ""
    return fail(f"something went wrong inside vfeedback: {type(exc).__name__}{where}.", EXIT_INTERNAL)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def log_file() -> Path:
    """The support log, in an owner-only folder (created 0700, tightened if loosened)."""
    from platformdirs import user_log_path

    from vfeedback.system.files import private_folder

    return private_folder(user_log_path("vfeedback", appauthor=False)) / "errors.log"


def scrubbed_report(exc: BaseException, command: str) -> str:
    """The exception's types and stack frames, without any message text."""
    import traceback
    from datetime import datetime

    from vfeedback import __version__

    lines = [f"--- {datetime.now().isoformat(timespec='seconds')} vfeedback {__version__}: {command}"]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        lines.append(f"{type(current).__module__}.{type(current).__qualname__}")
        for frame in traceback.extract_tb(current.__traceback__):
            lines.append(f"  {frame.filename}:{frame.lineno} in {frame.name}")
        current = current.__cause__ or current.__context__
    return "\n".join(lines) + "\n"
