"""Command-line options for hiding identities in an exported clip: ``--blur``, ``--blur-faces``, ``--keep``.

An area is ``LEFT,TOP,WIDTH,HEIGHT`` as fractions of the upright picture (``0.6,0.1,0.3,0.4``) or
as percentages (``60%,10%,30%,40%``): the same numbers fit any size of recording and export.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from vfeedback.core.errors import BadInput

if TYPE_CHECKING:
    from vfeedback.export.blur import Region

AREA_HELP = "LEFT,TOP,WIDTH,HEIGHT as fractions of the picture (0.6,0.1,0.3,0.4) or percentages (60%%,...)"


def add_blur_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--blur``, ``--blur-faces`` and ``--keep`` to an export command."""
    group = parser.add_argument_group("hiding identities (for supervision, training or research)")
    group.add_argument(
        "--blur", action="append", default=[], metavar="AREA",
        help=f"blur this area for the whole clip (repeatable); {AREA_HELP}",
    )  # fmt: skip
    group.add_argument(
        "--blur-faces", action="store_true",
        help="blur the faces found in the clip (automatic: it can miss one, so watch the clip)",
    )  # fmt: skip
    group.add_argument(
        "--keep", action="append", default=[], metavar="AREA",
        help="spare faces centred in this area from --blur-faces (repeatable)",
    )  # fmt: skip


def blur_options(args: argparse.Namespace) -> dict[str, object]:
    """The ClipOptions fields the parsed arguments ask for; BadInput (one sentence) for a bad area."""
    blur = tuple(parse_area(text, "--blur") for text in getattr(args, "blur", None) or [])
    keep = tuple(parse_area(text, "--keep") for text in getattr(args, "keep", None) or [])
    faces = bool(getattr(args, "blur_faces", False))
    if keep and not faces:
        raise BadInput(
            "The --keep option only spares faces from --blur-faces: add --blur-faces, or leave --keep out."
        )
    return {"blur": blur, "blur_faces": faces, "keep": keep}


def parse_area(text: str, option: str = "--blur") -> Region:
    """``LEFT,TOP,WIDTH,HEIGHT`` (fractions, or every number a percentage) as a Region."""
    example = f"e.g. {option} 0.6,0.1,0.3,0.4 or {option} 60%,10%,30%,40%"
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4 or not all(parts):
        raise BadInput(f"The area '{text}' is not right: give left, top, width and height, {example}.")
    percent = [p.endswith("%") for p in parts]
    if any(percent) and not all(percent):
        raise BadInput(f"The area '{text}' mixes percentages and fractions: use one or the other, {example}.")
    try:
        numbers = [float(p.rstrip("%")) / (100 if percent[0] else 1) for p in parts]
    except ValueError:
        raise BadInput(f"The area '{text}' is not right: give four numbers, {example}.") from None
    if not all(math.isfinite(n) for n in numbers):
        raise BadInput(f"The area '{text}' is not right: give four numbers, {example}.")
    if not percent[0] and any(n > 1 for n in numbers):
        raise BadInput(
            f"The area '{text}' is not right: the numbers are fractions of the picture from 0 to 1 "
            f"(or percentages with %), {example}."
        )
    from vfeedback.export.blur import Region

    try:
        return Region(*numbers)
    except BadInput as exc:
        reason = str(exc).rstrip(".")
        raise BadInput(f"The area '{text}' is not right: {reason[:1].lower()}{reason[1:]}.") from None
