"""Export plans: pure functions from "this span of this recording, this caption, these options" to
exactly what will run (an ffmpeg command line, or for stills a call into our own exact decoder).

A plan takes the caption *text* and nothing else from a moment, so the private clinical note cannot
reach an exported file by construction.

The clip's filter graph, in one ffmpeg pass (``-copyts``, so filters see the file's own timestamps):

    [0:v:0] trim=start=<between the frame before and the first>:end=<just after the frame after the
            last> -> setpts=PTS-STARTPTS -> scale=W:H,setsar=1
            -> fps=R:eof_action=pass -> tpad=stop_mode=clone -> trim=end_frame=<slots>
            [split: up to the freeze frame + tpad=<hold> clones of it, then the rest -> concat
             -> setpts=N/(R*TB)]                                                         freeze
            [split: the 1x part, then setpts=2*PTS -> fps=R (each frame twice) -> concat] slow replay
            [-> ass=<caption.ass>] -> format=yuv420p                                     burned caption
    [0:a:0] atrim=<the same span, by time> -> asetpts -> aresample=48000 -> stereo
            -> apad/atrim to the exact length [-> split, silence for the freeze, concat]
            -> apad/atrim to the whole clip (silence under the slow replay)

- ``-ss`` before ``-i`` (only in containers with a sample index, where ffmpeg seeks to a keyframe)
  just makes the decoder start at the keyframe before the clip; the cut itself is the ``trim``,
  placed halfway between two frames so microsecond rounding can never move it by a frame. The
  frame after the clip is let through the trim so that ``fps`` knows where the last frame ends
  without guessing at EOF; the final ``trim=end_frame`` cuts it off again. At the recording's end
  ``tpad`` repeats the last frame if ``fps`` stops early.
- See ``timing`` for the frame rate and slot rules. Freeze: the chosen frame is held where it
  occurs in the clip (the clip pauses on the look, then plays on), silent while held. Slow replay:
  after the clip at 1x (with its freeze) the same span plays again at 0.5x, silent: half-speed sound
  is a distracting drone and parents talk over a slowed replay anyway.
- MPEG-TS and other containers without an index are decoded from their start (``-ss`` there lands
  on any frame and the decoder outputs nothing until the next keyframe).
- Soft captions: a second input (a plain .ass, see ``captions.soft_document``) mapped to a
  ``mov_text`` track; every caption mode but ``none`` also gets a WebVTT sidecar beside the clip.
- ffmpeg turns the picture upright itself (autorotate) and, for filter graph outputs, writes no
  display matrix; ``-map_metadata -1 -map_chapters -1`` drops location, dates and device tags.
  ``verify`` checks all of this on the finished file before it is kept.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import ShouldCancel
from vfeedback.core.marks import Mark
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.text import clean_caption
from vfeedback.core.timecode import format_time
from vfeedback.export import captions as cap
from vfeedback.export.blur import Region, TimedRegion, blur_chains, face_regions
from vfeedback.export.options import ClipOptions
from vfeedback.export.pointing import crop_filter, marks_document
from vfeedback.export.timing import (
    US,
    Span,
    clip_span,
    output_rate,
    round_near,
    slot,
    slot_count,
    still_frame,
)
from vfeedback.system.files import part_path

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vfeedback.export.layout import AngleSource
    from vfeedback.media.decoder import FrameDecoder
    from vfeedback.media.faces import FaceSample

Kind = Literal["clip", "still"]
# Writes the export to the temporary path it is given; raises Cancelled when asked to stop.
Action = Callable[[Path, ShouldCancel | None], None]

AUDIO_RATE = 48_000
# Containers whose demuxer seeks to a keyframe from a sample index (MediaInfo.container values).
SEEKABLE = frozenset({"mov", "mp4", "m4a", "m4v", "3gp", "3g2", "mj2", "matroska", "mkv", "webm"})


@dataclass(frozen=True, slots=True)
class ClipSource:
    """A recording as the exporter needs it: file, probe and frame index (all kept by the library),
    and for a clip with faces blurred, the faces found in its frames (``blur.find_clip_faces``;
    recording times, so they could be kept per recording too)."""

    path: Path
    media: MediaInfo
    index: FrameIndex
    faces: tuple[FaceSample, ...] | None = None


@dataclass(frozen=True)
class ExportPlan:
    """Everything an export will do, decided before anything runs.

    ``argv`` is the exact ffmpeg command (empty when ``action`` does the work instead); it writes to
    ``part``, a temporary name beside ``out``. ``temp_files`` are written before it runs and removed
    afterwards (the .ass to burn, the .ass the subtitle track is made from); ``sidecars`` are
    kept beside ``out`` (the clip's .vtt). The ``expected_*`` figures are what verification checks.
    """

    kind: Kind
    source: Path
    out: Path
    part: Path
    argv: list[str]
    expected_duration_us: int
    expected_frames: int
    width: int
    height: int
    action: Action | None = None
    sidecars: dict[Path, str] = field(default_factory=dict)
    temp_files: dict[Path, str] = field(default_factory=dict)
    rate: Fraction | None = None
    audio: bool = False
    subtitles: bool = False
    span: Span | None = None
    sources: tuple[Path, ...] = ()
    """Every recording the export reads (the angles of a layout); ``source`` alone when empty."""
    notes: tuple[str, ...] = ()
    """Sentences for the clinician about the result (an angle with no picture in part of the clip)."""
    checks: tuple[CellCheck, ...] = ()
    """For a layout of angles: output frames whose cells verification compares with each angle's own
    exactly decoded frame (``verify``)."""


@dataclass(frozen=True, slots=True)
class CellCheck:
    """Output frame ``output_frame`` must show, in the cell at ``x, y, w, h`` (the picture fitted
    into it, aspect kept), frame ``frame`` of ``source`` (None: the calm dark colour)."""

    output_frame: int
    x: int
    y: int
    w: int
    h: int
    source: ClipSource
    frame: int | None
    name: str = "the recording"
    rows: int = 0
    """The cell's rows to compare (0: all); those a burned caption may cover are left out."""
    hidden: tuple[int, int, int, int] | None = None
    """(x, y, w, h) in the cell covered by another picture (the small one of a picture in picture)."""


def output_size(media: MediaInfo, max_height: int | None, crop: Region | None = None) -> tuple[int, int]:
    """The upright, square-pixel size of the clip: the display size (of the ``crop`` only, at the
    source's own pixels, when the clip is framed closer), its shorter side limited to
    ``max_height`` (never enlarged), both sides even as H.264 4:2:0 needs."""
    width, height = Fraction(max(media.display_width, 2)), Fraction(max(media.display_height, 2))
    if crop is not None:
        width = max(Fraction(2), width * Fraction(crop.w))
        height = max(Fraction(2), height * Fraction(crop.h))
    scale = Fraction(1)
    if max_height is not None and min(width, height) > max_height:
        scale = Fraction(max_height, min(width, height))
    return _even(width * scale), _even(height * scale)


def _even(value: Fraction) -> int:
    return max(2, round_near(value / 2) * 2)


def clip_plan(
    source: ClipSource,
    start_us: int,
    end_us: int,
    caption: str,
    options: ClipOptions,
    out: Path,
    workdir: Path,
    *,
    ffmpeg: str = "ffmpeg",
    angles: Sequence[AngleSource] = (),
) -> ExportPlan:
    """The plan for a clip of ``start_us``..``end_us`` (recording times of the moment's first and
    last frames) with ``caption``, written to ``out`` (an .mp4 named by the caller). ``workdir``
    holds temporary caption files while ffmpeg runs. Raises BadInput for impossible requests.

    With a layout other than the default (``options.layout``), ``angles`` are the session's angles
    (``layout.AngleSource``, the main recording, which is ``source``, first): the times are on the
    main clock and each angle shows its own frames there (see ``vfeedback.export.layout``).

    With ``options.blur_faces``, ``source.faces`` must hold what ``blur.find_clip_faces`` found in
    this clip (an empty list when it found none): the plan itself reads no media."""
    index = source.index
    span = clip_span(index, start_us, end_us, options.padding_us)
    rate = output_rate(index, span)
    slots = slot_count(rate, span)
    if options.blur_faces and source.faces is None:
        raise ValueError("blur_faces needs the faces found in the clip: see blur.find_clip_faces")
    faces = source.faces or ()
    timed = face_regions(faces, span.start_us, rate, slots, options.keep) if options.blur_faces else ()
    freeze = _freeze(index, span, rate, options)
    hold = freeze[1] if freeze else 0
    total = slots * (3 if options.slow_replay else 1) + hold
    duration_us = _frames_us(total, rate)
    width, height = output_size(source.media, options.max_height, options.crop)
    audio = source.media.has_audio and not options.mute
    layout: LayoutGraph | None = None
    seek = tuple(seek_options(source.media, index, span))
    inputs: tuple[tuple[tuple[str, ...], Path], ...] = ((seek, source.path),)
    if not options.layout.is_default:
        from vfeedback.export.layout import layout_graph

        layout = layout_graph(options.layout, angles, span, rate, slots, options.max_height)
        width, height, inputs = layout.width, layout.height, layout.inputs
        audio = layout.has_audio and not options.mute

    text = clean_caption(caption)
    if options.captions != "none" and not text:
        raise BadInput("This moment has no caption to show: write one, or export the clip without captions.")
    burn = options.captions in ("burn", "both")
    soft = options.captions in ("soft", "both")
    tag = f"{out.stem}.{os.getpid()}"
    temp_files: dict[Path, str] = {}
    sidecars: dict[Path, str] = {}
    ass_file = workdir / f"{tag}.caption.ass"
    track_file = workdir / f"{tag}.track.caption.ass"
    if burn:
        temp_files[ass_file] = cap.ass_document(text, width, height, duration_us)
    if soft:
        temp_files[track_file] = cap.soft_document(text, duration_us)
    if options.captions != "none":
        sidecars[out.with_suffix(".vtt")] = cap.vtt_document(text, duration_us)
    marks_file = workdir / f"{tag}.marks.ass"
    if options.marks and freeze:
        # On the held frames only: the freeze frame where it first shows, and its ``hold`` copies.
        temp_files[marks_file] = marks_document(options.marks, width, height, freeze[0], hold + 1, rate)

    graph = _graph(
        index, source.media, span, rate, slots, freeze, options,
        size=(width, height), audio=audio, ass=ass_file if burn else None, faces=timed,
        marks=marks_file if options.marks and freeze else None, layout=layout,
    )  # fmt: skip
    part = part_path(out)
    argv = [
        ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y",
        "-progress", "pipe:1",
        "-copyts", *(arg for seek, path in inputs for arg in (*seek, "-i", _url(path))),
        *(["-f", "ass", "-i", _url(track_file)] if soft else []),
        "-filter_complex", graph,
        "-map", "[v]", *(["-map", "[a]"] if audio else ["-an"]),
        *(["-map", f"{len(inputs)}:0"] if soft else ["-sn"]),
        "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
        "-c:v", "libx264", "-preset", options.encoding.preset, "-crf", str(options.encoding.crf),
        "-pix_fmt", "yuv420p",
        *(["-c:a", "aac", "-b:a", f"{options.encoding.audio_kbps}k"] if audio else []),
        *(["-c:s", "mov_text"] if soft else []),
        # ffmpeg 5.1's MP4 writer enables the first text track whatever its disposition, so with
        # "both" a player that shows enabled tracks unasked (QuickTime) may show the words twice.
        *(["-disposition:s:0", "default"] if soft else []),
        # Timestamps are already exactly k/R: let no frame be duplicated or dropped after the graph.
        # A layout's cells may lose the rate a clip's fps filter sets; without it the encoder gives
        # the last frame no length and MP4 players drop it.
        *(["-r", _rate_text(rate)] if layout else []),
        "-fps_mode", "passthrough",
        "-movflags", "+faststart",
        "-f", "mp4", _url(part),
    ]  # fmt: skip
    return ExportPlan(
        kind="clip",
        source=source.path,
        out=out,
        part=part,
        argv=argv,
        expected_duration_us=duration_us,
        expected_frames=total,
        width=width,
        height=height,
        sidecars=sidecars,
        temp_files=temp_files,
        rate=rate,
        audio=audio,
        subtitles=soft,
        span=span,
        sources=tuple(path for _, path in inputs) if layout else (),
        notes=layout.notes if layout else (),
        # A burned caption sits in the lowest part of the picture (three lines at most).
        checks=_checks(layout, freeze, height * 7 // 10 if burn else None),
    )


def _checks(
    layout: LayoutGraph | None, freeze: tuple[int, int] | None, caption_top: int | None
) -> tuple[CellCheck, ...]:
    """The cell checks of a layout among the output frames that are still the slots themselves
    (before a freeze, where the held frame and the rest follow), each above ``caption_top`` (where
    a burned caption may begin; at least a quarter of a cell is always compared)."""
    if layout is None:
        return ()
    found = [c for c in layout.checks if freeze is None or c.output_frame <= freeze[0]]
    if caption_top is None:
        return tuple(found)
    return tuple(replace(c, rows=min(c.h, max(c.h // 4, caption_top - c.y))) for c in found)


def _freeze(index: FrameIndex, span: Span, rate: Fraction, options: ClipOptions) -> tuple[int, int] | None:
    """(output slot where the freeze frame first shows, extra slots it is held) or None."""
    if not options.has_freeze or options.freeze_at_us is None:
        return None
    at = options.freeze_at_us
    if not span.start_us <= at < span.stop_us:
        raise BadInput(
            f"The frame to hold at {format_time(at)} is outside the clip, which runs from "
            f"{format_time(span.start_us)} to {format_time(span.stop_us)}."
        )
    frame = index.frame_at(at)
    hold = max(1, round_near(Fraction(options.freeze_s) * rate))
    return slot(rate, index.time_of(frame) - span.start_us), hold


def _frames_us(frames: int, rate: Fraction) -> int:
    return round_near(Fraction(frames * US) / rate)


def _samples(frames: int, rate: Fraction) -> int:
    """Audio samples in ``frames`` output frames, rounded the same way everywhere."""
    return round_near(Fraction(frames * AUDIO_RATE) / rate)


def seek_options(media: MediaInfo, index: FrameIndex, span: Span) -> list[str]:
    """Where the decoder starts: the keyframe at or before the first frame. ffmpeg's own cut after
    the seek is off (the trim makes the cut); the seek is by the first frame's exact timestamp, so
    a clip starting on a keyframe does not decode the whole GOP before it."""
    if span.first == 0 or media.container not in SEEKABLE:
        return []
    at = media.start_time_us + index.time_of(span.first)
    return ["-noaccurate_seek", "-seek_timestamp", "1", "-ss", _secs(at)]


def _between(index: FrameIndex, frame: int) -> int:
    """Halfway between ``frame`` and the one before it (µs from the first frame)."""
    times = index.times
    return (times[frame - 1] + times[frame]) // 2


def _graph(
    index: FrameIndex,
    media: MediaInfo,
    span: Span,
    rate: Fraction,
    slots: int,
    freeze: tuple[int, int] | None,
    options: ClipOptions,
    *,
    size: tuple[int, int],
    audio: bool,
    ass: Path | None,
    faces: Sequence[TimedRegion] = (),
    marks: Path | None = None,
    layout: LayoutGraph | None = None,
) -> str:
    origin = media.start_time_us  # the video stream's first frame, in the file's own clock
    r = _rate_text(rate)
    width, height = size
    chains: list[str] = []
    if layout is None:
        shape = ("" if options.crop is None else crop_filter(*options.crop.as_list()) + ",") + (
            f"scale={width}:{height},setsar=1,"
        )
        video = cut_chain("[0:v:0]", index, media, span, rate, slots, shape)
        sound = AudioCut("[0:a:0]", origin + span.start_us)
    else:
        chains.extend(layout.chains[:-1])
        video, sound = layout.chains[-1], layout.sound
    if options.blur or faces:
        # Upright and at its final size, before freeze and slow replay repeat frames (a face is
        # blurred by output frame number) and before the caption is burned (it stays readable).
        hiding, video = blur_chains(video, size, options.blur, faces)
        chains.extend(hiding)
    restamp = f"setpts=N/({r}*TB)"
    once = "[clip]"
    if options.slow_replay:
        chains.append(video + "[clip]")
        chains.append("[clip]split=2[once][twice]")
        chains.append(
            f"[twice]setpts=2*PTS,fps={r}:eof_action=pass,tpad=stop_mode=clone:stop=2,"
            f"trim=end_frame={2 * slots}[slow]"
        )
        once = "[once]"
    elif freeze:
        chains.append(video + "[clip]")
    if freeze:
        # ffmpeg 5.1's loop filter repeats the frame *before* its start: trim and tpad say it plainly.
        at, held = freeze
        if at + 1 < slots:
            chains.append(f"{once}split=2[upto][after]")
            chains.append(f"[upto]trim=end_frame={at + 1},tpad=stop_mode=clone:stop={held}[held]")
            chains.append(f"[after]trim=start_frame={at + 1},setpts=PTS-STARTPTS[rest]")
            video = f"[held][rest]concat=n=2:v=1:a=0,{restamp}"
        else:
            video = f"{once}tpad=stop_mode=clone:stop={held},{restamp}"
    if options.slow_replay:
        chains.append(f"{video if freeze else '[once]null'}[main]")
        video = f"[main][slow]concat=n=2:v=1:a=0,{restamp}"
    if marks is not None:  # under the caption, which stays readable over a mark
        video += f",ass=filename={_filter_value(str(marks))}"
    if ass is not None:
        video += f",ass=filename={_filter_value(str(ass))}"
    chains.append(video + ",format=yuv420p[v]")

    if audio:
        chains.extend(_audio_chains(sound, rate, slots, freeze, options))
    return ";".join(chains)


def cut_chain(
    label: str, index: FrameIndex, media: MediaInfo, span: Span, rate: Fraction, slots: int, shape: str
) -> str:
    """The frames of ``span`` from input ``label``, laid on the clip's ``slots`` at ``rate``, with
    ``shape`` (crop, scale: filters ending in a comma) applied before ``fps`` repeats frames."""
    origin = media.start_time_us
    r = _rate_text(rate)
    times = index.times
    cut = []
    if span.first > 0:
        cut.append(f"start={_secs(origin + _between(index, span.first))}")
    if span.last + 2 < len(times):  # let the frame after the clip through, stop before the next
        cut.append(f"end={_secs(origin + _between(index, span.last + 2))}")
    # Slots the last frame should fill, should fps stop at its first (only at the recording's end).
    tail = slots - slot(rate, times[span.last] - span.start_us)
    return (
        label
        + (f"trim={':'.join(cut)}," if cut else "")
        + "setpts=PTS-STARTPTS,"
        + shape
        + f"fps={r}:eof_action=pass,tpad=stop_mode=clone:stop={tail},trim=end_frame={slots}"
    )


@dataclass(frozen=True, slots=True)
class AudioCut:
    """Where a clip's sound comes from: the input pad and the time in that file's own clock
    (``-copyts``) at which the clip starts; before the file's start (an angle that began filming
    later) ``aresample=first_pts=0`` fills in silence."""

    label: str
    start_us: int


@dataclass(frozen=True, slots=True)
class LayoutGraph:
    """A layout of angles as ``export.layout`` draws it: the chains up to the composed picture (the
    last one unlabelled, continued by the clip's own freeze, slow replay and caption), the inputs
    (seek options and file, in input order) and the sound."""

    chains: tuple[str, ...]
    inputs: tuple[tuple[tuple[str, ...], Path], ...]
    sound: AudioCut
    width: int
    height: int
    has_audio: bool
    notes: tuple[str, ...] = ()
    checks: tuple[CellCheck, ...] = ()


def _audio_chains(
    sound: AudioCut,
    rate: Fraction,
    slots: int,
    freeze: tuple[int, int] | None,
    options: ClipOptions,
) -> list[str]:
    start = sound.start_us
    once = _samples(slots, rate)
    hold = freeze[1] if freeze else 0
    total = _samples(slots * (3 if options.slow_replay else 1) + hold, rate)
    # A little past the end so that the exact cut is made by sample count, after resampling.
    end = start + _frames_us(slots, rate) + 100_000
    shift = _secs(start) if start >= 0 else f"({_secs(start)})"
    chain = (
        f"{sound.label}atrim=start={_secs(max(start, 0))}:end={_secs(end)},asetpts=PTS-{shift}/TB,"
        f"aresample={AUDIO_RATE}:first_pts=0,aformat=sample_fmts=fltp:channel_layouts=stereo,"
        f"apad=whole_len={once},atrim=end_sample={once}"
    )
    chains: list[str] = []
    if freeze:
        at, held = freeze
        before = _samples(at + 1, rate)
        silence = _samples(at + 1 + held, rate) - before
        chains.append(chain + "[asrc]")
        chains.append("[asrc]asplit=2[apre][apost]")
        chains.append(f"[apre]atrim=end_sample={before}[a1]")
        chains.append(f"anullsrc=r={AUDIO_RATE}:cl=stereo,atrim=end_sample={silence}[a2]")
        chains.append(f"[apost]atrim=start_sample={before},asetpts=PTS-STARTPTS[a3]")
        chain = "[a1][a2][a3]concat=n=3:v=0:a=1"
    if total != once or freeze:
        # Silence under the slow replay, and the odd sample that rounding leaves either way.
        chain += f",apad=whole_len={total},atrim=end_sample={total}"
    chains.append(chain + "[a]")
    return chains


def _rate_text(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def _secs(us: int) -> str:
    """Microseconds as exact decimal seconds, the form every ffmpeg time option reads."""
    sign = "-" if us < 0 else ""
    whole, frac = divmod(abs(us), US)
    return f"{sign}{whole}.{frac:06d}"


def _url(path: Path) -> str:
    # A name starting with '-' or containing 'name:' would read as an option or a protocol.
    return "file:" + str(path.absolute())


def _escape(text: str, specials: str) -> str:
    return "".join("\\" + ch if ch in specials or ch == "\\" else ch for ch in text)


def _filter_value(text: str) -> str:
    """``text`` as a filter option value inside a filter graph: escaped once for the option parser
    (``:`` and quotes) and once more for the graph parser (``[],;`` and quotes)."""
    return _escape(_escape(text, "':"), "'[],;")


# --- stills -------------------------------------------------------------------------------------


def still_plan(
    source: ClipSource,
    at_us: int,
    out: Path,
    workdir: Path,
    *,
    decoder: FrameDecoder | None = None,
    marks: Sequence[Mark] = (),
) -> ExportPlan:
    """The plan for a full-resolution PNG of the frame on screen at ``at_us``, upright, with the
    clinician's ``marks`` drawn on it.

    The frame comes from our exact decoder (``FrameDecoder.frame``), so the PNG holds exactly the
    picture the clinician paused on, pixel for pixel. Pass ``decoder`` (one opened on this recording
    with no ``max_size``, owned by the thread that runs the export) to start from its warm state;
    otherwise the run opens the file itself. ``workdir`` is unused (stills need no temporaries).
    """
    del workdir
    frame = still_frame(source.index, at_us)
    media = source.media
    turned = media.rotation % 180 == 90
    width, height = (media.height, media.width) if turned else (media.width, media.height)
    upright = (width, height)
    action = StillAction(source.path, source.index, media.rotation, frame, upright, decoder, tuple(marks))
    return ExportPlan(
        kind="still",
        source=source.path,
        out=out,
        part=part_path(out),
        argv=[],
        expected_duration_us=0,
        expected_frames=1,
        width=width,
        height=height,
        action=action,
    )


@dataclass(frozen=True)
class StillAction:
    """Decode frame ``frame`` exactly and write it as a PNG (see ``still_plan``)."""

    path: Path
    index: FrameIndex
    rotation: int
    frame: int
    size: tuple[int, int]
    decoder: FrameDecoder | None = None
    marks: tuple[Mark, ...] = ()

    def __call__(self, part: Path, should_cancel: ShouldCancel | None) -> None:
        from vfeedback.export.stills import draw_marks, write_png
        from vfeedback.media.decoder import FrameDecoder

        picture = None
        if self.decoder is not None:
            got = self.decoder.frame(self.frame, should_cancel)
            # A decoder made for the screen scales its pictures: not the full-resolution frame.
            if got.image.shape[1::-1] == self.size:
                picture = got.image
        if picture is None:
            with FrameDecoder(self.path, self.index, self.rotation) as own:
                picture = own.frame(self.frame, should_cancel).image
        write_png(part, draw_marks(picture, self.marks))
