"""The vocabulary of long work, shared by every layer: how it reports progress, how it is asked to
stop, and how it says that it stopped."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float], None]
"""``progress(fraction)``: how far the work is, 0.0 to 1.0, never going back."""

ShouldCancel = Callable[[], bool]
"""Asked now and then by the work; True means stop as soon as possible."""


class Cancelled(Exception):
    """The caller asked to stop; nothing was produced (what was half-made has been removed)."""
