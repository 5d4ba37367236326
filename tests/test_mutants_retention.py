"""core.retention where a slip moved a family's deletion date or misquoted the clinician (found by make
mutation). Dates worked out on a calendar."""

from __future__ import annotations

from datetime import date

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.core.retention import due_date, parse_rule


@pytest.mark.parametrize(
    ("rule", "closed", "due"),
    [
        ("delete 11 months after closure", date(2024, 1, 15), date(2024, 12, 15)),  # same year
        ("delete 23 months after closure", date(2024, 1, 15), date(2025, 12, 15)),  # one year on
        ("delete 22 months after closure", date(2024, 2, 29), date(2025, 12, 29)),
    ],
)
def test_a_deletion_date_in_december_stays_in_its_year(rule: str, closed: date, due: date) -> None:
    assert due_date(rule, closed) == due


def test_an_impossible_date_is_quoted_alone() -> None:
    with pytest.raises(BadInput) as caught:
        parse_rule("Keep until 2026-02-30")
    assert str(caught.value) == "'2026-02-30' is not a date: use YYYY-MM-DD."
