"""``vfeedback suggest RECORDING | accept ID | reject ID`` and ``vfeedback voices RECORDING``: the moments
of vocal turn-taking suggested from a recording's sound, and the vocalisations behind them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import json_flag
from vfeedback.cli.progress import frame_index, progress
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.errors import BadInput
from vfeedback.core.timecode import format_time

if TYPE_CHECKING:
    from vfeedback.services import Library

USAGE = "give a recording id, or accept ID or reject ID"


def add_suggest(sub: Any) -> None:
    c = sub.add_parser(
        "suggest",
        help="suggested moments of turn-taking from the sound (runs or reads the analysis); "
        "accept ID or reject ID decides one",
    )
    c.add_argument("words", nargs="+", metavar="RECORDING | accept ID | reject ID")
    c.add_argument("--code", help="accept: the code to use instead of the proposed one")
    c.add_argument("--caption", help="accept: the caption instead of the draft")
    c.add_argument("--again", action="store_true", help="analyse the sound again")
    json_flag(c)


def add_voices(sub: Any) -> None:
    c = sub.add_parser("voices", help="the vocalisations detected in a recording's sound")
    c.add_argument("recording", type=int)
    json_flag(c)


def _number(text: str) -> int:
    if not text.isdigit():
        raise BadInput(f"'{text}' is not an id: {USAGE}.")
    return int(text)


def suggest(lib: Library, args: argparse.Namespace) -> int:
    words: list[str] = args.words
    if words[0] in ("accept", "reject"):
        if len(words) != 2:
            raise BadInput(f"suggest {words[0]} needs exactly one suggestion id.")
        ident = _number(words[1])
        if words[0] == "reject":
            s = lib.suggestions.reject(ident)
            if args.json:
                out.emit_json(s.to_json())
            else:
                print(f"Rejected suggestion {s.id} at {format_time(s.start_us)}; undo takes it back.")
            return 0
        m = lib.suggestions.accept(ident, code=args.code, caption=args.caption)
        idx = frame_index(lib, m.recording_id, quiet=True)
        code = lib.schemes.code(m.code_id)
        if args.json:
            out.emit_json(out.moment_json(m, code, idx))
        else:
            span = f"{format_time(m.start_us)}-{format_time(m.end_us)} (frame {idx.frame_at(m.start_us)})"
            print(f"Added moment {m.id}: {span}, {code.name}, {m.actor.value}.")
        return 0
    if len(words) != 1:
        raise BadInput(f"suggest takes one recording id: {USAGE}.")
    recording = _number(words[0])
    lib.recordings.get(recording)
    with progress("Listening for turns", enabled=not args.json) as bar:
        found = lib.suggestions.analyse(recording, bar.fraction, again=args.again)
    if args.json:
        out.emit_json([s.to_json() for s in found])
        return 0
    if not found:
        print("No suggested moments in this recording.")
        return 0
    out.table(
        ["ID", "KIND", "START", "END", "LATENCY", "CODE", "STATUS", "EXPLANATION"],
        [
            (
                s.id,
                s.kind.value,
                format_time(s.start_us),
                format_time(s.end_us),
                f"{s.latency_us / 1e6:.1f} s",
                s.code.label if s.code else "",
                s.status,
                s.explanation,
            )
            for s in found
        ],
    )
    return 0


def voices(lib: Library, args: argparse.Namespace) -> int:
    lib.recordings.get(args.recording)
    vocs = lib.suggestions.voices(args.recording)
    if vocs is None:
        with progress("Listening for voices", enabled=not args.json) as bar:
            lib.suggestions.analyse(args.recording, bar.fraction)
        vocs = lib.suggestions.voices(args.recording) or []
    rows = [
        {"actor": v.voice.value, "start_us": v.start_us, "end_us": v.end_us, "f0_hz": v.f0_hz} for v in vocs
    ]
    if args.json:
        out.emit_json(rows)
    elif not rows:
        print("No vocalisations found.")
    else:
        out.table(
            ["ACTOR", "START", "END", "F0 HZ"],
            [
                (r["actor"], format_time(v.start_us), format_time(v.end_us), r["f0_hz"] or "")
                for r, v in zip(rows, vocs, strict=True)
            ],
        )
    return 0


GRAMMAR: dict[str, Grammar] = {"suggest": add_suggest, "voices": add_voices}
HANDLERS: dict[tuple[str, str | None], Handler] = {("suggest", None): suggest, ("voices", None): voices}
