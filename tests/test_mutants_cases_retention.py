"""services.cases' retention dates at their edges (survivors of make mutation): a case closed today
may be recorded as closed today, and a family whose recordings are due today is listed as due today
(not tomorrow), by the rule's own date worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.services import Library


def test_a_case_closed_today_is_accepted_and_tomorrow_is_not(library: Library) -> None:
    library.families.add("R1")
    today = date.today()
    assert library.cases.set_retention("R1", closed_on=today).closed_on == today
    with pytest.raises(BadInput, match=r"^A closure date cannot be in the future\.$"):
        library.cases.set_retention("R1", closed_on=today + timedelta(days=1))
    assert library.families.get("R1").closed_on == today


def test_recordings_due_today_are_listed_today_and_not_the_day_before(library: Library) -> None:
    """Closed on 31 January 2026, "delete 1 month after closure": due on 28 February 2026 (the month
    has no 31st). Listed on that day and after, not on the 27th."""
    library.families.add("R2")
    library.cases.set_retention("R2", rule="delete 1 month after closure", closed_on=date(2026, 1, 31))
    due_day = date(2026, 2, 28)
    assert [(f.code, when) for f, when in library.cases.due(today=due_day)] == [("R2", due_day)]
    assert [(f.code, when) for f, when in library.cases.due(today=date(2026, 3, 1))] == [("R2", due_day)]
    assert library.cases.due(today=date(2026, 2, 27)) == []
