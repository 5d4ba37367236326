"""Retention rules as a service writes them, and the day a closed case is due for deletion.

Accepted rules (case-insensitive): ``delete N months after closure``, ``delete N years after
closure``, ``keep until YYYY-MM-DD``. A rule is kept as typed, so the clinician sees their own words.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date

from vfeedback.core.errors import BadInput

_AFTER = re.compile(r"^delete\s+(\d{1,3})\s+(month|months|year|years)\s+after\s+closure$")
_UNTIL = re.compile(r"^keep\s+until\s+(\d{4}-\d{2}-\d{2})$")


def parse_rule(text: str) -> str:
    """The rule, tidied; BadInput with the accepted forms if it is none of them."""
    rule = " ".join(text.strip().lower().split())
    if _AFTER.match(rule):
        return rule
    until = _UNTIL.match(rule)
    if until:
        try:
            date.fromisoformat(until.group(1))
        except ValueError:
            raise BadInput(f"'{until.group(1)}' is not a date: use YYYY-MM-DD.") from None
        return rule
    raise BadInput(
        f"'{text}' is not a retention rule: use 'delete N months after closure', "
        "'delete N years after closure' or 'keep until YYYY-MM-DD'."
    )


def due_date(rule: str, closed_on: date | None) -> date | None:
    """When the case's recordings must be deleted; None while a closure-based rule has no closure."""
    rule = parse_rule(rule)
    until = _UNTIL.match(rule)
    if until:
        return date.fromisoformat(until.group(1))
    after = _AFTER.match(rule)
    assert after is not None
    if closed_on is None:
        return None
    count = int(after.group(1)) * (12 if after.group(2).startswith("year") else 1)
    return _add_months(closed_on, count)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))
