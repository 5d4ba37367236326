"""Dates as people write them, the one way the app and everything it makes show a day."""

from __future__ import annotations

from datetime import date


def long_date(day: date) -> str:
    """"7 December 2026": the day without a leading zero, the month in words (English, as every
    sentence the app says is)."""
    return f"{day.day} {day:%B %Y}"
