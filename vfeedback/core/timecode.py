"""Reading and writing times the way clinicians type them.

Times are integer microseconds. We parse by hand rather than with an SMPTE timecode library because
those count frames at a fixed rate, which is wrong for variable-frame-rate phone video: a frame number
here (``f1234``) is resolved through the recording's own frame index, not multiplied by a rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from vfeedback.core.errors import BadInput

US_PER_SECOND = 1_000_000

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
    frame = _FRAME.match(raw)
    if frame:
        return TimeSpec(frame=int(frame.group(1)))
    clock = _CLOCK.match(raw)
    if not clock:
        raise BadInput(
            f"'{text}' is not a time: use seconds (12.5), minutes:seconds (1:02.25), "
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
