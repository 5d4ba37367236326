"""``vfeedback check`` (the library's soundness) and ``vfeedback undo|redo`` (your own last change)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import json_flag
from vfeedback.cli.progress import progress
from vfeedback.cli.registry import Grammar, Handler

if TYPE_CHECKING:
    from vfeedback.services import Library


def add_undo(sub: Any) -> None:
    json_flag(sub.add_parser("undo", help="undo your own last change"))


def add_redo(sub: Any) -> None:
    json_flag(sub.add_parser("redo", help="redo your own last undone change"))


def add_check(sub: Any) -> None:
    c = sub.add_parser(
        "check", help="check the database, the audit record and every file (--deep: hash whole files)"
    )
    c.add_argument("--deep", action="store_true", help="hash every recording and export whole (slow)")
    c.add_argument("--repair", action="store_true", help="remove files in the library that nothing owns")
    json_flag(c)


def undo(lib: Library, args: argparse.Namespace) -> int:
    changes = lib.undo()
    _said(args.json, "undone", changes.label)
    return 0


def redo(lib: Library, args: argparse.Namespace) -> int:
    changes = lib.redo()
    _said(args.json, "redone", changes.label)
    return 0


def _said(as_json: bool, verb: str, label: str) -> None:
    if as_json:
        out.emit_json({verb: label})
    else:
        print(f"{verb.capitalize()}: {label}.")


def check(lib: Library, args: argparse.Namespace) -> int:
    repaired = lib.integrity.repair() if args.repair else []
    label = "Hashing every file" if args.deep else "Checking recordings"
    with progress(label, enabled=not args.json, unit="B") as bar:
        report = lib.integrity.report(progress=bar.bytes, deep=args.deep)
    problems = report.problems
    if args.json:
        out.emit_json(
            {
                "ok": not problems,
                "problems": [
                    {"what": p.what, "recording_id": p.recording_id, "kind": p.kind} for p in problems
                ],
                "audit_chain_ok": report.audit_chain_ok,
                "repaired": repaired,
                "notices": report.notices,
            }
        )
        return 1 if problems else 0
    for rel in repaired:
        print(f"Removed {rel}: no recording or export owned it.")
    for notice in report.notices:
        print(notice)
    if problems:
        print(f"{len(problems)} problem(s) found:")
        for p in problems:
            print(f"- {p.what}")
    else:
        files = "every file matches its hash"
        if not args.deep:
            files = "every recording's file is present and unchanged"
        print(f"The library at {lib.path} is sound: the audit record is intact and {files}.")
    return 1 if problems else 0


GRAMMAR: dict[str, Grammar] = {"undo": add_undo, "redo": add_redo, "check": add_check}
HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("undo", None): undo,
    ("redo", None): redo,
    ("check", None): check,
}
