"""VlcPlayer against real libvlc, headless (--vout=dummy --aout=dummy), on generated media.

Each test polls the player the way the UI's timer does (``tick()`` every ~30 ms) and checks what the
UI relies on. Timing bounds are loose: two shared cores, and libvlc's start is erratic at rate ≠ 1.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number

from vfeedback.media.player import PlayerState, make_player, player_unavailable_reason

_REASON = player_unavailable_reason()
if _REASON is not None:
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must test the VLC player: {_REASON}")
    pytest.skip(_REASON, allow_module_level=True)

from vfeedback.media.vlc_player import VlcPlayer  # noqa: E402

SECOND = 1_000_000
POLL_S = 0.03
CFR25_US = 10 * SECOND  # what probe() says of media["cfr25"] (tests/test_probe.py)
NO_AUDIO_US = 3 * SECOND


@pytest.fixture
def player() -> Iterator[VlcPlayer]:
    p = VlcPlayer(headless=True)
    yield p
    p.close()


def poll(player: VlcPlayer, seconds: float) -> list[tuple[float, int]]:
    """(monotonic time, position) at every tick for ``seconds``."""
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        samples.append((time.monotonic(), player.tick()))
        time.sleep(POLL_S)
    return samples


def poll_until(player: VlcPlayer, done: Callable[[], bool], timeout: float = 5.0) -> float:
    """Tick until ``done()``; return how long it took."""
    start = time.monotonic()
    while not done():
        assert time.monotonic() - start < timeout, f"still {player.state()} after {timeout} s"
        player.tick()
        time.sleep(POLL_S)
    return time.monotonic() - start


def open_paused(player: VlcPlayer, path: Path, duration_us: int) -> None:
    player.open(path, duration_us)
    assert player.state() is PlayerState.OPENING
    poll_until(player, lambda: player.state() is not PlayerState.OPENING)
    assert player.state() is PlayerState.PAUSED, player.error()


def positions(samples: list[tuple[float, int]]) -> list[int]:
    return [p for _, p in samples]


def test_make_player_gives_the_vlc_player_here() -> None:
    p = make_player(headless=True)
    try:
        assert isinstance(p, VlcPlayer)
    finally:
        p.close()


def test_open_is_paused_at_zero(player: VlcPlayer, media: MediaSet) -> None:
    open_paused(player, media["cfr25"], CFR25_US)
    assert (player.position_us(), player.duration_us(), player.error()) == (0, CFR25_US, None)
    assert set(positions(poll(player, 0.2))) == {0}


def test_play_is_smooth_monotonic_and_follows_wall_time(player: VlcPlayer, media: MediaSet) -> None:
    open_paused(player, media["cfr25"], CFR25_US)
    player.play()
    samples = poll(player, 1.5)
    assert player.state() is PlayerState.PLAYING
    values = positions(samples)
    assert values == sorted(values)
    # Smooth: it moves at (nearly) every poll, not in libvlc's 250-500 ms steps.
    moves = sum(1 for a, b in itertools.pairwise(values) if b > a)
    assert moves >= 0.8 * (len(values) - 1)
    # It advances with wall time once playing (the first ticks include libvlc's start).
    (t1, p1), (t2, p2) = samples[5], samples[-1]
    assert abs((p2 - p1) - (t2 - t1) * SECOND) < 150_000


def test_pause_freezes_at_what_was_reported(player: VlcPlayer, media: MediaSet) -> None:
    open_paused(player, media["cfr25"], CFR25_US)
    player.play()
    poll(player, 0.6)
    last, last_at = player.tick(), time.monotonic()
    player.pause()
    frozen, paused_after = player.position_us(), time.monotonic() - last_at
    assert player.state() is PlayerState.PAUSED
    assert 0 <= frozen - last <= paused_after * SECOND + 20_000  # where it was when paused, not earlier
    assert set(positions(poll(player, 0.4))) == {frozen}


def test_seek_while_paused_is_echoed_exactly(player: VlcPlayer, media: MediaSet) -> None:
    open_paused(player, media["cfr25"], CFR25_US)
    player.seek(4_321_000)
    assert set(positions(poll(player, 0.3))) == {4_321_000}
    player.play()
    values = positions(poll(player, 0.6))
    assert values == sorted(values)
    assert 4_321_000 + 350_000 < values[-1] < 4_321_000 + 900_000


def test_seek_while_playing_jumps_there_and_plays_on(player: VlcPlayer, media: MediaSet) -> None:
    open_paused(player, media["cfr25"], CFR25_US)
    player.play()
    poll(player, 0.3)
    player.seek(6 * SECOND)
    assert 6 * SECOND <= player.position_us() < 6 * SECOND + 40_000
    values = positions(poll(player, 0.8))
    assert values == sorted(values)
    assert 6 * SECOND + 500_000 < values[-1] < 6 * SECOND + 1_100_000
    player.seek(SECOND)  # backwards while playing
    assert SECOND <= player.tick() < SECOND + 60_000


def test_rate_two_plays_about_twice_as_fast(player: VlcPlayer, media: MediaSet) -> None:
    open_paused(player, media["cfr25"], CFR25_US)
    player.play()
    before = poll(player, 0.3)[-1][1]
    player.set_rate(2.0)
    assert player.rate() == 2.0
    assert abs(player.position_us() - before) < 80_000  # the position carries on
    poll(player, 0.4)  # libvlc may lurch forward when the rate changes
    samples = poll(player, 1.0)
    (t1, p1), (t2, p2) = samples[0], samples[-1]
    assert 1.5 < (p2 - p1) / ((t2 - t1) * SECOND) < 2.6
    assert positions(samples) == sorted(positions(samples))


def test_volume_and_mute_round_trip(player: VlcPlayer, media: MediaSet) -> None:
    player.set_volume(35)
    player.set_muted(True)
    open_paused(player, media["cfr25"], CFR25_US)
    assert (player.volume(), player.muted()) == (35, True)
    player.set_volume(80)
    player.set_muted(False)
    assert (player.volume(), player.muted()) == (80, False)
    player.set_volume(300)
    assert player.volume() == 100


def test_loop_plays_a_moment_again_and_again(player: VlcPlayer, media: MediaSet) -> None:
    open_paused(player, media["cfr25"], CFR25_US)
    player.set_loop(2 * SECOND, 2_600_000)
    player.seek(2 * SECOND)
    player.play()
    values = positions(poll(player, 1.6))
    assert all(2 * SECOND <= v < 2_600_000 for v in values)
    wraps = [(a, b) for a, b in itertools.pairwise(values) if b < a]
    assert len(wraps) == 2
    assert all(a > 2_400_000 and b < 2_250_000 for a, b in wraps), wraps
    assert player.state() is PlayerState.PLAYING


def test_loop_to_the_end_of_media_wraps_instead_of_ending(player: VlcPlayer, media: MediaSet) -> None:
    open_paused(player, media["no_audio"], NO_AUDIO_US)
    player.set_loop(2_300_000, NO_AUDIO_US)
    player.seek(2_300_000)
    player.play()
    values = positions(poll(player, 1.3))
    assert player.state() is PlayerState.PLAYING
    assert min(values) >= 2_300_000
    assert any(b < a for a, b in itertools.pairwise(values))


def test_end_of_media_then_play_starts_again(player: VlcPlayer, media: MediaSet) -> None:
    open_paused(player, media["no_audio"], NO_AUDIO_US)
    player.seek(2_500_000)
    player.play()
    poll_until(player, lambda: player.state() is PlayerState.ENDED, timeout=3)
    assert player.position_us() == NO_AUDIO_US
    player.play()
    assert player.state() is PlayerState.PLAYING
    assert 0 <= player.position_us() < 20_000
    values = positions(poll(player, 0.6))
    assert values == sorted(values)
    assert 300_000 < values[-1] < 800_000
    assert player.state() is PlayerState.PLAYING


def test_seek_after_the_end_pauses_there(player: VlcPlayer, media: MediaSet) -> None:
    open_paused(player, media["no_audio"], NO_AUDIO_US)
    player.seek(2_800_000)
    player.play()
    poll_until(player, lambda: player.state() is PlayerState.ENDED, timeout=3)
    player.seek(SECOND)
    assert set(positions(poll(player, 0.3))) == {SECOND}
    assert player.state() is PlayerState.PAUSED
    player.play()
    assert SECOND + 200_000 < poll(player, 0.5)[-1][1] < SECOND + 800_000


@pytest.mark.parametrize("kind", ["text_mp4", "truncated"])
def test_unplayable_file_is_an_error_in_one_sentence(player: VlcPlayer, media: MediaSet, kind: str) -> None:
    path = media[kind]
    player.open(path, CFR25_US)
    player.play()
    took = poll_until(player, lambda: player.state() is PlayerState.ERROR, timeout=4)
    assert took < 3
    message = player.error()
    assert message is not None and "\n" not in message and message.endswith(".")
    assert f"'{path.name}'" in message
    player.play()
    assert player.state() is PlayerState.ERROR
    # The player is still usable for the next file.
    open_paused(player, media["cfr25"], CFR25_US)


def test_missing_file_is_an_error(player: VlcPlayer, tmp_path: Path) -> None:
    player.open(tmp_path / "gone.mp4", SECOND)
    poll_until(player, lambda: player.state() is PlayerState.ERROR, timeout=4)
    assert "'gone.mp4'" in (player.error() or "")


def test_close_twice_is_safe(media: MediaSet) -> None:
    p = VlcPlayer(headless=True)
    p.open(media["cfr25"], CFR25_US)
    p.play()
    p.close()
    p.close()
    assert p.state() is PlayerState.EMPTY
    p.tick()
    # Late calls from a UI being torn down must not touch the released libvlc objects.
    p.play()
    p.pause()
    p.seek(SECOND)
    p.set_rate(1.5)
    p.set_volume(50)
    p.set_muted(True)
    p.set_window(12345)
    p.set_loop(None, None)
    assert p.state() is PlayerState.EMPTY
    with pytest.raises(RuntimeError):
        p.open(media["cfr25"], CFR25_US)


class FrameSpy:
    """Receives the frames libvlc shows (video callbacks) and reads their stamped numbers."""

    W, H = 320, 240

    def __init__(self, player: VlcPlayer) -> None:
        import vlc

        self._buffer = (ctypes.c_ubyte * (self.W * self.H * 4))()
        self._lock = threading.Lock()
        self.shown: list[bytes] = []

        # python-vlc ships no type hints: its ctypes callback decorators are untyped.
        @vlc.CallbackDecorators.VideoLockCb  # type: ignore[untyped-decorator]
        def lock(_opaque: Any, planes: Any) -> None:
            planes[0] = ctypes.cast(self._buffer, ctypes.c_void_p)

        @vlc.CallbackDecorators.VideoUnlockCb  # type: ignore[untyped-decorator]
        def unlock(_opaque: Any, _picture: Any, _planes: Any) -> None:
            pass

        @vlc.CallbackDecorators.VideoDisplayCb  # type: ignore[untyped-decorator]
        def display(_opaque: Any, _picture: Any) -> None:
            with self._lock:
                self.shown.append(bytes(self._buffer))

        self._callbacks = (lock, unlock, display)  # libvlc holds raw pointers: keep them alive
        mp = player.vlc_media_player
        mp.video_set_callbacks(lock, unlock, display, None)
        mp.video_set_format("RV32", self.W, self.H, self.W * 4)

    def last_frame(self) -> int | None:
        with self._lock:
            frames = list(self.shown[-3:])
        for data in reversed(frames):
            picture = np.frombuffer(data, np.uint8).reshape(self.H, self.W, 4)[..., :3]
            try:
                return read_frame_number(picture)
            except ValueError:
                continue
        return None


def test_picture_follows_the_position(player: VlcPlayer, media: MediaSet) -> None:
    """What VLC shows: near our position while playing, a little early after a paused seek."""
    spy = FrameSpy(player)
    open_paused(player, media["cfr25"], CFR25_US)
    player.seek(4 * SECOND)
    poll(player, 0.4)
    shown = spy.last_frame()
    assert shown is not None
    # shared/platform.md: a paused seek shows a frame 75-150 ms early (measured here: up to 160 ms).
    assert 4 * SECOND - 250_000 <= shown * 40_000 <= 4 * SECOND
    player.play()
    position = poll(player, 0.8)[-1][1]
    shown = spy.last_frame()
    assert shown is not None
    assert abs(shown * 40_000 - position) < 150_000
