"""``vfeedback consent`` (a family's register; give or withdraw a purpose) and ``vfeedback audit``
(who did what)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import PURPOSES, given_date, json_flag
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.errors import BadInput

if TYPE_CHECKING:
    from vfeedback.core.model import Highlight
    from vfeedback.services import Library
    from vfeedback.services.audit import ExportedFile


def add_consent(sub: Any) -> None:
    c = sub.add_parser("consent", help="a family's consent register; give or withdraw a purpose")
    c.add_argument("family", metavar="CODE")
    act = c.add_mutually_exclusive_group()
    act.add_argument("--give", metavar="PURPOSE", choices=PURPOSES)
    act.add_argument("--withdraw", metavar="PURPOSE", choices=PURPOSES)
    c.add_argument("--by", metavar="NAME", help="who recorded it")
    c.add_argument("--date", metavar="YYYY-MM-DD", help="when it was given or withdrawn (default: today)")
    json_flag(c)


def add_audit(sub: Any) -> None:
    c = sub.add_parser("audit", help="who did what: imports, exports, reviews, deletions, consent")
    c.add_argument("--family", metavar="CODE")
    c.add_argument("--csv", metavar="FILE", help="write the record to FILE as CSV")
    json_flag(c)


def consent(lib: Library, args: argparse.Namespace) -> int:
    fam = lib.families.get(args.family)
    change = args.give or args.withdraw
    kept: list[Highlight] = []
    files: list[ExportedFile] = []
    if change:
        if not args.by:
            raise BadInput("Say who recorded the consent: --by NAME.")
        on = given_date(args.date) if args.date else None
        if args.give:
            lib.consent.give(fam.id, change, args.by, on)
        else:
            _, kept = lib.consent.withdraw(fam.id, change, args.by, on)
            files = lib.audit.exported_files(fam.id, change)
        if not args.json:
            verb = "given" if args.give else "withdrawn"
            print(f"Consent for {change} {verb} for family {fam.code}.")
            _print_exported(change, files)
    state = lib.consent.state(fam.id)
    register = lib.consent.register(fam.id)
    if args.json:
        out.emit_json(
            {
                "family": fam.code,
                "purposes": {p.value: bool(e and e.given) for p, e in state.items()},
                "register": [
                    {
                        "purpose": e.purpose.value,
                        "given": e.given,
                        "date": e.on_date,
                        "recorded_by": e.recorded_by,
                        "recorded_at": e.recorded_at,
                    }
                    for e in register
                ],
                "exported_under_withdrawn": [h.id for h in kept],
                "exported": [
                    {"path": f.path, "at": f.at, "what": f.what, "notes": f.notes} for f in files
                ],
            }
        )
    elif not change:
        for purpose, entry in state.items():
            status = "not recorded" if entry is None else ("given" if entry.given else "withdrawn")
            when = f" on {entry.on_date} by {entry.recorded_by}" if entry else ""
            print(f"{purpose.wording:28} {status}{when}")
    return 0


def _print_exported(purpose: str, files: list[ExportedFile]) -> None:
    """Every file the audit record says went out for the purpose: the clinician decides what to do."""
    if not files:
        return
    print(f"{len(files)} file(s) were exported for {purpose}; delete or recall them if they must go:")
    for f in files:
        notes = {True: "with private notes", False: "no notes", None: "notes not recorded"}[f.notes]
        where = f.path or "(where it went was not recorded)"
        print(f"  {f.at:%Y-%m-%d %H:%M}  {where}  ({notes}): {f.what}")


def audit(lib: Library, args: argparse.Namespace) -> int:
    if args.csv:
        count = lib.audit.write_csv(Path(args.csv), args.family)
        if not args.json:
            print(f"Wrote {count} entries to {args.csv}.")
    entries = lib.audit.entries(args.family)
    if args.json:
        out.emit_json(
            [
                {
                    "id": e.id,
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "family": e.family_code,
                    "purpose": e.purpose,
                    "detail": e.detail,
                    "destination": e.destination,
                    "notes": e.notes,
                    "hash": e.hash,
                }
                for e in entries
            ]
        )
    elif not args.csv:
        out.table(
            ["WHEN", "WHO", "WHAT", "FAMILY", "DETAIL"],
            [(e.at.strftime("%Y-%m-%d %H:%M"), e.actor, e.action, e.family_code, e.detail) for e in entries],
        )
        head = lib.audit.head()
        if head is not None:
            print(f"Newest entry {head[0]}, hash {head[1]} (note it elsewhere to prove the record later).")
    return 0


GRAMMAR: dict[str, Grammar] = {"consent": add_consent, "audit": add_audit}
HANDLERS: dict[tuple[str, str | None], Handler] = {("consent", None): consent, ("audit", None): audit}
