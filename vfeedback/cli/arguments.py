"""What several commands share, declared once: the checkers every number goes through, ``--json``,
``--purpose`` (from the ``Purpose`` enum), the ``--out`` destinations, ``--link-original``, and
the dates typed into options."""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path

from vfeedback.core.errors import BadInput
from vfeedback.core.model import Actor, Purpose
from vfeedback.core.text import excerpt
from vfeedback.core.timecode import checked_seconds

ACTORS = tuple(a.value for a in Actor)
PURPOSES = tuple(p.value for p in Purpose)
JSON_HELP = "print JSON (stable keys; see README)"

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


def given_date(text: str) -> date:
    """A date typed into an option (``--recorded``, ``--date``, ``--closed``). Read by the handler, not
    by argparse, so a bad date is bad input (exit 3) in the command's own order of checks."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"'{text}' is not a date: use YYYY-MM-DD, e.g. 2026-03-14.") from None


def json_flag(c: argparse.ArgumentParser, text: str = JSON_HELP) -> None:
    c.add_argument("--json", action="store_true", help=text)


def purpose_option(c: argparse.ArgumentParser) -> None:
    """``--purpose``: what an export is for; the family must have given consent for it."""
    c.add_argument(
        "--purpose",
        choices=PURPOSES,
        default=Purpose.FEEDBACK.value,
        help="what the export is for (needs that consent)",
    )


def copy_out(c: argparse.ArgumentParser, metavar: str, text: str, flag: str = "--out") -> None:
    """``--out`` (or ``--pdf``): also copy what was made in the library to a folder or file outside it."""
    c.add_argument(flag, metavar=metavar, help=text)


def write_out(c: argparse.ArgumentParser, text: str) -> None:
    """``--out FILE``: where a file made only for another tool is written (it is not kept in the library)."""
    c.add_argument("--out", required=True, metavar="FILE", type=Path, help=text)


def link_original_flag(c: argparse.ArgumentParser) -> None:
    c.add_argument(
        "--link-original",
        action="store_true",
        help="link a referenced film by its own path and name, which may name the family (audited); "
        "by default it is linked as a neutral name beside the file",
    )
