"""One scene filmed by several cameras, with the truth known: test media for camera angles (issue 15).

Each angle is its own file: its own picture size and frame rate (25, 30000/1001, or ``"vfr"``: the
phone-like timing of ``mediagen.make_vfr``), its own first frame at a known time of the scene, and its
own frame-number stamp (``mediagen.code_filter``: ``read_frame_number`` on an angle's picture gives that
angle's own frame number). Over a ``testsrc2`` background, a white bar moves across the picture as a
function of the *scene* time (a full sweep every ``SWEEP_S`` seconds, proportional to the width), so
the same scene moment shows the bar at the same relative place in every angle, VFR included.

The sound is one scene sound for all angles: a seeded sequence of speech-like bursts (0.1-0.8 s,
harmonic "vowels" with a gliding pitch, or noise "consonants"), separated by pauses. Each angle hears
it with its own gain, its own microphone colour (``flat``, ``lowpass``, ``highpass``, ``echo``) and its
own independent noise at a given signal-to-noise ratio, and stores it at its own sample rate.

Truth: the angle's time zero is its first video frame (the frame index's time 0), which shows the scene
at ``start_s``; its sound starts at the same instant. So on the clock of the set's first angle (the
main recording) angle ``i``'s time zero falls at ``(start_s[i] - start_s[0])`` seconds:
``AngleSet.offsets_us[i]``, the ``Angle.offset_us`` an exact sync must find.

Plain functions (no pytest), cached like ``mediagen``: a file named by a hash of everything that makes
it, written beside the target then renamed.
"""

from __future__ import annotations

import hashlib
import subprocess
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np
from mediagen import _VFR_PTS, _make, code_filter

SCENE_RATE = 16_000
"""The scene sound is made at this rate; each file stores it at its own ``sample_rate``."""
SCENE_ORIGIN_S = -5.0
"""The scene (and its sound) begins here: an angle may start up to 5 s before the main one."""
SWEEP_S = 4.0
US = 1_000_000
_VERSION = 1  # bump to regenerate every cached file after a change here

Colour = Literal["flat", "lowpass", "highpass", "echo"]
Array = np.ndarray[Any, np.dtype[np.float32]]


@dataclass(frozen=True)
class AngleSpec:
    """How one camera filmed the scene."""

    size: tuple[int, int] = (320, 240)
    rate: str = "25"
    """"25", "30000/1001" (any ffmpeg rate), or "vfr" (30 fps for 2 s, then 15 fps, jittered)."""
    start_s: float = 0.0
    """The scene time its first frame (and its sound) shows."""
    seconds: float = 12.0
    gain: float = 1.0
    colour: Colour = "flat"
    snr_db: float | None = 30.0
    """Added noise, relative to this angle's coloured scene sound; None adds none."""
    sample_rate: int = 48_000
    audio: bool = True
    gop: int = 50


@dataclass(frozen=True)
class AngleSet:
    paths: list[Path]
    specs: list[AngleSpec]
    offsets_us: list[int]
    """Each angle's time zero on the first angle's clock (so ``offsets_us[0] == 0``)."""
    related: bool = True
    """False for an unrelated pair: the second angle filmed another scene, there is no true offset."""


def truth_us(specs: list[AngleSpec]) -> list[int]:
    main = Fraction(specs[0].start_s)
    return [round((Fraction(s.start_s) - main) * US) for s in specs]


# --- frames: the truth, computed from the plan (not read back from the file) --------------------


def _vfr_time(n: int) -> Fraction:
    """mediagen's _VFR_PTS for frame n, in seconds (exact: on the 1/90000 clock it is an integer)."""
    base = Fraction(n, 30) if n < 60 else 2 + Fraction(n - 60, 15)
    return base + Fraction(4, 1000) * ((n * 7) % 5)


def _vfr_frames(seconds: float) -> int:
    """Frames whose time falls before ``seconds``."""
    n = 0
    while _vfr_time(n) < Fraction(seconds):
        n += 1
    return n


def frame_times(spec: AngleSpec) -> list[Fraction]:
    """The start time (seconds, exact) of every frame of the angle, on its own clock."""
    if spec.rate == "vfr":
        return [_vfr_time(n) for n in range(_vfr_frames(spec.seconds))]
    period = 1 / Fraction(spec.rate)
    count = int(Fraction(spec.seconds) / period)
    return [n * period for n in range(count)]


def frame_at(spec: AngleSpec, angle_s: Fraction | float) -> int | None:
    """The angle's own frame number shown at ``angle_s`` on its own clock; None before its first frame
    or after its last one."""
    times = frame_times(spec)
    at = Fraction(angle_s)
    if at < 0 or at >= Fraction(spec.seconds):
        return None
    return bisect_right(times, at) - 1


# --- the scene sound ------------------------------------------------------------------------------


def scene_sound(seed: int, seconds: float) -> Array:
    """Speech-like bursts at SCENE_RATE from SCENE_ORIGIN_S, peak at most 0.5, silence between them.

    A longer scene of the same seed begins with the same sound (bursts never overlap and the level is
    fixed, not normalised), so every cached angle of one seed hears one scene."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SCENE_RATE)
    x = np.zeros(n, np.float32)
    at = int(rng.uniform(0.05, 0.4) * SCENE_RATE)
    while at < n:
        length = int(rng.uniform(0.1, 0.8) * SCENE_RATE)
        burst = _harmonic(length, rng) if rng.random() < 0.7 else _hiss(length, rng)
        end = min(at + length, n)
        x[at:end] += burst[: end - at] * np.float32(rng.uniform(0.3, 1.0))
        at = end + int(rng.uniform(0.05, 0.6) * SCENE_RATE)
    out: Array = (0.5 * x).astype(np.float32)
    return out


def _envelope(n: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    fade = max(min(int(0.03 * SCENE_RATE), n // 2), 1)
    env = np.ones(n)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
    env[:fade] = ramp
    env[n - fade :] = ramp[::-1]
    return env


def _harmonic(n: int, rng: np.random.Generator) -> Array:
    """A vowel: pitch gliding between 90 and 320 Hz, eight harmonics, a syllable-rate tremor."""
    t = np.arange(n) / SCENE_RATE
    f0 = np.linspace(rng.uniform(90, 320), rng.uniform(90, 320), n)
    phase = 2 * np.pi * np.cumsum(f0) / SCENE_RATE
    x = np.sum([np.sin(k * phase) / k for k in range(1, 9)], axis=0)
    x *= 0.7 + 0.3 * np.sin(2 * np.pi * rng.uniform(3, 6) * t)
    out: Array = (x * _envelope(n) / np.max(np.abs(x))).astype(np.float32)
    return out


def _hiss(n: int, rng: np.random.Generator) -> Array:
    """A consonant: noise, high-passed (a difference of neighbours), shorter fade."""
    x = np.diff(rng.standard_normal(n + 1))
    out: Array = (0.5 * x * _envelope(n) / np.max(np.abs(x))).astype(np.float32)
    return out


def _colour(x: Array, colour: Colour) -> Array:
    """A microphone's colour, as a zero-phase filter (lowpass/highpass) or a room's echo."""
    if colour == "flat":
        return x
    if colour == "echo":
        y = x.astype(np.float64)
        for delay_s, level in ((0.045, 0.5), (0.11, 0.3)):
            d = int(delay_s * SCENE_RATE)
            y[d:] += level * x[:-d]
        out: Array = y.astype(np.float32)
        return out
    spectrum = np.fft.rfft(x.astype(np.float64))
    f = np.fft.rfftfreq(len(x), 1 / SCENE_RATE)
    if colour == "lowpass":  # a cheap, muffled microphone: 4th-order at 1.2 kHz
        response = 1 / np.sqrt(1 + (f / 1200) ** 8)
    else:  # a thin one: 4th-order high-pass at 700 Hz
        response = 1 / np.sqrt(1 + (700 / np.maximum(f, 1e-3)) ** 8)
    filtered: Array = np.fft.irfft(spectrum * response, len(x)).astype(np.float32)
    return filtered


def angle_sound(scene: Array, spec: AngleSpec, index: int, seed: int) -> Array:
    """What angle ``index`` hears: its stretch of the scene, coloured, scaled, plus its own noise."""
    first = round((spec.start_s - SCENE_ORIGIN_S) * SCENE_RATE)
    count = round(spec.seconds * SCENE_RATE)
    part = scene[first : first + count]
    x = _colour(part, spec.colour) * np.float32(spec.gain)
    if spec.snr_db is not None:
        rng = np.random.default_rng([seed, index, 7])
        power = float(np.mean(x.astype(np.float64) ** 2))
        noise = rng.standard_normal(len(x)) * np.sqrt(power / 10 ** (spec.snr_db / 10))
        x = x + noise.astype(np.float32)
    out: Array = np.clip(x, -1, 1).astype(np.float32)
    return out


# --- the files ------------------------------------------------------------------------------------


def _video_chain(spec: AngleSpec) -> str:
    width, height = spec.size
    timing = f"settb=1/90000,setpts='{_VFR_PTS}'," if spec.rate == "vfr" else ""
    bar_w = max(width // 16, 4)
    sweep = f"(t+{spec.start_s!r})/{SWEEP_S!r}"
    bar = f"drawbox=x='({width - bar_w})*({sweep}-floor({sweep}))':y=0:w={bar_w}:h=ih:color=white:t=fill"
    return f"{timing}{bar},{code_filter(width, height)}"


def _write_angle(out: Path, spec: AngleSpec, sound: Array | None) -> None:
    width, height = spec.size
    source_rate = "30" if spec.rate == "vfr" else spec.rate
    # The source stops half a frame after its last frame (not -frames:v on the output, which ends
    # the file, its sound included, as soon as the video has its frames).
    frames = len(frame_times(spec))
    duration = float((frames - Fraction(1, 2)) / Fraction(source_rate))
    argv = [
        "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={source_rate}:d={duration:.6f}",
    ]  # fmt: skip
    if sound is not None:
        argv += ["-f", "f32le", "-ar", str(SCENE_RATE), "-ac", "1", "-i", "pipe:0"]
    argv += ["-map", "0:v"] + (["-map", "1:a"] if sound is not None else [])
    argv += ["-vf", _video_chain(spec), "-pix_fmt", "yuv420p"]
    if spec.rate == "vfr":  # as mediagen.make_vfr: keep the rewritten times, on a 90 kHz clock
        argv += ["-fps_mode", "passthrough", "-enc_time_base", "1/90000"]
        argv += ["-video_track_timescale", "90000"]
    argv += ["-c:v", "libx264", "-preset", "veryfast", "-g", str(spec.gop), "-bf", "2"]
    if sound is not None:
        argv += ["-c:a", "aac", "-b:a", "48k", "-ar", str(spec.sample_rate), "-ac", "1"]
    argv += ["-f", "mp4", str(out)]
    data = sound.astype("<f4").tobytes() if sound is not None else b""
    done = subprocess.run(argv, input=data, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {' '.join(argv)}\n{done.stderr.decode(errors='replace')}")


def _name(spec: AngleSpec, index: int, seed: int) -> str:
    key = repr((_VERSION, spec, index, seed)).encode()
    rate = "vfr" if spec.rate == "vfr" else spec.rate.replace("/", "_")
    return f"angle-{seed}-{index}-{rate}-{hashlib.sha1(key).hexdigest()[:12]}.mp4"


def _writer(spec: AngleSpec, sound: Array | None) -> Callable[[Path], None]:
    return lambda out: _write_angle(out, spec, sound)


def make_angles(folder: Path, specs: list[AngleSpec], *, seed: int = 15) -> AngleSet:
    """The scene of ``seed`` filmed by each of ``specs`` (the first is the main recording)."""
    if min(s.start_s for s in specs) < SCENE_ORIGIN_S:
        raise ValueError("an angle starts before the scene does")
    scene_end = max(s.start_s + s.seconds for s in specs) + 1 - SCENE_ORIGIN_S
    scene: Array | None = None
    paths = []
    for index, spec in enumerate(specs):
        target = folder / _name(spec, index, seed)
        if not target.exists() and spec.audio and scene is None:
            scene = scene_sound(seed, scene_end)
        sound = angle_sound(scene, spec, index, seed) if spec.audio and scene is not None else None
        paths.append(_make(target, _writer(spec, sound)))
    return AngleSet(paths, list(specs), truth_us(specs))


# --- ready-made sets ------------------------------------------------------------------------------

MAIN = AngleSpec(size=(320, 240), rate="25", start_s=0.0, seconds=14.0, gain=1.0, snr_db=30.0)

PAIRS: dict[str, tuple[AngleSpec, AngleSpec]] = {
    # The pair: 1.37 s apart, 25 and 29.97 fps, different sizes, gains and microphones.
    "ntsc": (
        MAIN,
        AngleSpec(size=(480, 270), rate="30000/1001", start_s=1.37, seconds=12.0, gain=0.35,
                  colour="lowpass", snr_db=15.0, sample_rate=44_100),
    ),
    # The angle started first: a negative offset.
    "vfr_early": (
        MAIN,
        AngleSpec(size=(320, 240), rate="vfr", start_s=-0.9, seconds=11.0, gain=2.5,
                  colour="highpass", snr_db=12.0),
    ),
    "echo_noisy": (
        AngleSpec(size=(480, 270), rate="30000/1001", start_s=2.05, seconds=13.0, snr_db=25.0),
        AngleSpec(size=(320, 240), rate="25", start_s=0.4, seconds=15.0, gain=0.6, colour="echo",
                  snr_db=6.0, sample_rate=32_000),
    ),
    "vfr_main": (
        AngleSpec(size=(320, 240), rate="vfr", start_s=0.8, seconds=12.0, colour="lowpass",
                  snr_db=20.0),
        AngleSpec(size=(480, 270), rate="25", start_s=3.13, seconds=10.0, gain=0.2, snr_db=10.0),
    ),
    # An offset that is no whole number of milliseconds, nor of either film's frames.
    "odd_offset": (
        AngleSpec(size=(320, 240), rate="30000/1001", start_s=0.25, seconds=12.0, snr_db=20.0),
        AngleSpec(size=(480, 270), rate="25", start_s=2.5957, seconds=10.0, gain=0.5,
                  colour="echo", snr_db=15.0, sample_rate=44_100),
    ),
}  # fmt: skip


def make_pair(folder: Path, kind: str) -> AngleSet:
    return make_angles(folder, list(PAIRS[kind]), seed=15)


def make_three(folder: Path) -> AngleSet:
    """A main at 25 fps, an angle at 29.97 fps starting 1.37 s later, a VFR angle starting 0.6 s
    earlier: what the window and the exports show side by side."""
    specs = [
        MAIN,
        PAIRS["ntsc"][1],
        AngleSpec(size=(320, 240), rate="vfr", start_s=-0.6, seconds=11.0, gain=1.8,
                  colour="highpass", snr_db=18.0),
    ]  # fmt: skip
    return make_angles(folder, specs, seed=15)


def make_unrelated(folder: Path) -> AngleSet:
    """Two films of two different scenes (other seeds), alike in every other way: no true offset."""
    first = make_angles(folder, [MAIN], seed=21)
    second = make_angles(folder, [PAIRS["ntsc"][1]], seed=22)
    return AngleSet([first.paths[0], second.paths[0]], [MAIN, PAIRS["ntsc"][1]], [0, 0], related=False)


def make_silent_angle(folder: Path) -> AngleSet:
    """A main with sound and an angle of the same scene filmed without any: nothing to sync by."""
    silent = AngleSpec(size=(320, 240), rate="25", start_s=1.0, seconds=8.0, audio=False)
    return make_angles(folder, [MAIN, silent], seed=15)
