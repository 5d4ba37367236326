"""Saying, inside an expression, that a test expects a value to be there.

Qt answers None for an empty table cell, a missing tree row or a child it cannot find, and mypy makes
a test say what it expects before using the answer. In a statement, ``assert x is not None`` says it;
inside a comprehension or a chain of calls, ``present(x)`` does.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def present(value: T | None, what: str = "the value") -> T:
    """``value``, failing the test if it is None."""
    assert value is not None, f"{what} is missing"
    return value
