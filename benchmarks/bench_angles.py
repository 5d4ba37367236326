"""Camera angles: lining up two 20-minute recordings by their sound (``angle_sync_ratio``, target <= 1.5)
against the plain ffmpeg command that only decodes both sound tracks to the same rate (8 kHz mono),
same run, alternating, medians. The recordings are one generated scene (tests/anglegen.py: speech-like
bursts, tiny 160x120 pictures), the second camera starting 37.21 s later with its own gain, an echo
and noise at 12 dB. Also reported (info): the same against two plain commands, one per track, run one
after the other as the sync runs its two decodes (``angle_sync_ratio_apart``: ffmpeg 5.1 decodes two
inputs of one command markedly slower than two commands do), and how far the offset found is from the
truth, in µs.

Run directly to print JSON: ``python -m benchmarks.bench_angles [cache_dir]``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import anglegen  # noqa: E402

from benchmarks.common import Figure, figure, timings_ms  # noqa: E402

SECONDS = 20 * 60
RUNS = 3
SPECS = [
    anglegen.AngleSpec(size=(160, 120), rate="25", start_s=0.0, seconds=SECONDS, snr_db=25.0, gop=250),
    anglegen.AngleSpec(size=(160, 120), rate="30000/1001", start_s=37.21, seconds=SECONDS, gain=0.4,
                       colour="echo", snr_db=12.0, sample_rate=44_100, gop=300),
]  # fmt: skip


def decode_both_argv(first: Path, second: Path) -> list[str]:
    """The plain command: both sound tracks, mono, at the rate the sync uses, thrown away."""
    from vfeedback.media.sync import RATE

    out = ["-ac", "1", "-ar", str(RATE), "-f", "s16le", "-y", "/dev/null"]
    return ["ffmpeg", "-nostdin", "-v", "error", "-i", str(first), "-i", str(second),
            "-map", "0:a:0", *out, "-map", "1:a:0", *out]  # fmt: skip


def decode_one_argv(path: Path) -> list[str]:
    from vfeedback.media.sync import RATE

    return ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar",
            str(RATE), "-f", "s16le", "-y", "/dev/null"]  # fmt: skip


def run(cache_dir: Path) -> list[Figure]:
    from vfeedback.media.sync import find_offset

    angles = anglegen.make_angles(cache_dir, SPECS, seed=1500)
    first, second = angles.paths
    found: list[int] = []
    ours: list[float] = []
    plain: list[float] = []
    apart: list[float] = []
    for _ in range(RUNS):  # alternating, so all see the same machine
        ours += timings_ms(lambda: found.append(find_offset(first, second).offset_us), 1)
        plain += timings_ms(lambda: subprocess.run(decode_both_argv(first, second), check=True), 1)
        apart += timings_ms(lambda: [subprocess.run(decode_one_argv(p), check=True) for p in angles.paths], 1)
    error = max(abs(f - angles.offsets_us[1]) for f in found)
    return [
        figure("angle_sync_ratio", statistics.median(ours), "ms", statistics.median(plain), "<= 1.5"),
        # The same against one plain command per track, one after the other (as the sync runs them).
        figure("angle_sync_ratio_apart", statistics.median(ours), "ms", statistics.median(apart), "info"),
        figure("angle_sync_error_us", float(error), "us", None, "info"),
    ]


if __name__ == "__main__":
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "benchmarks" / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(cache), indent=2))
