"""PlaybackClock and ClockPlayer on a fake clock, and the parts of the player that need no libvlc."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import itertools
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from vfeedback.media.clock_player import ClockPlayer
from vfeedback.media.player import (
    INSTALL_HINT,
    RATES,
    PlaybackClock,
    PlayerState,
    make_player,
    player_unavailable_reason,
)
from vfeedback.media.vlc_player import vlc_args

SECOND = 1_000_000


class FakeTime:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def now() -> FakeTime:
    return FakeTime()


def one_sentence(text: str | None) -> bool:
    return bool(text) and text is not None and "\n" not in text and text.endswith(".")


# --- PlaybackClock --------------------------------------------------------------------------------


def test_clock_starts_paused_at_zero_and_stays_still(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND)
    now.advance(5)
    assert clock.position_us() == 0
    assert not clock.running


def test_clock_advances_with_wall_time_times_rate(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND)
    clock.play()
    now.advance(0.5)
    assert clock.position_us() == 500_000
    clock.set_rate(2.0)
    assert clock.position_us() == 500_000  # a rate change keeps the position
    now.advance(0.5)
    assert clock.position_us() == 1_500_000
    clock.set_rate(0.25)
    now.advance(2)
    assert clock.position_us() == 2_000_000
    assert clock.rate == 0.25


def test_clock_pause_freezes_and_play_resumes_from_there(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND)
    clock.play()
    now.advance(1.234)
    clock.pause()
    frozen = clock.position_us()
    assert frozen == 1_234_000
    now.advance(3)
    assert clock.position_us() == frozen
    clock.play()
    now.advance(0.1)
    assert clock.position_us() == frozen + 100_000


def test_clock_seek_is_echoed_exactly_when_paused_and_resumes_from_it(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND)
    clock.seek(4_321_987)
    now.advance(2)
    assert clock.position_us() == 4_321_987
    clock.play()
    now.advance(0.25)
    assert clock.position_us() == 4_571_987
    clock.seek(1_000_000)  # backwards while playing: a seek may go back
    assert clock.position_us() == 1_000_000


def test_clock_never_leaves_the_media(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=2 * SECOND)
    clock.seek(-5)
    assert clock.position_us() == 0
    clock.seek(3 * SECOND)
    assert clock.position_us() == 2 * SECOND
    clock.seek(1_900_000)
    clock.play()
    now.advance(1)
    assert clock.position_us() == 2 * SECOND
    assert clock.at_end()
    clock.report(5 * SECOND)
    assert clock.position_us() == 2 * SECOND


def test_clock_without_duration_is_unbounded(now: FakeTime) -> None:
    clock = PlaybackClock(now)
    clock.play()
    now.advance(100)
    assert clock.position_us() == 100 * SECOND
    assert not clock.at_end()


def test_repeated_report_is_stale_and_ignored(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND)
    clock.play()
    clock.report(0)
    now.advance(0.4)
    clock.report(0)  # libvlc still says 0: its time has not been updated yet, we have
    assert clock.position_us() == 400_000


def test_report_within_tolerance_keeps_the_smooth_line(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND, tolerance_us=60_000)
    clock.play()
    now.advance(0.5)
    clock.report(470_000)  # 30 ms behind: the poll's sampling delay, not news
    assert clock.position_us() == 500_000
    clock.report(540_000)  # 40 ms ahead
    assert clock.position_us() == 500_000


def test_report_ahead_beyond_tolerance_jumps_forward(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND, tolerance_us=60_000)
    clock.play()
    now.advance(0.5)
    clock.report(900_000)
    assert clock.position_us() == 900_000
    now.advance(0.1)
    assert clock.position_us() == 1_000_000


def test_report_a_little_behind_holds_still_instead_of_running_backwards(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND, tolerance_us=60_000)
    clock.play()
    now.advance(1.0)
    clock.report(800_000)  # 200 ms behind, e.g. after a stall in decoding
    assert clock.position_us() == 1_000_000
    now.advance(0.15)
    assert clock.position_us() == 1_000_000  # held: the new line (800 + 150) is still below
    now.advance(0.1)
    assert clock.position_us() == 1_050_000  # the new line has overtaken the held value
    now.advance(0.1)
    assert clock.position_us() == 1_150_000


def test_report_far_behind_is_a_real_jump_back(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND, max_hold_us=1_000_000)
    clock.play()
    now.advance(5)
    clock.report(1_000_000)
    assert clock.position_us() == 1_000_000


def test_tolerances_scale_with_a_fast_rate(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND, tolerance_us=60_000)
    clock.set_rate(2.0)
    clock.play()
    now.advance(0.5)
    clock.report(900_000)  # 100 ms behind at 2x is within 2 × 60 ms
    assert clock.position_us() == 1_000_000


def test_reports_while_paused_do_not_move_the_position(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND)
    clock.seek(3 * SECOND)
    clock.report(2_880_000)  # libvlc's paused picture is a little early; our seek is the truth
    assert clock.position_us() == 3 * SECOND
    clock.play()
    now.advance(0.2)
    clock.report(2_880_000)  # the same stale value after resuming is still no news
    assert clock.position_us() == 3_200_000


def test_clock_is_smooth_and_monotonic_under_coarse_libvlc_like_reports(now: FakeTime) -> None:
    """A backend whose time moves in ~0.4 s steps, 15 ms late, polled every 33 ms."""
    clock = PlaybackClock(now, duration_us=60 * SECOND)
    true_start = now()
    clock.play()
    reported = 0
    next_update = true_start + 0.15
    previous = -1
    worst = 0
    distinct = set()
    for i in range(300):
        now.advance(0.033)
        if now() >= next_update:
            reported = round((now() - true_start - 0.015 - 0.004 * (i % 3)) * SECOND)
            next_update += 0.375 + 0.125 * (i % 2)
        clock.report(reported)
        position = clock.position_us()
        assert position >= previous
        previous = position
        distinct.add(position)
        worst = max(worst, abs(position - round((now() - true_start) * SECOND)))
    assert worst <= 60_000
    assert len(distinct) >= 295  # it moves at every poll, not in libvlc's steps


def test_clock_reset_keeps_the_rate(now: FakeTime) -> None:
    clock = PlaybackClock(now, duration_us=10 * SECOND)
    clock.set_rate(1.5)
    clock.play()
    now.advance(1)
    clock.reset(3 * SECOND)
    assert (clock.position_us(), clock.running, clock.duration_us, clock.rate) == (0, False, 3 * SECOND, 1.5)


# --- ClockPlayer ----------------------------------------------------------------------------------


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"not decoded by ClockPlayer")
    return path


@pytest.fixture
def player(now: FakeTime, video: Path) -> Iterator[ClockPlayer]:
    p = ClockPlayer(now=now)
    p.open(video, 10 * SECOND)
    yield p
    p.close()


def run(player: ClockPlayer, now: FakeTime, seconds: float, step: float = 0.033) -> list[int]:
    """Poll like the UI's timer does; return the positions seen."""
    seen = []
    for _ in range(round(seconds / step)):
        now.advance(step)
        seen.append(player.tick())
    return seen


def test_new_clock_player_is_empty_and_ignores_commands(now: FakeTime) -> None:
    p = ClockPlayer(now=now)
    p.play()
    p.seek(SECOND)
    assert (p.state(), p.tick(), p.position_us(), p.duration_us(), p.error()) == (
        PlayerState.EMPTY, 0, 0, 0, None
    )  # fmt: skip


def test_open_is_paused_at_zero(player: ClockPlayer) -> None:
    assert player.state() is PlayerState.PAUSED
    assert (player.position_us(), player.duration_us(), player.error()) == (0, 10 * SECOND, None)


def test_open_missing_file_is_an_error_in_one_sentence(now: FakeTime, tmp_path: Path) -> None:
    p = ClockPlayer(now=now)
    p.open(tmp_path / "gone\nclip.mp4", SECOND)
    assert p.state() is PlayerState.ERROR
    assert p.error() == "The file 'gone?clip.mp4' does not exist."
    p.play()
    assert p.state() is PlayerState.ERROR


def test_play_pause_toggle(player: ClockPlayer, now: FakeTime) -> None:
    player.play()
    seen = run(player, now, 1.0)
    assert seen == sorted(seen)
    assert abs(seen[-1] - SECOND) <= 33_000
    player.toggle()
    assert player.state() is PlayerState.PAUSED
    frozen = player.position_us()
    assert run(player, now, 0.5) == [frozen] * 15
    player.toggle()
    assert player.state() is PlayerState.PLAYING


def test_rate_is_honoured_and_checked(player: ClockPlayer, now: FakeTime) -> None:
    assert player.rate() == 1.0
    player.play()
    for rate in RATES:
        start = player.tick()
        player.set_rate(rate)
        now.advance(1)
        assert player.tick() - start == round(rate * SECOND)
    with pytest.raises(ValueError):
        player.set_rate(0)
    with pytest.raises(ValueError):
        player.set_rate(10)


def test_seek_paused_and_playing(player: ClockPlayer, now: FakeTime) -> None:
    player.seek(7_654_321)
    assert run(player, now, 0.2)[-1] == 7_654_321
    player.play()
    player.seek(2 * SECOND)
    assert player.position_us() == 2 * SECOND
    assert abs(run(player, now, 0.5)[-1] - 2_500_000) <= 33_000
    player.seek(99 * SECOND)
    assert player.position_us() == 10 * SECOND


def test_end_of_media_then_play_restarts_from_the_beginning(player: ClockPlayer, now: FakeTime) -> None:
    player.seek(9_500_000)
    player.play()
    seen = run(player, now, 1.0)
    assert player.state() is PlayerState.ENDED
    assert seen[-1] == player.position_us() == 10 * SECOND
    player.play()
    assert player.state() is PlayerState.PLAYING
    assert player.position_us() == 0
    assert abs(run(player, now, 0.3)[-1] - 300_000) <= 33_000


def test_seek_after_end_pauses_there(player: ClockPlayer, now: FakeTime) -> None:
    player.seek(9_900_000)
    player.play()
    run(player, now, 0.5)
    assert player.state() is PlayerState.ENDED
    player.seek(SECOND)
    assert (player.state(), player.position_us()) == (PlayerState.PAUSED, SECOND)


def test_stop_pauses_at_the_start(player: ClockPlayer, now: FakeTime) -> None:
    player.play()
    run(player, now, 0.5)
    player.stop()
    assert (player.state(), player.position_us()) == (PlayerState.PAUSED, 0)


def test_loop_seeks_back_when_the_end_is_passed(player: ClockPlayer, now: FakeTime) -> None:
    player.set_loop(2 * SECOND, 3 * SECOND)
    assert player.loop() == (2 * SECOND, 3 * SECOND)
    player.seek(2 * SECOND)
    player.play()
    seen = run(player, now, 3.5)
    assert all(2 * SECOND <= p < 3 * SECOND for p in seen)
    wraps = sum(1 for a, b in itertools.pairwise(seen) if b < a)
    assert wraps == 3
    assert player.state() is PlayerState.PLAYING


def test_loop_running_to_the_end_of_media_wraps_instead_of_ending(player: ClockPlayer, now: FakeTime) -> None:
    player.set_loop(9 * SECOND, 20 * SECOND)  # the end is clamped to the media
    assert player.loop() == (9 * SECOND, 10 * SECOND)
    player.seek(9 * SECOND)
    player.play()
    seen = run(player, now, 1.5)
    assert player.state() is PlayerState.PLAYING
    assert min(seen) >= 9 * SECOND
    assert any(b < a for a, b in itertools.pairwise(seen))


def test_loop_is_not_forced_on_a_playhead_already_past_it(player: ClockPlayer, now: FakeTime) -> None:
    player.set_loop(SECOND, 2 * SECOND)
    player.seek(5 * SECOND)
    player.play()
    seen = run(player, now, 1.0)
    assert seen == sorted(seen) and seen[-1] > 5 * SECOND


def test_loop_cleared_and_checked(player: ClockPlayer) -> None:
    player.set_loop(SECOND, 2 * SECOND)
    player.set_loop(None, None)
    assert player.loop() is None
    for bad in ((2 * SECOND, SECOND), (SECOND, SECOND), (-1, SECOND), (None, SECOND), (SECOND, None)):
        with pytest.raises(ValueError):
            player.set_loop(*bad)


def test_volume_and_mute_round_trip(player: ClockPlayer) -> None:
    assert (player.volume(), player.muted()) == (100, False)
    player.set_volume(35)
    player.set_muted(True)
    assert (player.volume(), player.muted()) == (35, True)
    player.set_volume(250)
    assert player.volume() == 100
    player.set_volume(-3)
    assert player.volume() == 0


def test_commands_while_opening_apply_once_open(now: FakeTime, video: Path) -> None:
    class SlowOpen(ClockPlayer):
        def _backend_open(self, path: Path) -> None:
            pass  # stays OPENING until the test says so

    p = SlowOpen(now=now)
    p.open(video, 10 * SECOND)
    p.seek(3 * SECOND)
    p.play()
    assert (p.state(), p.position_us()) == (PlayerState.OPENING, 3 * SECOND)
    now.advance(1)
    assert p.position_us() == 3 * SECOND  # not playing yet
    p._opened()
    assert p.state() is PlayerState.PLAYING
    now.advance(0.5)
    assert p.tick() == 3_500_000


def test_close_is_final_and_idempotent(player: ClockPlayer, video: Path) -> None:
    player.close()
    player.close()
    assert player.state() is PlayerState.EMPTY
    assert player.tick() == 0
    player.play()
    player.seek(SECOND)
    player.set_rate(2.0)
    player.set_volume(10)
    assert (player.state(), player.position_us()) == (PlayerState.EMPTY, 0)
    with pytest.raises(RuntimeError):
        player.open(video, SECOND)


# --- libvlc's arguments and its absence -------------------------------------------------------------


def test_vlc_args_are_quiet_offline_and_headless_on_request() -> None:
    args = vlc_args(headless=True, platform="linux", extra=["--verbose=2"])
    for option in ("--quiet", "--no-lua", "--no-metadata-network-access", "--no-video-title-show"):
        assert option in args
    assert args[-3:] == ["--vout=dummy", "--aout=dummy", "--verbose=2"]
    assert "--no-xlib" in args
    windowed = vlc_args(headless=False, platform="win32")
    assert not any(a.startswith(("--vout", "--aout")) or a == "--no-xlib" for a in windowed)


@pytest.fixture
def fresh_reason() -> Iterator[None]:
    player_unavailable_reason.cache_clear()
    yield
    player_unavailable_reason.cache_clear()


class _NoLibvlc(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``vlc`` the way python-vlc fails when libvlc.so is missing."""

    def find_spec(
        self, name: str, path: object, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        return importlib.machinery.ModuleSpec(name, self) if name == "vlc" else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        raise NotImplementedError("Cannot find libvlc lib")


def test_missing_libvlc_is_one_sentence_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch, fresh_reason: None, now: FakeTime
) -> None:
    monkeypatch.delitem(sys.modules, "vlc", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoLibvlc(), *sys.meta_path])
    reason = player_unavailable_reason()
    assert one_sentence(reason)
    assert reason is not None and INSTALL_HINT in reason and "libvlc" in reason
    assert isinstance(make_player(headless=True), ClockPlayer)


def test_missing_python_vlc_says_so(monkeypatch: pytest.MonkeyPatch, fresh_reason: None) -> None:
    monkeypatch.setitem(sys.modules, "vlc", None)  # makes `import vlc` fail as if not installed
    reason = player_unavailable_reason()
    assert one_sentence(reason) and reason is not None and "python-vlc" in reason


def test_libvlc_that_does_not_start_says_so(monkeypatch: pytest.MonkeyPatch, fresh_reason: None) -> None:
    monkeypatch.setitem(sys.modules, "vlc", types.SimpleNamespace(Instance=lambda args: None))
    reason = player_unavailable_reason()
    assert one_sentence(reason) and reason is not None and INSTALL_HINT in reason


def test_player_module_imports_without_libvlc() -> None:
    code = (
        "import sys; sys.modules['vlc'] = None\n"
        "import vfeedback.media.player, vfeedback.media.clock_player, vfeedback.media.vlc_player\n"
        "print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr
