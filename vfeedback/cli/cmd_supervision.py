"""``vfeedback agreement``: how two coders of one recording agree, for supervision."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import json_flag
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.agreement import Agreement, EventCounts, landis_koch, places
from vfeedback.core.timecode import format_time

if TYPE_CHECKING:
    from vfeedback.services import Library


def add_agreement(sub: Any) -> None:
    """Add ``agreement`` to the top-level subcommands (``sub`` from ``add_subparsers``)."""
    c = sub.add_parser(
        "agreement", help="how two coders of a recording agree: kappa over time slices, matched events"
    )
    c.add_argument("recording", type=int)
    c.add_argument(
        "--coders", nargs=2, required=True, metavar=("A", "B"), help="the reference coder, then the other"
    )
    c.add_argument(
        "--slice", dest="slice_s", type=float, default=1.0, metavar="S", help="slice length in seconds (1)"
    )
    c.add_argument(
        "--tolerance",
        dest="tolerance_s",
        type=float,
        default=1.0,
        metavar="S",
        help="how far apart two moments' starts may be and still match, in seconds (1)",
    )
    json_flag(c)


def agreement(lib: Library, args: argparse.Namespace) -> int:
    a, b = args.coders
    result = lib.supervision.agreement(
        args.recording, a, b, slice_s=args.slice_s, tolerance_s=args.tolerance_s
    )
    if args.json:
        out.emit_json(agreement_json(result))
    else:
        _print(result)
    return 0


GRAMMAR: dict[str, Grammar] = {"agreement": add_agreement}
HANDLERS: dict[tuple[str, str | None], Handler] = {("agreement", None): agreement}


def agreement_json(r: Agreement) -> dict[str, Any]:
    return {
        "recording": r.recording_id,
        "coders": list(r.coders),
        "slice_s": r.slice_us / 1_000_000,
        "tolerance_s": r.tolerance_us / 1_000_000,
        "duration_us": r.duration_us,
        "slices": r.slices,
        "kappa": r.kappa,
        "observed": r.observed,
        "expected": r.expected,
        "per_code": {name: c.kappa for name, c in r.per_code.items()},
        "events": _events_json(r.events)
        | {"per_code": {name: _events_json(c.events) for name, c in r.per_code.items()}},
        "codes": [
            {
                "code": name,
                "code_id": r.code_ids.get(name),
                "kappa": c.kappa,
                "observed": c.observed,
                "slices_a": c.slices_a,
                "slices_b": c.slices_b,
                "slices_both": c.slices_both,
            }
            | _events_json(c.events)
            for name, c in r.per_code.items()
        ],
        "confusion": {"categories": list(r.categories), "counts": [list(row) for row in r.confusion]},
        "disagreements": [
            {
                "start_us": d.start_us,
                "end_us": d.end_us,
                "start": format_time(d.start_us),
                "end": format_time(d.end_us),
                "a": d.a_label,
                "b": d.b_label,
                "kind": d.kind,
            }
            for d in r.disagreements
        ],
    }


def _events_json(e: EventCounts) -> dict[str, Any]:
    return {
        "matched": e.matched,
        "only_a": e.only_a,
        "only_b": e.only_b,
        "precision": e.precision,
        "recall": e.recall,
        "f1": e.f1,
    }


def _print(r: Agreement) -> None:
    a, b = r.coders
    print(f"{a} (A) and {b} (B) on recording {r.recording_id}, {format_time(r.duration_us)} long.")
    slices = f"{r.slices} slices of {r.slice_us / 1_000_000:g} s"
    if r.kappa is None:
        print(f"Over {slices}: kappa is not defined (both put every slice in the same category);")
    else:
        print(f"Over {slices}: kappa {r.kappa:.2f} ({landis_koch(r.kappa)});")
    if r.observed is not None and r.expected is not None:
        print(f"  the same in {r.observed:.0%} of slices, {r.expected:.0%} expected by chance.")
    e = r.events
    print(
        f"Moments starting within {r.tolerance_us / 1_000_000:g} s of each other: {e.matched} matched, "
        f"{e.only_a} only {a}, {e.only_b} only {b}."
    )
    if not r.per_code:
        print("Neither coded anything here.")
        return
    print()
    out.table(
        ["CODE", "KAPPA", "SLICES A", "SLICES B", "MATCHED", "ONLY A", "ONLY B"],
        [
            (
                name,
                "—" if c.kappa is None else f"{c.kappa:.2f}",
                c.slices_a,
                c.slices_b,
                c.events.matched,
                c.events.only_a,
                c.events.only_b,
            )
            for name, c in r.per_code.items()
        ],
    )
    found = places(r.disagreements)
    if found:
        print(f"\n{len(found)} place(s) where they differ; --json lists each disagreement.")
