"""VlcPlayer: the Player with picture and sound, through libvlc 3 (python-vlc).

libvlc is good at smooth playback with sound and poor as a source of position (shared/platform.md):
``get_time()`` moves in 250-500 ms steps, so the position comes from a PlaybackClock that VLC's reports
only correct. The state machine is ClockPlayer's; this class drives VLC from its hooks.

Threads: libvlc calls event handlers on its own threads. They only bump counters (``_EventCounts``);
everything else, including every libvlc call, happens on the caller's thread in ``tick()`` and the
commands. A handler must never call libvlc (it would deadlock) nor reach the UI.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from vfeedback.core.text import quoted_name
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.media.player import INSTALL_HINT, PlayerState, PlayerUnavailable

# A file VLC opens but in which it finds no video track within this time is not a video it can play
# (a text file named .mp4, an MP4 without its index): libvlc reports no error for those.
NO_PICTURE_GRACE_S = 1.0
OPEN_TIMEOUT_S = 5.0

_QUIET_AND_OFFLINE = (
    "--quiet",  # libvlc logs to stderr otherwise
    "--ignore-config",  # a user's vlcrc must not change how we play (it is libvlc's default too)
    "--no-lua",  # Lua scripts are playlist parsers, art fetchers and extensions: network, not needed
    "--no-metadata-network-access",  # never look up a family's video on the internet
    "--no-video-title-show",  # no file name painted over the picture
    "--no-osd",
    "--no-spu",  # the UI draws its own overlays; no subtitles or on-screen display from VLC
    "--no-sub-autodetect-file",  # nor a subtitle file that happens to lie beside the video
    "--no-snapshot-preview",
    "--no-stats",
    "--no-keyboard-events",  # keys and clicks on the video belong to Qt
    "--no-mouse-events",
)


def vlc_args(headless: bool, platform: str = sys.platform, extra: Sequence[str] = ()) -> list[str]:
    """libvlc's arguments for a player (a pure function, so tests can assert them)."""
    args = list(_QUIET_AND_OFFLINE)
    if platform.startswith("linux"):
        # Qt owns the X connection through xcb; Xlib without XInitThreads is not thread-safe, and the
        # plain X11 output it leaves shows truer colours than the GL one.
        args.append("--no-xlib")
    if headless:
        args += ["--vout=dummy", "--aout=dummy"]
    args += extra
    return args


def load_vlc() -> ModuleType:
    """The python-vlc module, or PlayerUnavailable saying what to install."""
    try:
        import vlc
    except ModuleNotFoundError as exc:
        if exc.name != "vlc":
            raise _libvlc_missing() from exc
        raise PlayerUnavailable(
            "Video playback needs the python-vlc package, which is not installed: "
            "reinstall vfeedback with its dependencies (pip install python-vlc)."
        ) from exc
    except Exception as exc:
        # python-vlc raises NotImplementedError or OSError when it cannot find or load libvlc, and
        # NameError when the libvlc it found lacks a function: all mean no playback.
        raise _libvlc_missing() from exc
    module: ModuleType = vlc
    return module


def _libvlc_missing() -> PlayerUnavailable:
    return PlayerUnavailable(
        "Video playback needs the VLC library (libvlc), which was not found: "
        f"on Debian or Ubuntu install it with {INSTALL_HINT}."
    )


def _new_instance(vlc: ModuleType, args: Sequence[str]) -> Any:
    instance = vlc.Instance(list(args))
    if instance is None:
        raise PlayerUnavailable(
            "The VLC library (libvlc) is installed but does not start, most likely because its "
            f"plugins are missing: on Debian or Ubuntu install them with {INSTALL_HINT}."
        )
    return instance


def check_libvlc() -> None:
    """Raise PlayerUnavailable unless libvlc loads and starts with our arguments."""
    vlc = load_vlc()
    _new_instance(vlc, vlc_args(headless=True)).release()


class _EventCounts:
    """How many of each libvlc event arrived; written on libvlc's threads, read on ours."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = {"ready": 0, "ended": 0, "error": 0}

    def bump(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


class VlcPlayer(ClockPlayer):
    """A Player showing picture and playing sound through libvlc. See player.Player for the contract.

    Raises PlayerUnavailable when libvlc is missing or does not start.
    """

    def __init__(
        self,
        headless: bool = False,
        extra_args: Sequence[str] = (),
        *,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(now=now)
        self._vlc = load_vlc()
        self._instance = _new_instance(self._vlc, vlc_args(headless, extra=extra_args))
        self._mp = self._instance.media_player_new()
        self._mp.video_set_key_input(False)
        self._mp.video_set_mouse_input(False)
        self._events = _EventCounts()
        self._seen = self._events.snapshot()
        self._attached: list[Any] = []
        self._attach_events()
        # VLC's input: started (play() called on a media) / ready (paused on its first frame with a
        # video track). Commands before it is ready wait in _pending_seek and the player's state.
        self._started_at: float | None = None
        self._ready = False
        self._reached_at: float | None = None  # when VLC first said Paused/Playing for this input
        self._pending_seek: int | None = None
        self._had_window = False

    @property
    def vlc_media_player(self) -> Any:
        """The python-vlc MediaPlayer underneath, for tests and diagnostics: drive playback through
        the Player methods, or the player's state and clock go wrong."""
        return self._mp

    def _attach_events(self) -> None:
        kinds = {
            "MediaPlayerPlaying": "ready",
            "MediaPlayerPaused": "ready",
            "MediaPlayerEndReached": "ended",
            "MediaPlayerEncounteredError": "error",
        }
        manager = self._mp.event_manager()
        counts = self._events
        for name, kind in kinds.items():
            event_type = getattr(self._vlc.EventType, name)
            manager.event_attach(event_type, lambda _event, k=kind: counts.bump(k))
            self._attached.append(event_type)

    # --- hooks -----------------------------------------------------------------------------------

    def _backend_open(self, path: Path) -> None:
        self._mp.stop()
        media = self._instance.media_new_path(str(path))
        # Opened paused: the input stops before the first frame, so nothing plays until play().
        media.add_option(":start-paused")
        self._mp.set_media(media)
        media.release()
        self._start_input(None)

    def _backend_restart(self, at_us: int) -> None:
        # After the end libvlc keeps its finished input, and play() alone does nothing: stop first.
        self._mp.stop()
        self._start_input(at_us if at_us > 0 else None)

    def _start_input(self, seek_us: int | None) -> None:
        self._seen = self._events.snapshot()  # stop() has joined the old input: no events of it follow
        self._ready = False
        self._reached_at = None
        self._pending_seek = seek_us
        self._started_at = self._now()
        if self._mp.play() != 0:
            self._fail(f"The video player could not open the file {self._name()}.")

    def _backend_poll(self) -> None:
        counts = self._events.snapshot()
        if counts["error"] > self._seen["error"]:
            self._fail(f"The video player could not play the file {self._name()}.")
            self._mp.stop()
            return
        if not self._ready:
            self._poll_opening(counts)
            return
        if counts["ended"] > self._seen["ended"]:
            self._seen = counts
            self._media_ended()
            return
        if self._state is PlayerState.PLAYING:
            reported_ms = self._mp.get_time()
            if reported_ms >= 0:
                self._clock.report(reported_ms * 1000)

    def _poll_opening(self, counts: dict[str, int]) -> None:
        now = self._now()
        if counts["ended"] > self._seen["ended"]:
            self._seen = counts
            self._fail(f"The file {self._name()} cannot be played: the video player found no picture in it.")
        elif counts["ready"] > self._seen["ready"]:
            if self._mp.video_get_track_count() > 0:
                self._seen = counts
                self._become_ready()
                return
            self._reached_at = self._reached_at or now
            if now - self._reached_at >= NO_PICTURE_GRACE_S:
                self._fail(
                    f"The file {self._name()} cannot be played: the video player found no picture in it."
                )
        elif self._started_at is not None and now - self._started_at >= OPEN_TIMEOUT_S:
            self._fail(f"The file {self._name()} took too long to open in the video player.")
        if self._state is PlayerState.ERROR:
            self._mp.stop()

    def _become_ready(self) -> None:
        self._ready = True
        self._backend_audio()  # the audio output may be new with this input
        if self._pending_seek is not None:
            self._mp.set_time(_ms(self._pending_seek))
            self._pending_seek = None
        self._opened()
        if self._state is PlayerState.PLAYING:
            self._mp.set_pause(0)

    def _backend_play(self) -> None:
        if self._ready:
            self._mp.set_pause(0)

    def _backend_pause(self) -> None:
        if self._ready:
            self._mp.set_pause(1)
        else:
            # Still (re)starting: it will stay paused, and must show where the clock stopped.
            self._pending_seek = self._clock.position_us()

    def _backend_seek(self, us: int) -> None:
        if self._ready:
            self._mp.set_time(_ms(us))
        else:
            self._pending_seek = us

    def _backend_rate(self, rate: float) -> None:
        self._mp.set_rate(rate)

    def _backend_audio(self) -> None:
        self._mp.audio_set_volume(self._volume)
        self._mp.audio_set_mute(self._muted)

    def _backend_window(self, handle: int | None) -> None:
        # Any set_xwindow call, even set_xwindow(0), makes libvlc choose the video output itself and
        # ignore --vout=dummy (measured: a headless player then drew ASCII art on the terminal), and
        # "no window" means VLC opens a window of its own. So None only undoes an earlier window.
        if handle is None and not self._had_window:
            return
        self._had_window = True
        if sys.platform.startswith("win"):
            self._mp.set_hwnd(handle)
        elif sys.platform == "darwin":
            self._mp.set_nsobject(handle)
        else:
            self._mp.set_xwindow(handle or 0)

    def _backend_close(self) -> None:
        manager = self._mp.event_manager()
        for event_type in self._attached:
            manager.event_detach(event_type)
        self._attached.clear()
        self._mp.stop()
        self._mp.release()
        self._instance.release()

    def _name(self) -> str:
        return quoted_name(self._path) if self._path is not None else "''"


def _ms(us: int) -> int:
    return (us + 500) // 1000
