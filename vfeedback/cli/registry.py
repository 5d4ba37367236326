"""Every command, in the order ``vfeedback --help`` lists them, and the group module that holds its
grammar and its handler (``vfeedback/cli/cmd_<group>.py``).

A group module has ``GRAMMAR`` (command word to the function adding that command's parser to the
top-level subparsers) and ``HANDLERS`` ((command, action) to the function running it). Only the
group of the command asked for is imported, and only its grammar built: a command starts without
paying for the others.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vfeedback.services import Library

Handler = Callable[["Library", argparse.Namespace], int]
Grammar = Callable[[Any], None]
"""Adds one command to the top-level subparsers (argparse's ``_SubParsersAction``)."""

COMMANDS: dict[str, str] = {
    "open": "recordings",
    "probe": "recordings",
    "family": "families",
    "families": "families",
    "import": "recordings",
    "recordings": "recordings",
    "index": "recordings",
    "relink": "recordings",
    "moments": "moments",
    "consent": "consent",
    "audit": "consent",
    "retention": "cases",
    "due": "cases",
    "delete": "cases",
    "export": "exports",
    "highlights": "exports",
    "schemes": "schemes",
    "undo": "check",
    "redo": "check",
    "check": "check",
    "progress": "cycles",
    "agreement": "supervision",
    "suggest": "suggest",
    "voices": "suggest",
    "angle": "angles",
    "angles": "angles",
    "team": "team",
    "caseload": "team",
    "share": "team",
    "shares": "team",
}
GROUPS = tuple(dict.fromkeys(COMMANDS.values()))


def group(name: str) -> Any:
    """The module ``cmd_<name>``, imported now."""
    return importlib.import_module(f"vfeedback.cli.cmd_{name}")


def add_grammar(sub: Any, command: str | None = None) -> None:
    """Add ``command``'s parser to ``sub``, or every command's (for ``--help`` and usage errors)."""
    for name, group_name in COMMANDS.items():
        if command in (None, name):
            grammar: Grammar = group(group_name).GRAMMAR[name]
            grammar(sub)


def handler(command: str, action: str | None) -> Handler:
    found: Handler = group(COMMANDS[command]).HANDLERS[(command, action)]
    return found


def handlers() -> dict[tuple[str, str | None], Handler]:
    """Every command's handler (for tests and tools; a run looks up only its own)."""
    every: dict[tuple[str, str | None], Handler] = {}
    for name in GROUPS:
        every.update(group(name).HANDLERS)
    return every
