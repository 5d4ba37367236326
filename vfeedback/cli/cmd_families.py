"""``vfeedback family add|edit`` and ``vfeedback families``: the families, by pseudonymous case code."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import json_flag
from vfeedback.cli.registry import Grammar, Handler

if TYPE_CHECKING:
    from vfeedback.services import Library


def add_family(sub: Any) -> None:
    fam = sub.add_parser("family", help="add or edit a family")
    fam_sub = fam.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = fam_sub.add_parser("add", help="add a family by its pseudonymous case code")
    c.add_argument("code")
    c.add_argument("--label", help="a private label (never use real names in case codes)")
    json_flag(c)
    c = fam_sub.add_parser("edit", help="change a family's case code or label")
    c.add_argument("family")
    c.add_argument("--code", dest="new_code")
    c.add_argument("--label")
    json_flag(c)


def add_families(sub: Any) -> None:
    c = sub.add_parser("families", help="list families")
    json_flag(c)


def family_add(lib: Library, args: argparse.Namespace) -> int:
    fam = lib.families.add(args.code, args.label)
    if args.json:
        out.emit_json(out.family_json(fam, 0))
    else:
        print(f"Added family {fam.code}.")
    return 0


def family_edit(lib: Library, args: argparse.Namespace) -> int:
    fam = lib.families.edit(args.family, code=args.new_code, label=args.label)
    count = len(lib.recordings.all(fam.id))
    if args.json:
        out.emit_json(out.family_json(fam, count))
    else:
        print(f"Family {fam.code} saved.")
    return 0


def families(lib: Library, args: argparse.Namespace) -> int:
    counts = Counter(r.family_id for r in lib.recordings.all())
    fams = lib.families.all()
    if args.json:
        out.emit_json([out.family_json(f, counts[f.id]) for f in fams])
    elif not fams:
        print("No families yet. Add one with: vfeedback family add CODE")
    else:
        out.table(["CODE", "RECORDINGS", "LABEL"], [(f.code, counts[f.id], f.label) for f in fams])
    return 0


GRAMMAR: dict[str, Grammar] = {"family": add_family, "families": add_families}
HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("family", "add"): family_add,
    ("family", "edit"): family_edit,
    ("families", None): families,
}
