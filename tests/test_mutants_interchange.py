"""services.interchange where a slip would miscount what the audit record says left the library
(survivors of make mutation; the module's run is not finished, see scripts/mutation.py)."""

from __future__ import annotations

import pytest

from vfeedback.services.interchange import count_moments


@pytest.mark.parametrize(
    ("n", "words"), [(0, "0 moments"), (1, "1 moment"), (2, "2 moments"), (12, "12 moments")]
)
def test_the_audit_record_counts_moments_in_words(n: int, words: str) -> None:
    """One moment is singular; none, two and more are plural (not "0 moment", not "2 moment")."""
    assert count_moments(n) == words
