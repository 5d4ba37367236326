"""Reading and writing times the way clinicians type them.

Times are integer microseconds. We parse by hand rather than with an SMPTE timecode library because
those count frames at a fixed rate, which is wrong for variable-frame-rate phone video: a frame number
here (``f1234``) is resolved through the recording's own frame index, not multiplied by a rate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from vfeedback.core.errors import BadInput
from vfeedback.core.text import excerpt

US_PER_SECOND = 1_000_000
MAX_SECONDS = 10_000_000
"""No time or duration a person or a file gives may pass this (about 115 days): far beyond any
recording, far inside what 64-bit microseconds and ffmpeg hold, so nothing downstream overflows."""
_MAX_TEXT = 40  # the longest time worth typing (a frame number, HH:MM:SS.ffffff)

_CLOCK = re.compile(r"^(?:(?:(\d+):)?(\d+):)?(\d+(?:\.\d*)?|\.\d+)$")
_FRAME = re.compile(r"^[fF](\d+)$")


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """A time as typed: either microseconds or a frame number still to be resolved."""

    us: int | None = None
    frame: int | None = None


def parse_time(text: str) -> TimeSpec:
    """Parse ``12.5``, ``1:02.25``, ``00:01:02.250`` or ``f1234``.

    Raises BadInput with a sentence naming the accepted forms.
    """
    raw = text.strip()
    frame = _FRAME.match(raw) if len(raw) <= _MAX_TEXT else None
    if frame:
        number = int(frame.group(1))
        if number > MAX_SECONDS * 1000:
            raise BadInput(f"'{excerpt(raw)}' is not a time: no recording has that many frames.")
        return TimeSpec(frame=number)
    clock = _CLOCK.match(raw) if len(raw) <= _MAX_TEXT else None
    if not clock:
        raise BadInput(
            f"'{excerpt(text)}' is not a time: use seconds (12.5), minutes:seconds (1:02.25), "
            "hours:minutes:seconds (00:01:02.250) or a frame number (f1234)."
        )
    hours, minutes, seconds = clock.groups()
    if (hours is not None or minutes is not None) and float(seconds) >= 60:
        raise BadInput(f"'{text}' is not a time: the seconds part must be below 60.")
    if hours is not None and int(minutes) >= 60:
        raise BadInput(f"'{text}' is not a time: the minutes part must be below 60.")
    try:
        total = Decimal(seconds) + 60 * int(minutes or 0) + 3600 * int(hours or 0)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise BadInput(f"'{text}' is not a time.") from exc
    if total > MAX_SECONDS:
        raise BadInput(f"'{raw}' is not a time: it is far longer than any recording.")
    return TimeSpec(us=int((total * US_PER_SECOND).to_integral_value()))


def format_time(us: int) -> str:
    """``HH:MM:SS.mmm``, rounded to the nearest millisecond; negative times keep their sign."""
    sign = "-" if us < 0 else ""
    ms = (abs(us) + 500) // 1000
    seconds, ms = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}.{ms:03d}"


def seconds_to_us(seconds: float) -> int:
    return round(seconds * US_PER_SECOND)


def checked_seconds(value: object) -> float:
    """A number of seconds from a file or a command line (a number, or its text), or ValueError
    saying why not: it must be a finite number no larger than ``MAX_SECONDS`` either way. Integers
    with hundreds of digits, ``1e308``, ``NaN`` and ``Infinity`` all stop here, before any
    arithmetic turns them into an overflow or a job without end."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("not a number")
    if isinstance(value, str) and len(value.strip()) > _MAX_TEXT:
        raise ValueError("not a number")
    try:
        seconds = float(value)
    except OverflowError:  # an integer too large for a float
        raise ValueError("far too large") from None
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(seconds):
        raise ValueError("not a finite number")
    if abs(seconds) > MAX_SECONDS:
        raise ValueError("far too large")
    return seconds
