"""The player the UI codes against: its states, the Player protocol, and the clock that smooths it.

Two implementations: ``VlcPlayer`` (vlc_player.py: picture and sound through libvlc) and
``ClockPlayer`` (clock_player.py: no libvlc at all, the fallback and a fake for widget tests).
``make_player()`` picks one. Nothing here imports libvlc, so importing this module is cheap and works
where libvlc is missing.

The UI drives a player by polling: a QTimer calls ``tick()`` ~30 times a second and draws what it
returns. Nothing ever calls back into the UI, and libvlc's own threads only bump counters.
"""

from __future__ import annotations

import enum
import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from vfeedback.core.errors import VfeedbackError

MIN_RATE = 0.25
MAX_RATE = 4.0
RATES: tuple[float, ...] = (0.25, 0.5, 1.0, 1.5, 2.0)
"""The speeds the UI offers."""

INSTALL_HINT = "sudo apt install libvlc5 vlc-plugin-base vlc-plugin-video-output"


class PlayerState(enum.Enum):
    EMPTY = "empty"  # nothing open (new, or closed)
    OPENING = "opening"  # a file is being opened; commands given now are applied once it is open
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"  # reached the end; play() starts again from the beginning
    ERROR = "error"  # the file cannot be played; error() says why in one sentence


class PlayerUnavailable(VfeedbackError):
    """libvlc (or python-vlc) is missing or does not start; the message says how to install it."""


class Player(Protocol):
    """What the UI needs from a player. All times are integer microseconds from the stream start.

    Drive it by calling ``tick()`` from a timer (~30 Hz): that is when the player reads its backend,
    notices the end of the media or an error, and loops the selected moment. The other getters are
    cheap reads of the state as of the last tick (``position_us()`` is interpolated to now).
    Commands never block on the backend; given while OPENING they take effect once the file is open.
    """

    def open(self, path: Path, duration_us: int) -> None:
        """Open ``path``, paused at 0. ``duration_us`` comes from our probe (VLC's length is not trusted)."""

    def close(self) -> None:
        """Release everything; safe to call twice. The player cannot be used afterwards."""

    def tick(self) -> int:
        """Poll the backend, apply the loop and end of media; return ``position_us()``."""

    def play(self) -> None:
        """Play; after ENDED, start again from the beginning."""

    def pause(self) -> None: ...

    def toggle(self) -> None:
        """Pause when playing, else play."""

    def stop(self) -> None:
        """Pause and go back to the start, keeping the file open."""

    def seek(self, us: int) -> None:
        """Go to ``us`` (clamped to the media), playing or paused; position_us() echoes it at once."""

    def position_us(self) -> int:
        """Smooth and monotonic while playing; exactly the last seek (or the pause point) when paused."""

    def duration_us(self) -> int: ...

    def state(self) -> PlayerState: ...

    def set_rate(self, rate: float) -> None:
        """Playback speed (``RATES``); the position carries on from where it is."""

    def rate(self) -> float: ...

    def set_volume(self, percent: int) -> None:
        """0-100 (clamped)."""

    def volume(self) -> int: ...

    def set_muted(self, muted: bool) -> None: ...

    def muted(self) -> bool: ...

    def set_loop(self, start_us: int | None, end_us: int | None) -> None:
        """Loop [start, end) while playing: when the position passes ``end`` (or the media ends inside
        the loop), the next tick seeks back to ``start``. ``(None, None)`` clears it. Setting a loop
        does not move the playhead: seek to ``start`` to begin there.
        """

    def loop(self) -> tuple[int, int] | None: ...

    def set_window(self, handle: int | None) -> None:
        """Draw into this native window (X11 id, HWND or NSView); None for none (headless).

        Set it before open(): the video output picks its window when a video starts. None after a
        window detaches it, and libvlc then opens a window of its own for the next video.
        """

    def error(self) -> str | None:
        """One sentence when the state is ERROR, else None."""


class PlaybackClock:
    """Turns coarse, stepwise position reports into a smooth, monotonic playback position.

    The position is anchored on (microseconds, monotonic seconds) and advances with wall time × rate
    while running. A backend report (``report``) re-anchors it only when it is *new* (libvlc repeats
    the same stale value for 250-500 ms) and differs from the shown position by more than
    ``tolerance_us`` × max(1, rate): smaller differences are the sampling delay of the poll, and
    following them would make the position wobble. A report ahead moves it forward at once; one
    behind holds the position still until the new line catches up (it never runs backwards), unless
    it is more than ``max_hold_us`` × max(1, rate) behind, which only a real jump explains. The
    position never leaves [0, duration] (no upper bound while the duration is 0).
    """

    def __init__(
        self,
        now: Callable[[], float] = time.monotonic,
        *,
        duration_us: int = 0,
        tolerance_us: int = 60_000,
        max_hold_us: int = 1_000_000,
    ) -> None:
        self._now = now
        self._tolerance_us = tolerance_us
        self._max_hold_us = max_hold_us
        self._duration_us = max(0, duration_us)
        self._rate = 1.0
        self._running = False
        self._anchor_us = 0
        self._anchor_t = now()
        # While running, the position never drops below this (what was shown when a report behind us
        # re-anchored the line).
        self._floor_us = 0
        self._last_report: int | None = None

    @property
    def duration_us(self) -> int:
        return self._duration_us

    @property
    def running(self) -> bool:
        return self._running

    @property
    def rate(self) -> float:
        return self._rate

    def reset(self, duration_us: int) -> None:
        """Paused at 0 for a new media of this duration; the rate is kept."""
        self._duration_us = max(0, duration_us)
        self._running = False
        self._anchor_us = self._floor_us = 0
        self._anchor_t = self._now()
        self._last_report = None

    def position_us(self) -> int:
        if not self._running:
            return self._anchor_us
        line = self._anchor_us + round((self._now() - self._anchor_t) * 1_000_000 * self._rate)
        return self._clamp(max(line, self._floor_us))

    def at_end(self) -> bool:
        return 0 < self._duration_us <= self.position_us()

    def play(self) -> None:
        if not self._running:
            self._anchor_t = self._now()
            self._floor_us = self._anchor_us
            self._running = True

    def pause(self) -> None:
        if self._running:
            self._anchor_us = self.position_us()
            self._running = False

    def seek(self, us: int) -> None:
        self._set_anchor(self._clamp(us), hold=None)

    def set_rate(self, rate: float) -> None:
        self._set_anchor(self.position_us(), hold=None)
        self._rate = rate

    def report(self, reported_us: int) -> None:
        """A position read from the backend; repeats of the last report are ignored."""
        if reported_us == self._last_report:
            return
        self._last_report = reported_us
        if not self._running:
            return
        shown = self.position_us()
        reported = self._clamp(reported_us)
        error = reported - shown
        scale = max(1.0, self._rate)
        if abs(error) <= self._tolerance_us * scale:
            return
        if error > 0 or -error > self._max_hold_us * scale:
            self._set_anchor(reported, hold=None)
        else:
            self._set_anchor(reported, hold=shown)

    def _set_anchor(self, us: int, hold: int | None) -> None:
        self._anchor_us = us
        self._anchor_t = self._now()
        self._floor_us = us if hold is None else hold

    def _clamp(self, us: int) -> int:
        if self._duration_us > 0:
            us = min(us, self._duration_us)
        return max(0, us)


def check_rate(rate: float) -> float:
    """``rate`` as a float; ValueError outside [MIN_RATE, MAX_RATE]."""
    value = float(rate)
    if not MIN_RATE <= value <= MAX_RATE:
        raise ValueError(f"playback rate {rate!r} is outside {MIN_RATE}-{MAX_RATE}")
    return value


@functools.cache
def player_unavailable_reason() -> str | None:
    """None when libvlc loads and starts; else one sentence saying what is missing and how to install it.

    Cached: it starts a throwaway libvlc instance (~0.2 s). ``cache_clear()`` to ask again.
    """
    from vfeedback.media import vlc_player

    try:
        vlc_player.check_libvlc()
    except PlayerUnavailable as exc:
        return exc.message
    return None


def make_player(headless: bool = False) -> Player:
    """The VLC player when libvlc works, else the silent ClockPlayer (see player_unavailable_reason)."""
    from vfeedback.media.clock_player import ClockPlayer
    from vfeedback.media.vlc_player import VlcPlayer

    try:
        return VlcPlayer(headless=headless)
    except PlayerUnavailable:
        return ClockPlayer()
