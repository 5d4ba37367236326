"""``vfeedback schemes [import FILE]``: the coding schemes and their codes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import json_flag
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.errors import BadInput

if TYPE_CHECKING:
    from vfeedback.services import Library


def add_schemes(sub: Any) -> None:
    c = sub.add_parser("schemes", help="list coding schemes and their codes, or import one")
    c.add_argument("action", nargs="?", choices=["import"], help="import a scheme from FILE")
    c.add_argument("file", nargs="?")
    json_flag(c)


def schemes(lib: Library, args: argparse.Namespace) -> int:
    if args.action == "import":
        if not args.file:
            raise BadInput("Say which scheme file to import: vfeedback schemes import FILE.")
        scheme = lib.schemes.import_file(Path(args.file))
        if args.json:
            out.emit_json(out.scheme_json(scheme, None))
        else:
            print(f"Imported coding scheme {scheme.name} with {len(scheme.codes)} codes.")
        return 0
    from vfeedback.services.schemes import DEFAULT_SCHEME_KEY

    default = lib.ctx.setting(DEFAULT_SCHEME_KEY)
    default_id = int(default) if default else None
    all_schemes = lib.schemes.all()
    if args.json:
        out.emit_json([out.scheme_json(s, default_id) for s in all_schemes])
        return 0
    for s in all_schemes:
        mark = " (default)" if s.id == default_id else ""
        print(f"{s.name}{mark}")
        for c in s.codes:
            indent = "  " if c.parent_id is None else "      "
            key = f"[{c.key}] " if c.key else "    "
            print(f"{indent}{key}{c.name}  (id {c.id}, {c.kind.value})")
        print()
    return 0


GRAMMAR: dict[str, Grammar] = {"schemes": add_schemes}
HANDLERS: dict[tuple[str, str | None], Handler] = {("schemes", None): schemes, ("schemes", "import"): schemes}
