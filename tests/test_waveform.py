"""waveform(): peaks per 10 ms that line up with the video's frames; its cache.

The test sound is a 440 Hz tone that is on during even seconds and off during odd ones, starting
and stopping at zero crossings (440 whole cycles a second), so every bucket is plainly loud or silent.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mediagen import MediaSet

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled
from vfeedback.media import mediacache
from vfeedback.media import waveform as waveform_module
from vfeedback.media.waveform import PeakReducer, audio_layout, waveform, waveform_argv

TONE = "sin(2*PI*440*t)*lt(mod(t\\,2)\\,1)"
BURSTS = f"aevalsrc='0.8*{TONE}':s=48000:d=6"
# Left at 0.8, right at 0.4, in phase.
STEREO = f"aevalsrc='0.8*{TONE}|0.4*{TONE}':s=48000:d=6:c=stereo"
VIDEO = "testsrc2=size=160x120:rate=25"
BUCKETS_PER_S = 100


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-nostdin", *args], check=True, capture_output=True)


def _make(folder: Path, name: str, *args: str) -> Path:
    target = folder / name
    if not target.exists():
        part = folder / f".part-{os.getpid()}-{name}"
        _ffmpeg(*args, str(part))
        part.replace(target)
    return target


@pytest.fixture(scope="module")
def bursts(media: MediaSet) -> dict[str, Path]:
    """The tone pattern in several containers, and with the sound starting after or before the video."""
    folder = media.folder / "bursts"
    folder.mkdir(exist_ok=True)
    video = ["-f", "lavfi", "-i", VIDEO]
    x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-t", "6"]
    files = {
        "pcm_mov": _make(folder, "bursts.mov", *video, "-f", "lavfi", "-i", BURSTS, *x264,
                         "-c:a", "pcm_s16le"),
        "aac_mp4": _make(folder, "bursts.mp4", *video, "-f", "lavfi", "-i", BURSTS, *x264,
                         "-c:a", "aac", "-b:a", "96k"),
        "stereo": _make(folder, "stereo.mov", *video, "-f", "lavfi", "-i", STEREO, *x264,
                        "-c:a", "pcm_s16le"),
    }  # fmt: skip
    # MPEG-TS: a clock starting at 1.4 s, and the AAC priming makes the sound start 21 ms early.
    files["aac_ts"] = _make(folder, "bursts.ts", "-i", str(files["aac_mp4"]), "-c", "copy")
    # The same PCM sound stamped to start 0.5 s after, or 0.3 s before, the first video frame.
    files["late_audio"] = _make(
        folder, "late.mkv", "-i", str(files["pcm_mov"]), "-itsoffset", "0.5", "-i", str(files["pcm_mov"]),
        "-map", "0:v", "-map", "1:a", "-c", "copy",
    )  # fmt: skip
    files["early_audio"] = _make(
        folder, "early.mkv", "-itsoffset", "0.3", "-i", str(files["pcm_mov"]), "-i", str(files["pcm_mov"]),
        "-map", "0:v", "-map", "1:a", "-c", "copy",
    )  # fmt: skip
    return files


def _loud(peaks: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    loud: np.ndarray[Any, Any] = np.abs(peaks).max(axis=1) > 0.4
    return loud


def _expected(count: int, sound_starts_at: int) -> np.ndarray[Any, Any]:
    """Loud buckets when the sound (on for the first second of every two) begins at a bucket."""
    b = np.arange(count) - sound_starts_at
    expected: np.ndarray[Any, Any] = (b >= 0) & (b < 6 * BUCKETS_PER_S) & ((b // BUCKETS_PER_S) % 2 == 0)
    return expected


# --- pure parts --------------------------------------------------------------------------------


def test_argv_is_exactly_mono_pcm_on_a_pipe() -> None:
    assert waveform_argv(Path("/videos/-clip.mov"), sample_rate=44100) == [
        "ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-v", "error",
        "-i", "file:/videos/-clip.mov",
        "-map", "0:a:0", "-ac", "1", "-ar", "44100",
        "-f", "s16le", "-c:a", "pcm_s16le", "-flush_packets", "0", "pipe:1",
    ]  # fmt: skip


def _reference(samples: np.ndarray[Any, Any], rate: int, bucket_us: int) -> np.ndarray[Any, Any]:
    out = []
    b = 0
    while True:
        lo = -(-b * bucket_us * rate // 1_000_000)
        hi = -(-(b + 1) * bucket_us * rate // 1_000_000)
        if lo >= len(samples):
            break
        part = samples[lo:hi]
        out.append((part.min() / 32768, part.max() / 32768))
        b += 1
    return np.array(out, np.float32).reshape(-1, 2)


@pytest.mark.parametrize(("rate", "offset"), [(22050, 0), (48000, 37), (44100, -53), (8000, 0)])
def test_peak_reducer_matches_a_plain_computation(rate: int, offset: int) -> None:
    rng = np.random.default_rng(rate)
    samples = rng.integers(-32768, 32767, rate * 3 + 123, dtype=np.int16)
    data = samples.astype("<i2").tobytes()
    reducer = PeakReducer(rate, 10_000, offset)
    pieces = []
    at = 0
    while at < len(data):
        size = int(rng.integers(1, 20_000))  # odd sizes split samples in half
        pieces.append(reducer.feed(data[at : at + size]))
        at += size
    pieces.append(reducer.finish())
    got = np.concatenate(pieces)
    shifted = np.concatenate([np.zeros(offset, np.int16), samples]) if offset > 0 else samples[-offset:]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, _reference(shifted, rate, 10_000))
    assert reducer.buckets_done == len(got)


def test_peak_reducer_refuses_buckets_shorter_than_a_sample() -> None:
    with pytest.raises(ValueError):
        PeakReducer(8000, 100)


# --- what ffmpeg gives -------------------------------------------------------------------------


def test_sound_and_silence_fall_exactly_in_their_buckets(bursts: dict[str, Path]) -> None:
    peaks = waveform(bursts["pcm_mov"])
    assert peaks is not None
    assert peaks.shape == (600, 2) and peaks.dtype == np.float32
    loud = _expected(600, 0)
    np.testing.assert_array_equal(_loud(peaks), loud)
    assert peaks[~loud].tolist() == [[0.0, 0.0]] * int((~loud).sum())  # PCM silence is exact
    assert (peaks[loud, 1] > 0.79).all() and (peaks[loud, 0] < -0.79).all()
    assert (peaks[:, 0] <= peaks[:, 1]).all()


@pytest.mark.parametrize(("kind", "starts_at"), [("late_audio", 50), ("early_audio", -30)])
def test_buckets_count_from_the_first_video_frame(bursts: dict[str, Path], kind: str, starts_at: int) -> None:
    peaks = waveform(bursts[kind])
    assert peaks is not None
    np.testing.assert_array_equal(_loud(peaks), _expected(len(peaks), starts_at))
    if starts_at > 0:  # before the sound starts there is nothing, not noise
        assert not peaks[:starts_at].any()
    assert len(peaks) == 600 + starts_at


@pytest.mark.parametrize("kind", ["aac_mp4", "aac_ts"])
def test_compressed_sound_lines_up_too(bursts: dict[str, Path], kind: str) -> None:
    """AAC smears each edge over a few ms and primes 21 ms; only the bucket at an edge may differ."""
    layout = audio_layout(bursts[kind])
    assert layout is not None and layout.sample_rate == 48000
    peaks = waveform(bursts[kind])
    assert peaks is not None
    loud, expected = _loud(peaks), _expected(len(peaks), 0)
    edges = {b + d for b in range(0, 700, BUCKETS_PER_S) for d in (-1, 0)}
    clear = np.array([b not in edges for b in range(len(peaks))])
    np.testing.assert_array_equal(loud[clear], expected[clear])
    assert np.abs(peaks[clear & ~expected]).max() < 0.05
    for onset in (200, 400):
        assert loud[onset] and not loud[onset - 1]


def test_stereo_is_mixed_to_mono_without_clipping(bursts: dict[str, Path]) -> None:
    peaks = waveform(bursts["stereo"])
    assert peaks is not None
    assert 0.59 < peaks[:100, 1].max() < 0.61  # 0.8 and 0.4: their average, not their sum


def test_no_audio_gives_none(media: MediaSet) -> None:
    chunks: list[int] = []
    assert waveform(media["no_audio"], on_chunk=lambda i, _: chunks.append(i)) is None
    assert chunks == []


def test_chunks_arrive_in_order_and_add_up(bursts: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(waveform_module, "CHUNK_INTERVAL_S", 0.0)
    chunks: list[tuple[int, np.ndarray[Any, Any]]] = []
    peaks = waveform(bursts["aac_mp4"], on_chunk=lambda i, c: chunks.append((i, c.copy())))
    assert peaks is not None
    assert len(chunks) > 1
    firsts = [i for i, _ in chunks]
    assert firsts == [sum(len(c) for _, c in chunks[:n]) for n in range(len(chunks))]
    np.testing.assert_array_equal(np.concatenate([c for _, c in chunks]), peaks)


def test_one_chunk_when_it_is_quick(bursts: dict[str, Path]) -> None:
    chunks: list[int] = []
    peaks = waveform(bursts["pcm_mov"], on_chunk=lambda i, c: chunks.append(i))
    assert peaks is not None and chunks[0] == 0


def test_cancel_stops_ffmpeg(bursts: dict[str, Path]) -> None:
    with pytest.raises(Cancelled):
        waveform(bursts["aac_mp4"], should_cancel=lambda: True)
    if Path("/proc/self/stat").exists():
        from test_filmstrip import _ffmpeg_children

        assert _ffmpeg_children() == []


def test_a_bad_file_gives_one_sentence(media: MediaSet) -> None:
    with pytest.raises(BadInput) as caught:
        waveform(media["truncated"])
    assert "\n" not in str(caught.value) and "truncated.mp4" in str(caught.value)


# --- the cache ---------------------------------------------------------------------------------

SOURCE = "v1:99:feed"


@pytest.fixture(scope="module")
def peaks(bursts: dict[str, Path]) -> np.ndarray[Any, Any]:
    found = waveform(bursts["aac_mp4"])
    assert found is not None
    return found


def test_cache_round_trip(tmp_path: Path, peaks: np.ndarray[Any, Any]) -> None:
    folder = tmp_path / "cache" / "recordings" / "3"
    target = mediacache.save_waveform(folder, peaks, source=SOURCE, bucket_us=10_000)
    back = mediacache.load_waveform(folder, source=SOURCE, bucket_us=10_000)
    assert back is not None and back.dtype == np.float32 and back.shape == peaks.shape
    assert np.abs(back - peaks).max() < 1e-3  # stored as float16
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == [mediacache.WAVEFORM_FILE]


def test_stale_cache_is_ignored(
    tmp_path: Path, peaks: np.ndarray[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    mediacache.save_waveform(tmp_path, peaks, source=SOURCE, bucket_us=10_000)
    assert mediacache.load_waveform(tmp_path, source="v1:99:beef", bucket_us=10_000) is None
    assert mediacache.load_waveform(tmp_path, source=SOURCE, bucket_us=20_000) is None
    monkeypatch.setattr(mediacache, "WAVEFORM_VERSION", mediacache.WAVEFORM_VERSION + 1)
    assert mediacache.load_waveform(tmp_path, source=SOURCE, bucket_us=10_000) is None


@pytest.mark.parametrize("damage", ["empty", "garbage", "truncated", "flipped byte", "a folder"])
def test_corrupt_cache_reads_as_missing(tmp_path: Path, peaks: np.ndarray[Any, Any], damage: str) -> None:
    from test_filmstrip import CORRUPTIONS

    mediacache.save_waveform(tmp_path, peaks, source=SOURCE, bucket_us=10_000)
    CORRUPTIONS[damage](tmp_path / mediacache.WAVEFORM_FILE)
    assert mediacache.load_waveform(tmp_path, source=SOURCE, bucket_us=10_000) is None


def test_cached_waveform_builds_once_then_reads(bursts: dict[str, Path], tmp_path: Path) -> None:
    made = mediacache.cached_waveform(tmp_path, bursts["pcm_mov"], source=SOURCE)
    chunks: list[tuple[int, int]] = []
    read = mediacache.cached_waveform(
        tmp_path, Path("/does/not/exist.mov"), source=SOURCE, on_chunk=lambda i, c: chunks.append((i, len(c)))
    )
    assert made is not None and read is not None
    assert np.abs(made - read).max() < 1e-3
    assert chunks == [(0, 600)]
