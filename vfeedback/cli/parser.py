"""The command line's grammar (argparse). Handlers live in ``commands``."""

from __future__ import annotations

import argparse
import re
from typing import Any, NoReturn

from vfeedback import __version__
from vfeedback.cli.blur_args import add_blur_arguments
from vfeedback.core.errors import BadInput, VfeedbackError
from vfeedback.core.text import excerpt, terminal
from vfeedback.core.timecode import checked_seconds

ACTORS = ("parent", "infant", "clinician")
PURPOSES = ("feedback", "supervision", "training", "research")
MOMENT_SOURCES = ("eaf", "boris")
IMPORT_USAGE = """vfeedback import FILE --family CODE [--recorded D] [--context TEXT] [--reference] [--json]
       vfeedback import eaf FILE --recording ID [--map TIER=ACTOR[:CODER]]... [--again] [--json]
       vfeedback import boris FILE --recording ID [--map BEHAVIOUR=CODE]... [--observation ID] [--again]
                              [--json]"""


LARGEST = 2**63 - 1
"""The largest id or count anything in a library can have (a 64-bit integer, as SQL stores it)."""
_WHOLE = re.compile(r"[+-]?[0-9]{1,30}")


def whole_number(text: str) -> int:
    """Every ``int`` argument (ids, counts): plain digits; one beyond 64 bits is bad input (exit 3)
    rather than an overflow deep in the database."""
    raw = text.strip()
    if not _WHOLE.fullmatch(raw):
        raise argparse.ArgumentTypeError(f"'{excerpt(text)}' is not a whole number")
    value = int(raw)
    if abs(value) > LARGEST:
        raise BadInput(f"{excerpt(raw)} is too large: ids and numbers in vfeedback go up to {LARGEST}.")
    return value


def seconds(text: str) -> float:
    """Every ``float`` argument (a padding, a slice, a tolerance: all seconds): a finite number of
    seconds within ``timecode.MAX_SECONDS``; NaN, infinities and 1e308 are bad input (exit 3)."""
    try:
        float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{excerpt(text)}' is not a number of seconds") from None
    try:
        return checked_seconds(text)
    except ValueError as exc:
        raise BadInput(f"'{excerpt(text.strip())}' is not a usable number of seconds: it is {exc}.") from None


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``vfeedback: <reason> (see ... --help)``, status 2),
    and every ``int`` and ``float`` argument goes through one checker (``whole_number``,
    ``seconds``), however a command module declares it."""

    import_parser: Parser | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("type", int, whole_number)
        self.register("type", float, seconds)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"vfeedback: {terminal(message)} (see `{self.prog} --help`)\n")


def build() -> Parser:
    p = Parser(
        prog="vfeedback",
        description="Video feedback for parent-infant work. With no command, opens the app.",
    )
    p.add_argument(
        "--library",
        metavar="PATH|URL",
        help="library folder or database URL (default: $VFEEDBACK_LIBRARY, else your user data folder)",
    )
    p.add_argument("--version", action="version", version=f"vfeedback {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    c = sub.add_parser("open", help="open a video file or a recording in the app, ready to play")
    c.add_argument("target", metavar="FILE|RECORDING")
    c.add_argument("--family", metavar="CODE", help='import into this family (default: "Unfiled")')

    c = sub.add_parser("probe", help="show what a video file holds")
    c.add_argument("file")
    _json(c)

    fam = sub.add_parser("family", help="add or edit a family")
    fam_sub = fam.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    c = fam_sub.add_parser("add", help="add a family by its pseudonymous case code")
    c.add_argument("code")
    c.add_argument("--label", help="a private label (never use real names in case codes)")
    _json(c)
    c = fam_sub.add_parser("edit", help="change a family's case code or label")
    c.add_argument("family")
    c.add_argument("--code", dest="new_code")
    c.add_argument("--label")
    _json(c)

    c = sub.add_parser("families", help="list families")
    _json(c)

    c = sub.add_parser(
        "import",
        help="import a recording into a family, or moments from ELAN or BORIS",
        usage=IMPORT_USAGE,
    )
    p.import_parser = c
    c.add_argument("items", nargs="+", metavar="[eaf|boris] FILE")
    c.add_argument("--family", metavar="CODE", help="the family a recording belongs to")
    c.add_argument("--recorded", metavar="YYYY-MM-DD", help="when it was filmed")
    c.add_argument("--context", metavar="TEXT", help='e.g. "free play", "feeding", "bath"')
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
    _json(c)

    c = sub.add_parser("recordings", help="list recordings")
    c.add_argument("--family", metavar="CODE")
    _json(c)

    c = sub.add_parser("index", help="build (or show) a recording's frame index")
    c.add_argument("recording", type=int)
    _json(c)

    c = sub.add_parser("relink", help="find moved referenced recordings in a folder, by content")
    c.add_argument("folder")
    _json(c)

    mom = sub.add_parser("moments", help="add, list, edit or delete moments")
    mom_sub = mom.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    c = mom_sub.add_parser("add", help="tag a moment (T: 12.5, 1:02.25, 00:01:02.250 or f1234)")
    c.add_argument("recording", type=int)
    c.add_argument("--start", required=True, metavar="T")
    c.add_argument("--end", metavar="T", help="omit for a point in time")
    _moment_fields(c, code_required=True)
    _json(c)
    c = mom_sub.add_parser("list", help="list a recording's moments")
    c.add_argument("recording", type=int)
    _json(c)
    c = mom_sub.add_parser("search", help="find moments whose caption contains TEXT")
    c.add_argument("text")
    _json(c)
    c = mom_sub.add_parser("edit", help="change a moment")
    c.add_argument("id", type=int)
    c.add_argument("--start", metavar="T")
    c.add_argument("--end", metavar="T")
    _moment_fields(c, code_required=False)
    _json(c)
    c = mom_sub.add_parser("delete", help="delete a moment (undo brings it back)")
    c.add_argument("id", type=int)
    _json(c)

    c = sub.add_parser("consent", help="a family's consent register; give or withdraw a purpose")
    c.add_argument("family", metavar="CODE")
    act = c.add_mutually_exclusive_group()
    act.add_argument("--give", metavar="PURPOSE", choices=PURPOSES)
    act.add_argument("--withdraw", metavar="PURPOSE", choices=PURPOSES)
    c.add_argument("--by", metavar="NAME", help="who recorded it")
    c.add_argument("--date", metavar="YYYY-MM-DD", help="when it was given or withdrawn (default: today)")
    _json(c)

    c = sub.add_parser("audit", help="who did what: imports, exports, reviews, deletions, consent")
    c.add_argument("--family", metavar="CODE")
    c.add_argument("--csv", metavar="FILE", help="write the record to FILE as CSV")
    _json(c)

    c = sub.add_parser("retention", help="a family's closure date and retention rule")
    c.add_argument("family", metavar="CODE")
    c.add_argument("--closed", metavar="YYYY-MM-DD", help="the day the case closed")
    c.add_argument("--reopen", action="store_true", help="the case is open again (takes the closure back)")
    rule = c.add_mutually_exclusive_group()
    rule.add_argument(
        "--rule", metavar="TEXT", help="'delete N months after closure' or 'keep until YYYY-MM-DD'"
    )
    rule.add_argument("--no-rule", action="store_true", help="remove the retention rule (undoable)")
    _json(c)
    c = sub.add_parser("due", help="families whose recordings are due for deletion")
    _json(c)

    dele = sub.add_parser("delete", help="delete a family or a recording for good (not undoable)")
    dele_sub = dele.add_subparsers(dest="action", metavar="WHAT", required=True, parser_class=Parser)
    c = dele_sub.add_parser("family", help="the family and everything of it, leaving only the audit record")
    c.add_argument("family", metavar="CODE")
    c.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    _json(c)
    c = dele_sub.add_parser("recording", help="the recording and everything made from it")
    c.add_argument("recording", type=int)
    c.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    _json(c)

    exp = sub.add_parser(
        "export", help="clips, stills, reels and handouts into the library; moments to other tools"
    )
    exp_sub = exp.add_subparsers(dest="action", metavar="KIND", required=True, parser_class=Parser)
    c = exp_sub.add_parser("clip", help="a frame-exact clip of each moment, with its caption")
    c.add_argument(
        "--purpose", choices=PURPOSES, default="feedback", help="what the export is for (needs that consent)"
    )
    c.add_argument("moments", type=int, nargs="+", metavar="MOMENT")
    c.add_argument("--padding", type=float, default=1.0, metavar="S", help="seconds before and after (1)")
    c.add_argument("--captions", choices=["burn", "soft", "both", "none"], default="burn")
    c.add_argument("--slow", action="store_true", help="replay the moment at half speed after it")
    c.add_argument("--freeze", metavar="T:SECONDS", help="hold the frame at T for SECONDS")
    c.add_argument("--max-height", type=int, metavar="N", help="e.g. 1080 or 720")
    c.add_argument("--mute", action="store_true")
    add_blur_arguments(c)
    c.add_argument("--out", metavar="DIR", help="also copy the files to DIR")
    _json(c)
    c = exp_sub.add_parser("still", help="the exact frame as a full-size picture, with its caption")
    c.add_argument(
        "--purpose", choices=PURPOSES, default="feedback", help="what the export is for (needs that consent)"
    )
    c.add_argument("moment", type=int)
    c.add_argument(
        "--at", metavar="T", help="another time inside the recording (default: the moment's start)"
    )
    c.add_argument("--out", metavar="DIR", help="also copy the picture to DIR")
    _json(c)
    c = exp_sub.add_parser("reel", help="one film of several moments, with a title card")
    c.add_argument(
        "--purpose", choices=PURPOSES, default="feedback", help="what the export is for (needs that consent)"
    )
    c.add_argument("moments", type=int, nargs="+", metavar="MOMENT")
    c.add_argument("--title", required=True)
    c.add_argument(
        "--date", dest="date_text", metavar="TEXT", help="as shown on the title card (default: today)"
    )
    c.add_argument("--out", metavar="FILE", help="also copy the reel to FILE")
    c.add_argument("--separate", action="store_true", help="also export each moment as its own clip")
    _json(c)
    c = exp_sub.add_parser("handout", help="a printable A4 PDF of a reel's stills and captions")
    c.add_argument(
        "--purpose", choices=PURPOSES, default="feedback", help="what the export is for (needs that consent)"
    )
    c.add_argument("reel", type=int)
    c.add_argument("--pdf", metavar="FILE", help="also copy the PDF to FILE")
    _json(c)

    c = sub.add_parser("highlights", help="list exported clips, stills, reels and handouts")
    c.add_argument("--family", metavar="CODE")
    c.add_argument("--search", metavar="TEXT", help="only those whose caption contains TEXT")
    _json(c)

    c = sub.add_parser("schemes", help="list coding schemes and their codes, or import one")
    c.add_argument("action", nargs="?", choices=["import"], help="import a scheme from FILE")
    c.add_argument("file", nargs="?")
    _json(c)

    for name, text in (("undo", "undo your own last change"), ("redo", "redo your own last undone change")):
        c = sub.add_parser(name, help=text)
        _json(c)

    c = sub.add_parser(
        "check", help="check the database, the audit record and every file (--deep: hash whole files)"
    )
    c.add_argument("--deep", action="store_true", help="hash every recording and export whole (slow)")
    c.add_argument("--repair", action="store_true", help="remove files in the library that nothing owns")
    _json(c)

    from vfeedback.cli import registry  # its modules use this one's helpers

    registry.add_parsers(sub, exp_sub)
    return p


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse, then settle what argparse cannot express: ``import`` takes a recording file, or a kind of
    moments file (eaf, boris) and the file."""
    p = build()
    try:
        args = p.parse_args(argv)
    except VfeedbackError as exc:  # a number beyond what any library can hold (see whole_number)
        from vfeedback.cli.main import fail

        raise SystemExit(fail(str(exc), exc.exit_status)) from None
    if args.command == "import":
        _settle_import(p, args)
    return args


def _settle_import(p: Parser, args: argparse.Namespace) -> None:
    sub = p.import_parser or p
    items: list[str] = args.items
    if len(items) == 2 and items[0] in MOMENT_SOURCES:
        args.action, args.file = items
        if args.recording is None:
            sub.error(f"say which recording the moments go into: import {items[0]} FILE --recording ID")
        if args.family or args.recorded or args.context or args.reference:
            sub.error("--family, --recorded, --context and --reference are for importing a recording")
    elif len(items) == 1:
        args.action, args.file = None, items[0]
        if not args.family:
            sub.error("say which family the recording belongs to: --family CODE")
        if args.recording is not None or args.map or args.observation or args.again:
            sub.error(
                "--recording, --map, --observation and --again are for importing moments (import eaf|boris)"
            )
    else:
        sub.error("import one file: FILE --family CODE, or eaf FILE / boris FILE --recording ID")


def _json(c: argparse.ArgumentParser) -> None:
    c.add_argument("--json", action="store_true", help="print JSON (stable keys; see README)")


def _moment_fields(c: argparse.ArgumentParser, *, code_required: bool) -> None:
    c.add_argument("--code", required=code_required, help="code id or name (see `vfeedback schemes`)")
    c.add_argument("--actor", choices=ACTORS)
    c.add_argument("--caption", help="the warm words a parent will see")
    c.add_argument("--note", help="private clinical note: never shown to families")
    c.add_argument("--coder", help="who tagged it (default: $VFEEDBACK_CODER or your login)")
