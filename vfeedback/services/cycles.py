"""A family's progress over filming cycles: the plain pieces of its spreadsheet (CSV) and chart (PNG)
exports, which ``services.supervision`` makes.

Both exports hold counts, durations, dates, contexts, principle names, whose moments were counted and
the library's own clip file names: never a caption or a note. They are written atomically, owner-only,
and recorded in the audit. Whose moments count when several people coded a film: ``Counting``.
"""

from __future__ import annotations

from vfeedback.core.cycles import Cycle, Measure, Progress, coders_by_weight
from vfeedback.core.errors import BadInput
from vfeedback.core.model import Moment

CSV_HEADER = (
    "cycle",
    "recording_id",
    "date",
    "date_is_import_date",
    "context",
    "film_seconds",
    "principle",
    "moments",
    "seconds",
    "per_10_min",
    "clips",
    "coders",
)


def family_coders(moments: dict[int, list[Moment]]) -> list[str]:
    return coders_by_weight([m for ms in moments.values() for m in ms])


def unknown_family_coder(name: str, family: str, known: list[str]) -> str:
    if not known:
        return f"Nobody has coded a film of family {family} yet."
    return f"Nobody called '{name}' has coded a film of family {family}; coders here: {', '.join(known)}."


def coders_cell(progress: Progress, cycle: Cycle) -> str:
    """Whose moments a row counts: one name, or several joined (everyone, duplicates matched)."""
    coders = cycle.coders
    if progress.counting.mode == "all" and len(coders) > 1:
        return " + ".join(coders)
    return coders[0] if coders else ""


def measure_of(value: Measure | str) -> Measure:
    try:
        return Measure(value)
    except ValueError:
        raise BadInput(f"'{value}' is not a measure: use count, minutes or rate.") from None
