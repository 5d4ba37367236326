"""``vfeedback moments add|list|search|edit|delete``: the moments tagged in recordings."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import ACTORS, json_flag
from vfeedback.cli.progress import frame_index
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.timecode import format_time, parse_time

if TYPE_CHECKING:
    from vfeedback.core.frames import FrameIndex
    from vfeedback.core.model import Moment
    from vfeedback.services import Library


def add_moments(sub: Any) -> None:
    mom = sub.add_parser("moments", help="add, list, edit or delete moments")
    mom_sub = mom.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = mom_sub.add_parser("add", help="tag a moment (T: 12.5, 1:02.25, 00:01:02.250 or f1234)")
    c.add_argument("recording", type=int)
    c.add_argument("--start", required=True, metavar="T")
    c.add_argument("--end", metavar="T", help="omit for a point in time")
    _moment_fields(c, code_required=True)
    json_flag(c)
    c = mom_sub.add_parser("list", help="list a recording's moments")
    c.add_argument("recording", type=int)
    json_flag(c)
    c = mom_sub.add_parser("search", help="find moments whose caption contains TEXT")
    c.add_argument("text")
    json_flag(c)
    c = mom_sub.add_parser("edit", help="change a moment")
    c.add_argument("id", type=int)
    c.add_argument("--start", metavar="T")
    c.add_argument("--end", metavar="T")
    _moment_fields(c, code_required=False)
    json_flag(c)
    c = mom_sub.add_parser("delete", help="delete a moment (undo brings it back)")
    c.add_argument("id", type=int)
    json_flag(c)


def _moment_fields(c: argparse.ArgumentParser, *, code_required: bool) -> None:
    c.add_argument("--code", required=code_required, help="code id or name (see `vfeedback schemes`)")
    c.add_argument("--actor", choices=ACTORS)
    c.add_argument("--caption", help="the warm words a parent will see")
    c.add_argument("--note", help="private clinical note: never shown to families")
    c.add_argument("--coder", help="who tagged it (default: your name in the app, or $VFEEDBACK_CODER)")


def moments_add(lib: Library, args: argparse.Namespace) -> int:
    lib.recordings.get(args.recording)
    idx = frame_index(lib, args.recording, quiet=args.json)
    m = lib.moments.add(
        args.recording,
        parse_time(args.start),
        parse_time(args.end) if args.end else None,
        code=args.code,
        actor=args.actor,
        caption=args.caption or "",
        note=args.note or "",
        coder=args.coder,
    )
    return _print_moment(lib, m, idx, args.json, "Added")


def moments_edit(lib: Library, args: argparse.Namespace) -> int:
    current = lib.moments.get(args.id)
    idx = frame_index(lib, current.recording_id, quiet=args.json)
    m = lib.moments.edit(
        args.id,
        start=parse_time(args.start) if args.start else None,
        end=parse_time(args.end) if args.end else None,
        code=args.code,
        actor=args.actor,
        caption=args.caption,
        note=args.note,
        coder=args.coder,
    )
    return _print_moment(lib, m, idx, args.json, "Saved")


def moments_delete(lib: Library, args: argparse.Namespace) -> int:
    m = lib.moments.get(args.id)
    lib.moments.delete(args.id)
    if args.json:
        out.emit_json({"deleted": m.id})
    else:
        print(f"Deleted moment {m.id} at {format_time(m.start_us)}. `vfeedback undo` brings it back.")
    return 0


def moments_list(lib: Library, args: argparse.Namespace) -> int:
    lib.recordings.get(args.recording)
    idx = frame_index(lib, args.recording, quiet=args.json)
    print_moments(lib, lib.moments.all(args.recording), {args.recording: idx}, args.json)
    return 0


def moments_search(lib: Library, args: argparse.Namespace) -> int:
    found = lib.moments.search(args.text)
    indexes = {rid: lib.media.frame_index(rid) for rid in {m.recording_id for m in found}}
    print_moments(lib, found, indexes, args.json)
    return 0


def _print_moment(lib: Library, m: Moment, idx: FrameIndex, as_json: bool, verb: str) -> int:
    code = lib.schemes.code(m.code_id)
    if as_json:
        out.emit_json(out.moment_json(m, code, idx))
    else:
        span = format_time(m.start_us) if m.is_point else f"{format_time(m.start_us)}-{format_time(m.end_us)}"
        print(
            f"{verb} moment {m.id}: {span} (frame {idx.frame_at(m.start_us)}), {code.name}, {m.actor.value}."
        )
    return 0


def print_moments(
    lib: Library, moments: list[Moment], indexes: dict[int, FrameIndex], as_json: bool
) -> None:
    """Moments as JSON (each a **moment**), or as a table; frames from ``indexes`` where given."""
    codes = {c.id: c for s in lib.schemes.all() for c in s.codes}
    if as_json:
        out.emit_json([out.moment_json(m, codes[m.code_id], indexes.get(m.recording_id)) for m in moments])
        return
    if not moments:
        print("No moments.")
        return
    out.table(
        ["ID", "REC", "START", "END", "FRAMES", "CODE", "ACTOR", "CODER", "CAPTION"],
        [
            (
                m.id,
                m.recording_id,
                format_time(m.start_us),
                "" if m.is_point else format_time(m.end_us),
                _frames(indexes.get(m.recording_id), m),
                codes[m.code_id].name,
                m.actor.value,
                m.coder,
                m.caption,
            )
            for m in moments
        ],
    )


def _frames(idx: FrameIndex | None, m: Moment) -> str:
    if idx is None:
        return ""
    a, b = idx.frame_at(m.start_us), idx.frame_at(m.end_us)
    return str(a) if a == b else f"{a}-{b}"


GRAMMAR: dict[str, Grammar] = {"moments": add_moments}
HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("moments", "add"): moments_add,
    ("moments", "edit"): moments_edit,
    ("moments", "delete"): moments_delete,
    ("moments", "list"): moments_list,
    ("moments", "search"): moments_search,
}
