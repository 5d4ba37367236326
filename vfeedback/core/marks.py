"""Pointing at what matters: soft circles and arrows the clinician draws on a picture (a still, a
freeze, a handout picture), and a closer frame for a clip (a crop on the baby and parent).

Pure values: positions are fractions of the upright picture (0..1 across and down), so a mark holds
at any export size. No text: a parent is shown where to look, not told. Drawn by ``export.stills``
(stills, handout pictures) and by the clip's filter (``export.plan``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vfeedback.core.errors import BadInput

KINDS = ("circle", "arrow")
MAX_MARKS = 6
COLOUR = (242, 153, 74)
"""Warm orange (RGB): seen on skin, grass and carpet alike, never alarming like red."""
MIN_SIZE = 0.02
"""A mark smaller than this (of the picture's short side) is a slip of the hand, not a mark."""
_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Mark:
    """A circle (centre ``x1, y1``; its edge passes through ``x2, y2``) or an arrow (from ``x1, y1``
    to its tip at ``x2, y2``), in fractions of the upright picture."""

    kind: str
    x1: float
    y1: float
    x2: float
    y2: float

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise BadInput(f"'{self.kind}' is not a mark: draw a circle or an arrow.")
        values = (self.x1, self.y1, self.x2, self.y2)
        if not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values
        ):
            raise BadInput("A mark is four numbers: where it starts and where it ends, across and down.")
        if not all(-_EPS <= v <= 1 + _EPS for v in values):
            raise BadInput("A mark must lie inside the picture (from 0 to 1 across and down).")

    def to_list(self) -> list[Any]:
        return [self.kind, *(round(v, 5) for v in (self.x1, self.y1, self.x2, self.y2))]

    @classmethod
    def from_value(cls, value: Any) -> Mark:
        """A mark as stored (``to_list``); BadInput with one sentence for anything else."""
        if not isinstance(value, list | tuple) or len(value) != 5 or not isinstance(value[0], str):
            raise BadInput("A mark is its kind (circle or arrow) and four numbers.")
        return cls(value[0], *value[1:])


def checked(marks: Iterable[Mark]) -> tuple[Mark, ...]:
    out = tuple(marks)
    if len(out) > MAX_MARKS:
        raise BadInput(f"A picture can hold at most {MAX_MARKS} marks; fewer show more clearly.")
    return out


def marks_key(marks: Sequence[Mark]) -> str:
    """A short, stable text for an export's settings key (same marks, same file)."""
    return ";".join(",".join(str(v) for v in m.to_list()) for m in marks)


def marks_from(value: Any) -> tuple[Mark, ...]:
    """Marks as kept in an export's settings (a list of ``to_list``); () for none."""
    if not value:
        return ()
    if not isinstance(value, list):
        raise BadInput("Marks are a list of circles and arrows.")
    return checked(Mark.from_value(v) for v in value)


def pixels(mark: Mark, width: int, height: int) -> tuple[tuple[int, int], tuple[int, int], int]:
    """The mark on a picture of ``width`` x ``height``: its two points, and for a circle its radius
    in pixels (the distance between them; 0 for an arrow)."""
    a = (round(mark.x1 * (width - 1)), round(mark.y1 * (height - 1)))
    b = (round(mark.x2 * (width - 1)), round(mark.y2 * (height - 1)))
    radius = round(math.hypot(b[0] - a[0], b[1] - a[1])) if mark.kind == "circle" else 0
    return a, b, radius


def line_width(width: int, height: int) -> int:
    """Thick enough to see at arm's length on paper and on a television, never heavy."""
    return max(2, round(min(width, height) / 90))
