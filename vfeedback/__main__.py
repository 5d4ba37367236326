"""``vfeedback``: with a command, the CLI; without one, the app."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    # Families' data: whatever this process (or a child) creates is owner-only, even where a library
    # or a writer forgets to say so and whatever umask the desktop or the shell gave us.
    os.umask(0o077)
    if list(sys.argv[1:] if argv is None else argv) == ["--self-check"]:
        from vfeedback.ui.selfcheck_steps import self_check

        return self_check()
    args = _file_to_open(list(sys.argv[1:] if argv is None else argv))
    if _wants_gui(args):
        from vfeedback.ui.app import run_gui

        return run_gui(args)
    from vfeedback.cli.main import run
    from vfeedback.system import processes

    # SIGTERM/SIGHUP unwind like Ctrl+C: children stopped, half-written files removed.
    processes.stop_on_signals()
    return run(args, start_gui=_start_gui)


def _start_gui(library: str | None, recording_id: int) -> int:
    from vfeedback.ui.app import start

    return start(library, recording_id)


def _wants_gui(args: list[str]) -> bool:
    """No command (only ``--library X``): the window."""
    return not _after_library(args)


def _after_library(args: list[str]) -> list[str]:
    rest = list(args)
    while rest and rest[0].startswith("--library"):
        rest = rest[1:] if "=" in rest[0] else rest[2:]
    return rest


def _file_to_open(args: list[str]) -> list[str]:
    """``vfeedback FILE`` (how a desktop opens a video with us) means ``vfeedback open FILE``."""
    rest = _after_library(args)
    # A command word is never taken for a file of the same name: a file needs a suffix or a folder.
    looks_like_file = len(rest) == 1 and ("/" in rest[0] or "." in Path(rest[0]).name)
    if looks_like_file and not rest[0].startswith("-") and Path(rest[0]).is_file():
        return [*args[: len(args) - 1], "open", rest[0]]
    return args


if __name__ == "__main__":
    sys.exit(main())
