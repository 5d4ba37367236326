"""Entry point of the command line: parse, open the library, run one handler, map errors to exit
statuses. Never prints a traceback: a bug is logged to a file and reported in one line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from vfeedback.cli.output import escaping_stdout
from vfeedback.core.errors import VfeedbackError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_BAD_INPUT = 0, 1, 2, 3
EXIT_INTERNAL = 70


@escaping_stdout  # what handlers print reaches the terminal with its control characters escaped
def run(argv: Sequence[str], start_gui: Callable[[str | None, int], int] | None = None) -> int:
    """Run one command. ``open`` needs ``start_gui(library, recording_id)``: the CLI prepares the
    recording, the entry point (which may import the GUI) shows it."""
    from vfeedback.cli import commands, parser

    try:
        args = parser.parse(list(argv))
    except SystemExit as exc:  # usage error (2), --help or --version (0)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        return fail("say which command to run (vfeedback --help lists them).", EXIT_USAGE)
    try:
        if args.command == "probe":
            return commands.probe(args)
        if args.command == "open":
            if start_gui is None:
                return fail("the app cannot be started from here.", EXIT_USAGE)
            return start_gui(args.library, commands.recording_to_open(args))
        from vfeedback.cli import registry
        from vfeedback.services import Library

        handler = registry.handlers()[(args.command, getattr(args, "action", None))]
        with Library.open(args.library) as lib:
            return handler(lib, args)
    except VfeedbackError as exc:
        return fail(str(exc), exc.exit_status)
    except KeyboardInterrupt:
        return fail("interrupted; nothing half-done was kept.", 130)
    except BrokenPipeError:
        return 0
    except Exception as exc:
        return internal_error(exc)


def fail(message: str, status: int) -> int:
    """The one line an error gets: what users or files supplied (a file name with a newline, a
    caption with ESC) is shown escaped, so it can neither break the line nor drive the terminal."""
    from vfeedback.core.text import terminal

    sys.stderr.write(f"vfeedback: {terminal(message)}\n")
    return status


def internal_error(exc: BaseException) -> int:
    """Write the traceback to a log file for support, tell the user one line."""
    import traceback
    from datetime import datetime

    from platformdirs import user_log_path

    try:
        folder = user_log_path("vfeedback", appauthor=False, ensure_exists=True)
        log = folder / "errors.log"
        with log.open("a", encoding="utf-8") as f:
            f.write(f"--- {datetime.now().isoformat()} {sys.argv!r}\n")
            traceback.print_exception(exc, file=f)
        where = f" (details in {log})"
    except OSError:
        where = ""
    return fail(f"something went wrong inside vfeedback: {type(exc).__name__}{where}.", EXIT_INTERNAL)
