"""Following an ffmpeg run: its ``-progress pipe:1`` reports become a 0..1 fraction, and a cancel
request stops it at once. Shared by every exporter and background job that runs the ffmpeg CLI."""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
from typing import IO, Any

from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel
from vfeedback.system import processes

POLL_S = 0.05


def follow_progress(
    proc: subprocess.Popen[Any],
    duration_us: int,
    progress: Progress | None,
    should_cancel: ShouldCancel | None,
    *,
    cap: float = 1.0,
) -> None:
    """Pass ffmpeg's ``out_time_us`` reports on (at most ``cap``) until its stdout closes.

    On cancel, ffmpeg is stopped (terminate, then kill) and Cancelled is raised. The caller still
    waits for the process and reads its exit status.
    """
    lines: queue.Queue[str | None] = queue.Queue()
    assert proc.stdout is not None
    # A thread reads the pipe so that cancel is honoured even while ffmpeg says nothing.
    reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    reader.start()
    while True:
        if should_cancel is not None and should_cancel():
            stop(proc)
            raise Cancelled
        try:
            line = lines.get(timeout=POLL_S)
        except queue.Empty:
            continue
        if line is None:
            break
        key, _, value = line.strip().partition("=")
        if key == "out_time_us" and progress is not None and duration_us > 0:
            with contextlib.suppress(ValueError):  # "N/A" before the first frame
                progress(min(max(int(value) / duration_us, 0.0), cap))
    reader.join(timeout=1)


def stop(proc: subprocess.Popen[Any]) -> None:
    """Ask ffmpeg to stop, and make sure it does."""
    processes.stop(proc)


def _pump(stream: IO[Any], lines: queue.Queue[str | None]) -> None:
    try:
        for line in stream:
            lines.put(line.decode("utf-8", "replace") if isinstance(line, bytes) else line)
    except (OSError, ValueError):  # the pipe was closed under us: ffmpeg is being stopped
        pass
    lines.put(None)
