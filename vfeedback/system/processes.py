"""The one owner of vfeedback's child processes (ffmpeg, ffprobe): each one dies with us.

Every child is started here, and:
- runs in its own process group, so a Ctrl+C in the terminal reaches only us and we stop the child
  ourselves, after which the caller's cleanup (removing a half-written file) runs in order;
- on Linux, carries a parent-death signal (``setpriv --pdeathsig KILL``, util-linux): if we die by any
  means, ``kill -9`` included, the kernel kills it too, instead of letting it write on for minutes
  into a file nobody will keep. (``preexec_fn`` could set it without a helper program, but it is not
  safe in a process with threads, and the app has many.) The signal follows the thread that started
  the child, so a child must be waited for by the thread that started it: ``running`` does that;
- is created with umask 077, so whatever it writes is owner-only from its first byte;
- is stopped (terminate, then kill) when the interpreter exits or we are asked to stop (SIGTERM,
  SIGHUP), through ``stop_all``.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import IO, Any

PIPE = subprocess.PIPE
DEVNULL = subprocess.DEVNULL
STOP_GRACE_S = 5.0

Stream = int | IO[Any] | None

_live: set[subprocess.Popen[Any]] = set()
_lock = threading.Lock()
_atexit_registered = False


class Terminated(BaseException):
    """We were asked to stop (SIGTERM, SIGHUP): unwind, cleaning up as for Ctrl+C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


class CannotStart(OSError):
    """The program could not be started (missing, not executable); ``program`` names it."""

    def __init__(self, program: str, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror, program)
        self.program = program


@dataclass(frozen=True, slots=True)
class Completed:
    returncode: int
    stdout: bytes
    stderr: bytes


def spawn(
    argv: Sequence[str],
    *,
    stdout: Stream = DEVNULL,
    stderr: Stream = DEVNULL,
    stdin: Stream = DEVNULL,
    text: bool = False,
) -> subprocess.Popen[Any]:
    """Start ``argv`` as our child (see the module's promises). Prefer ``running``, which also waits
    for it; a caller of ``spawn`` must ``release`` the process once it has ended. Raises CannotStart when
    the program cannot be started (missing, not executable)."""
    _register_atexit()
    program = _program(argv[0])
    kwargs: dict[str, Any] = {}
    if os.name == "posix":
        kwargs = {"process_group": 0, "umask": 0o077}
    try:
        proc: subprocess.Popen[Any] = subprocess.Popen(
            [*_death_prefix(), program, *argv[1:]],
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            text=text,
            close_fds=True,
            **kwargs,
        )
    except OSError as exc:
        raise CannotStart(argv[0], exc) from exc
    with _lock:
        _live.add(proc)
    return proc


@contextmanager
def running(
    argv: Sequence[str],
    *,
    stdout: Stream = DEVNULL,
    stderr: Stream = DEVNULL,
    stdin: Stream = DEVNULL,
    text: bool = False,
) -> Iterator[subprocess.Popen[Any]]:
    """``spawn`` for the length of a ``with`` block: on leaving it, however (an error, a cancel, a
    Ctrl+C), a child still running is stopped, and it is always reaped and forgotten."""
    proc = spawn(argv, stdout=stdout, stderr=stderr, stdin=stdin, text=text)
    try:
        yield proc
    finally:
        stop(proc)
        for stream in (proc.stdout, proc.stderr, proc.stdin):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        release(proc)


def run(argv: Sequence[str], *, timeout: float | None = None, stdin_data: bytes | None = None) -> Completed:
    """Run ``argv`` to its end, capturing its output. Raises CannotStart if it cannot start and
    ``subprocess.TimeoutExpired`` (after stopping it) if it outlives ``timeout`` seconds."""
    with running(argv, stdout=PIPE, stderr=PIPE, stdin=PIPE if stdin_data is not None else DEVNULL) as proc:
        out, err = proc.communicate(stdin_data, timeout=timeout)
        return Completed(proc.returncode, out or b"", err or b"")


def stop(proc: subprocess.Popen[Any], grace: float = STOP_GRACE_S) -> None:
    """Ask the child to stop, and make sure it does (its whole process group)."""
    if proc.poll() is not None:
        return
    _signal(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _signal(proc, signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
        proc.wait()


def release(proc: subprocess.Popen[Any]) -> None:
    with _lock:
        _live.discard(proc)


def live() -> list[subprocess.Popen[Any]]:
    """The children still ours (for tests and for a window asking whether work is running)."""
    with _lock:
        return [p for p in _live if p.poll() is None]


def stop_all() -> None:
    """Stop every child we started (at exit, or when we are asked to stop)."""
    with _lock:
        children = list(_live)
    for proc in children:
        with contextlib.suppress(OSError):
            stop(proc, grace=1.0)
        release(proc)


def stop_on_signals() -> None:
    """For the command line: SIGTERM and SIGHUP unwind like Ctrl+C (raising ``Terminated`` in the main
    thread), so every ``running`` block stops its child and every half-written file is removed. Call
    from the main thread."""
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, _raise_terminated)


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def _signal(proc: subprocess.Popen[Any], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        if os.name == "posix":
            os.killpg(proc.pid, signum)  # the child leads its own group: take any grandchildren too
        else:
            proc.send_signal(signum)


def _program(name: str) -> str:
    """The program's full path, found before starting it: behind the death-signal helper a missing
    program would otherwise look like a program that ran and failed."""
    found = shutil.which(name)
    if found is None:
        missing = FileNotFoundError(errno.ENOENT, "program not found", name)
        raise CannotStart(name, missing)
    return found


@cache
def _death_prefix() -> tuple[str, ...]:
    if not sys.platform.startswith("linux"):
        return ()
    setpriv = shutil.which("setpriv")
    return (setpriv, "--pdeathsig", "KILL", "--") if setpriv else ()


def _register_atexit() -> None:
    global _atexit_registered
    if not _atexit_registered:
        _atexit_registered = True
        atexit.register(stop_all)
