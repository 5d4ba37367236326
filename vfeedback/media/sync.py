"""Lining up two films of one moment by their sound: where the angle's time zero falls on the main clock.

Both sounds are decoded once, mono at ``RATE`` (8 kHz: speech has its onsets and most of its energy
below 4 kHz, and a sample is 125 µs, far finer than a frame), by the same ffmpeg pass as the timeline's
waveform (``waveform.waveform_argv``), each aligned on its film's first frame (``waveform.audio_layout``).

1. Coarse: an onset envelope per 10 ms (the rise of the log energy: a microphone's gain is a constant in
   the log and vanishes in the rise; its colour and a room's echo change the energy far less than
   the waveform), cross-correlated with GCC-PHAT (numpy FFT) over every possible lag. The confidence
   is the peak's sharpness: 1 - (the highest peak outside half a second around it) / (the peak).
   Measured on generated pairs (tests/anglegen.py): related ones 0.8-0.98 at 6-30 dB SNR, 0.61 with
   one camera at -3 dB; unrelated ones 0.05-0.2. A shared stretch of only a few seconds also scores
   low (2.5 s: 0.05) and is refused: there is too little sound to be sure.
   Known limit: one offset per pair. Two cameras' clocks drift apart by tens of ppm (tens of ms over
   20 minutes); the refinement then settles on their loudest stretches.
2. Refinement: GCC-PHAT of the 8 kHz samples in a few windows where both films are loud, summed, the
   lag searched only within a few envelope steps of the coarse one, with a parabola through the peak
   for the fraction of a sample.

The sign: the main film's sample ``n`` is the angle's sample ``n - lag``, so the angle's zero falls
``lag`` samples (plus the difference of their sounds' starts) after the main film's zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.text import quoted_name
from vfeedback.media.ffmpeg import stream as stream_ffmpeg
from vfeedback.media.waveform import audio_layout, waveform_argv

if TYPE_CHECKING:
    import numpy as np

    Pcm = np.ndarray[Any, np.dtype[np.int16]]
    Floats = np.ndarray[Any, np.dtype[np.float64]]

RATE = 8_000
HOP = 80
"""Samples per envelope step: 10 ms."""
NEIGHBOURHOOD_S = 0.5
"""Around the peak, the correlation of speech stays high for a syllable or two (and an echo): the
second peak that measures doubt is looked for outside this."""
MIN_CONFIDENCE = 0.4
"""Below this the sounds are not taken to be of one moment (unrelated pairs: at most 0.2)."""
REFINE_WINDOW = 400 * HOP  # 4 s; its FFT (twice as long) has only small prime factors
REFINE_WINDOWS = 6
REFINE_SEARCH = 4 * HOP
"""How far (samples) the refinement may move the coarse lag: its error is at most an envelope step or
two; an echo arrives later than the direct sound and is weaker under PHAT."""
SILENT = 4
"""A sound whose samples never pass this (of 32767) is digital silence: nothing to line up by."""
US = 1_000_000


@dataclass(frozen=True, slots=True)
class Sync:
    offset_us: int
    """Where the angle's time zero falls on the main film's clock."""
    confidence: float
    """0..1: how clearly the sounds matched at that offset."""


@dataclass(frozen=True, slots=True)
class Sound:
    """A film's sound, mono 16-bit at ``RATE``; ``start_us``: its first sample on the film's clock."""

    pcm: Pcm
    start_us: int


def decode(
    path: Path,
    *,
    duration_us: int = 0,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    ffmpeg: str = "ffmpeg",
) -> Sound | None:
    """The film's sound at ``RATE``, or None when it has no sound stream. ``duration_us`` (the film's
    length, when known) lets ``progress`` say how far the decoding is."""
    import numpy as np

    layout = audio_layout(path)
    if layout is None:
        return None
    received = bytearray()  # one growing buffer: 2 hours of sound are 115 MB, never held twice
    expected = duration_us * RATE * 2 // US

    def take(data: bytearray) -> None:
        received.extend(data)
        if progress is not None and expected > 0:
            progress(min(len(received) / expected, 1.0))

    argv = waveform_argv(path, sample_rate=RATE, ffmpeg=ffmpeg)
    stream_ffmpeg(argv, take, should_cancel, failure=f"read the sound of {quoted_name(path)}", path=path)
    pcm: Pcm = np.frombuffer(received, "<i2", len(received) // 2)
    return Sound(pcm, layout.offset_samples * US // layout.sample_rate)


def is_silent(sound: Sound | None) -> bool:
    """No sound, less than half a second of it, or digital silence."""
    if sound is None or len(sound.pcm) < RATE // 2:
        return True
    return max(int(sound.pcm.max()), -int(sound.pcm.min())) <= SILENT


def step_energy(pcm: Pcm) -> Floats:
    """The mean square of each HOP samples."""
    import numpy as np

    steps = len(pcm) // HOP
    energy: Floats = np.empty(steps, np.float64)
    block = 1 << 16  # steps at a time: a float copy of a whole long film would double its memory
    for first in range(0, steps, block):
        last = min(first + block, steps)
        frames = pcm[first * HOP : last * HOP].astype(np.float32).reshape(last - first, HOP)
        energy[first:last] = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / HOP
    return energy


def onset_envelope(energy: Floats) -> Floats:
    """The rise of the log energy per step (0 where it falls), mean removed."""
    import numpy as np

    # A floor a little above nothing, relative to the film's own level: a gain does not change it,
    # and the hiss of a quiet room does not turn into onsets.
    floor = 1e-3 * float(energy.mean()) + 1e-9
    level = np.log(energy + floor)
    rise: Floats = np.maximum(np.diff(level, prepend=level[:1]), 0.0)
    rise -= rise.mean()
    return rise


def gcc_phat(a: Floats, b: Floats) -> tuple[Floats, int]:
    """The PHAT-weighted cross-correlation of ``a`` and ``b`` at every lag where they overlap, and the
    lag of its first value: ``corr[i]`` is at lag ``first + i`` (``a[n]`` against ``b[n - lag]``)."""
    import numpy as np

    size = 1 << int(np.ceil(np.log2(max(len(a) + len(b), 2))))
    cross = np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size))
    cross /= np.abs(cross) + 1e-12
    corr = np.fft.irfft(cross, size)
    first = -(len(b) - 1)
    lags: Floats = np.concatenate((corr[size + first :], corr[: len(a)]))
    return lags, first


def sharpness(corr: Floats, peak: int, neighbourhood: int) -> float:
    """1 - (the highest value outside ``neighbourhood`` of ``peak``) / (the peak), in 0..1."""
    import numpy as np

    top = float(corr[peak])
    if not top > 0:
        return 0.0
    rest = np.concatenate((corr[: max(peak - neighbourhood, 0)], corr[peak + neighbourhood + 1 :]))
    second = float(rest.max()) if len(rest) else 0.0
    return min(max(1.0 - max(second, 0.0) / top, 0.0), 1.0)


def refine(a: Pcm, b: Pcm, lag: int, energy_a: Floats, energy_b: Floats) -> float:
    """The lag (in samples, with a fraction) near ``lag`` where ``a[n]`` best matches ``b[n - lag]``:
    GCC-PHAT summed over the windows both films are loudest in (by their ``step_energy``)."""
    import numpy as np

    start, end = max(0, lag), min(len(a), len(b) + lag)
    window = min(REFINE_WINDOW, end - start)
    if window < 2 * REFINE_SEARCH:
        return float(lag)
    count = (end - start) // window
    loudness = []
    for k in range(count):
        n = start + k * window
        in_a = energy_a[n // HOP : (n + window) // HOP].sum()
        in_b = energy_b[(n - lag) // HOP : (n - lag + window) // HOP].sum()
        loudness.append(min(float(in_a), float(in_b)))
    chosen = np.argsort(loudness)[::-1][:REFINE_WINDOWS]
    size = 2 * window
    taper = np.hanning(window)
    total = np.zeros(size // 2 + 1, np.complex128)
    for k in chosen:
        n = start + int(k) * window
        wa = a[n : n + window].astype(np.float64) * taper
        wb = b[n - lag : n - lag + window].astype(np.float64) * taper
        cross = np.fft.rfft(wa, size) * np.conj(np.fft.rfft(wb, size))
        total += cross / (np.abs(cross) + 1e-12)
    corr = np.fft.irfft(total, size)
    near = np.concatenate((corr[size - REFINE_SEARCH :], corr[: REFINE_SEARCH + 1]))
    best = int(np.argmax(near))
    shift = float(best - REFINE_SEARCH)
    if 0 < best < len(near) - 1:  # a parabola through the peak and its neighbours
        left, mid, right = near[best - 1], near[best], near[best + 1]
        bend = left - 2 * mid + right
        if bend < 0:
            shift += float(0.5 * (left - right) / bend)
    return lag + shift


def match(main: Sound, angle: Sound) -> Sync:
    """The offset of ``angle`` on ``main``'s clock, and how clearly their sounds matched."""
    import numpy as np

    energy_main, energy_angle = step_energy(main.pcm), step_energy(angle.pcm)
    corr, first = gcc_phat(onset_envelope(energy_main), onset_envelope(energy_angle))
    peak = int(np.argmax(corr))
    confidence = sharpness(corr, peak, round(NEIGHBOURHOOD_S * RATE / HOP))
    lag = refine(main.pcm, angle.pcm, (first + peak) * HOP, energy_main, energy_angle)
    offset = round(lag * US / RATE) + main.start_us - angle.start_us
    return Sync(offset, round(confidence, 3))


def find_offset(
    main: Path,
    angle: Path,
    *,
    main_name: str | None = None,
    angle_name: str | None = None,
    main_duration_us: int = 0,
    angle_duration_us: int = 0,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    ffmpeg: str = "ffmpeg",
) -> Sync:
    """Where ``angle``'s time zero falls on ``main``'s clock, found from their sounds.

    Refused with BadInput (one sentence naming them as ``main_name``/``angle_name``, e.g.
    "recording 3") when one has no sound, or when the sounds do not match well enough
    (confidence below MIN_CONFIDENCE). ``should_cancel`` returning True raises Cancelled."""
    main_said, angle_said = main_name or quoted_name(main), angle_name or quoted_name(angle)

    def part(lo: float, hi: float) -> Progress | None:
        if progress is None:
            return None
        report = progress
        return lambda f: report(lo + (hi - lo) * f)

    sounds: list[Sound] = []
    for path, said, duration, (lo, hi) in (
        (main, main_said, main_duration_us, (0.0, 0.45)),
        (angle, angle_said, angle_duration_us, (0.45, 0.9)),
    ):
        sound = decode(path, duration_us=duration, progress=part(lo, hi), should_cancel=should_cancel,
                       ffmpeg=ffmpeg)  # fmt: skip
        if sound is None or is_silent(sound):
            raise BadInput(f"{_capital(said)} has no sound to line up by; line it up by hand.")
        sounds.append(sound)
    found = match(sounds[0], sounds[1])
    if found.confidence < MIN_CONFIDENCE:
        raise BadInput(
            f"The sounds of {angle_said} and {main_said} do not match well enough to line them "
            "up; line them up by hand."
        )
    if progress is not None:
        progress(1.0)
    return found


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]
