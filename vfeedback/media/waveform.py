"""The timeline's waveform: (min, max) peaks of the sound per short bucket, from one ffmpeg pass.

ffmpeg decodes the first audio stream, mixes it to mono and writes 16-bit PCM at the stream's own
sample rate to a pipe; numpy reduces each bucket to its extremes as the samples arrive. Why (20 minutes
of AAC, 2 cores): decoding is the whole cost; resampling to 8 kHz would add ~40% to ffmpeg's CPU time
(the resampler's filter) to save numpy work that costs less, and would shave the true peaks with its
low-pass filter. 16-bit halves the pipe traffic of f32, and ffmpeg mixes it to mono as the average
of the channels (for f32 it takes 0.71 x their sum, which can pass full scale). ``-flush_packets 0``
lets ffmpeg fill its 32 KB buffer before writing: 3,400 pipe reads instead of 17,000 per 20 minutes.

Bucket 0 starts at the video's first frame (time 0 of the frame index), not at the first sound:
containers often start the audio some milliseconds before or after the video.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.core.jobs import ShouldCancel
from vfeedback.core.text import quoted_name
from vfeedback.media.container import open_container, origin_pts, video_stream
from vfeedback.media.ffmpeg import stream as stream_ffmpeg
from vfeedback.media.probe import ffmpeg_url

if TYPE_CHECKING:
    import numpy as np

    Peaks = np.ndarray[Any, np.dtype[np.float32]]

CHUNK_INTERVAL_S = 0.2  # at most ~5 calls of on_chunk a second: enough to see it grow


def waveform_argv(path: Path, *, sample_rate: int, ffmpeg: str = "ffmpeg") -> list[str]:
    """The ffmpeg command writing the first audio stream as mono s16le at ``sample_rate`` to stdout."""
    return [
        ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-v", "error",
        "-i", ffmpeg_url(path),
        "-map", "0:a:0", "-ac", "1", "-ar", str(sample_rate),
        "-f", "s16le", "-c:a", "pcm_s16le", "-flush_packets", "0", "pipe:1",
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class AudioLayout:
    """Where the sound sits: its sample rate, and how many samples it starts after the video."""

    sample_rate: int
    offset_samples: int


def audio_layout(path: Path) -> AudioLayout | None:
    """The first audio stream's rate and start relative to the video; None without audio.

    Opens the file with PyAV (headers only, a few milliseconds). The decoded sound begins at the audio
    stream's start time (an MP4 edit list already hides the encoder's priming samples; other
    containers start the stream that much earlier), so that is what we align on.
    """
    with open_container(path) as container:
        if not container.streams.audio:
            return None
        audio = container.streams.audio[0]
        rate = audio.codec_context.sample_rate or audio.sample_rate or 48000
        video = video_stream(container)
        offset = 0
        if video is not None and video.time_base is not None and audio.time_base is not None:
            audio_start = (audio.start_time or 0) * audio.time_base
            video_start = origin_pts(video) * video.time_base
            offset = round((audio_start - video_start) * rate)
    return AudioLayout(int(rate), offset)


def waveform(
    path: Path,
    *,
    bucket_us: int = 10_000,
    on_chunk: Callable[[int, Peaks], None] | None = None,
    should_cancel: ShouldCancel | None = None,
    ffmpeg: str = "ffmpeg",
) -> Peaks | None:
    """(N, 2) float32 (min, max) in -1..1 of the mono sound per ``bucket_us``; None without audio.

    Bucket ``i`` covers ``[i * bucket_us, (i + 1) * bucket_us)`` from the first video frame. Finished
    buckets go to ``on_chunk(first_bucket_index, peaks)`` (on this thread) while ffmpeg runs.
    ``should_cancel`` returning True kills ffmpeg and raises Cancelled; a failure raises BadInput.
    """
    import numpy as np

    layout = audio_layout(path)
    if layout is None:
        return None
    reducer = PeakReducer(layout.sample_rate, bucket_us, layout.offset_samples)
    sent: list[Peaks] = []
    unsent: list[Peaks] = []
    next_chunk = time.monotonic() + CHUNK_INTERVAL_S

    def flush() -> None:
        nonlocal next_chunk
        next_chunk = time.monotonic() + CHUNK_INTERVAL_S
        if not unsent:
            return
        chunk = np.concatenate(unsent) if len(unsent) > 1 else unsent[0]
        first = sum(len(p) for p in sent)
        sent.append(chunk)
        unsent.clear()
        if on_chunk is not None:
            on_chunk(first, chunk)

    def take(data: bytearray) -> None:
        peaks = reducer.feed(data)
        if len(peaks):
            unsent.append(peaks)
        if time.monotonic() >= next_chunk:
            flush()

    argv = waveform_argv(path, sample_rate=layout.sample_rate, ffmpeg=ffmpeg)
    stream_ffmpeg(argv, take, should_cancel, failure=f"read the sound of {quoted_name(path)}", path=path)
    tail = reducer.finish()
    if len(tail):
        unsent.append(tail)
    flush()
    return np.concatenate(sent) if sent else np.zeros((0, 2), np.float32)


class PeakReducer:
    """Turns a stream of s16le mono bytes into (min, max) per bucket.

    Bucket ``b`` starts at sample ``ceil(b * bucket_us * rate / 10**6)``, so bounds never drift
    whatever the rate (22050 Hz makes 220.5 samples per 10 ms).

    ``offset_samples`` > 0: the sound starts that many samples after bucket 0 (silence before it);
    < 0: that many samples come before bucket 0 and are dropped.
    """

    def __init__(self, sample_rate: int, bucket_us: int, offset_samples: int = 0) -> None:
        import numpy as np

        if bucket_us * sample_rate < 1_000_000:
            raise ValueError("a bucket must hold at least one sample")
        self._rate = sample_rate
        self._bucket_us = bucket_us
        self._skip = max(-offset_samples, 0)
        self._odd = b""  # half a sample left over from a read
        self._buf = np.zeros(max(offset_samples, 0), np.int16)
        self._base = 0  # sample index (from bucket 0) of _buf[0]
        self.buckets_done = 0

    def feed(self, data: bytes | bytearray) -> Peaks:
        import numpy as np

        if self._odd:
            data = self._odd + data
        whole = len(data) // 2 * 2
        self._odd = bytes(data[whole:])
        samples = np.frombuffer(data, "<i2", whole // 2)
        if self._skip:
            dropped = min(self._skip, len(samples))
            self._skip -= dropped
            samples = samples[dropped:]
        self._buf = np.concatenate((self._buf, samples)) if len(self._buf) else samples
        end = self._base + len(self._buf)
        # Buckets before ``last`` are whole: ceil(last * bucket / period) <= end.
        return self._reduce(end * 1_000_000 // (self._bucket_us * self._rate))

    def finish(self) -> Peaks:
        """The last, partial bucket (if any sound is left)."""
        import numpy as np

        if not len(self._buf):
            return np.zeros((0, 2), np.float32)
        peaks = np.array([[self._buf.min(), self._buf.max()]], np.float32) / np.float32(32768)
        self.buckets_done += 1
        self._base += len(self._buf)
        self._buf = self._buf[:0]
        return peaks

    def _reduce(self, last: int) -> Peaks:
        import numpy as np

        first = self.buckets_done
        if last <= first:
            return np.zeros((0, 2), np.float32)
        buckets = np.arange(first, last + 1, dtype=np.int64)
        bounds = -(-buckets * (self._bucket_us * self._rate) // 1_000_000) - self._base
        used = self._buf[: bounds[-1]]
        peaks = np.empty((last - first, 2), np.float32)
        peaks[:, 0] = np.minimum.reduceat(used, bounds[:-1])
        peaks[:, 1] = np.maximum.reduceat(used, bounds[:-1])
        peaks /= 32768
        self._buf = self._buf[bounds[-1] :].copy()
        self._base += int(bounds[-1])
        self.buckets_done = last
        return peaks
