"""Reel benchmark: a reel of three 10 s clips of 720p with a title card, against the plain ffmpeg
commands that cut the same three clips with the same encoder settings, run one after another.

The reel does more than the plain commands (a 3 s title card, captions, fades, silent sound for a
source without any, a check of every part, the join and the final check); the ratio says what that
costs the clinician in waiting.

- ``reel_export_ratio`` (held, <= 1.3): the reel made one part at a time (``run_reel(jobs=1)``).
  Baseline: the three plain ffmpeg cuts run one after another. Both sides run one job at a time,
  so the ratio is what the reel adds, not how many cores it keeps busy (two at a time on the
  baseline's side too would only measure the same parallelism twice, and a one-core machine has
  none).
- ``reel_export_cpu_s`` (info): the CPU seconds of ``reel_export_ratio``'s two sides (every ffmpeg
  run's user + system time). Wall time on a machine shared with other work swings by tens of
  percent; CPU time says what the extras cost whatever the load.
- ``reel_export_parallel_ms`` (info): the reel as the app makes it (two parts at a time on two
  cores). Baseline: the same three plain cuts, two at a time (the same parallelism).

Where the reel's extra goes (2026-12-07, CPU seconds of each ffmpeg run, medians of 2-4, this
2-core machine under other load; the plain cut is 2.2-2.3 s a clip, 6.6 s for three):

- each clip 2.9-3.05 s: the caption band is the bottom of the 16:9 frame, so the picture is scaled
  to fit above it (1280x720 -> 1116x628, bicubic): +0.3-0.4 s; the pad and the band under it
  +0.15-0.2 s; fades, the frame-rate guard and PCM silence together ~0.1 s (the same chain without
  scale, pad and band costs what the plain cut does: 2.3 s);
- the 3 s title card 0.65-0.8 s (x264 on its fading frames 0.2 s of it), the join 0.2 s (AAC
  and the faststart rewrite), reading back every part and the reel 0.01 s.

So about +40% is the reel's own work (the scale alone ~15%, the card ~10%), not a second encode or
a decode of the whole reel. A cheaper scaler (area: ~-0.1 s a clip) would soften every picture.

Runs alternate and the figures compare medians, so they hold on a noisy machine.
Run directly to print JSON: ``python -m benchmarks.bench_reel [cache_dir]``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import mediagen  # noqa: E402

from benchmarks.common import figure, median  # noqa: E402
from vfeedback.export import reel  # noqa: E402
from vfeedback.media.frameindex import build_frame_index  # noqa: E402
from vfeedback.media.probe import probe  # noqa: E402

STARTS_S = (5, 25, 45)  # mid-GOP (keyframes every 10 s): both sides decode from the keyframe
CLIP_S = 10
RUNS = 5  # wall time on a shared 2-core machine swings: three runs gave 1.07 and 1.55 an hour apart
CAPTIONS = (
    "She looks at you, and you wait for her.",
    "You name what she sees, and she smiles.",
    "Taking turns: you both enjoy it.",
)


def _plain_clip(source: Path, start_s: int, out: Path) -> list[str]:
    """The equivalent single ffmpeg command: exact cut, same libx264 settings, no extras."""
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-ss", str(start_s), "-i", str(source), "-t", str(CLIP_S),
        "-c:v", "libx264", "-preset", reel.PRESET, "-crf", str(reel.CRF), "-profile:v", "high",
        "-pix_fmt", "yuv420p", "-g", "50",
        "-c:a", "aac", "-b:a", reel.AUDIO_BITRATE, "-movflags", "+faststart", str(out),
    ]  # fmt: skip


def _seconds(action: Callable[[], object], cpu: list[float] | None = None) -> float:
    """Wall seconds of ``action``; with ``cpu``, also appends the CPU seconds its ffmpeg runs used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    action()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall


def run(cache_dir: Path) -> list[dict[str, Any]]:
    """Generate (once) 60 s of 720p H.264 in ``cache_dir`` and time the reel against ffmpeg."""
    source = mediagen.make_long_clip(cache_dir, seconds=60, size=(1280, 720), gop=250, fps=25)
    media, index = probe(source), build_frame_index(source)  # the library keeps these: not timed
    parts = [
        reel.ReelPart(source, media, index, s * 1_000_000, (s + CLIP_S) * 1_000_000 - 40_000, c)
        for s, c in zip(STARTS_S, CAPTIONS, strict=True)
    ]
    ours: list[float] = []
    parallel: list[float] = []
    theirs: list[float] = []
    theirs_parallel: list[float] = []
    cpu_ours: list[float] = []
    cpu_theirs: list[float] = []
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        folder = Path(tmp)

        def make_reel(jobs: int | None) -> None:
            plan = reel.reel_plan(parts, "Our moments together", "12 March 2025",
                                  folder / "reel.mp4", folder / "work")  # fmt: skip
            reel.run_reel(plan, jobs=jobs)

        def plain(jobs: int) -> None:
            argvs = [_plain_clip(source, s, folder / f"plain-{n}.mp4") for n, s in enumerate(STARTS_S)]
            running: list[subprocess.Popen[bytes]] = []
            for argv in argvs:
                if len(running) == jobs:
                    _wait(running.pop(0))
                running.append(subprocess.Popen(argv))
            for proc in running:
                _wait(proc)

        for _ in range(RUNS):
            ours.append(_seconds(lambda: make_reel(1), cpu_ours))
            theirs.append(_seconds(lambda: plain(1), cpu_theirs))
            parallel.append(_seconds(lambda: make_reel(None)))
            theirs_parallel.append(_seconds(lambda: plain(2)))
    runs = (("ours", ours), ("theirs", theirs), ("parallel", parallel), ("both", theirs_parallel))
    ms = {name: median(values) * 1000 for name, values in runs}
    return [
        figure("reel_export_ratio", ms["ours"], "ms", ms["theirs"], "<= 1.3"),
        figure("reel_export_parallel_ms", ms["parallel"], "ms", ms["both"], "info"),
        figure("reel_export_cpu_s", median(cpu_ours), "s", median(cpu_theirs), "info"),
    ]


def _wait(proc: subprocess.Popen[bytes]) -> None:
    if proc.wait() != 0:
        raise subprocess.CalledProcessError(proc.returncode, proc.args)


if __name__ == "__main__":
    default = Path(tempfile.gettempdir()) / "vfeedback-bench-reel"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    cache.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(cache), indent=2))
