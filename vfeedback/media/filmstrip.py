"""The timeline's filmstrip: small upright thumbnails at regular times, from one ffmpeg pass.

One ffmpeg process decodes the video once and streams raw RGB thumbnails through a pipe, so each one
reaches ``on_thumb`` as soon as it is decoded. Why this filter chain (measured on a busy 2-core machine,
20 minutes of 640x360 ultrafast H.264 and 1 minute of 720p H.264 with deblocking and 1 s GOPs; the
frame checks on the test media of tests/test_filmstrip.py):

- ``fps=<1/interval>:round=up`` keeps, for each time ``k * interval``, the last frame starting at or
  before it: the frame on screen then, 0 wrong of 40 on CFR, 29.97 and VFR media. The same filter with
  its default ``round=near`` takes frames up to half an interval early or late (all wrong, by up to 8
  frames); ``select`` on ``t - prev_selected_t`` takes the first frame at or after each time and drifts
  (19 of 20 wrong, up to 10 frames); ``thumbnail`` picks by content; ``-skip_frame nokey`` is ~9x faster
  but shows keyframes up to a GOP (here 45 frames) away.
- Decoding every frame is the whole cost: the pass takes as long as a bare decode to ``-f null``.
  ``scale`` after ``fps`` scales 600 pictures instead of 30,000 (scaling first cost 14-60% more), and
  ``-noautorotate`` plus our own ``transpose`` after ``scale`` turns thumbnails, not whole frames.
- ``-skip_loop_filter all`` skips H.264/HEVC deblocking: 14-17% less CPU. The frames chosen are the
  same; the pictures differ by 0.01 grey levels on average at 54 px at ordinary bitrates, and by ~2.5
  (some smearing) on starved long-GOP video, which a 54-pixel thumbnail can afford.
- Decoder threads stay at ffmpeg's default. On the busy 2-core machine ``-threads 1`` used ~12% less
  CPU and was no slower, but threads are what let an idle or larger machine finish sooner (expected,
  not measured here).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Cancelled, ShouldCancel
from vfeedback.core.media_info import MediaInfo
from vfeedback.media.frameindex import PROGRESS_INTERVAL_S
from vfeedback.media.names import quoted_name
from vfeedback.media.probe import ffmpeg_url
from vfeedback.system import processes

if TYPE_CHECKING:
    import numpy as np

    Thumb = np.ndarray[Any, np.dtype[np.uint8]]

NICE_INTERVALS_US = tuple(
    int(s * 1_000_000) for s in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)
)
STDERR_KEEP = 64 * 1024  # bytes of ffmpeg's stderr kept for the error sentence
_READ_SIZE = 1 << 20
_MAX_BUFFERED = 4 << 20


def choose_interval(duration_us: int, target_count: int = 600) -> int:
    """The shortest nice interval (0.5, 1, 2, 5, 10 s...) giving at most ``target_count`` thumbnails."""
    if target_count < 1:
        raise ValueError("target_count must be at least 1")
    for interval in NICE_INTERVALS_US:
        if _count(duration_us, interval) <= target_count:
            return interval
    return NICE_INTERVALS_US[-1]


def _count(duration_us: int, interval_us: int) -> int:
    """Times 0, interval, 2*interval... before ``duration_us`` (at least the first frame)."""
    return max(1, -(-duration_us // interval_us))


def thumb_size(info: MediaInfo, height: int) -> tuple[int, int]:
    """(width, height) of an upright thumbnail ``height`` pixels high with the display aspect ratio."""
    if height < 2:
        raise ValueError("height must be at least 2 pixels")
    dw, dh = max(info.display_width, 1), max(info.display_height, 1)
    return max(2, round(height * dw / dh)), height


def thumb_times(frames: FrameIndex, interval_us: int) -> list[tuple[int, int]]:
    """(requested time, time of the frame on screen then) for each thumbnail, in microseconds.

    Times stop at the last frame's start: how long the last frame lasts is a guess (FrameIndex and
    ffmpeg guess differently), and ffmpeg emits nothing past its own guess.

    ffmpeg compares exact timestamps, FrameIndex microseconds rounded to the nearest. They agree
    whenever each requested time is a whole number of the stream's clock ticks (true of the nice
    intervals for the usual 1/90000, 1/30000, 1/12800, 1/1000 and 1/600 s clocks); otherwise, for a
    frame starting less than 0.5 µs after a requested time, the time would name it while the picture
    shows the frame before.
    """
    count = frames.times[-1] // interval_us + 1
    return [(k * interval_us, frames.snap(k * interval_us)) for k in range(count)]


def filmstrip_argv(
    path: Path,
    *,
    interval_us: int,
    size: tuple[int, int],
    rotation: int = 0,
    ffmpeg: str = "ffmpeg",
) -> list[str]:
    """The ffmpeg command writing one ``size`` RGB24 thumbnail per ``interval_us`` to its stdout.

    ``rotation`` is the clockwise turn the picture needs (MediaInfo.rotation); ``size`` is upright.
    """
    rate = _rate(interval_us)
    width, height = size
    turn = {0: "", 90: ",transpose=clock", 180: ",hflip,vflip", 270: ",transpose=cclock"}[rotation % 360]
    # Before the turn a portrait picture is still lying on its side.
    coded_w, coded_h = (height, width) if rotation % 180 else (width, height)
    chain = (
        # The first frame (not the file's start, which may be the audio's) is time 0, as in FrameIndex.
        "setpts=PTS-STARTPTS,"
        f"fps=fps={rate.numerator}/{rate.denominator}:round=up,"
        f"scale={coded_w}:{coded_h}:flags=area{turn}"
    )
    return [
        ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-v", "error",
        "-noautorotate", "-skip_loop_filter", "all",
        "-i", ffmpeg_url(path),
        "-map", "0:V:0", "-vf", chain,
        # No re-timing by the muxer: every picture the filter emits is one thumbnail.
        "-fps_mode", "passthrough",
        "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1",
    ]  # fmt: skip


def _rate(interval_us: int) -> Fraction:
    if interval_us <= 0:
        raise ValueError("interval_us must be positive")
    rate = Fraction(1_000_000, interval_us)
    # ffmpeg parses the rate as a double and rationalises it with denominators up to 1001000; beyond
    # that it would be rounded and the thumbnails would slide off the requested times.
    if rate.denominator > 1_001_000 or rate.numerator > 1_001_000:
        raise ValueError(f"interval of {interval_us} µs cannot be given to ffmpeg exactly")
    return rate


def filmstrip(
    path: Path,
    info: MediaInfo,
    *,
    interval_us: int,
    height: int = 54,
    frames: FrameIndex | None = None,
    on_thumb: Callable[[int, Thumb], None] | None = None,
    should_cancel: ShouldCancel | None = None,
    ffmpeg: str = "ffmpeg",
) -> list[tuple[int, Thumb]]:
    """(frame time in µs, H x W x 3 RGB uint8 thumbnail) for the times 0, interval, 2 * interval...

    Each thumbnail is the frame on screen at its time, and is passed to ``on_thumb`` (on this thread)
    as soon as ffmpeg has decoded it. ``frames`` is the recording's frame index (built here when not
    given, ~0.5 s per 20 minutes). ``should_cancel`` returning True kills ffmpeg and raises Cancelled;
    an ffmpeg failure raises BadInput with one sentence.
    """
    import numpy as np

    if frames is None:
        from vfeedback.media.frameindex import build_frame_index

        frames = build_frame_index(path, should_cancel=should_cancel)
    times = thumb_times(frames, interval_us)
    width, height = thumb_size(info, height)
    argv = filmstrip_argv(
        path, interval_us=interval_us, size=(width, height), rotation=info.rotation, ffmpeg=ffmpeg
    )
    frame_bytes = width * height * 3
    pending = bytearray()
    thumbs: list[tuple[int, Thumb]] = []

    def take(data: bytearray) -> None:
        pending.extend(data)
        whole = len(pending) // frame_bytes * frame_bytes
        for start in range(0, whole, frame_bytes):
            # ffmpeg may repeat the last frame once past the end; those are not ours to show.
            if len(thumbs) < len(times):
                # Copied at once: no view may outlive this loop, or the bytearray could not shrink.
                thumb = np.frombuffer(pending, np.uint8, frame_bytes, start).reshape(height, width, 3).copy()
                thumbs.append((times[len(thumbs)][1], thumb))
                if on_thumb is not None:
                    on_thumb(*thumbs[-1])
        del pending[:whole]

    run_ffmpeg(argv, take, should_cancel, failure=f"make the filmstrip of {quoted_name(path)}", path=path)
    return thumbs


def run_ffmpeg(
    argv: list[str],
    on_data: Callable[[bytearray], None],
    should_cancel: ShouldCancel | None,
    *,
    failure: str,
    path: Path | None = None,
) -> None:
    """Run ffmpeg, passing its stdout to ``on_data`` (on this thread) as it arrives.

    ``should_cancel`` is asked ~20 times a second even while ffmpeg is silent; True kills and reaps
    ffmpeg and raises Cancelled. A non-zero exit raises BadInput "vfeedback could not <failure>: <why>."
    """
    try:
        with processes.running(argv, stdout=processes.PIPE, stderr=processes.PIPE) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            # Reader threads rather than select(): Windows cannot select() on pipes.
            out = _Pump(proc.stdout.fileno())
            err = _Pump(proc.stderr.fileno(), keep=STDERR_KEEP)
            try:
                _pass_on(out, on_data, should_cancel)
            finally:
                if proc.poll() is None:
                    proc.kill()  # the frames are thrown away: no need to let ffmpeg finish
                status = proc.wait()
                out.stop()
                err.join()
    except processes.CannotStart as exc:
        raise BadInput(
            f"vfeedback could not {failure}: it needs the ffmpeg program (on Debian or Ubuntu: "
            "sudo apt install ffmpeg)."
        ) from exc
    if status != 0:
        raise BadInput(f"vfeedback could not {failure}: {_why(err.text, path)}.")


def _pass_on(
    out: _Pump, on_data: Callable[[bytearray], None], should_cancel: ShouldCancel | None
) -> None:
    next_check = 0.0
    while True:
        if should_cancel is not None and time.monotonic() >= next_check:
            next_check = time.monotonic() + PROGRESS_INTERVAL_S
            if should_cancel():
                raise Cancelled
        data, ended = out.take(PROGRESS_INTERVAL_S)
        if data:
            on_data(data)
        elif ended:
            return


class _Pump:
    """Reads a pipe on a thread into a buffer that the caller empties whole.

    Handing over everything read so far (not one read at a time) keeps the per-read cost off the
    caller. At ``_MAX_BUFFERED`` the thread stops reading, so a slow caller slows ffmpeg down instead
    of filling memory.
    """

    def __init__(self, fd: int, keep: int | None = None) -> None:
        self._fd = fd
        self._keep = keep  # keep only the last bytes (stderr); None: keep all until taken
        self._buf = bytearray()
        self._ended = False
        self._stopped = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while data := os.read(self._fd, _READ_SIZE):
                with self._ready:
                    while self._keep is None and len(self._buf) >= _MAX_BUFFERED and not self._stopped:
                        self._ready.wait()
                    if not self._stopped:
                        self._buf += data
                    if self._keep is not None and len(self._buf) > self._keep:
                        del self._buf[: len(self._buf) - self._keep]
                    self._ready.notify_all()
        except OSError:
            pass  # the pipe was closed under us: treat it as the end
        finally:
            with self._ready:
                self._ended = True
                self._ready.notify_all()

    def take(self, timeout: float) -> tuple[bytearray, bool]:
        """(everything read and not yet taken, whether the pipe has ended), waiting up to ``timeout``."""
        with self._ready:
            if not self._buf and not self._ended:
                self._ready.wait(timeout)
            data, self._buf = self._buf, bytearray()  # hand the buffer over instead of copying it
            self._ready.notify_all()
            return data, self._ended and not data

    @property
    def text(self) -> bytes:
        with self._ready:
            return bytes(self._buf)

    def stop(self) -> None:
        """Discard what is unread and let the thread run to the pipe's end (the process is gone)."""
        with self._ready:
            self._stopped = True
            self._buf.clear()
            self._ready.notify_all()
        self._thread.join()

    def join(self) -> None:
        self._thread.join()


def _why(stderr: bytes, path: Path | None) -> str:
    """ffmpeg's last complaint, without the folder (it can name a family) and without its prefix."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    if not lines:
        return "ffmpeg stopped without saying why"
    line = lines[-1]
    if path is not None:
        for spelled in (ffmpeg_url(path), str(path.absolute()), str(path)):
            line = line.replace(spelled, path.name)
    if line.startswith("[") and "] " in line:
        line = line.split("] ", 1)[1]
    if path is not None and line.startswith(path.name + ": "):
        line = line[len(path.name) + 2 :]  # the sentence names the file already
    line = "".join(ch if ch.isprintable() else "?" for ch in line).rstrip(".")
    return line[:200]
