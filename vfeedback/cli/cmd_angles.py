"""``vfeedback angle add|set|remove`` and ``vfeedback angles``: recordings filmed at the same time as a
main one, each at its offset on the main recording's clock (typed, or found from the sound)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli import progress as bars
from vfeedback.cli.arguments import json_flag
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.errors import BadInput
from vfeedback.core.text import excerpt
from vfeedback.core.timecode import format_time, parse_time

if TYPE_CHECKING:
    from vfeedback.core.angles import Angle
    from vfeedback.services import Library

OFFSET_HELP = (
    "where the angle's start falls on the main recording's clock: 1.37 or 00:00:01.370; negative when "
    "the angle started first (write --offset=-1.37)"
)


def add_angle(sub: Any) -> None:
    angle = sub.add_parser("angle", help="add, set or remove a camera angle of a recording")
    angle_sub = angle.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = angle_sub.add_parser("add", help="add a recording filmed at the same time as an angle of another")
    c.add_argument("recording", type=int, metavar="RECORDING")
    c.add_argument("--to", type=int, required=True, metavar="MAIN", help="the main recording")
    how = c.add_mutually_exclusive_group()
    how.add_argument("--offset", metavar="T", help=OFFSET_HELP)
    how.add_argument("--auto", action="store_true", help="find the offset from the sound (the default)")
    json_flag(c)
    c = angle_sub.add_parser("set", help="type an angle's offset (it is then manual)")
    c.add_argument("recording", type=int, metavar="RECORDING")
    c.add_argument("--offset", metavar="T", required=True, help=OFFSET_HELP)
    json_flag(c)
    c = angle_sub.add_parser("remove", help="make an angle a recording of its own again (undoable)")
    c.add_argument("recording", type=int, metavar="RECORDING")
    json_flag(c)


def add_angles(sub: Any) -> None:
    c = sub.add_parser("angles", help="a recording's camera angles and their offsets")
    c.add_argument("recording", type=int, metavar="MAIN")
    json_flag(c)


def parse_offset(text: str) -> int:
    """An offset as typed: a time (``core.timecode``) with an optional sign, in microseconds."""
    raw = text.strip()
    sign = -1 if raw.startswith("-") else 1
    unsigned = raw[1:] if raw[:1] in "+-" and raw else raw
    try:
        spec = parse_time(unsigned)  # which refuses a second sign
    except BadInput:
        spec = None
    if spec is None or spec.us is None:
        raise BadInput(
            f"'{excerpt(text)}' is not an offset: use seconds (1.37) or hours:minutes:seconds "
            "(00:00:01.370), with a minus sign when the angle started first (--offset=-1.37)."
        )
    return sign * spec.us


def angle_json(angle: Angle) -> dict[str, Any]:
    return {
        "recording_id": angle.recording_id,
        "main_id": angle.main_id,
        "offset_us": angle.offset_us,
        "method": angle.method,
        "confidence": angle.confidence,
    }


def _said(angle: Angle) -> str:
    sign = "-" if angle.offset_us < 0 else "+"
    how = f"found from the sound, confidence {angle.confidence:.2f}" if angle.method == "auto" else "manual"
    return f"{sign}{format_time(abs(angle.offset_us))} ({how})"


def _show(args: argparse.Namespace, angle: Angle, sentence: str) -> None:
    if args.json:
        out.emit_json(angle_json(angle))
    else:
        print(sentence)


def angle_add(lib: Library, args: argparse.Namespace) -> int:
    if args.offset is not None:
        added = lib.angles.add(args.recording, args.to, parse_offset(args.offset))
    else:
        with bars.progress("Lining up by the sound", enabled=not args.json) as bar:
            added = lib.angles.add_auto(args.recording, args.to, progress=bar.fraction)
    _show(
        args,
        added,
        f"Recording {added.recording_id} is an angle of recording {added.main_id} at {_said(added)}.",
    )
    return 0


def angle_set(lib: Library, args: argparse.Namespace) -> int:
    changed = lib.angles.set_offset(args.recording, parse_offset(args.offset))
    _show(args, changed, f"Angle {changed.recording_id} is now at {_said(changed)}.")
    return 0


def angle_remove(lib: Library, args: argparse.Namespace) -> int:
    removed = lib.angles.remove(args.recording)
    _show(
        args,
        removed,
        f"Recording {removed.recording_id} is no longer an angle of recording {removed.main_id}.",
    )
    return 0


def angles(lib: Library, args: argparse.Namespace) -> int:
    found = lib.angles.of(lib.angles.main_of(args.recording))  # an angle's: its session's
    if args.json:
        out.emit_json([angle_json(a) for a in found])
    elif not found:
        print(
            f"Recording {args.recording} has no angles. Add one with: "
            f"vfeedback angle add RECORDING --to {args.recording}"
        )
    else:
        out.table(["RECORDING", "OFFSET", "HOW"], [(a.recording_id, *_said(a).split(" ", 1)) for a in found])
    return 0


GRAMMAR: dict[str, Grammar] = {"angle": add_angle, "angles": add_angles}
HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("angle", "add"): angle_add,
    ("angle", "set"): angle_set,
    ("angle", "remove"): angle_remove,
    ("angles", None): angles,
}
