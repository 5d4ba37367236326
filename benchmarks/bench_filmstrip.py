"""Timeline benchmarks: our filmstrip and waveform against plain ffmpeg doing the same job.

The recording is 20 minutes of 640x360 H.264 (25 fps, a keyframe every 10 s) with mono AAC, made once
in the cache folder: 2 minutes are encoded, then repeated by stream copy, and 20 minutes of tone
bursts are encoded as the sound. The video is ordinary H.264 as a camera or phone writes it
(``mediagen``'s ordinary libx264 veryfast with B-frames and the in-loop deblocking filter on), not
ultrafast, which turns deblocking off and would hide what decoding really costs; ``long_recording``
checks the encoder's own settings note in the file.

- ``filmstrip_ratio``: ``media.filmstrip`` (600 thumbnails 54 px high, streamed). Baseline: one plain
  ffmpeg command decoding the same file and writing the same thumbnails (same times, same size) as
  raw RGB to a file.
- ``filmstrip_first_thumb``: how soon the first thumbnail reaches the timeline (no baseline).
- ``waveform_ratio``: ``media.waveform``. Baseline: one plain ffmpeg command decoding the same
  sound to 16-bit mono PCM in a file.

Runs alternate ours and theirs, and the figure is the ratio of medians, so it holds on a noisy
machine.

Run directly to print JSON: ``python -m benchmarks.bench_filmstrip [cache_dir]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import mediagen  # noqa: E402

from benchmarks.common import Figure, figure, median, timings_ms  # noqa: E402
from vfeedback.media.filmstrip import choose_interval, filmstrip, thumb_size  # noqa: E402
from vfeedback.media.frameindex import build_frame_index  # noqa: E402
from vfeedback.media.probe import probe  # noqa: E402
from vfeedback.media.waveform import waveform  # noqa: E402

MINUTES = 20
SEGMENT_S = 120
SIZE = (640, 360)
HEIGHT = 54
BFRAMES = 3  # mediagen's ordinary encoding (veryfast, 3 B-frames, deblocking on)


def long_recording(cache_dir: Path) -> Path:
    """20 minutes with sound, made once (~1 min): encoding it whole would take minutes."""
    target = cache_dir / f"timeline_{SIZE[0]}x{SIZE[1]}_{MINUTES}min_b{BFRAMES}.mp4"
    if target.exists():
        return target
    segment = mediagen.make_long_clip(
        cache_dir, seconds=SEGMENT_S, size=SIZE, gop=250, fps=25, bframes=BFRAMES
    )
    _check_ordinary(segment)
    listing = cache_dir / f".concat-{os.getpid()}.txt"
    part = cache_dir / f".part-{os.getpid()}-{target.name}"
    entry = "file '" + str(segment.absolute()).replace("'", "'\\''") + "'\n"
    listing.write_text(entry * (MINUTES * 60 // SEGMENT_S), encoding="utf-8")
    # A parent and a baby taking turns, roughly: one second of sound, one of silence.
    sound = "sine=frequency=220:sample_rate=48000,volume=volume=0:enable='lt(mod(t,2),1)'"
    try:
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-nostdin",
             "-f", "concat", "-safe", "0", "-i", str(listing), "-f", "lavfi", "-i", sound,
             "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "64k", "-ac", "1",
             "-t", str(MINUTES * 60), "-f", "mp4", str(part)],
            check=True, capture_output=True,
        )  # fmt: skip
        part.replace(target)
    finally:
        listing.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    return target


def _check_ordinary(path: Path) -> None:
    """libx264 writes its settings into the stream: deblocking must be on, B-frames used."""
    head = path.read_bytes()[: 1 << 20]
    if b"x264" not in head or b"deblock=1:" not in head or f"bframes={BFRAMES}".encode() not in head:
        raise RuntimeError(f"{path.name} is not ordinary H.264 (deblocking on, {BFRAMES} B-frames)")


def _plain(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _warm(path: Path) -> None:
    """Read the file once so neither side pays for the disk."""
    with path.open("rb") as fh:
        while fh.read(1 << 22):
            pass


def run(cache_dir: Path) -> list[dict[str, Any]]:
    cache_dir.mkdir(parents=True, exist_ok=True)
    clip = long_recording(cache_dir)
    _warm(clip)
    info = probe(clip)
    index = build_frame_index(clip)  # the library keeps it from import on
    interval = choose_interval(info.duration_us)
    width, height = thumb_size(info, HEIGHT)
    first_thumb: list[float] = []

    def ours_filmstrip() -> None:
        started = time.perf_counter()
        got: list[int] = []

        def on_thumb(time_us: int, image: object) -> None:
            if not got:
                first_thumb.append((time.perf_counter() - started) * 1000)
            got.append(time_us)

        thumbs = filmstrip(clip, info, interval_us=interval, height=HEIGHT, frames=index, on_thumb=on_thumb)
        assert len(thumbs) == len(got) == 600, len(thumbs)

    with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
        out = Path(scratch)
        seconds = interval / 1_000_000
        theirs_filmstrip = [
            "ffmpeg", "-v", "error", "-y", "-nostdin", "-i", str(clip),
            "-vf", f"setpts=PTS-STARTPTS,fps=fps=1/{seconds:g}:round=up,scale={width}:{height}",
            "-pix_fmt", "rgb24", "-f", "rawvideo", str(out / "thumbs.rgb"),
        ]  # fmt: skip
        theirs_waveform = [
            "ffmpeg", "-v", "error", "-y", "-nostdin", "-i", str(clip),
            "-map", "0:a:0", "-ac", "1", "-f", "s16le", str(out / "sound.pcm"),
        ]  # fmt: skip
        mine: list[float] = []
        base: list[float] = []
        for _ in range(3):  # ~10 s each: alternate, no separate warm-up beyond the read above
            mine += timings_ms(ours_filmstrip, 1)
            base += timings_ms(lambda: _plain(theirs_filmstrip), 1)
        figures: list[Figure] = [
            figure("filmstrip_ratio", median(mine), "ms", median(base), "<= 1.3"),
            figure("filmstrip_first_thumb", median(first_thumb), "ms", None, "<= 500"),
        ]

        def ours_waveform() -> None:
            peaks = waveform(clip)
            assert peaks is not None and len(peaks) >= MINUTES * 60 * 100

        ours_waveform()
        _plain(theirs_waveform)
        mine, base = [], []
        for _ in range(5):
            mine += timings_ms(ours_waveform, 1)
            base += timings_ms(lambda: _plain(theirs_waveform), 1)
        figures.append(figure("waveform_ratio", median(mine), "ms", median(base), "<= 1.3"))
    return figures


if __name__ == "__main__":
    default = Path(tempfile.gettempdir()) / "vfeedback-bench-filmstrip"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    print(json.dumps(run(cache), indent=2))
