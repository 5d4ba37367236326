"""Whole-app figures with a 1-hour 1080p recording: start to the window shown with it open, and peak
memory with it open and played. Each beside the plain tool doing the same job in the same run.

- ``startup_s``: ``vfeedback open RECORDING`` on Xvfb with Qt's xcb platform (the run fails without
  Xvfb rather than measuring offscreen), the recording open. Baseline: a bare PySide6 QMainWindow
  with the same title on the same X server, started and timed the same way.
- ``peak_rss_mb``: the app with the recording open, played 10 s, stepped and sought, on Xvfb; the
  resident memory of the app and every process it starts (ffmpeg for the filmstrip and waveform,
  any helper), summed over the process tree and sampled every 20 ms while it runs, and never less
  than the app's own peak (``ru_maxrss``). Baseline: a bare python-vlc player playing the same file
  for 10 s, measured the same way. RSS is summed, so a library two processes share counts twice:
  an upper bound, but one that does not depend on what else runs on the machine (PSS would).
- ``peak_rss_app_only_mb`` (info): the app's own process alone (``ru_maxrss``), beside the bare
  player's.

The start is what ``vfeedback open RECORDING`` does, on a real X server (Xvfb, Qt's xcb platform, VLC
drawing into the window): from launching the process to the first paint of the window, with the
recording's timeline, moments and title in it. The recording has been opened before (its frame index
is cached), as on any day but the first. VLC opening the file and the background work on it start
right after that paint (ui/workbench/first_paint.py), so the exact first frame follows it."""

from __future__ import annotations

import compileall
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, figure, median, run_tree_peak

ROOT = Path(__file__).resolve().parent.parent
STARTS = 7

# Qt paints a window while it handles the window's first Expose event; "shown" is printed as soon as
# that event has been handled. Shared by ours and the bare window, so both are timed alike.
WHEN_SHOWN = """
from PySide6.QtCore import QEvent, QObject, QTimer
def _shown():
    print("shown" if window.windowTitle() == sys.argv[-1] else f"wrong title {window.windowTitle()!r}",
          flush=True)
    app.quit()
class _Exposed(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Expose and watched.isExposed():
            watched.removeEventFilter(self)
            QTimer.singleShot(0, _shown)
        return False
_exposed = _Exposed()
if window.windowHandle().isExposed():
    QTimer.singleShot(0, _shown)
else:
    window.windowHandle().installEventFilter(_exposed)
app.exec()
"""

# What `vfeedback open RECORDING` runs, imports in the same order (nothing of Qt before the app's own).
STARTUP = (
    """
import sys
from vfeedback.ui.app import build
app, window = build(sys.argv[1], int(sys.argv[2]))
"""
    + WHEN_SHOWN
)

BARE_STARTUP = (
    """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.setWindowTitle(sys.argv[-1])
window.resize(1280, 800)
window.show()
"""
    + WHEN_SHOWN
)

# Open the recording, wait for the frame index, play 10 s, pause, step both ways, seek about.
PLAYED = """
import random, resource, sys, time
from PySide6.QtCore import QTimer
from vfeedback.ui.app import build
app, window = build(sys.argv[1], int(sys.argv[2]))
moves = iter([("wait", 0)] + [("play", 10.0)] + [("step", 1)] * 25 + [("step", -1)] * 25
             + [("seek", random.Random(3).randrange(0, 3_500_000_000)) for _ in range(10)] + [("done", 0)])
state = {"until": 0.0}
def tick():
    if time.monotonic() < state["until"] or window.coding.index is None:
        return
    move, arg = next(moves)
    if move == "play":
        window.controller.toggle(); state["until"] = time.monotonic() + arg
    elif move == "step":
        if window.controller.playing: window.controller.toggle()
        window.controller.step_frames(arg); state["until"] = time.monotonic() + 0.05
    elif move == "seek":
        window.controller.seek_us(arg); state["until"] = time.monotonic() + 0.3
    elif move == "done":
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, flush=True); app.quit()
timer = QTimer(); timer.timeout.connect(tick); timer.start(30)
app.exec()
"""

BARE_PLAYED = """
import resource, sys, time, vlc
instance = vlc.Instance(["--quiet", "--vout=dummy", "--aout=dummy"])
player = instance.media_player_new(sys.argv[1])
player.play(); time.sleep(10); player.pause()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, flush=True)
"""


def _peak_mb(argv: list[str], env: dict[str, str], timeout: int) -> tuple[float, float]:
    """(the peak memory of ``argv`` and its children, that of ``argv`` alone) in MB (see the module's
    docstring); the script prints its own ``ru_maxrss`` in MB as its last line."""
    out, err, status, tree_mb = run_tree_peak(argv, env=env, timeout=timeout)
    if status != 0:
        raise RuntimeError(err[-1500:])
    own_mb = float(out.strip().splitlines()[-1])
    return max(tree_mb, own_mb), own_mb


def _env(display: str | None = None) -> dict[str, str]:
    """Offscreen, or a real X server (Xvfb) when VLC must draw into the window."""
    env = dict(os.environ, QT_QPA_PLATFORM="xcb" if display else "offscreen")
    if display:
        env["DISPLAY"] = display
    env.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="vf-xdg-"))
    return env


def _seconds_to_shown(code: str, *args: str, title: str, display: str | None, home: str) -> float:
    """From launching the process to its window painted with ``title``."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args, title], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True, env=dict(_env(display), HOME=home),
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    shown = time.perf_counter() - started
    proc.wait(60)
    if line.strip() != "shown":
        raise RuntimeError(f"the window was not shown ({line!r})")
    return shown


def _compiled() -> None:
    """vfeedback's modules as bytecode, as after the app's first start (with PYTHONDONTWRITEBYTECODE
    set, or in a fresh checkout, every start would compile them all again: ~0.3 s here)."""
    import vfeedback

    compileall.compile_dir(str(Path(vfeedback.__file__).parent), quiet=1)


def _hour_of_1080p(cache_dir: Path) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    import mediagen

    target = cache_dir / "hour-1080p.mp4"
    if target.exists():
        return target
    minute = mediagen.make_long_clip(cache_dir, seconds=60, size=(1920, 1080), gop=250, fps=25)
    listing = cache_dir / "hour.txt"
    listing.write_text("".join(f"file '{minute.resolve()}'\n" for _ in range(60)))
    part = cache_dir / "hour-1080p.part.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            str(part),
        ],
        check=True,
    )
    part.replace(target)
    return target


def run(cache_dir: Path) -> list[Figure]:
    from vfeedback.services import Library

    work = Path(tempfile.mkdtemp(prefix="vfeedback-bench-app-", dir=cache_dir))
    try:
        home = str(work / "home")
        Path(home).mkdir()
        library = work / "lib"
        hour = _hour_of_1080p(cache_dir)
        with Library.open(library) as lib:
            lib.families.add("BENCH")
            rec = lib.recordings.import_file(hour, "BENCH", reference=True)
            lib.media.frame_index(rec.id)  # opened before: the index is cached
        from vfeedback.ui.import_dialog import recording_name

        title = recording_name(rec)  # what the window shows (Qt adds the app's name around it)
        _compiled()
        from xvfb import Xvfb  # tests/ is on the path (above)

        with Xvfb("1600x1000", first=150) as display:
            ours: list[float] = []
            bare: list[float] = []
            for _ in range(STARTS + 1):  # in turns, so machine noise hits both alike
                ours.append(
                    _seconds_to_shown(
                        STARTUP, str(library), str(rec.id), title=title, display=display, home=home
                    )
                )
                bare.append(_seconds_to_shown(BARE_STARTUP, title=title, display=display, home=home))
            # The first of each only warms the disk cache, as any start after the first finds it.
            figures = [figure("startup_s", median(ours[1:]), "s", median(bare[1:]), "<= 1.0")]
            ours_mb, own_mb = _peak_mb([sys.executable, "-c", PLAYED, str(library), str(rec.id)],
                               dict(_env(display), HOME=home), 600)  # fmt: skip
            bare_mb, bare_own_mb = _peak_mb(
                [sys.executable, "-c", BARE_PLAYED, str(hour)], dict(_env(display), HOME=home), 120
            )
        figures.append(figure("peak_rss_mb", ours_mb, "MB", bare_mb, "<= 600"))
        # For the record: the app's process alone, as this figure was measured before children counted.
        figures.append(figure("peak_rss_app_only_mb", own_mb, "MB", bare_own_mb, "info"))
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "benchmarks" / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(cache), indent=2))
