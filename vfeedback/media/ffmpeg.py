"""The one way vfeedback runs the ffmpeg command line (clips, reels, previews, filmstrips, sound).

A run is started by the owner of child processes (``system.processes``: it dies with us), and either
its ``-progress pipe:1`` reports become a 0..1 fraction, or its raw output (pictures, samples) is
handed on as it arrives. Cancel is honoured even while ffmpeg says nothing. What ffmpeg said on
stderr is kept (its last part, with folders taken out of paths: a folder can name a family) for the
caller's one sentence and a details box. The caller owns the argv (a pure function builds each one)
and the sentence; this module owns the running.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel
from vfeedback.system import processes

POLL_S = 0.05
"""How often a silent ffmpeg is asked whether to cancel."""
STDERR_KEEP = 64 * 1024
DETAIL_LINES = 15
_READ_SIZE = 1 << 20
_MAX_BUFFERED = 4 << 20
_NO_SPACE = "No space left on device"

OnData = Callable[[bytearray], None]
CannotStart = processes.CannotStart
"""Raised when the ffmpeg program is missing or cannot run."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a run ended: its exit status and the last of what it said (folders taken out)."""

    status: int
    said: str

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def details(self) -> str:
        """Its last few non-empty lines, for a details box."""
        lines = [line.rstrip() for line in self.said.splitlines() if line.strip()]
        return "\n".join(lines[-DETAIL_LINES:])

    @property
    def last_words(self) -> str:
        """Its last complaint, one printable line without its ``[component @ 0x..]`` prefix."""
        lines = [line.strip() for line in self.said.splitlines() if line.strip()]
        if not lines:
            return "it stopped without saying why"
        line = lines[-1]
        if line.startswith("[") and "] " in line:
            line = line.split("] ", 1)[1]
        return "".join(ch if ch.isprintable() else "?" for ch in line).rstrip(".")[:200]

    @property
    def disk_full(self) -> bool:
        return _NO_SPACE in self.said


def run(
    argv: Sequence[str],
    *,
    duration_us: int = 0,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    cap: float = 1.0,
    on_data: OnData | None = None,
    nice: int = 0,
    hide: Iterable[Path] = (),
) -> Outcome:
    """Run ``argv`` to its end and return how it ended.

    Without ``on_data``, ffmpeg's stdout is its ``-progress`` report: ``out_time_us`` against
    ``duration_us`` goes to ``progress`` (at most ``cap``). With ``on_data``, stdout is the product
    (raw frames or samples), handed over on this thread as it arrives. ``should_cancel`` returning
    True stops ffmpeg at once and raises Cancelled. ``nice`` lowers its priority (background work).
    ``hide``: files whose folders are taken out of what it said. Raises CannotStart."""
    with tempfile.TemporaryFile() as said, processes.running(
        argv, stdout=processes.PIPE, stderr=said
    ) as proc:
        if nice:
            with contextlib.suppress(OSError):  # it may have finished already
                os.setpriority(os.PRIO_PROCESS, proc.pid, nice)
        assert proc.stdout is not None
        pump = _Pump(proc.stdout.fileno())
        try:
            if on_data is not None:
                _pass_on(pump, on_data, should_cancel)
            else:
                _follow(pump, duration_us, progress, should_cancel, cap)
        finally:
            if proc.poll() is None:
                proc.kill()  # cancelled or failed: what it was writing is thrown away
            status = proc.wait()
            pump.stop()
        return Outcome(status, _tail(said, hide))


def stream(
    argv: Sequence[str],
    on_data: OnData,
    should_cancel: ShouldCancel | None,
    *,
    failure: str,
    path: Path | None = None,
) -> None:
    """``run`` for a product read from stdout (``on_data``, on this thread). A missing ffmpeg or a
    failed run raises BadInput "vfeedback could not <failure>: <why>."."""
    try:
        outcome = run(argv, on_data=on_data, should_cancel=should_cancel, hide=[path] if path else [])
    except CannotStart as exc:
        raise BadInput(
            f"vfeedback could not {failure}: it needs the ffmpeg program (on Debian or Ubuntu: "
            "sudo apt install ffmpeg)."
        ) from exc
    if not outcome.ok:
        why = outcome.last_words
        if path is not None and why.startswith(path.name + ": "):
            why = why[len(path.name) + 2 :]  # the sentence names the file already
        raise BadInput(f"vfeedback could not {failure}: {why}.")


def _follow(
    pump: _Pump, duration_us: int, progress: Progress | None, should_cancel: ShouldCancel | None, cap: float
) -> None:
    pending = b""
    while True:
        if should_cancel is not None and should_cancel():
            raise Cancelled
        data, ended = pump.take(POLL_S)
        if data:
            pending += bytes(data)
            *lines, pending = pending.split(b"\n")
            for line in lines:
                key, _, value = line.decode("utf-8", "replace").strip().partition("=")
                if key == "out_time_us" and progress is not None and duration_us > 0:
                    with contextlib.suppress(ValueError):  # "N/A" before the first frame
                        progress(min(max(int(value) / duration_us, 0.0), cap))
        elif ended:
            return


def _pass_on(pump: _Pump, on_data: OnData, should_cancel: ShouldCancel | None) -> None:
    while True:
        if should_cancel is not None and should_cancel():
            raise Cancelled
        data, ended = pump.take(POLL_S)
        if data:
            on_data(data)
        elif ended:
            return


def _tail(said: IO[bytes], hide: Iterable[Path]) -> str:
    said.seek(0, os.SEEK_END)
    said.seek(max(0, said.tell() - STDERR_KEEP))
    text = said.read().decode("utf-8", "replace")
    for path in hide:
        for spelled in ("file:" + str(path.absolute()), str(path.absolute())):
            text = text.replace(spelled, path.name)
    return text


class _Pump:
    """Reads a pipe on a thread into a buffer that the caller empties whole (reader threads rather
    than select(): Windows cannot select() on pipes).

    Handing over everything read so far (not one read at a time) keeps the per-read cost off the
    caller. At ``_MAX_BUFFERED`` the thread stops reading, so a slow caller slows ffmpeg down instead
    of filling memory.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
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
                    while len(self._buf) >= _MAX_BUFFERED and not self._stopped:
                        self._ready.wait()
                    if not self._stopped:
                        self._buf += data
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

    def stop(self) -> None:
        """Discard what is unread and let the thread run to the pipe's end (the process is gone)."""
        with self._ready:
            self._stopped = True
            self._buf.clear()
            self._ready.notify_all()
        self._thread.join()

