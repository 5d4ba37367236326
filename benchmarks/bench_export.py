"""Export benchmarks: a clip against the plain ffmpeg command, and a still from a warm decoder.

- ``clip_export_ratio``: one 10 s clip (no captions, no slow replay or freeze) from 720p H.264 through
  ``run_export`` (plan, encode, probe to verify, hash, rename) against the single plain ``ffmpeg``
  command with the same encoder settings (``-ss`` before ``-i``, ``-t 10``), alternating runs, medians.
- ``still_ms``: one still through ``run_export`` with the recording's frame index and a
  full-resolution FrameDecoder already open (a warm library), at random frames of 720p H.264 with a
  keyframe every 2 s, as phones write. ``still_ms_long_gop`` is the same with 10 s between keyframes
  (the decoder then has up to 249 frames to decode first): for information.
- ``side_by_side_ratio``: the same 10 s clip with a second camera angle (720p at 30 fps, its time zero
  1.37 s into the main recording) side by side (1920 x 540), through ``run_export`` (each angle cut
  on its own clock, composed, verified cell by cell) against the plain ffmpeg command doing the same
  hstack of the same spans (``-ss`` before each ``-i``, scale both, ``fps=25`` on the angle, ``hstack``).
  Ours also reads the clip back and checks each angle's cell (~1.4 s here): measured 1.30 (2 cores,
  other work running); the encoding alone is as fast as the plain command.

Run directly to print JSON: ``python -m benchmarks.bench_export [cache_dir]``.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import mediagen  # noqa: E402

from benchmarks.common import figure, median, timings_ms  # noqa: E402
from vfeedback.export.layout import AngleSource  # noqa: E402
from vfeedback.export.options import ClipOptions, Layout  # noqa: E402
from vfeedback.export.plan import ClipSource, clip_plan, still_plan  # noqa: E402
from vfeedback.export.runner import run_export  # noqa: E402
from vfeedback.media.decoder import FrameDecoder  # noqa: E402
from vfeedback.media.frameindex import build_frame_index  # noqa: E402
from vfeedback.media.probe import probe  # noqa: E402

CLIP_START_S = 20
CLIP_SECONDS = 10


def _source(path: Path) -> ClipSource:
    return ClipSource(path, probe(path), build_frame_index(path))


def _alternate(ours: Callable[[], object], theirs: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median milliseconds of each, run in turn after one warm-up each (imports, disk cache)."""
    ours()
    theirs()
    mine: list[float] = []
    base: list[float] = []
    for _ in range(runs):
        mine += timings_ms(ours, 1)
        base += timings_ms(theirs, 1)
    return median(mine), median(base)


def clip_figure(source: ClipSource, work: Path) -> dict[str, Any]:
    index = source.index
    first = index.frame_at(CLIP_START_S * 1_000_000)
    last = index.frame_at((CLIP_START_S + CLIP_SECONDS) * 1_000_000) - 1
    options = ClipOptions(captions="none", padding_us=0)
    plan = clip_plan(source, index.time_of(first), index.time_of(last), "", options, work / "ours.mp4", work)
    assert plan.expected_duration_us == CLIP_SECONDS * 1_000_000
    enc = options.encoding
    plain = [
        "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-ss", str(CLIP_START_S), "-i", str(source.path), "-t", str(CLIP_SECONDS),
        "-map", "0:v:0", "-an", "-c:v", "libx264", "-preset", enc.preset, "-crf", str(enc.crf),
        "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(work / "plain.mp4"),
    ]  # fmt: skip
    ours, theirs = _alternate(
        lambda: run_export(plan), lambda: subprocess.run(plain, check=True, capture_output=True), runs=5
    )
    return figure("clip_export_ratio", ours, "ms", theirs, "<= 1.15")


ANGLE_OFFSET_US = 1_370_000


def side_by_side_figure(main: ClipSource, angle: ClipSource, work: Path) -> dict[str, Any]:
    index = main.index
    first = index.frame_at(CLIP_START_S * 1_000_000)
    last = index.frame_at((CLIP_START_S + CLIP_SECONDS) * 1_000_000) - 1
    options = ClipOptions(captions="none", padding_us=0, layout=Layout("side-by-side"))
    angles = (AngleSource(1, main, 0, True), AngleSource(2, angle, ANGLE_OFFSET_US))
    out = work / "ours-sbs.mp4"
    plan = clip_plan(main, index.time_of(first), index.time_of(last), "", options, out, work, angles=angles)
    assert (plan.width, plan.height) == (1920, 540)
    enc = options.encoding
    own = f"{CLIP_START_S - ANGLE_OFFSET_US / 1_000_000:.6f}"
    plain = [
        "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-ss", str(CLIP_START_S), "-t", str(CLIP_SECONDS), "-i", str(main.path),
        "-ss", own, "-t", str(CLIP_SECONDS), "-i", str(angle.path),
        "-filter_complex", "[0:v:0]scale=960:540,setsar=1[a];[1:v:0]scale=960:540,setsar=1,fps=25[b];"
        "[a][b]hstack=shortest=1[v]",
        "-map", "[v]", "-an", "-c:v", "libx264", "-preset", enc.preset, "-crf", str(enc.crf),
        "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(work / "plain-sbs.mp4"),
    ]  # fmt: skip
    ours, theirs = _alternate(
        lambda: run_export(plan), lambda: subprocess.run(plain, check=True, capture_output=True), runs=3
    )
    return figure("side_by_side_ratio", ours, "ms", theirs, "<= 1.4")


def still_timings(source: ClipSource, work: Path, count: int = 15) -> list[float]:
    index = source.index
    frames = random.Random(4).sample(range(len(index)), count + 1)
    with FrameDecoder(source.path, index, source.media.rotation) as decoder:
        decoder.frame(frames[0])  # warm: file open, codec set up, first seek done
        out = work / "still.png"
        plans = iter([still_plan(source, index.time_of(n), out, work, decoder=decoder) for n in frames[1:]])
        return timings_ms(lambda: run_export(next(plans)), count)


def run(cache_dir: Path) -> list[dict[str, Any]]:
    cache_dir.mkdir(parents=True, exist_ok=True)
    clip = mediagen.make_long_clip(cache_dir, seconds=60, size=(1280, 720), gop=250, fps=25)
    phone = mediagen.make_long_clip(cache_dir, seconds=20, size=(1280, 720), gop=50, fps=25)
    with tempfile.TemporaryDirectory(prefix="vfeedback-bench-export-") as tmp:
        work = Path(tmp)
        figures = [clip_figure(_source(clip), work)]
        second = mediagen.make_long_clip(cache_dir, seconds=60, size=(1280, 720), gop=60, fps=30)
        figures.append(side_by_side_figure(_source(clip), _source(second), work))
        figures.append(figure("still_ms", median(still_timings(_source(phone), work)), "ms", None, "<= 150"))
        long_gop = median(still_timings(_source(clip), work))
        figures.append(figure("still_ms_long_gop", long_gop, "ms", None, "info"))
    return figures


if __name__ == "__main__":
    default = Path(tempfile.gettempdir()) / "vfeedback-bench-export"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    print(json.dumps(run(cache), indent=2))
