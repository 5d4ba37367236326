"""``vfeedback export csv|srt|vtt RECORDING --out FILE`` and ``vfeedback export otio REEL --out FILE``.

Moments out to a spreadsheet, subtitles or a video editor's timeline. ``csv`` writes TSV when asked
(``--tsv``) or when FILE ends in ``.tsv``/``.tab``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.cli import output as out
from vfeedback.cli.cmd_elan_boris import beside_sentence, link_original_flag, place_beside

if TYPE_CHECKING:
    from vfeedback.services import Library

Handler = Callable[["Library", argparse.Namespace], int]


def add_export_parsers(exp_sub: Any) -> None:
    """Add the interchange kinds to ``vfeedback export`` (``exp_sub``: its sub-parsers)."""
    c = exp_sub.add_parser("csv", help="a recording's moments as a spreadsheet (CSV, or TSV)")
    c.add_argument("recording", type=int)
    _out(c, "FILE", "the spreadsheet to write (.csv, or .tsv for tab-separated)")
    c.add_argument("--tsv", action="store_true", help="tab-separated, whatever FILE is called")
    c.add_argument(
        "--notes", action="store_true", help="include the private clinical notes (never for families)"
    )
    _json(c)
    for kind, name in (("srt", "SubRip"), ("vtt", "WebVTT")):
        c = exp_sub.add_parser(kind, help=f"a recording's captions as {name} subtitles")
        c.add_argument("recording", type=int)
        _out(c, "FILE", f"the .{kind} file to write")
        _json(c)
    c = exp_sub.add_parser("otio", help="a reel as an OpenTimelineIO timeline for a video editor")
    c.add_argument("reel", type=int)
    _out(c, "FILE", "the .otio file to write")
    link_original_flag(c)
    _json(c)


def _out(c: argparse.ArgumentParser, metavar: str, text: str) -> None:
    c.add_argument("--out", required=True, metavar=metavar, type=Path, help=text)


def _json(c: argparse.ArgumentParser) -> None:
    from vfeedback.cli.parser import PURPOSES

    c.add_argument(
        "--purpose", choices=PURPOSES, default="feedback", help="what the export is for (needs that consent)"
    )
    c.add_argument("--json", action="store_true", help='print {"path", "moments"} as JSON')


def _report(args: argparse.Namespace, path: Path, moments: int, sentence: str) -> int:
    """``sentence`` has ``{n}`` for "1 moment" / "3 moments" and ``{path}``."""
    if args.json:
        out.emit_json({"path": str(path), "moments": moments})
    else:
        n = f"{moments} moment" if moments == 1 else f"{moments} moments"
        print(sentence.format(n=n, path=path))
    return 0


def export_csv(lib: Library, args: argparse.Namespace) -> int:
    path = lib.export_table(
        args.recording,
        args.out,
        include_notes=args.notes,
        dialect="tsv" if args.tsv else None,
        purpose=args.purpose,
    )
    notes = " with their private notes" if args.notes else ""
    return _report(args, path, len(lib.moments(args.recording)), "Wrote {n}" + notes + " to {path}.")


def _subtitles(fmt: str) -> Handler:
    def handler(lib: Library, args: argparse.Namespace) -> int:
        from vfeedback.interchange.subtitles import captioned

        path = lib.export_subtitles(
            args.recording, args.out, "srt" if fmt == "srt" else "vtt", purpose=args.purpose
        )
        count = len(captioned(lib.moments(args.recording)))
        return _report(args, path, count, "Wrote the captions of {n} to {path}.")

    return handler


def export_otio(lib: Library, args: argparse.Namespace) -> int:
    link_original = bool(args.link_original)
    path = lib.export_otio(args.reel, args.out, purpose=args.purpose, link_original=link_original)
    reel = lib.reel(args.reel)
    recordings = dict.fromkeys(lib.moment(i).recording_id for i in reel.moment_ids)
    beside = [b for rid in recordings if (b := place_beside(lib.recording(rid), link_original))]
    if args.json:
        out.emit_json({"path": str(path), "moments": len(reel.moment_ids), "place_beside": beside})
        return 0
    _report(args, path, len(reel.moment_ids), "Wrote a timeline of {n} to {path}.")
    if beside:
        print(beside_sentence(beside, "the video editor"))
    return 0


HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("export", "csv"): export_csv,
    ("export", "srt"): _subtitles("srt"),
    ("export", "vtt"): _subtitles("vtt"),
    ("export", "otio"): export_otio,
}
