"""The player on the session's clock: VLC plays whichever angle is large, with its sound, while the
workbench keeps counting in the main recording's time.

Every time in and out is on the main clock; inside, the large angle's own time is the session time
minus its offset (``core.angles``). With the main recording large the offset is 0 and this is a plain
pass-through.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vfeedback.media.player import Player, PlayerState


class SessionPlayer:
    """A Player (``media.player.Player``) that plays one angle of a session on the main clock."""

    def __init__(self, inner: Player) -> None:
        self.inner = inner
        self._offset_us = 0
        self._duration_us = 0

    # --- the large angle ------------------------------------------------------------------------
    def use(self, path: Path, duration_us: int, offset_us: int, *, at_us: int, playing: bool) -> None:
        """Play ``path`` (its time zero at ``offset_us`` on the main clock) from session time
        ``at_us``; the window stays where it was, the volume and rate with it."""
        rate, loop = self.inner.rate(), self.loop()
        self._offset_us = offset_us
        self.inner.open(path, duration_us)
        self.inner.set_rate(rate)
        if loop is not None:
            self.set_loop(*loop)
        self.inner.seek(max(0, at_us - offset_us))
        if playing:
            self.inner.play()

    def retime(self, offset_us: int, *, at_us: int) -> None:
        """The large angle's offset changed (nudged, undone): the same session time, its new frame."""
        self._offset_us = offset_us
        self.inner.seek(max(0, at_us - offset_us))

    @property
    def offset_us(self) -> int:
        return self._offset_us

    # --- the Player protocol, on the main clock -------------------------------------------------
    def open(self, path: Path, duration_us: int) -> None:
        self._offset_us = 0
        self._duration_us = duration_us
        self.inner.open(path, duration_us)

    def close(self) -> None:
        self.inner.close()

    def tick(self) -> int:
        return self.inner.tick() + self._offset_us

    def play(self) -> None:
        self.inner.play()

    def pause(self) -> None:
        self.inner.pause()

    def toggle(self) -> None:
        self.inner.toggle()

    def stop(self) -> None:
        self.inner.stop()

    def seek(self, us: int) -> None:
        self.inner.seek(max(0, us - self._offset_us))

    def position_us(self) -> int:
        return self.inner.position_us() + self._offset_us

    def duration_us(self) -> int:
        return self._duration_us or self.inner.duration_us()

    def state(self) -> PlayerState:
        return self.inner.state()

    def set_rate(self, rate: float) -> None:
        self.inner.set_rate(rate)

    def rate(self) -> float:
        return self.inner.rate()

    def set_volume(self, percent: int) -> None:
        self.inner.set_volume(percent)

    def volume(self) -> int:
        return self.inner.volume()

    def set_muted(self, muted: bool) -> None:
        self.inner.set_muted(muted)

    def muted(self) -> bool:
        return self.inner.muted()

    def set_loop(self, start_us: int | None, end_us: int | None) -> None:
        if start_us is None or end_us is None:
            self.inner.set_loop(None, None)
        else:
            self.inner.set_loop(max(0, start_us - self._offset_us), max(0, end_us - self._offset_us))

    def loop(self) -> tuple[int, int] | None:
        span = self.inner.loop()
        return None if span is None else (span[0] + self._offset_us, span[1] + self._offset_us)

    def set_window(self, handle: int | None) -> None:
        self.inner.set_window(handle)

    def error(self) -> str | None:
        return self.inner.error()
