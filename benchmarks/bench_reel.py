"""Reel benchmark: a reel of three 10 s clips of 720p with a title card, against the plain ffmpeg
commands that cut the same three clips with the same encoder settings (their times summed).

The reel does more than the plain commands (a 3 s title card, captions, fades, silent sound for a
source without any, a check of every part, the join and the final check); the ratio says what that
costs the clinician in waiting. ``run_reel`` encodes two parts at a time (one ffmpeg leaves part of
two cores idle); ``reel_export_ratio_one_job`` records the same reel made one part at a time. Runs
alternate and the figures compare medians, so they hold on a noisy machine.
Run directly to print JSON: ``python -m benchmarks.bench_reel [cache_dir]``.
"""

from __future__ import annotations

import json
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
RUNS = 3
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


def _seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run(cache_dir: Path) -> list[dict[str, Any]]:
    """Generate (once) 60 s of 720p H.264 in ``cache_dir`` and time the reel against ffmpeg."""
    source = mediagen.make_long_clip(cache_dir, seconds=60, size=(1280, 720), gop=250, fps=25)
    media, index = probe(source), build_frame_index(source)  # the library keeps these: not timed
    parts = [
        reel.ReelPart(source, media, index, s * 1_000_000, (s + CLIP_S) * 1_000_000 - 40_000, c)
        for s, c in zip(STARTS_S, CAPTIONS, strict=True)
    ]
    ours: list[float] = []
    one_job: list[float] = []
    theirs: list[float] = []
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        folder = Path(tmp)

        def make_reel(jobs: int | None) -> None:
            plan = reel.reel_plan(parts, "Our moments together", "12 March 2025",
                                  folder / "reel.mp4", folder / "work")  # fmt: skip
            reel.run_reel(plan, jobs=jobs)

        def plain() -> float:
            total = 0.0
            for n, start in enumerate(STARTS_S):
                argv = _plain_clip(source, start, folder / f"plain-{n}.mp4")
                started = time.perf_counter()
                subprocess.run(argv, check=True)
                total += time.perf_counter() - started
            return total

        for _ in range(RUNS):
            ours.append(_seconds(lambda: make_reel(None)))
            theirs.append(plain())
            one_job.append(_seconds(lambda: make_reel(1)))
    baseline = median(theirs) * 1000
    return [
        figure("reel_export_ratio", median(ours) * 1000, "ms", baseline, "<= 1.3"),
        # For the record: the same reel with its parts encoded one at a time.
        figure("reel_export_ratio_one_job", median(one_job) * 1000, "ms", baseline, "info"),
    ]

if __name__ == "__main__":
    default = Path(tempfile.gettempdir()) / "vfeedback-bench-reel"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    cache.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(cache), indent=2))
