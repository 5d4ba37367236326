"""The command line's top-level grammar (argparse): ``--library``, ``--version`` and the commands,
whose own grammar each group module holds (see ``registry``)."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from vfeedback import __version__
from vfeedback.cli import registry
from vfeedback.cli.arguments import seconds, whole_number
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.text import terminal


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``vfeedback: <reason> (see ... --help)``, status 2),
    and every ``int`` and ``float`` argument goes through one checker (``whole_number``,
    ``seconds``), however a command module declares it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("type", int, whole_number)
        self.register("type", float, seconds)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"vfeedback: {terminal(message)} (see `{self.prog} --help`)\n")


def build(command: str | None = None) -> Parser:
    """The whole grammar, or (``command``) the top level with that one command: argparse then
    parses, helps and refuses exactly as with every command, since nothing else is in play."""
    p = Parser(
        prog="vfeedback",
        description="Video feedback for parent-infant work. With no command, opens the app.",
    )
    _library_option(p)
    p.add_argument("--version", action="version", version=f"vfeedback {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    registry.add_grammar(sub, command)
    return p


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse, then let the command settle what argparse cannot express (``import`` takes a recording
    file, or a kind of moments file and the file)."""
    p = build(_command_asked(argv))
    try:
        args = p.parse_args(argv)
    except VfeedbackError as exc:  # a number beyond what any library can hold (see whole_number)
        from vfeedback.cli.main import fail

        raise SystemExit(fail(str(exc), exc.exit_status)) from None
    settle = vars(args).pop("settle", None)
    if settle is not None:
        settle(args)
    return args


def _library_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--library",
        metavar="PATH|URL",
        help="library folder or database URL (default: $VFEEDBACK_LIBRARY, else your user data folder)",
    )


def _command_asked(argv: list[str]) -> str | None:
    """The command ``argv`` runs when its first word after ``--library`` names one; None when anything
    else comes first (``--help``, ``--version``, a mistake), which needs every command's grammar."""
    front = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    _library_option(front)
    try:
        _, rest = front.parse_known_args(argv)
    except argparse.ArgumentError:  # e.g. --library without a value: the whole grammar says so
        return None
    return rest[0] if rest and rest[0] in registry.COMMANDS else None
