"""Blur benchmarks: what hiding identities costs on a 10 s clip of 720p H.264.

The recording is made here: the public-domain portrait in ``tests/data`` drifting across a moving
test pattern (so the detector has a real face to find in every frame, and the encoder real motion).

- ``blur_area_export_ratio``: the clip exported with one drawn area blurred, against the same clip
  exported without (both through ``run_export``, no captions): the cost of the blur filters.
- ``face_blur_export_ratio``: the clip with faces blurred — detection (``find_clip_faces``) plus
  the export — against the same plain export: what a clinician waits for, relative.
- ``face_detect_ms_per_clip_s``: detection alone, per second of clip (three looks a second).

Alternating runs, medians. Run directly to print JSON: ``python -m benchmarks.bench_blur [cache_dir]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchmarks.common import figure, median, timings_ms  # noqa: E402
from vfeedback.export.blur import Region, find_clip_faces  # noqa: E402
from vfeedback.export.options import ClipOptions  # noqa: E402
from vfeedback.export.plan import ClipSource, clip_plan  # noqa: E402
from vfeedback.export.runner import run_export  # noqa: E402
from vfeedback.media.frameindex import build_frame_index  # noqa: E402
from vfeedback.media.probe import probe  # noqa: E402

PHOTO = ROOT / "tests" / "data" / "astronaut_face.jpg"
START_US, END_US = 1_000_000, 10_960_000  # frames 25..274 at 25 fps: exactly 10 s
RUNS = 3


def make_face_clip(folder: Path) -> Path:
    """12 s of 1280x720 at 25 fps: the portrait (400 px) drifting right over testsrc2."""
    out = folder / "faces_720p_12s.mp4"
    if out.exists():
        return out
    part = folder / f".part-{out.name}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25",
         "-loop", "1", "-i", str(PHOTO),
         "-filter_complex", "[1:v]scale=400:400[p];[0:v][p]overlay=x='100+50*t':y=160:shortest=1",
         "-t", "12", "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50",
         "-b:v", "2M", "-f", "mp4", str(part)],
        check=True,
    )  # fmt: skip
    part.replace(out)
    return out


def _alternate(actions: list[Any], runs: int) -> list[float]:
    """Median milliseconds of each action, run in turn after one warm-up each."""
    for action in actions:
        action()
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for i, action in enumerate(actions):
            times[i] += timings_ms(action, 1)
    return [median(t) for t in times]


def run(cache_dir: Path) -> list[dict[str, Any]]:
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = make_face_clip(cache_dir)
    source = ClipSource(path, probe(path), build_frame_index(path))
    plain = ClipOptions(captions="none", padding_us=0)
    area = replace(plain, blur=(Region(0.05, 0.05, 0.3, 0.3),))
    faces = replace(plain, blur_faces=True)
    with tempfile.TemporaryDirectory(prefix="vfeedback-bench-blur-") as tmp:
        work = Path(tmp)

        def export(options: ClipOptions, name: str) -> None:
            found = source
            if options.blur_faces:
                found = replace(source, faces=find_clip_faces(source, START_US, END_US, options.padding_us))
                assert any(s.boxes for s in found.faces or ())
            plan = clip_plan(found, START_US, END_US, "", options, work / name, work)
            assert plan.expected_duration_us == 10_000_000
            run_export(plan)

        def detect() -> None:
            find_clip_faces(source, START_US, END_US, 0)

        base, blurred, face_blurred, detection = _alternate(
            [lambda: export(plain, "plain.mp4"), lambda: export(area, "area.mp4"),
             lambda: export(faces, "faces.mp4"), detect],
            RUNS,
        )  # fmt: skip
    return [
        figure("blur_area_export_ratio", blurred, "ms", base, "<= 1.15"),
        figure("face_blur_export_ratio", face_blurred, "ms", base, "<= 3.0"),
        figure("face_detect_ms_per_clip_s", detection / 10, "ms", None, "info"),
    ]


if __name__ == "__main__":
    default = Path(tempfile.gettempdir()) / "vfeedback-bench-blur"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    print(json.dumps(run(cache), indent=2))
