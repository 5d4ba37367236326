"""A case's end: ``vfeedback retention`` (closure and rule), ``vfeedback due`` and ``vfeedback delete
family|recording`` (for good)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import given_date, json_flag
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.errors import BadInput

if TYPE_CHECKING:
    from vfeedback.services import Library


def add_retention(sub: Any) -> None:
    c = sub.add_parser("retention", help="a family's closure date and retention rule")
    c.add_argument("family", metavar="CODE")
    c.add_argument("--closed", metavar="YYYY-MM-DD", help="the day the case closed")
    c.add_argument("--reopen", action="store_true", help="the case is open again (takes the closure back)")
    rule = c.add_mutually_exclusive_group()
    rule.add_argument(
        "--rule", metavar="TEXT", help="'delete N months after closure' or 'keep until YYYY-MM-DD'"
    )
    rule.add_argument("--no-rule", action="store_true", help="remove the retention rule (undoable)")
    json_flag(c)


def add_due(sub: Any) -> None:
    json_flag(sub.add_parser("due", help="families whose recordings are due for deletion"))


def add_delete(sub: Any) -> None:
    dele = sub.add_parser("delete", help="delete a family or a recording for good (not undoable)")
    dele_sub = dele.add_subparsers(dest="action", metavar="WHAT", required=True)
    c = dele_sub.add_parser("family", help="the family and everything of it, leaving only the audit record")
    c.add_argument("family", metavar="CODE")
    c.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    json_flag(c)
    c = dele_sub.add_parser("recording", help="the recording and everything made from it")
    c.add_argument("recording", type=int)
    c.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    json_flag(c)


def retention(lib: Library, args: argparse.Namespace) -> int:
    fam = lib.cases.set_retention(
        args.family,
        closed_on=given_date(args.closed) if args.closed else None,
        rule=args.rule,
        reopen=args.reopen,
        remove_rule=args.no_rule,
    )
    from vfeedback.core.retention import due_date

    when = due_date(fam.retention_rule, fam.closed_on) if fam.retention_rule else None
    if args.json:
        out.emit_json(
            {"family": fam.code, "closed_on": fam.closed_on, "rule": fam.retention_rule, "due": when}
        )
    else:
        closed = fam.closed_on.isoformat() if fam.closed_on else "not closed"
        due = f"; due for deletion on {when}" if when else ""
        print(f"Family {fam.code}: {closed}, rule '{fam.retention_rule or 'none'}'{due}.")
    return 0


def due(lib: Library, args: argparse.Namespace) -> int:
    found = lib.cases.due()
    if args.json:
        out.emit_json([{"family": f.code, "due": when, "rule": f.retention_rule} for f, when in found])
    elif not found:
        print("No family is due for deletion.")
    else:
        out.table(["FAMILY", "DUE", "RULE"], [(f.code, when, f.retention_rule) for f, when in found])
        print("Delete with: vfeedback delete family CODE --yes")
    return 0


def delete_family(lib: Library, args: argparse.Namespace) -> int:
    fam = lib.families.get(args.family)
    _delete(args, f"family {fam.code}", lambda: lib.cases.delete_family(fam.id))
    return 0


def delete_recording(lib: Library, args: argparse.Namespace) -> int:
    rec = lib.recordings.get(args.recording)
    _delete(args, f"recording {rec.id}", lambda: lib.cases.delete_recording(rec.id))
    return 0


def _delete(args: argparse.Namespace, what: str, delete: Callable[[], list[str]]) -> None:
    """Refused without ``--yes``; then ``delete()``, and what it left for the clinician to do."""
    if not args.yes:
        raise BadInput(f"Deleting {what} cannot be undone; add --yes to confirm.")
    left = delete()
    if args.json:
        out.emit_json({"deleted": what, "left": left})
        return
    print(f"Deleted {what} and everything made from it.")
    for line in left:
        print(line)


GRAMMAR: dict[str, Grammar] = {"retention": add_retention, "due": add_due, "delete": add_delete}
HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("retention", None): retention,
    ("due", None): due,
    ("delete", "family"): delete_family,
    ("delete", "recording"): delete_recording,
}
