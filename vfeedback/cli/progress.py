"""Progress bars on a terminal; silence when output is piped or JSON is asked for."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from vfeedback.core.frames import FrameIndex
    from vfeedback.services import Library


class Bar(Protocol):
    def bytes(self, done: int, total: int) -> None: ...
    def fraction(self, value: float) -> None: ...


class _Silent:
    def bytes(self, done: int, total: int) -> None:
        pass

    def fraction(self, value: float) -> None:
        pass


class _Tqdm:
    def __init__(self, bar: Any, scale: int) -> None:
        self._bar = bar
        self._scale = scale

    def bytes(self, done: int, total: int) -> None:
        if self._bar.total != total:
            self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def fraction(self, value: float) -> None:
        self._bar.n = round(min(max(value, 0.0), 1.0) * self._scale)
        self._bar.refresh()


@contextmanager
def progress(label: str, *, enabled: bool, unit: str = "%") -> Iterator[Bar]:
    """A bar for ``label``. ``unit="B"`` shows bytes; otherwise a percentage."""
    if not enabled or not sys.stderr.isatty():
        yield _Silent()
        return
    from tqdm import tqdm

    from vfeedback.core.text import terminal

    label = terminal(label)  # it may name the user's file: its control characters stay inert

    if unit == "B":
        bar = tqdm(desc=label, total=0, unit="B", unit_scale=True, unit_divisor=1024, leave=False)
        scale = 1
    else:
        bar = tqdm(
            desc=label,
            total=100,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}",
            leave=False,
        )
        scale = 100
    try:
        yield _Tqdm(bar, scale)
    finally:
        bar.close()


def frame_index(lib: Library, recording_id: int, *, quiet: bool) -> FrameIndex:
    """A recording's frame index, with a bar while it is built the first time."""
    with progress("Indexing frames", enabled=not quiet) as bar:
        return lib.media.frame_index(recording_id, progress=bar.fraction)
