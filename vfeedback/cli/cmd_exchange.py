"""``vfeedback export csv|srt|vtt RECORDING --out FILE`` and ``vfeedback export otio REEL --out FILE``.

Moments out to a spreadsheet, subtitles or a video editor's timeline. ``csv`` writes TSV when asked
(``--tsv``) or when FILE ends in ``.tsv``/``.tab``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.arguments import json_flag, link_original_flag, purpose_option, write_out
from vfeedback.cli.registry import Handler

if TYPE_CHECKING:
    from vfeedback.services import Library
    from vfeedback.services.interchange import Written

JSON_HELP = 'print {"path", "moments"} as JSON'


def add_export_parsers(exp_sub: Any) -> None:
    """Add the interchange kinds to ``vfeedback export`` (``exp_sub``: its sub-parsers)."""
    c = exp_sub.add_parser("csv", help="a recording's moments as a spreadsheet (CSV, or TSV)")
    c.add_argument("recording", type=int)
    write_out(c, "the spreadsheet to write (.csv, or .tsv for tab-separated)")
    c.add_argument("--tsv", action="store_true", help="tab-separated, whatever FILE is called")
    c.add_argument(
        "--notes", action="store_true", help="include the private clinical notes (never for families)"
    )
    _purpose_and_json(c)
    for kind, name in (("srt", "SubRip"), ("vtt", "WebVTT")):
        c = exp_sub.add_parser(kind, help=f"a recording's captions as {name} subtitles")
        c.add_argument("recording", type=int)
        write_out(c, f"the .{kind} file to write")
        _purpose_and_json(c)
    c = exp_sub.add_parser("otio", help="a reel as an OpenTimelineIO timeline for a video editor")
    c.add_argument("reel", type=int)
    write_out(c, "the .otio file to write")
    link_original_flag(c)
    _purpose_and_json(c)


def _purpose_and_json(c: argparse.ArgumentParser) -> None:
    purpose_option(c)
    json_flag(c, JSON_HELP)


def _report(args: argparse.Namespace, done: Written, sentence: str) -> int:
    """``sentence`` has ``{n}`` for "1 moment" / "3 moments" and ``{path}``."""
    if args.json:
        out.emit_json({"path": str(done.path), "moments": done.moments})
    else:
        n = f"{done.moments} moment" if done.moments == 1 else f"{done.moments} moments"
        print(sentence.format(n=n, path=done.path))
    return 0


def export_csv(lib: Library, args: argparse.Namespace) -> int:
    done = lib.interchange.export_table(
        args.recording,
        args.out,
        include_notes=args.notes,
        dialect="tsv" if args.tsv else None,
        purpose=args.purpose,
    )
    notes = " with their private notes" if done.notes else ""
    return _report(args, done, "Wrote {n}" + notes + " to {path}.")


def _subtitles(fmt: str) -> Handler:
    def handler(lib: Library, args: argparse.Namespace) -> int:
        done = lib.interchange.export_subtitles(
            args.recording, args.out, "srt" if fmt == "srt" else "vtt", purpose=args.purpose
        )
        return _report(args, done, "Wrote the captions of {n} to {path}.")

    return handler


def export_otio(lib: Library, args: argparse.Namespace) -> int:
    done = lib.interchange.export_otio(
        args.reel, args.out, purpose=args.purpose, link_original=bool(args.link_original)
    )
    beside = list(done.place_beside)
    if args.json:
        out.emit_json({"path": str(done.path), "moments": done.moments, "place_beside": beside})
        return 0
    _report(args, done, "Wrote a timeline of {n} to {path}.")
    if beside:
        print(out.beside_sentence(beside, "the video editor"))
    return 0


HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("export", "csv"): export_csv,
    ("export", "srt"): _subtitles("srt"),
    ("export", "vtt"): _subtitles("vtt"),
    ("export", "otio"): export_otio,
}
