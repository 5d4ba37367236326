"""``vfeedback export clip|still|reel|handout`` (made and kept in the library, optionally copied out)
and ``vfeedback highlights`` (what was made). The kinds for other tools (``export eaf``, ``csv``,
``srt``, ``vtt``, ``otio``) are in ``cmd_elan_boris`` and ``cmd_exchange``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.cli import cmd_elan_boris, cmd_exchange
from vfeedback.cli import output as out
from vfeedback.cli.arguments import copy_out, json_flag, purpose_option
from vfeedback.cli.blur_args import add_blur_arguments, blur_options
from vfeedback.cli.progress import progress
from vfeedback.cli.registry import Grammar, Handler
from vfeedback.core.errors import BadInput
from vfeedback.core.timecode import format_time, parse_time

if TYPE_CHECKING:
    from vfeedback.core.model import Highlight
    from vfeedback.export.options import Layout
    from vfeedback.services import Library


def add_export(sub: Any) -> None:
    exp = sub.add_parser(
        "export", help="clips, stills, reels and handouts into the library; moments to other tools"
    )
    exp_sub = exp.add_subparsers(dest="action", metavar="KIND", required=True)
    c = exp_sub.add_parser("clip", help="a frame-exact clip of each moment, with its caption")
    purpose_option(c)
    c.add_argument("moments", type=int, nargs="+", metavar="MOMENT")
    c.add_argument("--padding", type=float, default=1.0, metavar="S", help="seconds before and after (1)")
    c.add_argument("--captions", choices=["burn", "soft", "both", "none"], default="burn")
    c.add_argument("--slow", action="store_true", help="replay the moment at half speed after it")
    c.add_argument("--freeze", metavar="T:SECONDS", help="hold the frame at T for SECONDS")
    c.add_argument("--max-height", type=int, metavar="N", help="e.g. 1080 or 720")
    c.add_argument("--mute", action="store_true")
    add_layout_arguments(c)
    add_blur_arguments(c)
    copy_out(c, "DIR", "also copy the files to DIR")
    json_flag(c)
    c = exp_sub.add_parser("still", help="the exact frame as a full-size picture, with its caption")
    purpose_option(c)
    c.add_argument("moment", type=int)
    c.add_argument(
        "--at", metavar="T", help="another time inside the recording (default: the moment's start)"
    )
    add_layout_arguments(c)
    copy_out(c, "DIR", "also copy the picture to DIR")
    json_flag(c)
    c = exp_sub.add_parser("reel", help="one film of several moments, with a title card")
    purpose_option(c)
    c.add_argument("moments", type=int, nargs="+", metavar="MOMENT")
    c.add_argument("--title", required=True)
    c.add_argument(
        "--date", dest="date_text", metavar="TEXT", help="as shown on the title card (default: today)"
    )
    copy_out(c, "FILE", "also copy the reel to FILE")
    c.add_argument("--separate", action="store_true", help="also export each moment as its own clip")
    add_layout_arguments(c)
    json_flag(c)
    c = exp_sub.add_parser("handout", help="a printable A4 PDF of a reel's stills and captions")
    purpose_option(c)
    c.add_argument("reel", type=int)
    add_layout_arguments(c)
    copy_out(c, "FILE", "also copy the PDF to FILE", flag="--pdf")
    json_flag(c)
    cmd_elan_boris.add_export_parsers(exp_sub)
    cmd_exchange.add_export_parsers(exp_sub)


def add_layout_arguments(parser: Any) -> None:
    """``--layout``, ``--angle`` and ``--corner``: the session's camera angles in the picture."""
    parser.add_argument(
        "--layout",
        choices=["single", "side-by-side", "pip"],
        default="single",
        help="single (one angle), side-by-side (all angles) or pip (picture in picture)",
    )
    parser.add_argument(
        "--angle",
        type=int,
        metavar="RECORDING",
        help="the angle shown alone, or large in pip; its sound is heard (default: the main recording)",
    )
    parser.add_argument(
        "--corner",
        choices=["top-left", "top-right", "bottom-left", "bottom-right"],
        default="top-right",
        help="where the small picture of pip goes (top-right, clear of the caption)",
    )


def layout_of(args: argparse.Namespace) -> Layout | None:
    """The layout asked for; None when nothing was (the export exactly as before angles existed)."""
    from vfeedback.export.options import Layout

    if args.layout == "single" and args.angle is None:
        return None
    return Layout(args.layout, args.angle, args.corner)


def add_highlights(sub: Any) -> None:
    c = sub.add_parser("highlights", help="list exported clips, stills, reels and handouts")
    c.add_argument("--family", metavar="CODE")
    c.add_argument("--search", metavar="TEXT", help="only those whose caption contains TEXT")
    json_flag(c)


def export_clip(lib: Library, args: argparse.Namespace) -> int:
    from vfeedback.export.options import ClipOptions, Layout

    folder = lib.files.folder(args.out) if args.out else None  # before any work
    freeze_at, freeze_s = _freeze(args.freeze) if args.freeze else (None, 0.0)
    hiding: dict[str, Any] = dict(blur_options(args))
    made = []
    for moment_id in args.moments:
        lib.moments.get(moment_id)
        options = ClipOptions(
            padding_us=round(args.padding * 1_000_000),
            captions=args.captions,
            slow_replay=args.slow,
            freeze_at_us=_freeze_time(lib, moment_id, freeze_at),
            freeze_s=freeze_s,
            max_height=args.max_height,
            mute=args.mute,
            layout=layout_of(args) or Layout(),
            **hiding,
        )
        with progress(f"Exporting moment {moment_id}", enabled=not args.json) as bar:
            made.append(lib.exports.clip(moment_id, options, progress=bar.fraction, purpose=args.purpose))
    _deliver(lib, made, folder, args.json)
    return 0


def export_still(lib: Library, args: argparse.Namespace) -> int:
    folder = lib.files.folder(args.out) if args.out else None
    moment = lib.moments.get(args.moment)
    at = None
    if args.at:
        at, _ = lib.media.frame_index(moment.recording_id).resolve(parse_time(args.at))
    made = lib.exports.still(args.moment, at, purpose=args.purpose, layout=layout_of(args))
    _deliver(lib, [made], folder, args.json)
    return 0


def export_reel(lib: Library, args: argparse.Namespace) -> int:
    if args.out:
        lib.files.destination(args.out, default_name="reel.mp4")  # refused before anything is made
    with progress("Exporting the reel", enabled=not args.json) as bar:
        reel, made = lib.exports.new_reel(
            args.title, args.moments, args.date_text, progress=bar.fraction, purpose=args.purpose,
            layout=layout_of(args),
        )  # fmt: skip
    _deliver(lib, [made], _file_for(lib, args.out, made), args.json)
    if args.separate:
        # The same moments as separate clips (stored, reusable, listed by `highlights`).
        separate = [lib.exports.clip(moment_id, purpose=args.purpose) for moment_id in reel.moment_ids]
        if not args.json:
            for h in separate:
                print(f"Clip {h.id}: {lib.exports.path(h)}")
    return 0


def export_handout(lib: Library, args: argparse.Namespace) -> int:
    if args.pdf:
        lib.files.destination(args.pdf, default_name="handout.pdf")
    with progress("Making the handout", enabled=not args.json) as bar:
        made = lib.exports.handout(
            args.reel, progress=bar.fraction, purpose=args.purpose, layout=layout_of(args)
        )
    _deliver(lib, [made], _file_for(lib, args.pdf, made), args.json)
    return 0


def highlights(lib: Library, args: argparse.Namespace) -> int:
    found = lib.exports.all(args.family, text=args.search)
    if args.json:
        out.emit_json([out.highlight_json(h, lib.exports.path(h)) for h in found])
    elif not found:
        print("Nothing exported yet. Try: vfeedback export clip MOMENT")
    else:
        out.table(
            ["ID", "KIND", "DURATION", "SIZE", "MOMENTS", "CAPTION", "FILE"],
            [
                (
                    h.id,
                    h.kind.value,
                    format_time(h.duration_us) if h.duration_us else "",
                    f"{h.width}x{h.height}",
                    ",".join(map(str, h.moment_ids)),
                    h.caption,
                    Path(h.path).name,
                )
                for h in found
            ],
        )
    return 0


def _file_for(lib: Library, out: str | None, made: Highlight) -> Path | None:
    """Where ``--out FILE`` (or a folder, which gets the export's own name) puts one export."""
    return lib.files.destination(out, default_name=lib.exports.path(made).name) if out else None


def _deliver(lib: Library, made: list[Highlight], out_to: Path | None, as_json: bool) -> None:
    """Print what was made; with ``--out``, also copy it outside the library (``out_to`` is the folder
    for several exports, or the file for one reel or handout, already checked)."""
    copies = {}
    if out_to is not None:
        for h in made:
            target = out_to / lib.exports.path(h).name if out_to.is_dir() else out_to
            copies[h.id] = lib.exports.deliver(h, target)
    if as_json:
        data = [out.highlight_json(h, lib.exports.path(h), copies.get(h.id)) for h in made]
        out.emit_json(data[0] if len(data) == 1 else data)
        return
    for h in made:
        extra = f" (copied to {copies[h.id]})" if h.id in copies else ""
        print(f"{h.kind.value.capitalize()} {h.id}: {lib.exports.path(h)}{extra}")
        for note in h.notes:
            print(f"  {note}")


def _freeze(text: str) -> tuple[str, float]:
    at, sep, seconds = text.rpartition(":")
    try:
        value = float(seconds)
    except ValueError:
        value = -1.0
    if not sep or value <= 0 or value > 30:
        raise BadInput(f"'{text}' is not a freeze: use T:SECONDS, e.g. 0:03.2:2 (hold 00:00:03.200 for 2 s).")
    return at, value


def _freeze_time(lib: Library, moment_id: int, text: str | None) -> int | None:
    if text is None:
        return None
    moment = lib.moments.get(moment_id)
    us, _ = lib.media.frame_index(moment.recording_id).resolve(parse_time(text))
    return us


GRAMMAR: dict[str, Grammar] = {"export": add_export, "highlights": add_highlights}
HANDLERS: dict[tuple[str, str | None], Handler] = {
    ("export", "clip"): export_clip,
    ("export", "still"): export_still,
    ("export", "reel"): export_reel,
    ("export", "handout"): export_handout,
    ("export", "eaf"): cmd_elan_boris.export_eaf,
    **cmd_exchange.HANDLERS,
    ("highlights", None): highlights,
}
