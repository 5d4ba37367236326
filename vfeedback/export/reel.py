"""The reel: a title card, then each moment's clip with its caption, as one MP4 to watch together.

Pure planner ``reel_plan`` (every command line decided up front), runner ``run_reel``:

- Every part (the card, each clip) is one ffmpeg run with IDENTICAL settings, forced explicitly:
  frame size, constant frame rate, yuv420p tagged BT.709 limited range, one libx264 preset/CRF/GOP/
  profile, one track timescale, 48 kHz stereo 16-bit PCM sound (silence for a source without
  any). Before joining, the runner checks that the parts are coded alike down to the H.264
  parameter sets, and that each has exactly its planned frames and samples.
- The parts are joined by the concat demuxer: the video is copied (valid because the parts match),
  the sound is encoded to AAC once for the whole reel. The parts carry PCM because AAC parts, each
  with its own encoder delay, joined by copy drift ~21 ms a part with colliding timestamps
  (measured); PCM parts join sample-exact.
- Clips are cut as ``export.plan`` cuts them (trim between frames, ``-copyts``; ``-ss`` only to
  start the decoder at a keyframe in indexed containers; never a stream copy of a source), at the
  reel's rate: the fastest part's clip rate, halved above 31 fps, snapped to 24/25/29.97/30.
- Layout: the whole frame is 16:9 (1280x720, 1920x1080...), just tall enough for the sharpest part
  at its own size, at most ``max_height`` and 1080; the caption band is the bottom of that frame,
  UNDER the picture, so the caption never covers a face or the baby's hands. Each picture is fitted
  (aspect kept) and centred on black above the band: portrait phone video is pillarboxed, wide
  film letterboxed, 4:3 video gets narrow side bars.
- Each part fades in from and out to black (``fade``/``afade``); so does the card.
- Output is atomic: ``.<name>.<pid>.part`` beside the target, verified (streams, size, frame count,
  length, no source tags), then renamed. Temporaries are removed on success, failure or cancel,
  and are named so that ``runner.remove_stale`` sweeps them up after a crash.

Only caption TEXT reaches this module (``ReelPart.caption``): it never sees a moment or a note.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.text import clean_caption
from vfeedback.export import titlecard as tc
from vfeedback.export.layout import AngleSource, arrange, layout_graph
from vfeedback.export.options import Layout
from vfeedback.export.plan import SEEKABLE
from vfeedback.export.runner import ExportError
from vfeedback.export.timing import Span, clip_span, output_rate, slot_count
from vfeedback.system.files import (
    fsync_dir,
    fsync_file,
    part_path,
    private_folder,
    sha256_file,
    write_private,
)

ASPECT = Fraction(16, 9)
MAX_HEIGHT = 1080  # a reel is watched together on a laptop or a television: full HD at most
# Part of every stored reel's reuse key: a reel made with an older layout is made again.
LAYOUT_VERSION = 2
SAMPLE_RATE = 48_000
PRESET = "veryfast"
CRF = 20
AUDIO_BITRATE = "160k"
CAPTION_COLOUR = "#FFF4E6"  # warm white on the dark band
# Standard rates a reel may have; sources above 31 fps are halved first (60 -> 30, 50 -> 25).
RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30))
# The card is drawn in RGB: converted to the BT.709 limited-range YUV every part is tagged with.
CARD_COLOURS = "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"


class ReelFailed(ExportError):
    """ffmpeg failed or the reel did not check out; ``details`` holds ffmpeg's last lines."""


@dataclass(frozen=True, slots=True)
class ReelPart:
    """One clip of the reel: the source, its probe and frame index, the frames to show (``end_us``
    is the start of the last frame shown) and the parent's caption text (may be empty)."""

    source_path: Path
    media: MediaInfo
    index: FrameIndex
    start_us: int
    end_us: int
    caption: str = ""
    layout: Layout | None = None
    """The session's camera angles in the picture (``export.layout``); None: the recording alone."""
    angles: tuple[AngleSource, ...] = ()
    """For a layout: the session's angles, the main recording (this part's source) first."""

    @property
    def shown_size(self) -> tuple[int, int]:
        """The size of the part's picture before it is fitted into the reel's frame."""
        if self.layout is None or self.layout.is_default:
            return self.media.display_width, self.media.display_height
        arrangement = arrange(self.layout, self.angles, None)
        return arrangement.width, arrangement.height


@dataclass(frozen=True, slots=True)
class ReelFormat:
    """The settings every part shares."""

    width: int
    height: int
    rate: Fraction
    band: int  # caption band height at the bottom (0: no captions in this reel)
    caption_size: int

    @property
    def gop(self) -> int:
        return max(1, round(2 * self.rate))  # a keyframe every 2 s: quick to pause and replay

    @property
    def timescale(self) -> int:
        num = self.rate.numerator
        return num if num >= 10_000 else num * 512

    def samples(self, frames: int) -> int:
        return round(Fraction(frames * SAMPLE_RATE) / self.rate)

    def encode_args(self) -> list[str]:
        """Encoder and muxer arguments of every part (an intermediate MOV with PCM sound)."""
        return [
            "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-profile:v", "high",
            "-pix_fmt", "yuv420p", "-g", str(self.gop), "-fps_mode", "passthrough",
            "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
            "-color_range", "tv", "-video_track_timescale", str(self.timescale),
            "-c:a", "pcm_s16le", "-ar", str(SAMPLE_RATE), "-ac", "2",
            "-map_metadata", "-1", "-map_chapters", "-1", "-sn", "-dn",
            "-fflags", "+bitexact", "-f", "mov",
        ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReelStep:
    """One ffmpeg run that writes one part. ``picture`` is (x, y, w, h) of the clip in the frame;
    ``first_frame``/``last_frame`` are source frame numbers (None for the card)."""

    label: str
    argv: tuple[str, ...]
    output: Path
    frames: int
    samples: int
    picture: tuple[int, int, int, int]
    first_frame: int | None = None
    last_frame: int | None = None


@dataclass(frozen=True, slots=True)
class ReelPlan:
    out: Path
    part_path: Path  # the temporary file beside ``out``
    workdir: Path
    format: ReelFormat
    steps: tuple[ReelStep, ...]  # the card (if any) first, then the clips in order
    sidecars: tuple[tuple[Path, str], ...]  # files the runner writes before starting
    concat_argv: tuple[str, ...]
    separate: tuple[tuple[Path, Path, tuple[str, ...]], ...]  # (step output, target, argv)
    frame_count: int
    duration_us: int


@dataclass(frozen=True, slots=True)
class ReelResult:
    path: Path
    parts: tuple[Path, ...]  # the separate clip files, when asked for
    duration_us: int
    frame_count: int
    width: int
    height: int
    size_bytes: int
    sha256: str


def choose_rate(parts: Sequence[ReelPart]) -> Fraction:
    """The reel's frame rate: the fastest part's clip rate (``timing.output_rate``, which never drops
    a source frame), halved while above 31 fps (a reel is watched, not analysed: 60 -> 30, 50 -> 25),
    snapped to the nearest standard rate."""
    fastest = max(output_rate(p.index, clip_span(p.index, p.start_us, p.end_us, 0)) for p in parts)
    while fastest > 31:
        fastest /= 2
    return min(RATES, key=lambda r: abs(r - fastest))


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def reel_format(
    parts: Sequence[ReelPart], max_height: int | None = None, *, captions: bool = True
) -> ReelFormat:
    """The whole frame is 16:9, caption band included, so every player shows it without bars of
    its own: just tall enough to hold the sharpest part at its own size (a 1280x720 source gives
    1280x720, a 640x272 one 640x360, a portrait 720x1280 one 1920x1080), never above
    ``max_height`` nor ``MAX_HEIGHT``. The caption band (sized for the longest caption, up to three
    lines) is the bottom of that frame; each picture is fitted above it, aspect kept."""
    needed = max(max(float(p.shown_size[1]), p.shown_size[0] * 9 / 16) for p in parts)
    limit = min(max_height, MAX_HEIGHT) if max_height else MAX_HEIGHT
    height = _even(min(needed, limit))
    width = _even(float(height * ASPECT))
    size = max(6, round(height * 0.055))
    band = 0
    if captions and any(clean_caption(p.caption) for p in parts):
        usable = width * 0.88
        lines = 1
        for p in parts:
            # DejaVu Sans averages a little under 0.58 em a character: an upper estimate.
            for line in clean_caption(p.caption).split("\n"):
                lines = max(lines, math.ceil(len(line) * 0.58 * size / usable))
        if lines > 3:  # a very long caption: smaller type rather than a bigger band
            size = max(6, round(size * 3 / lines))
            lines = 3
        band = _even(lines * size * 1.22 + size * 1.1)
    return ReelFormat(width, height, choose_rate(parts), band, size)


def _fit(media: MediaInfo, fmt: ReelFormat) -> tuple[int, int, int, int]:
    return _fit_size((media.display_width, media.display_height), fmt)


def _fit_size(shown: tuple[int, int], fmt: ReelFormat) -> tuple[int, int, int, int]:
    """(x, y, w, h) of a picture of ``shown`` size fitted above the caption band, centred."""
    area_h = fmt.height - fmt.band
    display_width, display_height = shown
    scale = min(fmt.width / display_width, area_h / display_height)
    w = min(_even(display_width * scale), fmt.width)
    h = min(_even(display_height * scale), area_h)
    return (fmt.width - w) // 4 * 2, (area_h - h) // 4 * 2, w, h


def _caption_ass(caption: str, fmt: ReelFormat) -> str:
    """The caption centred in the band (PlayRes is the band: drawn once, then repeated)."""
    margin = round(fmt.width * 0.06)
    style = tc.ass_style("Caption", fmt.caption_size, CAPTION_COLOUR, margin_lr=margin)
    event = tc.ass_event("Caption", fmt.width // 2, fmt.band // 2, tc.ass_text(caption))
    return tc.ass_document(fmt.width, fmt.band, [style], [event])


def _secs(us: int) -> str:
    """Microseconds as exact decimal seconds (what every ffmpeg time option reads)."""
    whole, frac = divmod(abs(us), 1_000_000)
    return f"{'-' if us < 0 else ''}{whole}.{frac:06d}"


def _cut(part: ReelPart, span: Span) -> tuple[list[str], str, int]:
    """(seek options, the video trim, the first frame's time) in the file's own clock (-copyts).

    As for clips (``export.plan``): ``-ss`` only makes the decoder start at the keyframe before the
    first frame, and only where the container has a sample index (elsewhere it lands on any frame
    and nothing decodes until the next keyframe, so those files are decoded from their start). The
    cut itself is the ``trim``, halfway between frames, so microsecond rounding cannot move it; the
    frame after the last is let through so that ``fps`` knows where the last one ends.
    """
    times, origin = part.index.times, part.media.start_time_us
    first_at = origin + times[span.first]
    seek = []
    if span.first > 0 and part.media.container in SEEKABLE:
        seek = ["-noaccurate_seek", "-seek_timestamp", "1", "-ss", _secs(first_at)]
    cut = []
    if span.first > 0:
        cut.append(f"start={_secs(origin + (times[span.first - 1] + times[span.first]) // 2)}")
    if span.last + 2 < len(times):
        cut.append(f"end={_secs(origin + (times[span.last + 1] + times[span.last + 2]) // 2)}")
    return seek, f"trim={':'.join(cut)}," if cut else "", first_at


def _clip_argv(
    part: ReelPart, fmt: ReelFormat, span: Span, frames: int, ass: Path | None, fade_s: float, out: Path
) -> tuple[list[str], tuple[int, int, int, int]]:
    from vfeedback.media.probe import ffmpeg_url

    x, y, w, h = _fit_size(part.shown_size, fmt)
    seconds = float(frames / fmt.rate)
    samples = fmt.samples(frames)
    seek, trim, first_at = _cut(part, span)
    inputs = ["-copyts", *seek, "-i", ffmpeg_url(part.source_path)]
    sound, has_audio = "[0:a:0]", part.media.has_audio
    if part.layout is None or part.layout.is_default:
        picture = (
            f"[0:v:0]{trim}setpts=PTS-STARTPTS,"
            # Repeats of the last frame if the recording ends first; the trim cuts the slots exactly.
            f"fps={fmt.rate}:eof_action=pass,tpad=stop=-1:stop_mode=clone,trim=end_frame={frames},"
        )
    else:
        # The session's angles, each on its own clock, composed at the reel's rate (``layout``).
        drawn = layout_graph(part.layout, part.angles, span, fmt.rate, frames, None)
        picture = "".join(f"{chain};" for chain in drawn.chains[:-1]) + f"{drawn.chains[-1]},"
        inputs = [
            "-copyts",
            *(a for seeking, path in drawn.inputs for a in (*seeking, "-i", ffmpeg_url(path))),
        ]
        sound, has_audio, first_at = drawn.sound.label, drawn.has_audio, drawn.sound.start_us
    # No colour conversion: sources are taken as BT.709 (phones, HD), as every part is tagged.
    picture += f"scale={w}:{h}:flags=bicubic,setsar=1,"
    fade = tc.video_fades(seconds, fade_s)
    if ass is None:
        video = f"{picture}pad={fmt.width}:{fmt.height}:{x}:{y}:color=black,format=yuv420p{fade}[v]"
    else:
        # The caption band is drawn once and repeated under the picture (libass blending every
        # frame costs more), then the whole frame fades.
        video = (
            f"{picture}pad={fmt.width}:{fmt.height - fmt.band}:{x}:{y}:color=black,format=yuv420p[pic];"
            f"color=c=black:s={fmt.width}x{fmt.band}:r={fmt.rate},trim=end_frame=1,format=yuv420p,"
            f"ass=filename={tc.filter_path(ass)},loop=loop=-1:size=1[band];"
            f"[pic][band]vstack=shortest=1,format=yuv420p{fade}[v]"
        )
    fades = tc.audio_fades(seconds, fade_s)
    pcm = "aformat=sample_fmts=s16:channel_layouts=stereo"
    if has_audio:
        end = first_at + round(seconds * 1_000_000) + 100_000
        # An angle that began filming after the part starts: silence first (aresample's first_pts).
        shift = _secs(first_at) if first_at >= 0 else f"({_secs(first_at)})"
        audio = (
            f"{sound}atrim=start={_secs(max(first_at, 0))}:end={_secs(end)},asetpts=PTS-{shift}/TB,"
            f"aresample={SAMPLE_RATE}:first_pts=0,apad,atrim=end_sample={samples}{fades},{pcm}[a]"
        )
        silence: list[str] = []
    else:
        audio = f"[{inputs.count('-i')}:a]atrim=end_sample={samples},{pcm}[a]"
        silence = ["-f", "lavfi", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=stereo"]
    argv = [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y",
        *inputs, *silence,
        "-filter_complex", f"{video};{audio}", "-map", "[v]", "-map", "[a]",
        *fmt.encode_args(), "-progress", "pipe:1", ffmpeg_url(out),
    ]  # fmt: skip
    if part.layout is not None and not part.layout.is_default:
        # A layout's cells may lose the rate the clip's fps filter sets, and the encoder would write
        # other timing into the stream than the other parts (which are then not joined by copy).
        argv[argv.index("-fps_mode") : argv.index("-fps_mode")] = ["-r", str(fmt.rate)]
    return argv, (x, y, w, h)


def reel_plan(
    parts: Sequence[ReelPart],
    title: str,
    date_text: str,
    out: Path,
    workdir: Path,
    *,
    max_height: int | None = None,
    fade_s: float = 0.5,
    title_s: float = 3.0,
    burn_captions: bool = True,
    parts_dir: Path | None = None,
) -> ReelPlan:
    """Plan a reel of ``parts`` (in order) with a title card of ``title_s`` seconds (0: none).

    Pure: nothing is written. Intermediate files go to ``workdir``; with ``parts_dir`` each clip is
    also kept as its own MP4 there (``<out stem>-01.mp4`` ...), "also available as separate files".
    """
    from vfeedback.media.probe import ffmpeg_url

    if not parts:
        raise BadInput("A reel needs at least one moment.")
    fmt = reel_format(parts, max_height, captions=burn_captions)
    sidecars: list[tuple[Path, str]] = []
    steps: list[ReelStep] = []
    full = (0, 0, fmt.width, fmt.height)
    # Temporary names the library's stale-file sweep (runner.remove_stale) knows: they carry our pid.
    pid, stem = os.getpid(), out.stem
    if title_s > 0:
        frames = max(1, round(title_s * fmt.rate))
        ass = workdir / f"{stem}-title.{pid}.caption.ass"
        output = workdir / f".{stem}-00.mov.{pid}.part"
        sidecars.append((ass, tc.title_card_ass(title, date_text, fmt.width, fmt.height)))
        argv = tc.title_card_argv(
            ass, output, width=fmt.width, height=fmt.height, rate=fmt.rate,
            frames=frames, samples=fmt.samples(frames), sample_rate=SAMPLE_RATE, fade_s=fade_s,
            video_filter_tail=CARD_COLOURS, encode=fmt.encode_args(),
        )  # fmt: skip
        steps.append(ReelStep("the title card", tuple(argv), output, frames, fmt.samples(frames), full))
    for number, part in enumerate(parts, start=1):
        span = clip_span(part.index, part.start_us, part.end_us, 0)
        first, last, frames = span.first, span.last, slot_count(fmt.rate, span)
        ass_path: Path | None = None
        if fmt.band and clean_caption(part.caption):
            ass_path = workdir / f"{stem}-{number:02d}.{pid}.caption.ass"
            sidecars.append((ass_path, _caption_ass(part.caption, fmt)))
        output = workdir / f".{stem}-{number:02d}.mov.{pid}.part"
        argv, picture = _clip_argv(part, fmt, span, frames, ass_path, fade_s, output)
        steps.append(ReelStep(f"clip {number}", tuple(argv), output, frames, fmt.samples(frames),
                              picture, first, last))  # fmt: skip
    listing = workdir / f".{stem}.ffconcat.{pid}.part"
    quoted = (s.output.name.replace("'", "'\\''") for s in steps)
    sidecars.append((listing, "ffconcat version 1.0\n" + "".join(f"file '{q}'\n" for q in quoted)))
    temporary = part_path(out)
    finish = ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact",
              "-movflags", "+faststart", "-progress", "pipe:1", "-f", "mp4"]  # fmt: skip
    aac = ["-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ar", str(SAMPLE_RATE), "-ac", "2"]
    concat = [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", ffmpeg_url(listing),
        "-map", "0:v:0", "-map", "0:a:0", "-c:v", "copy", *aac, *finish, ffmpeg_url(temporary),
    ]  # fmt: skip
    separate = []
    if parts_dir is not None:
        for number, step in enumerate(s for s in steps if s.first_frame is not None):
            target = parts_dir / f"{out.stem}-{number + 1:02d}.mp4"
            argv = ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y",
                    "-i", ffmpeg_url(step.output), "-map", "0", "-c:v", "copy", *aac, *finish,
                    ffmpeg_url(part_path(target))]  # fmt: skip
            separate.append((step.output, target, tuple(argv)))
    total = sum(s.frames for s in steps)
    return ReelPlan(
        out=out, part_path=temporary, workdir=workdir, format=fmt, steps=tuple(steps),
        sidecars=tuple(sidecars), concat_argv=tuple(concat), separate=tuple(separate),
        frame_count=total, duration_us=round(Fraction(total * 1_000_000) / fmt.rate),
    )  # fmt: skip


def run_reel(
    plan: ReelPlan,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    *,
    jobs: int | None = None,
) -> ReelResult:
    """Carry out ``plan``: encode the parts, check they match, join, verify, rename into place.

    ``progress`` gets 0..1 over the whole reel; ``should_cancel`` returning True stops ffmpeg,
    removes everything and raises ``vfeedback.media.frameindex.Cancelled``. Failures raise
    ReelFailed (ffmpeg's last lines in ``details``); nothing half-made is left behind.
    ``jobs`` parts are encoded at once (default 2, 1 on a one-core machine): one ffmpeg with
    libx264 leaves part of two cores idle (decoding and filtering run on one thread), so two
    at a time finish the reel sooner (measured: three 10 s parts of 720p, 7.2 s against 8.6 s).
    """
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    from vfeedback.core.jobs import Cancelled

    workers = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    created = not plan.workdir.exists()
    written = [path for path, _ in plan.sidecars] + [s.output for s in plan.steps]
    written += [plan.part_path, *(part_path(target) for _, target, _ in plan.separate)]
    finish_weight = 0.05 * plan.frame_count
    meter = _Meter(progress, plan.frame_count + finish_weight * (1 + 0.4 * len(plan.separate)))
    stop = threading.Event()

    def stopping() -> bool:
        return stop.is_set() or (should_cancel is not None and should_cancel())

    def encode(step: ReelStep) -> None:
        _run_ffmpeg(list(step.argv), step.frames / plan.format.rate, step.label,
                    meter.part(step.output, step.frames), stopping)  # fmt: skip
        meter.done(step.output, step.frames)

    done: list[Path] = []
    kept: list[Path] = []
    try:
        private_folder(plan.workdir)
        for path, text in plan.sidecars:
            write_private(path, text.encode("utf-8"))
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(encode, s) for s in plan.steps]
            try:
                wait(futures, return_when=FIRST_EXCEPTION)
                if any(f.done() and f.exception() is not None for f in futures):
                    stop.set()  # one failed or was cancelled: stop the others at once
            except BaseException:
                stop.set()
                raise
            finally:
                wait(futures)
            errors = [e for e in (f.exception() for f in futures) if e is not None]
            if errors:
                # The first real failure, rather than the stops it caused in the other parts.
                raise next((e for e in errors if not isinstance(e, Cancelled)), errors[0])
        _check_parts(plan)
        seconds = plan.frame_count / plan.format.rate
        _run_ffmpeg(list(plan.concat_argv), seconds, "the joined reel",
                    meter.part(plan.out, finish_weight), stopping)  # fmt: skip
        meter.done(plan.out, finish_weight)
        _verify(plan.part_path, plan.format, plan.frame_count, plan.duration_us)
        for source, target, argv in plan.separate:
            step = next(s for s in plan.steps if s.output == source)
            private_folder(target.parent)
            _run_ffmpeg(list(argv), step.frames / plan.format.rate, step.label,
                        meter.part(target, finish_weight * 0.4), stopping)  # fmt: skip
            meter.done(target, finish_weight * 0.4)
            _verify(part_path(target), plan.format, step.frames,
                    round(step.frames * 1_000_000 / plan.format.rate))  # fmt: skip
            kept.append(target)
        _check_cancel(stopping)
        for tmp, target in [*((part_path(t), t) for t in kept), (plan.part_path, plan.out)]:
            fsync_file(tmp)
            tmp.replace(target)
            done.append(target)
        fsync_dir(plan.out.parent)
    except BaseException:
        for target in done:  # cancelled or failed after some renames: take them back
            target.unlink(missing_ok=True)
        raise
    finally:
        for path in written:
            path.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                plan.workdir.rmdir()
    if progress is not None:
        progress(1.0)
    return ReelResult(
        path=plan.out, parts=tuple(kept), duration_us=plan.duration_us,
        frame_count=plan.frame_count, width=plan.format.width, height=plan.format.height,
        size_bytes=plan.out.stat().st_size, sha256=sha256_file(plan.out)[0],
    )  # fmt: skip


class _Meter:
    """Progress over several jobs, some running at once; never goes backwards."""

    def __init__(self, progress: Progress | None, total: float) -> None:
        self._progress = progress
        self._total = total
        self._lock = threading.Lock()
        self._finished = 0.0
        self._running: dict[Path, float] = {}
        self._last = 0.0

    def part(self, key: Path, weight: float) -> Progress:
        def call(fraction: float) -> None:
            with self._lock:
                self._running[key] = weight * fraction
                self._report()

        return call

    def done(self, key: Path, weight: float) -> None:
        with self._lock:
            self._running.pop(key, None)
            self._finished += weight
            self._report()

    def _report(self) -> None:
        value = min((self._finished + sum(self._running.values())) / self._total, 0.999)
        if self._progress is not None and value > self._last:
            self._last = value
            self._progress(value)


# --- running and checking ffmpeg -----------------------------------------------------------------

_NO_FFMPEG = (
    "vfeedback needs ffmpeg to make a reel and cannot find its ffmpeg program: "
    "install ffmpeg (on Debian or Ubuntu: sudo apt install ffmpeg) and try again."
)


def _check_cancel(should_cancel: ShouldCancel | None) -> None:
    from vfeedback.core.jobs import Cancelled

    if should_cancel is not None and should_cancel():
        raise Cancelled


def _run_ffmpeg(
    argv: list[str],
    seconds: Fraction,
    label: str,
    progress: Progress,
    should_cancel: ShouldCancel | None,
) -> None:
    """Run one ffmpeg command, passing its ``-progress`` reports on; stop it on cancel."""
    from vfeedback.media import ffmpeg

    _check_cancel(should_cancel)
    files = [Path(a[5:]) for a in argv if a.startswith("file:")]
    try:
        outcome = ffmpeg.run(
            argv,
            duration_us=round(float(seconds) * 1_000_000),
            progress=progress,
            should_cancel=should_cancel,
            hide=files,
        )
    except ffmpeg.CannotStart as exc:
        raise BadInput(_NO_FFMPEG) from exc
    if not outcome.ok:
        raise _failure(label, outcome.said[-4000:], {str(f.parent) for f in files})


def _failure(label: str, stderr: str, folders: set[str] | None = None) -> ReelFailed:
    # Folders out of the paths: a folder can name a family, and this text is shown and logged.
    for folder in sorted(folders or (), key=len, reverse=True):
        stderr = stderr.replace(folder + "/", "")
    text = re.sub(r"(?:file:)?(?:/[^/\s'\"]+)+/", "", stderr.strip())
    if "No space left on device" in text:
        return ReelFailed("The reel could not be written: the disk is full.", text)
    last = text.splitlines()[-1] if text else ""
    last = "".join(ch if ch.isprintable() else "?" for ch in last)[:160].rstrip(".")
    detail = f" (ffmpeg: {last})" if last else ""
    return ReelFailed(f"The reel could not be made: ffmpeg stopped while making {label}{detail}.", text)


@dataclass(frozen=True, slots=True)
class _Facts:
    kinds: tuple[str, ...]
    coding: tuple[object, ...]  # everything the concat demuxer needs to be the same in every part
    size: tuple[int, int]
    frames: int
    samples: int  # the sound's frames: samples for PCM, packets for AAC
    duration_us: int | None
    tags: frozenset[str]


def _read(path: Path) -> _Facts:
    """What a written part or reel holds, read in-process (PyAV: no ffprobe start-up per file)."""
    import av

    from vfeedback.media.container import open_container

    try:
        with open_container(path) as container:
            v, a = container.streams.video[0], container.streams.audio[0]
            vc, ac = v.codec_context, a.codec_context
            coding = (
                vc.name, vc.profile, vc.level, vc.width, vc.height, getattr(vc.format, "name", None),
                v.time_base, v.average_rate, vc.colorspace, vc.color_range, vc.color_primaries,
                vc.color_trc, bytes(vc.extradata or b""), ac.name, a.rate, a.channels, ac.format.name,
            )  # fmt: skip
            tags = set(container.metadata)
            for stream in container.streams:
                tags |= set(stream.metadata)
            return _Facts(
                kinds=tuple(str(s.type) for s in container.streams), coding=coding,
                size=(vc.width, vc.height), frames=v.frames, samples=a.frames,
                duration_us=container.duration, tags=frozenset(tags),
            )  # fmt: skip
    except (BadInput, av.FFmpegError, IndexError) as exc:
        raise ReelFailed("A part of the reel could not be read back, so the reel was not made.",
                         f"{path.name}: {exc}") from exc  # fmt: skip


def _check_parts(plan: ReelPlan) -> None:
    """The concat demuxer may copy only between parts coded alike: prove it, and their lengths."""
    first: tuple[object, ...] | None = None
    for step in plan.steps:
        facts = _read(step.output)
        first = facts.coding if first is None else first
        if facts.coding != first or (facts.frames, facts.samples) != (step.frames, step.samples):
            raise ReelFailed(
                f"The reel's {step.label} came out coded differently from the other parts, so the "
                "reel was not made.",
                f"{step.label}: {facts.coding} {facts.frames} {facts.samples}; first part: {first}",
            )  # fmt: skip


# Tags an MP4 muxer writes by itself; anything else would have come from a source.
_PLAIN_TAGS = {"major_brand", "minor_version", "compatible_brands", "language", "handler_name",
               "vendor_id"}  # fmt: skip


def _verify(path: Path, fmt: ReelFormat, frames: int, duration_us: int) -> None:
    """The finished MP4: H.264 and AAC only, the planned size and frame count, the planned length
    within two frames, and no tags a source could have brought (location, dates, device)."""
    facts = _read(path)
    problems = []
    if facts.kinds != ("video", "audio") or facts.coding[0] != "h264" or facts.coding[13] != "aac":
        problems.append(f"streams {facts.kinds} {facts.coding[0]}/{facts.coding[13]}")
    if facts.size != (fmt.width, fmt.height):
        problems.append(f"size {facts.size[0]} x {facts.size[1]}")
    if facts.frames != frames:
        problems.append(f"{facts.frames} frames instead of {frames}")
    if facts.duration_us is None or abs(facts.duration_us - duration_us) > 2e6 / float(fmt.rate):
        problems.append(f"{facts.duration_us} µs instead of {duration_us} µs")
    if facts.tags - _PLAIN_TAGS:
        problems.append(f"tags {sorted(facts.tags - _PLAIN_TAGS)}")
    if problems:
        raise ReelFailed("The reel came out wrong, so it was not kept.", "; ".join(problems))
