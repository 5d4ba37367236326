"""ClockPlayer: a Player with no picture or sound, driven by wall time.

It is the fallback when libvlc is missing (the UI then shows frames from our exact-frame decoder at
``position_us()``, silently) and a fake player for widget tests. It also holds the state machine that
VlcPlayer shares: VlcPlayer subclasses it and overrides the ``_backend_*`` hooks, so both players
answer every command in the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from vfeedback.core.text import quoted_name
from vfeedback.media.player import PlaybackClock, PlayerState, check_rate

_LIVE = (PlayerState.PLAYING, PlayerState.PAUSED)


class ClockPlayer:
    """A Player (see player.Player) whose position is a PlaybackClock running on wall time."""

    def __init__(self, *, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._clock = PlaybackClock(now)
        self._state = PlayerState.EMPTY
        self._error: str | None = None
        self._path: Path | None = None
        self._want_playing = False  # play() given while OPENING
        self._loop: tuple[int, int] | None = None
        self._last_us = 0  # the position at the previous tick, to see the loop's end being passed
        self._volume = 100
        self._muted = False
        self._window: int | None = None
        self._closed = False

    # --- the Player protocol ---------------------------------------------------------------------

    def open(self, path: Path, duration_us: int) -> None:
        if self._closed:
            raise RuntimeError("this player has been closed")
        if duration_us < 0:
            raise ValueError(f"negative duration {duration_us}")
        self._clock.reset(duration_us)
        self._path = path
        self._state = PlayerState.OPENING
        self._error = None
        self._want_playing = False
        self._loop = None
        self._last_us = 0
        self._backend_open(path)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._backend_close()
        self._state = PlayerState.EMPTY
        self._clock.reset(0)

    def tick(self) -> int:
        if self._state in (PlayerState.EMPTY, PlayerState.ERROR):
            return self._clock.position_us()
        self._backend_poll()
        position = self._clock.position_us()
        if self._state is PlayerState.PLAYING and self._loop is not None:
            start, end = self._loop
            if self._last_us < end <= position:
                self.seek(start)
                position = start
        self._last_us = position
        return position

    def play(self) -> None:
        if self._state is PlayerState.OPENING:
            self._want_playing = True
        elif self._state is PlayerState.PAUSED:
            self._state = PlayerState.PLAYING
            self._clock.play()
            self._backend_play()
        elif self._state is PlayerState.ENDED:
            self._restart(0, playing=True)

    def pause(self) -> None:
        if self._state is PlayerState.OPENING:
            self._want_playing = False
        elif self._state is PlayerState.PLAYING:
            self._state = PlayerState.PAUSED
            self._clock.pause()
            self._last_us = self._clock.position_us()
            self._backend_pause()

    def toggle(self) -> None:
        playing = self._state is PlayerState.PLAYING or (
            self._state is PlayerState.OPENING and self._want_playing
        )
        if playing:
            self.pause()
        else:
            self.play()

    def stop(self) -> None:
        self.pause()
        self.seek(0)

    def seek(self, us: int) -> None:
        if self._state is PlayerState.ENDED:
            self._restart(us, playing=False)
        elif self._state in (PlayerState.OPENING, *_LIVE):
            self._clock.seek(us)
            self._last_us = self._clock.position_us()
            self._backend_seek(self._last_us)

    def position_us(self) -> int:
        return self._clock.position_us()

    def duration_us(self) -> int:
        return self._clock.duration_us

    def state(self) -> PlayerState:
        return self._state

    def set_rate(self, rate: float) -> None:
        value = check_rate(rate)
        self._clock.set_rate(value)
        if not self._closed:
            self._backend_rate(value)

    def rate(self) -> float:
        return self._clock.rate

    def set_volume(self, percent: int) -> None:
        self._volume = max(0, min(100, int(percent)))
        if not self._closed:
            self._backend_audio()

    def volume(self) -> int:
        return self._volume

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)
        if not self._closed:
            self._backend_audio()

    def muted(self) -> bool:
        return self._muted

    def set_loop(self, start_us: int | None, end_us: int | None) -> None:
        if start_us is None and end_us is None:
            self._loop = None
            return
        if start_us is None or end_us is None:
            raise ValueError("a loop needs both a start and an end")
        duration = self._clock.duration_us
        if duration > 0:
            end_us = min(end_us, duration)
        if not 0 <= start_us < end_us:
            raise ValueError(f"loop start {start_us} must be at least 0 and before its end {end_us}")
        self._loop = (start_us, end_us)

    def loop(self) -> tuple[int, int] | None:
        return self._loop

    def set_window(self, handle: int | None) -> None:
        self._window = handle
        if not self._closed:
            self._backend_window(handle)

    def error(self) -> str | None:
        return self._error if self._state is PlayerState.ERROR else None

    # --- for subclasses --------------------------------------------------------------------------

    def _opened(self) -> None:
        """The backend has the file open: leave OPENING, playing if play() was asked for meanwhile."""
        if self._state is not PlayerState.OPENING:
            return
        if self._want_playing:
            self._state = PlayerState.PLAYING
            self._clock.play()
        else:
            self._state = PlayerState.PAUSED

    def _fail(self, sentence: str) -> None:
        self._state = PlayerState.ERROR
        self._error = sentence
        self._want_playing = False
        self._clock.pause()

    def _media_ended(self) -> None:
        """The backend reached the end: loop if the loop runs to the end, else stop at ENDED."""
        if self._loop is not None and self._last_us < self._loop[1]:
            self._restart(self._loop[0], playing=True)
            return
        self._state = PlayerState.ENDED
        self._clock.pause()
        self._clock.seek(self._clock.duration_us)
        self._last_us = self._clock.position_us()

    def _restart(self, at_us: int, *, playing: bool) -> None:
        self._clock.pause()
        self._clock.seek(at_us)
        self._last_us = self._clock.position_us()
        if playing:
            self._state = PlayerState.PLAYING
            self._clock.play()
        else:
            self._state = PlayerState.PAUSED
        self._backend_restart(self._last_us)

    # --- backend hooks: ClockPlayer has no backend ------------------------------------------------

    def _backend_open(self, path: Path) -> None:
        if path.is_file():
            self._opened()
        else:
            self._fail(f"The file {quoted_name(path)} does not exist.")

    def _backend_poll(self) -> None:
        if self._state is PlayerState.PLAYING and self._clock.at_end():
            self._media_ended()

    def _backend_play(self) -> None:
        pass

    def _backend_pause(self) -> None:
        pass

    def _backend_seek(self, us: int) -> None:
        pass

    def _backend_restart(self, at_us: int) -> None:
        """Start the media again after it ended, at ``at_us``, playing or paused as the state says."""

    def _backend_rate(self, rate: float) -> None:
        pass

    def _backend_audio(self) -> None:
        pass

    def _backend_window(self, handle: int | None) -> None:
        pass

    def _backend_close(self) -> None:
        pass
