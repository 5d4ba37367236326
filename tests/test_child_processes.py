"""vfeedback's ffmpeg children die with it: stopped or killed mid-export, no ffmpeg runs on writing
into a file nobody will keep, and nothing half-written stays."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from vfeedback.services import Library
from vfeedback.system import processes


def _children_named(parent: int, name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)
            comm = fields[0].split("(", 1)[1]
            state, ppid = fields[1].split()[:2]
        except (OSError, IndexError, ValueError):
            continue
        if int(ppid) == parent and comm == name and state != "Z":
            found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


T = TypeVar("T")


def _wait_for(predicate: Callable[[], T], timeout: float = 60.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def long_export(tmp_path: Path) -> tuple[Path, int]:
    """A library whose moment takes ffmpeg several seconds to export (20 s of 1280x720, slowed)."""
    film = tmp_path / "long.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi",
         "-i", "sine=f=330", "-t", "24", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(film)],
        check=True, timeout=120,
    )  # fmt: skip
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("K1")
        lib.consent.give("K1", "feedback", "Dr Test")
        rec = lib.recordings.import_file(film, "K1")
        lib.media.frame_index(rec.id)
        m = lib.moments.add(rec.id, 1_000_000, 21_000_000, code="Waiting", caption="x")
    return root, m.id


def _start_export(root: Path, moment: int) -> subprocess.Popen[str]:
    # Ctrl+C in a terminal reaches a command whose SIGINT is at its default. Tests started as a
    # background job of a script inherit SIGINT ignored, and Python keeps an inherited "ignore", so
    # the CLI would never hear it: a handled signal is reset to its default by exec, an ignored one
    # is not, so SIGINT is handled here while the CLI starts.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "vfeedback", "--library", str(root), "export", "clip", str(moment),
             "--slow"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.slow
def test_killing_vfeedback_kills_its_ffmpeg(long_export: tuple[Path, int]) -> None:
    root, moment = long_export
    cli = _start_export(root, moment)
    try:
        [ffmpeg] = _wait_for(lambda: _children_named(cli.pid, "ffmpeg"))
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait(timeout=30)
        _wait_for(lambda: not _running(ffmpeg), timeout=5)
        assert not _running(ffmpeg), "ffmpeg ran on after vfeedback was killed"
    finally:
        cli.kill()
        cli.communicate()
    with Library.open(root) as lib:  # opening sweeps what the killed export left
        assert lib.exports.all() == []
        assert [p.name for p in (root / "clips").iterdir()] == []


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "status", "sentence"), [
    (signal.SIGTERM, 128 + signal.SIGTERM, "vfeedback: stopped; nothing half-done was kept.\n"),
    (signal.SIGHUP, 128 + signal.SIGHUP, "vfeedback: stopped; nothing half-done was kept.\n"),
    (signal.SIGINT, 130, "vfeedback: interrupted; nothing half-done was kept.\n"),
])  # fmt: skip
def test_stopping_vfeedback_stops_ffmpeg_and_cleans_up(
    long_export: tuple[Path, int], signum: int, status: int, sentence: str
) -> None:
    root, moment = long_export
    cli = _start_export(root, moment)
    try:
        [ffmpeg] = _wait_for(lambda: _children_named(cli.pid, "ffmpeg"))
        assert _wait_for(lambda: any((root / "clips").glob(".*.part")))
        os.kill(cli.pid, signum)
        _, err = cli.communicate(timeout=30)
    finally:
        cli.kill()
    assert cli.returncode == status and err == sentence
    assert not _running(ffmpeg)
    # Cleaned up by the stopped process itself, before any reopening.
    assert [p.name for p in (root / "clips").iterdir()] == []
    assert list((root / "cache" / "export").glob("*")) == []


def test_a_running_block_stops_its_child_however_it_is_left() -> None:
    with pytest.raises(RuntimeError), processes.running(["sleep", "30"]) as proc:
        assert proc in processes.live()
        raise RuntimeError("the caller failed")
    assert proc.returncode is not None and proc not in processes.live()


def test_a_missing_program_cannot_start() -> None:
    with pytest.raises(processes.CannotStart) as caught, processes.running(["no-such-program-here"]):
        pass
    assert caught.value.program == "no-such-program-here"


@pytest.mark.parametrize("after_s", [0.0, 1.5])
def test_the_app_closes_cleanly_when_asked_to_stop(tmp_path: Path, after_s: float) -> None:
    """A logout or a service manager sends SIGTERM: the window closes as if the user closed it (its
    settings saved, the library closed) and the process ends normally, not killed mid-write. Sent
    as soon as the library exists, the signal usually comes while the window is still being built
    (on a busy machine, for seconds): it is remembered and the window closed once it is up."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    app = subprocess.Popen(
        [sys.executable, "-m", "vfeedback", "--library", str(tmp_path / "lib")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # The library exists while the window is being built; then, maybe, the event loop runs.
        assert _wait_for(lambda: (tmp_path / "lib" / "vfeedback.db").exists(), timeout=60)
        time.sleep(after_s)
        app.send_signal(signal.SIGTERM)
        _, err = app.communicate(timeout=30)
    finally:
        app.kill()
    assert app.returncode == 0, err
    assert (tmp_path / "config" / "vfeedback" / "vfeedback.conf").exists()  # the window's state saved
