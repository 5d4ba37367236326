"""Session pack benchmark: ``lib.exports.session_pack`` for 3 moments of 6 s of 720p (a clip of
each with its caption and a second's padding, the reel with its title card, the stills and the
handout), against the plain ffmpeg commands doing the same encodes in the same run: the three clips
(same encoder settings, same padded spans), the three reel parts (the reel's settings) and the three
still frames as PNGs, their times summed.

Each run of the pack starts from a new library with the film imported, its frame index made and the
consent given (the library keeps those: not timed), so nothing is reused from a run before. Runs
alternate and the figure compares medians, so it holds on a noisy machine.
Run directly to print JSON: ``python -m benchmarks.bench_pack [cache_dir]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import mediagen  # noqa: E402

from benchmarks.common import figure, median  # noqa: E402
from vfeedback.export import reel  # noqa: E402
from vfeedback.export.options import ClipOptions  # noqa: E402
from vfeedback.services import Library  # noqa: E402

STARTS_S = (5, 25, 45)
MOMENT_S = 6
RUNS = 3
CAPTIONS = (
    "She looks at you, and you wait for her.",
    "You name what she sees, and she smiles.",
    "Taking turns: you both enjoy it.",
)


def _plain(source: Path, folder: Path, n: int) -> list[list[str]]:
    """The equivalent plain commands for moment ``n``: its clip, its reel part and its still."""
    start = STARTS_S[n]
    options = ClipOptions()
    enc, pad = options.encoding, options.padding_us / 1_000_000
    common = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y"]
    clip, part, still = (folder / f"{kind}{n}{ext}" for kind, ext in (("clip", ".mp4"), ("part", ".mp4"),
                                                                        ("still", ".png")))  # fmt: skip
    return [
        [
            *common, "-ss", str(start - pad), "-i", str(source), "-t", str(MOMENT_S + 2 * pad),
            "-c:v", "libx264", "-preset", enc.preset, "-crf", str(enc.crf), "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", f"{enc.audio_kbps}k", "-movflags", "+faststart", str(clip),
        ],
        [
            *common, "-ss", str(start), "-i", str(source), "-t", str(MOMENT_S),
            "-c:v", "libx264", "-preset", reel.PRESET, "-crf", str(reel.CRF), "-profile:v", "high",
            "-pix_fmt", "yuv420p", "-g", "50",
            "-c:a", "aac", "-b:a", reel.AUDIO_BITRATE, "-movflags", "+faststart", str(part),
        ],
        [*common, "-ss", str(start + MOMENT_S / 2), "-i", str(source), "-frames:v", "1", str(still)],
    ]  # fmt: skip


def _ready_library(folder: Path, source: Path) -> tuple[Library, list[int]]:
    lib = Library.open(folder / "library")
    lib.families.add("B1")
    rec = lib.recordings.import_file(source, "B1")
    lib.media.frame_index(rec.id)
    lib.consent.give("B1", "feedback", "Benchmark")
    spans = [(s * 1_000_000, (s + MOMENT_S) * 1_000_000 - 40_000) for s in STARTS_S]  # 150 frames each
    ids = [
        lib.moments.add(rec.id, start, end, code="Waiting", caption=c).id
        for (start, end), c in zip(spans, CAPTIONS, strict=True)
    ]
    return lib, ids


def run(cache_dir: Path) -> list[dict[str, Any]]:
    """Generate (once) 60 s of 720p H.264 in ``cache_dir`` and time the pack against ffmpeg."""
    source = mediagen.make_long_clip(cache_dir, seconds=60, size=(1280, 720), gop=250, fps=25)
    ours: list[float] = []
    theirs: list[float] = []
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        for attempt in range(RUNS):
            folder = Path(tmp) / f"run{attempt}"
            folder.mkdir()
            lib, ids = _ready_library(folder, source)
            try:
                started = time.perf_counter()
                pack = lib.exports.session_pack(ids, "Our moments together", "12 March 2025")
                ours.append(time.perf_counter() - started)
                assert len(pack.clips) == 3
            finally:
                lib.close()
            plain = 0.0
            for n in range(len(STARTS_S)):
                for argv in _plain(source, folder, n):
                    started = time.perf_counter()
                    subprocess.run(argv, check=True)
                    plain += time.perf_counter() - started
            theirs.append(plain)
    return [figure("session_pack_ratio", median(ours) * 1000, "ms", median(theirs) * 1000, "<= 1.3")]


if __name__ == "__main__":
    default = Path(tempfile.gettempdir()) / "vfeedback-bench-pack"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    cache.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(cache), indent=2))
