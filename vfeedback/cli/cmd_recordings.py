"""Recordings and their media: ``open``, ``probe``, ``import``, ``recordings``, ``index`` and ``relink``.

``import`` also brings moments in from ELAN and BORIS (``import eaf|boris FILE``): one command, whose
grammar is here and whose moment handlers are in ``cmd_elan_boris``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.cli import cmd_elan_boris
from vfeedback.cli import output as out
from vfeedback.cli.arguments import given_date, json_flag, whole_number
from vfeedback.cli.progress import frame_index, progress
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.timecode import format_time

if TYPE_CHECKING:
    from vfeedback.services import Library

MOMENT_SOURCES = ("eaf", "boris")
IMPORT_USAGE = """vfeedback import FILE --family CODE [--recorded D] [--context TEXT] [--title TEXT]
                              [--reference] [--json]
       vfeedback import eaf FILE --recording ID [--map TIER=ACTOR[:CODER]]... [--again] [--json]
       vfeedback import boris FILE --recording ID [--map BEHAVIOUR=CODE]... [--observation ID] [--again]
                              [--json]"""


def add_open(sub: Any) -> None:
    c = sub.add_parser("open", help="open a video file or a recording in the app, ready to play")
    c.add_argument("target", metavar="FILE|RECORDING")
    c.add_argument(
        "--family",
        metavar="CODE",
        help='import into this family, made if it is new (default: "Unfiled")',
    )


def add_probe(sub: Any) -> None:
    c = sub.add_parser("probe", help="show what a video file holds")
    c.add_argument("file")
    json_flag(c)


def add_import(sub: Any) -> None:
    c = sub.add_parser(
        "import",
        help="import a recording into a family, or moments from ELAN or BORIS",
        usage=IMPORT_USAGE,
    )
    c.add_argument("items", nargs="+", metavar="[eaf|boris] FILE")
    c.add_argument("--family", metavar="CODE", help="the family a recording belongs to")
    c.add_argument("--recorded", metavar="YYYY-MM-DD", help="when it was filmed")
    c.add_argument("--context", metavar="TEXT", help='e.g. "free play", "feeding", "bath"')
    c.add_argument("--title", metavar="TEXT", help='your own name for the recording, e.g. "Bath time"')
    c.add_argument(
        "--reference",
        action="store_true",
        help="leave the file where it is instead of copying it into the library",
    )
    c.add_argument("--recording", type=int, metavar="ID", help="the recording moments are imported into")
    c.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FROM=TO",
        help="ELAN: TIER=ACTOR[:CODER]; BORIS: BEHAVIOUR=CODE (repeat for each)",
    )
    c.add_argument("--observation", metavar="ID", help="BORIS: which observation of the project")
    c.add_argument(
        "--again", action="store_true", help="ELAN/BORIS: import a file already imported into the recording"
    )
    json_flag(c)
    c.set_defaults(settle=lambda args: _settle_import(c, args))


def _settle_import(c: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """What argparse cannot express: a recording file, or a kind of moments file and the file, each
    with only its own options."""
    items: list[str] = args.items
    if len(items) == 2 and items[0] in MOMENT_SOURCES:
        args.action, args.file = items
        if args.recording is None:
            c.error(f"say which recording the moments go into: import {items[0]} FILE --recording ID")
        if args.family or args.recorded or args.context or args.title or args.reference:
            c.error("--family, --recorded, --context, --title and --reference are for importing a recording")
    elif len(items) == 1:
        args.action, args.file = None, items[0]
        if not args.family:
            c.error("say which family the recording belongs to: --family CODE")
        if args.recording is not None or args.map or args.observation or args.again:
            c.error(
                "--recording, --map, --observation and --again are for importing moments (import eaf|boris)"
            )
    else:
        c.error("import one file: FILE --family CODE, or eaf FILE / boris FILE --recording ID")


def add_recordings(sub: Any) -> None:
    c = sub.add_parser("recordings", help="list recordings")
    c.add_argument("--family", metavar="CODE")
    json_flag(c)


def add_index(sub: Any) -> None:
    c = sub.add_parser("index", help="build (or show) a recording's frame index")
    c.add_argument("recording", type=int)
    json_flag(c)


def add_relink(sub: Any) -> None:
    c = sub.add_parser("relink", help="find moved referenced recordings in a folder, by content")
    c.add_argument("folder")
    json_flag(c)


def probe(args: argparse.Namespace) -> int:
    """Needs no library: runs before one is opened."""
    from vfeedback.media.probe import probe as probe_file

    info = probe_file(Path(args.file))
    data = out.media_json(info)
    if args.json:
        out.emit_json(data)
    else:
        for key, value in data.items():
            if key != "tags":
                print(f"{key:20} {value}")
    return 0


def recording_to_open(args: argparse.Namespace) -> int:
    """``open FILE`` imports (or finds) the file, ``open RECORDING`` checks the id; the caller then
    starts the window on it. Problems are reported on the terminal, before any window opens."""
    from vfeedback.services import Library

    target = Path(args.target).expanduser()
    with Library.open(args.library) as lib:
        if args.target.isdigit() and not target.exists():
            return lib.recordings.get(whole_number(args.target)).id
        with progress(f"Importing {target.name}", enabled=True, unit="B") as bar:
            return lib.recordings.open_file(target, args.family, progress=bar.bytes).id


def import_(lib: Library, args: argparse.Namespace) -> int:
    recorded = given_date(args.recorded) if args.recorded else None
    path = Path(args.file)
    with progress(f"Importing {path.name}", enabled=not args.json, unit="B") as bar:
        rec = lib.recordings.import_file(
            path,
            args.family,
            recorded_on=recorded,
            context=args.context,
            title=args.title,
            reference=args.reference,
            progress=bar.bytes,
        )
    if args.json:
        out.emit_json(out.recording_json(rec, lib.recordings.path(rec)))
    else:
        how = "referenced" if args.reference else "copied into the library"
        print(f"Imported {path.name} as recording {rec.id} of family {rec.family_code} ({how}).")
    return 0


def recordings(lib: Library, args: argparse.Namespace) -> int:
    recs = lib.recordings.all(args.family)
    if args.json:
        out.emit_json([out.recording_json(r, lib.recordings.path(r)) for r in recs])
    elif not recs:
        print("No recordings yet. Import one with: vfeedback import FILE --family CODE")
    else:
        out.table(
            ["ID", "FAMILY", "RECORDED", "DURATION", "SIZE", "CONTEXT", "FILE"],
            [
                (
                    r.id,
                    r.family_code,
                    r.recorded_on,
                    format_time(r.media.duration_us),
                    f"{r.media.display_width}x{r.media.display_height}",
                    r.context,
                    r.original_name,
                )
                for r in recs
            ],
        )
    return 0


def index(lib: Library, args: argparse.Namespace) -> int:
    idx = frame_index(lib, args.recording, quiet=args.json)
    rec = lib.recordings.get(args.recording)
    data = {
        "recording_id": rec.id,
        "frame_count": len(idx),
        "duration_us": idx.duration_us,
        "variable_frame_rate": idx.is_variable_rate(),
        "first_frames_us": list(idx.times[:10]),
    }
    if args.json:
        out.emit_json(data)
    else:
        rate = "variable" if data["variable_frame_rate"] else "constant"
        print(f"Recording {rec.id}: {len(idx)} frames, {format_time(idx.duration_us)}, {rate} frame rate.")
    return 0


def relink(lib: Library, args: argparse.Namespace) -> int:
    with progress("Looking for moved files", enabled=not args.json, unit="B") as bar:
        found = lib.recordings.relink(Path(args.folder), progress=bar.bytes)
    if args.json:
        out.emit_json([out.recording_json(r, p) for r, p in found])
    elif not found:
        print("No missing recording was found in that folder.")
    else:
        for rec, path in found:
            print(f"Recording {rec.id} ({rec.original_name}) now points to {path}.")
    return 0


GRAMMAR: dict[str, Grammar] = {
    "open": add_open,
    "probe": add_probe,
    "import": add_import,
    "recordings": add_recordings,
    "index": add_index,
    "relink": add_relink,
}
HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("import", None): import_,
    ("import", "eaf"): cmd_elan_boris.import_eaf,
    ("import", "boris"): cmd_elan_boris.import_boris,
    ("recordings", None): recordings,
    ("index", None): index,
    ("relink", None): relink,
}
"""``open`` and ``probe`` run before any library is opened (``main.run``)."""
