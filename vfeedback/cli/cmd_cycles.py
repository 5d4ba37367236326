"""``vfeedback progress CODE``: a family's strength moments across filming cycles, as a table, JSON, a
CSV spreadsheet or a PNG chart. When several people coded a film, each film's main coder counts unless
``--coder NAME`` (one person throughout) or ``--all-coders`` (everyone, a moment two people tagged
counted once) says otherwise."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import json_flag
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.cycles import Cell, Counting, Cycle, Measure, Progress

if TYPE_CHECKING:
    from vfeedback.services import Library


def add_progress(sub: Any) -> None:
    """Add ``progress`` to the top-level subparsers."""
    c = sub.add_parser("progress", help="a family's strength moments across filming cycles")
    c.add_argument("family", metavar="CODE")
    c.add_argument("--csv", metavar="FILE", help="write one row per recording and principle to FILE")
    c.add_argument("--png", metavar="FILE", help="draw the chart into FILE (1600 × 900)")
    c.add_argument(
        "--measure",
        choices=[m.value for m in Measure],
        default=Measure.COUNT.value,
        help="what the chart's bars show: count (default), minutes, or rate (per 10 minutes of film)",
    )
    who = c.add_mutually_exclusive_group()
    who.add_argument(
        "--coder",
        metavar="NAME",
        help="count only NAME's moments (default: on each film, whoever tagged the most there)",
    )
    who.add_argument(
        "--all-coders",
        action="store_true",
        help="count everyone's moments, a moment two people tagged (same code, starts within 1 s) once",
    )
    json_flag(c)


def progress(lib: Library, args: argparse.Namespace) -> int:
    cycles = lib.supervision
    counting = _counting(args)
    found = cycles.progress(args.family, counting)
    written = []
    if args.csv:
        written.append(cycles.progress_csv(found.family, Path(args.csv), counting))
    if args.png:
        written.append(cycles.progress_png(found.family, Path(args.png), args.measure, counting=counting))
    if args.json:
        out.emit_json(progress_json(found))
        return 0
    if found.empty:
        print(f"No strength moments tagged yet for family {found.family}.")
    else:
        _table(found)
    for path in written:
        print(f"Wrote {path}")
    return 0


def _counting(args: argparse.Namespace) -> Counting:
    if getattr(args, "all_coders", False):
        return Counting.everyone()
    coder = (getattr(args, "coder", None) or "").strip()
    return Counting.of(coder) if coder else Counting()


def progress_json(found: Progress) -> dict[str, Any]:
    counting = found.counting
    return {
        "family": found.family,
        "counting": {
            "mode": counting.mode,
            "coder": counting.coder,
            "tolerance_s": counting.tolerance_us / 1_000_000 if counting.mode == "all" else None,
        },
        "recordings": [
            {
                "id": c.recording_id,
                "cycle": c.number,
                "date": c.day.isoformat(),
                "date_is_import_date": not c.dated,
                "context": c.context,
                "duration_us": c.length_us,
                "coders": list(c.coders),
                "principles": {
                    p.name: {
                        "moments": c.cells[p.name].moments,
                        "seconds": round(c.cells[p.name].seconds, 3),
                        "per_10_min": round(c.per_ten_minutes(c.cells[p.name]), 3),
                        "moment_ids": list(c.cells[p.name].moment_ids),
                    }
                    for p in found.principles
                },
            }
            for c in found.cycles
        ],
    }


def _heading(c: Cycle) -> str:
    return f"C{c.number} {c.day.isoformat()}{'' if c.dated else '*'}"


def _table(found: Progress) -> None:
    """Principles down, cycles across; each cell "moments · seconds"."""
    headers = ["PRINCIPLE", *(_heading(c) for c in found.cycles)]
    body: list[list[object]] = []
    for p in found.principles:
        body.append([p.name, *(_cell(c.cells[p.name]) for c in found.cycles)])
    body.append(["All strengths", *(_cell(c.total) for c in found.cycles)])
    body.append(["Per 10 min of film", *(f"{c.per_ten_minutes(c.total):.1f}" for c in found.cycles)])
    if any(c.context for c in found.cycles):
        body.append(["Context", *(c.context or "" for c in found.cycles)])
    out.table(headers, body)
    print("Cells: moments · seconds covered.")
    if found.counting_note:
        print(found.counting_note)
    if found.any_undated:
        print("* filming date not recorded: the day it was imported is shown.")


def _cell(cell: Cell) -> str:
    return f"{cell.moments} · {cell.seconds:.1f} s"


GRAMMAR: dict[str, Grammar] = {"progress": add_progress}
HANDLERS: dict[tuple[str, str | None], Handler] = {("progress", None): progress}
