"""Pointing at what matters in a clip: the marks shown while a freeze holds its frame, drawn by
libass (the filter that burns captions) from an ASS vector drawing, timed to the held frames.

ASS times are in hundredths of a second; an event shows on the frames whose time t has
start <= t < end (and the filter may see a frame's time a hair early, 199.99 ms for 200). Both ends
are therefore set halfway between two frames, rounded to the nearest hundredth: with frames longer
than 1/100 s (any rate below 100 fps) that stays between the two, so exactly the held frames carry
the marks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from vfeedback.core.marks import COLOUR, Mark, line_width, pixels

_KAPPA = 0.5523  # a quarter circle as one cubic Bézier curve


def _time(seconds: Fraction) -> str:
    cs = max(0, round(seconds * 100))
    hours, rest = divmod(cs, 360_000)
    minutes, rest = divmod(rest, 6_000)
    secs, hundredths = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{hundredths:02d}"


def _circle(cx: int, cy: int, r: int) -> str:
    k = round(_KAPPA * r)
    return (
        f"m {cx + r} {cy} b {cx + r} {cy + k} {cx + k} {cy + r} {cx} {cy + r} "
        f"b {cx - k} {cy + r} {cx - r} {cy + k} {cx - r} {cy} "
        f"b {cx - r} {cy - k} {cx - k} {cy - r} {cx} {cy - r} "
        f"b {cx + k} {cy - r} {cx + r} {cy - k} {cx + r} {cy}"
    )


def _arrow(a: tuple[int, int], b: tuple[int, int], thick: int) -> list[str]:
    """The shaft and the two strokes of the head, each a line libass strokes with the border."""
    length = max(1.0, math.hypot(b[0] - a[0], b[1] - a[1]))
    head = min(0.45 * length, thick * 6)
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    lines = [f"m {a[0]} {a[1]} l {b[0]} {b[1]}"]
    for turn in (math.pi * 3 / 4, -math.pi * 3 / 4):
        end = (round(b[0] + math.cos(angle + turn) * head), round(b[1] + math.sin(angle + turn) * head))
        lines.append(f"m {b[0]} {b[1]} l {end[0]} {end[1]}")
    return lines


def marks_document(
    marks: Sequence[Mark], width: int, height: int, first: int, frames: int, rate: Fraction
) -> str:
    """An ASS file drawing ``marks`` on a ``width`` x ``height`` picture on the output frames
    ``first`` .. ``first + frames - 1`` (at ``rate`` frames a second)."""
    thick = line_width(width, height)
    red, green, blue = COLOUR
    colour = f"&H{blue:02X}{green:02X}{red:02X}&"
    # 15 % see-through like the stills' marks; no fill (a ring, not a disc), no shadow.
    style = f"{{\\an7\\pos(0,0)\\p1\\bord{thick:g}\\shad0\\1a&HFF&\\3c{colour}\\3a&H26&}}"
    half = Fraction(1, 2)
    start, end = _time((first - half) / rate), _time((first + frames - half) / rate)
    shapes: list[str] = []
    for mark in marks:
        a, b, radius = pixels(mark, width, height)
        if mark.kind == "circle":
            shapes.append(_circle(a[0], a[1], max(radius, thick)))
        else:
            shapes.extend(_arrow(a, b, thick))
    events = "\n".join(f"Dialogue: 0,{start},{end},Marks,,0,0,0,,{style}{shape}{{\\p0}}" for shape in shapes)
    return (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\nScaledBorderAndShadow: yes\nWrapStyle: 2\n\n"
        "[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        "Style: Marks,DejaVu Sans,20,&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,0,0,7,"
        "0,0,0,1\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        f"{events}\n"
    )


def crop_filter(x: float, y: float, w: float, h: float) -> str:
    """ffmpeg's crop of the upright picture to the fractions given (whole pixels, even for 4:2:0)."""
    return (
        f"crop=w=trunc(iw*{w!r}/2)*2:h=trunc(ih*{h!r}/2)*2"
        f":x=trunc(iw*{x!r}/2)*2:y=trunc(ih*{y!r}/2)*2:exact=1"
    )
