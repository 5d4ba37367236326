"""A test corpus of parent-infant sound with the truth known: adult speech from espeak-ng (women's and
men's voices), infant coos synthesised with a rising-falling pitch of 300-600 Hz, harmonics and vibrato,
cries (higher, louder, rough, 1-3 s), and a background (pink noise, a television, kitchen clatter)
mixed in at a chosen signal-to-noise ratio.

Plain functions (no pytest) so the benchmark can reuse them; files are cached in a folder like
``mediagen`` does (written beside the target, then renamed).
"""

from __future__ import annotations

import hashlib
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from mediagen import _ffmpeg, _make

RATE = 16_000
US = 1_000_000
Array = np.ndarray[Any, np.dtype[np.float64]]

ADULT_VOICES = ("en-us+f2", "en+f4", "en+m1", "en-us+m3")
PHRASES = (
    "Hello my darling, are you telling me a story?",
    "Oh yes, is that right?",
    "What a lovely sound you made.",
    "Look at you, you are so clever.",
    "Shall we have a little song now?",
    "I know, I know, it's all right.",
    "There you are.",
    "Tell me more about it then.",
)


@dataclass(frozen=True)
class Truth:
    """What is in a scene: vocalisations (actor ``infant``/``adult``/``cry``, start, end in µs) and
    the planned turns as (serve index, answer index) into them."""

    vocalisations: list[tuple[str, int, int]]
    turns: list[tuple[int, int]]


def espeak(text: str, voice: str, folder: Path) -> Array:
    """Speech at 16 kHz, leading and trailing silence trimmed."""
    name = f"espeak-{voice}-{hashlib.sha1(text.encode()).hexdigest()[:10]}.wav"

    def build(out: Path) -> None:
        raw = out.with_suffix(".raw.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, capture_output=True)
        _ffmpeg("-i", str(raw), "-ar", str(RATE), "-ac", "1", "-f", "wav", str(out))
        raw.unlink()

    path = _make(folder / name, build)
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768
    loud = np.flatnonzero(np.abs(x) > 0.02)
    return x[loud[0] : loud[-1] + 1] if len(loud) else x


def coo(seconds: float, rng: np.random.Generator) -> Array:
    """A coo: pitch rising from ~300 Hz to a peak of up to 600 Hz and falling back, 6 Hz vibrato, five
    harmonics, a soft attack and release."""
    t = np.arange(int(seconds * RATE)) / RATE
    low, peak = rng.uniform(300, 360), rng.uniform(450, 600)
    f0 = low + (peak - low) * np.sin(np.pi * t / seconds) * (1 + 0.03 * np.sin(2 * np.pi * 6 * t))
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    x: Array = np.sum([np.sin(k * phase) / k**1.5 for k in range(1, 6)], axis=0)
    x = x * _envelope(len(t), 0.08)
    # A vowel-like colour: a little breath noise shaped by the same envelope.
    x = x + 0.03 * rng.standard_normal(len(t)) * _envelope(len(t), 0.08)
    out: Array = 0.25 * x / np.max(np.abs(x))
    return out


def cry(seconds: float, rng: np.random.Generator) -> Array:
    """A cry: higher (450-700 Hz), much louder, rough (jittered pitch, strong noise), 1-3 s."""
    t = np.arange(int(seconds * RATE)) / RATE
    base = rng.uniform(450, 520) + 180 * np.sin(np.pi * t / seconds)
    jitter = np.cumsum(rng.standard_normal(len(t))) * 0.6
    f0 = base + np.clip(jitter - np.convolve(jitter, np.ones(400) / 400, "same"), -60, 60)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    x: Array = np.sum([np.sin(k * phase) / k for k in range(1, 8)], axis=0)
    x = x * (1 + 0.5 * np.sin(2 * np.pi * 9 * t))  # a sobbing tremor
    x = x / np.max(np.abs(x)) + 0.25 * rng.standard_normal(len(t))
    x = x * _envelope(len(t), 0.05)
    out: Array = 0.8 * x / np.max(np.abs(x))
    return out


def _envelope(n: int, fade_s: float) -> Array:
    fade = min(int(fade_s * RATE), n // 2)
    env = np.ones(n)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
    env[:fade] = ramp
    env[n - fade :] = ramp[::-1]
    return env


def pink(n: int, rng: np.random.Generator) -> Array:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    x = np.fft.irfft(spectrum, n)
    return x / np.std(x)


def television(n: int, rng: np.random.Generator) -> Array:
    """Music-like chords that change every second, over a muffled hiss: a television in the room."""
    t = np.arange(n) / RATE
    x = np.zeros(n)
    for second in range(int(n / RATE) + 1):
        part = slice(second * RATE, (second + 1) * RATE)
        for note in rng.choice([131.0, 165.0, 196.0, 220.0, 262.0], 3, replace=False):
            x[part] += np.sin(2 * np.pi * note * t[part])
    x += 0.5 * np.convolve(rng.standard_normal(n), np.ones(8) / 8, "same")
    return x / np.std(x)


def clatter(n: int, rng: np.random.Generator) -> Array:
    """Kitchen clatter: short metallic rings (decaying high resonances) at random times, over hum."""
    x = 0.05 * pink(n, rng)
    ring = np.arange(int(0.15 * RATE)) / RATE
    for start in rng.integers(0, max(n - len(ring), 1), max(n // RATE, 1) * 2):
        f = rng.uniform(2000, 5000)
        hit = np.sin(2 * np.pi * f * ring) * np.exp(-ring * 40) * rng.uniform(2, 6)
        x[start : start + len(ring)] += hit
    return x / np.std(x)


NOISES = {"pink": pink, "tv": television, "clatter": clatter}


FULL = ("ia", "ai", "wait", "chain", "lone", "cry", "ia", "ai", "chain", "lone", "cry", "wait", "ia")
SHORT = ("ia", "ai", "wait", "chain", "cry")


def scene(seed: int, folder: Path, plan: tuple[str, ...] = FULL) -> tuple[Array, Truth]:
    """About 100 s of interaction: turns both ways, waiting, chains, lone sounds far apart (no turn),
    and two cries soothed by the parent. Returns the clean sound and its truth."""
    rng = np.random.default_rng(seed)
    pieces: list[tuple[str, Array]] = []
    gaps: list[float] = []  # silence before each piece
    turns: list[tuple[int, int]] = []

    def adult() -> Array:
        voice = ADULT_VOICES[int(rng.integers(len(ADULT_VOICES)))]
        return espeak(PHRASES[int(rng.integers(len(PHRASES)))], voice, folder)

    def add(actor: str, x: Array, gap: float, answers_previous: bool = False) -> None:
        if answers_previous:
            turns.append((len(pieces) - 1, len(pieces)))
        pieces.append((actor, x))
        gaps.append(gap)

    for item in plan:
        lead = rng.uniform(6.0, 7.5)  # far from the last sound: nothing answers across it
        if item == "ia":
            add("infant", coo(rng.uniform(0.5, 1.2), rng), lead)
            add("adult", adult(), rng.uniform(0.4, 0.9), True)
        elif item == "ai":
            add("adult", adult(), lead)
            add("infant", coo(rng.uniform(0.5, 1.2), rng), rng.uniform(0.4, 1.5), True)
        elif item == "wait":
            add("infant", coo(rng.uniform(0.5, 1.2), rng), lead)
            add("adult", adult(), rng.uniform(1.4, 2.5), True)
        elif item == "chain":
            add("infant", coo(rng.uniform(0.5, 1.0), rng), lead)
            for k in range(3):
                actor = "adult" if k % 2 == 0 else "infant"
                x = adult() if actor == "adult" else coo(rng.uniform(0.5, 1.0), rng)
                add(actor, x, rng.uniform(0.4, 0.9), True)
        elif item == "lone":
            if rng.random() < 0.5:
                add("infant", coo(rng.uniform(0.5, 1.2), rng), lead)
            else:
                add("adult", adult(), lead)
        elif item == "cry":
            add("cry", cry(rng.uniform(1.2, 2.5), rng), lead)
            add("adult", adult(), rng.uniform(0.4, 1.0))
    total = sum(gaps) + sum(len(x) for _, x in pieces) / RATE + 3.0
    out = np.zeros(int(total * RATE))
    at = 0.0
    vocs: list[tuple[str, int, int]] = []
    for (actor, x), gap in zip(pieces, gaps, strict=True):
        at += gap
        start = int(at * RATE)
        out[start : start + len(x)] += x
        vocs.append((actor, start * US // RATE, (start + len(x)) * US // RATE))
        at += len(x) / RATE
    return out, Truth(vocs, turns)


def mix(clean: Array, truth: Truth, noise: str, snr_db: float, seed: int) -> Array:
    """``clean`` with ``noise`` at ``snr_db`` below the mean power of the voices."""
    rng = np.random.default_rng(seed + 1000)
    voiced = np.concatenate([clean[s * RATE // US : e * RATE // US] for _, s, e in truth.vocalisations])
    power = float(np.mean(voiced**2))
    bg = NOISES[noise](len(clean), rng)
    out: Array = clean + bg * np.sqrt(power / 10 ** (snr_db / 10))
    peak = float(np.max(np.abs(out)))
    return out / peak * 0.9 if peak > 0.9 else out


def write_wav(x: Array, path: Path) -> Path:
    def build(out: Path) -> None:
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())

    return _make(path, build)


def make_scene(
    folder: Path, seed: int, noise: str, snr_db: float, plan: tuple[str, ...] = FULL
) -> tuple[Path, Truth]:
    """A WAV of scene ``seed`` with ``noise`` at ``snr_db``, cached, and its truth."""
    clean, truth = scene(seed, folder / "voices", plan)
    name = f"scene-{seed}-{noise}-{snr_db:g}dB{'-short' if plan == SHORT else ''}"
    path = write_wav(mix(clean, truth, noise, snr_db, seed), folder / f"{name}.wav")
    return path, truth


def make_scene_video(
    folder: Path, seed: int, noise: str, snr_db: float, plan: tuple[str, ...] = FULL
) -> tuple[Path, Truth]:
    """The same scene as a small MP4 (a plain picture, AAC sound) to import into a library."""
    wav, truth = make_scene(folder, seed, noise, snr_db, plan)

    def build(out: Path) -> None:
        _ffmpeg(
            "-f", "lavfi", "-i", "color=c=0x446688:size=160x120:rate=10", "-i", str(wav),
            "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "64k", "-f", "mp4", str(out),
        )  # fmt: skip

    return _make(wav.with_suffix(".mp4"), build), truth
