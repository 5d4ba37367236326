"""Camera angles in one exported picture: which frame of each angle fills each output frame, where
each angle's cell is, and the ffmpeg filter chains that draw them (``Layout`` is in ``options``).

The clip's frames are on the main recording's clock: the span is the main's (``timing.clip_span``),
its rate the main's clip rate R, and output frame k stands for the session time

    S_k = span.start + k / R          (exactly, as a fraction of a microsecond)

Each angle shows there the frame on screen at ITS OWN time ``S_k - offset``, found through its own
frame index: the last frame starting at or before it (``expected_frame``; a frame starting within
``TOLERANCE_US`` after it counts as started). ffmpeg draws exactly that:

    [i:v:0] trim (between the frame before the first used and the first, as ``plan`` cuts a clip;
            the frame after the last used let through) -> settb=1/1000000
            -> setpts=max(PTS - (origin + S_0 - offset + 1), 0)  each frame's start on the output clock
            -> scale (aspect kept) + pad into the cell
            -> fps=R:round=up      slot k gets the last frame with ceil(R * start) <= k, i.e. start <= S_k
            -> tpad clone, trim=end_frame=<covered>            the slots the angle covers
            -> tpad=start=<lead>:stop=<tail> in a calm dark colour  where the angle has no picture
            -> settb=1/R, setpts=N                             the clip's own clock

``ceil(R * t) <= k`` is ``t <= k / R``: integer arithmetic in ffmpeg (``av_rescale_q_rnd``), the same
comparison ``expected_frame`` makes. ffmpeg 5.1's ``fps`` never writes a stream's very last frame
(its end-of-stream time is that frame's own start), so when a clip reaches an angle's last frame that
frame is split off (``select`` by its time), repeated for its slots and joined after the others
(``cell_chain``). The main recording's own cell is cut exactly as a single clip is
(``fps`` rounding to nearest, which maps a constant-rate main one to one), so a layout's main cell and
today's clip show the same frames. Where an angle starts later or ends earlier than the span, its cell
is dark (never a frozen wrong frame) and ``gaps`` says so in words.

Arrangement: two angles side by side in a row (each cell half the width, faces level); three or four
in a 2 x 2 grid (on a 16:9 screen a row of three 16:9 cells uses a third of the width each, a grid of
2 x 2 half: every face is half as large again, and the grid is 16:9 itself); the fourth cell of three
is dark. Cells have the main recording's aspect; each angle is letterboxed into its cell. The whole
picture fits 1920 x 1080. Picture in picture: the large angle at its clip size, the small one 30 % of
the width (aspect kept) with a margin of 3 % of the width in the chosen corner and a thin light border.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor
from pathlib import Path

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.timecode import format_time
from vfeedback.export.options import Corner, Layout
from vfeedback.export.plan import (
    AudioCut,
    CellCheck,
    ClipSource,
    LayoutGraph,
    cut_chain,
    output_size,
    seek_options,
)
from vfeedback.export.timing import US, Span, slot

DARK = "0x1c1f22"  # where an angle has no picture: calm, and plainly not a frame of the film
BARS = "black"  # letterbox bars inside a cell
BORDER = "0xe8e4dc"  # the thin frame around the small picture of a picture in picture
MAX_SIZE = (1920, 1080)
PIP_WIDTH = Fraction(3, 10)
PIP_MARGIN = Fraction(3, 100)
PIP_BORDER = 2
TOLERANCE_US = 1
"""A frame starting within a microsecond after S_k counts as started: frame times are kept rounded to
the microsecond, so two 29.97 fps films in step would otherwise miss each other's frames by 0.3 µs."""


@dataclass(frozen=True, slots=True)
class AngleSource:
    """One angle as an export needs it: its recording, file and frame index, and its offset (its own
    time zero on the main clock; 0 for the main recording itself)."""

    recording_id: int
    source: ClipSource
    offset_us: int = 0
    is_main: bool = False


@dataclass(frozen=True, slots=True)
class Cell:
    """Where one angle is drawn (pixels of the whole picture) and how large its cell is."""

    angle: AngleSource
    x: int
    y: int
    w: int
    h: int
    border: int = 0


@dataclass(frozen=True, slots=True)
class Arrangement:
    """A layout decided: the whole picture's size, the cells in drawing order (the small picture of
    a picture in picture last), empty dark cells of a grid, and the angle whose sound is heard."""

    width: int
    height: int
    cells: tuple[Cell, ...]
    empty: tuple[tuple[int, int, int, int], ...]
    sound: AngleSource


@dataclass(frozen=True, slots=True)
class AngleCut:
    """An angle on the clip's output clock: ``lead`` dark slots before its first frame, ``covered``
    slots of its frames ``first``..``last`` (its own frame numbers; None when it has none in the span),
    ``tail`` dark slots after its end."""

    lead: int
    covered: int
    tail: int
    first: int | None
    last: int | None
    last_from: int = 0
    """The first slot that shows frame ``last``."""


def _even(value: Fraction) -> int:
    return max(2, floor(value / 2) * 2)


def arrange(layout: Layout, angles: Sequence[AngleSource], max_height: int | None) -> Arrangement:
    """The cells of ``layout`` for ``angles`` (main first, then the session's other angles in the
    order they were added). ``layout.angle`` names the chosen angle (None: the main)."""
    main = next(a for a in angles if a.is_main)
    chosen = next((a for a in angles if a.recording_id == layout.angle), main)
    if layout.kind == "single":
        w, h = output_size(chosen.source.media, max_height)
        return Arrangement(w, h, (Cell(chosen, 0, 0, w, h),), (), chosen)
    if layout.kind == "pip":
        return _pip(chosen, main, angles, layout.corner, max_height)
    cw, ch = output_size(main.source.media, max_height)
    cols, rows = (len(angles), 1) if len(angles) <= 2 else (2, 2)
    fit = min(Fraction(1), Fraction(MAX_SIZE[0], cols * cw), Fraction(MAX_SIZE[1], rows * ch))
    if fit < 1:
        cw, ch = _even(cw * fit), _even(ch * fit)
    cells = [Cell(a, (i % cols) * cw, (i // cols) * ch, cw, ch) for i, a in enumerate(angles)]
    empty = tuple(((i % cols) * cw, (i // cols) * ch, cw, ch) for i in range(len(angles), cols * rows))
    return Arrangement(cols * cw, rows * ch, tuple(cells), empty, chosen)


def _pip(
    large: AngleSource,
    main: AngleSource,
    angles: Sequence[AngleSource],
    corner: Corner,
    max_height: int | None,
) -> Arrangement:
    small = main if large is not main else angles[1]
    w, h = output_size(large.source.media, max_height)
    sw = _even(w * PIP_WIDTH)
    media = small.source.media
    sh = _even(Fraction(sw * max(media.display_height, 2), max(media.display_width, 2)))
    sh = min(sh, _even(Fraction(h, 2)))
    margin = _even(w * PIP_MARGIN)
    box_w, box_h = sw + 2 * PIP_BORDER, sh + 2 * PIP_BORDER
    x = margin if corner.endswith("left") else w - margin - box_w
    y = margin if corner.startswith("top") else h - margin - box_h
    cells = (Cell(large, 0, 0, w, h), Cell(small, x, y, sw, sh, PIP_BORDER))
    return Arrangement(w, h, cells, (), large)


# --- time ---------------------------------------------------------------------------------------


def slot_time(span: Span, rate: Fraction, k: int) -> Fraction:
    """S_k: the session time (µs on the main clock, exact) output frame ``k`` stands for."""
    return span.start_us + Fraction(k * US) / rate


def frame_for(index: FrameIndex, offset_us: int, session_us: int) -> int | None:
    """The angle's own frame on screen at ``session_us`` (main clock), or None where it has no
    picture: the last one starting at or before it (+ ``TOLERANCE_US``), on its own clock."""
    at = session_us + TOLERANCE_US - offset_us
    if at < 0 or at >= index.duration_us:
        return None
    return index.frame_at(at)


def expected_frame(index: FrameIndex, offset_us: int, span: Span, rate: Fraction, k: int) -> int | None:
    """The angle's own frame that output frame ``k`` shows, or None where its cell is dark."""
    # Frame times are whole microseconds: comparing with the whole part of S_k is exact.
    return frame_for(index, offset_us, floor(slot_time(span, rate, k)))


def angle_cut(index: FrameIndex, offset_us: int, span: Span, rate: Fraction, slots: int) -> AngleCut:
    """Which output slots the angle covers and which of its frames fill them."""

    def first_slot_at_or_after(session_us: int) -> int:
        # The smallest k with S_k >= session_us, clamped to the clip.
        return min(max(ceil(Fraction(session_us - span.start_us) * rate / US), 0), slots)

    lead = first_slot_at_or_after(offset_us - TOLERANCE_US)
    end = max(first_slot_at_or_after(offset_us + index.duration_us - TOLERANCE_US), lead)
    if end == lead:
        return AngleCut(slots, 0, 0, None, None)
    first = expected_frame(index, offset_us, span, rate, lead)
    last = expected_frame(index, offset_us, span, rate, end - 1)
    assert first is not None and last is not None
    last_from = max(first_slot_at_or_after(offset_us + index.times[last] - TOLERANCE_US), lead)
    return AngleCut(lead, end - lead, slots - end, first, last, last_from)


def gaps(cut: AngleCut, span: Span, rate: Fraction, slots: int) -> list[tuple[int, int]]:
    """The stretches (session µs, start and end) of the clip where the angle has no picture."""
    found = []
    if cut.lead:
        found.append((span.start_us, round(slot_time(span, rate, cut.lead))))
    if cut.tail:
        found.append((round(slot_time(span, rate, slots - cut.tail)), span.stop_us))
    return found


def gap_sentence(recording_id: int, stretches: Sequence[tuple[int, int]]) -> str:
    """What the export's result says about an angle that does not cover the whole clip."""
    if not stretches:
        return ""
    spans = " and ".join(f"from {format_time(a)} to {format_time(b)}" for a, b in stretches)
    return f"Recording {recording_id} has no picture {spans}; its part of the picture is dark there."


# --- ffmpeg -------------------------------------------------------------------------------------


def _secs(us: int) -> str:
    sign = "-" if us < 0 else ""
    whole, frac = divmod(abs(us), US)
    return f"{sign}{whole}.{frac:06d}"


def _rate(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def cell_trim(index: FrameIndex, origin: int, first: int, last: int) -> str:
    """The trim (file clock, ``-copyts``) that lets through frames ``first``..``last`` and the frame
    after, cut halfway between frames as ``plan`` cuts a clip."""
    times = index.times
    cut = []
    if first > 0:
        cut.append(f"start={_secs(origin + (times[first - 1] + times[first]) // 2)}")
    if last + 2 < len(times):
        cut.append(f"end={_secs(origin + (times[last + 1] + times[last + 2]) // 2)}")
    return f"trim={':'.join(cut)}," if cut else ""


def fit_filter(w: int, h: int, border: int = 0) -> str:
    """Scale into a ``w`` x ``h`` cell, aspect kept, centred on black (and framed by ``border``)."""
    chain = (
        f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2,"
        f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color={BARS},setsar=1"
    )
    if border:
        chain += f",pad={w + 2 * border}:{h + 2 * border}:{border}:{border}:color={BORDER}"
    return chain


def cell_chain(
    label: str,
    cell: Cell,
    cut: AngleCut,
    span: Span,
    rate: Fraction,
    slots: int,
    out: str,
) -> str:
    """The chains that make ``cell`` for all ``slots`` output frames, ending in ``out``; ``label``
    is the angle's input pad (``[1:v:0]``).

    ``fps`` writes a frame only once the next one arrives (or, at the end, up to the end-of-stream
    time, which ffmpeg 5.1 gives as the last frame's own start): the angle's very last frame would
    never be written. When the clip reaches the angle's last frame, that frame is taken apart
    (``select`` by its time, repeated for its slots) and joined after the others."""
    r = _rate(rate)
    w, h = cell.w + 2 * cell.border, cell.h + 2 * cell.border
    if cut.first is None or cut.last is None:
        return f"color=c={DARK}:s={w}x{h}:r={r},format=yuv420p,trim=end_frame={slots},setpts=N/({r}*TB){out}"
    source = cell.angle.source
    index, origin = source.index, source.media.start_time_us
    # Each frame's start on the output clock, in microseconds (exact integers from here on).
    zero = origin + span.start_us - cell.angle.offset_us + TOLERANCE_US
    head = (
        f"{label}{cell_trim(index, origin, cut.first, cut.last)}settb=1/1000000,"
        f"setpts='max(PTS-({zero}),0)',{fit_filter(cell.w, cell.h, cell.border)},format=yuv420p"
    )
    # On the clip's own clock 1/R (every cell, so the composed picture is too): a microsecond
    # clock would leave the last frame without a duration, and MP4 players would drop it.
    restamp = f"settb={rate.denominator}/{rate.numerator},setpts=N"
    frames = f"fps={r}:round=up:eof_action=pass,tpad=stop=-1:stop_mode=clone"
    chains = []
    if cut.last + 1 < len(index):  # the frame after the last is let through: fps writes them all
        picture = f"{head},{frames},trim=end_frame={cut.covered},{restamp}"
    else:
        before, held = cut.last_from - cut.lead, cut.lead + cut.covered - cut.last_from
        # Its start on the output clock, less a microsecond for the rounding of the file's clock.
        at = max(origin + index.times[cut.last] - zero - 1, 0)
        last = f"select='gte(pts,{at})',tpad=stop=-1:stop_mode=clone,trim=end_frame={held},{restamp}"
        if before == 0:
            picture = f"{head},{last}"
        else:
            tag = out.strip("[]")
            chains.append(f"{head},split=2[{tag}a][{tag}b]")
            chains.append(f"[{tag}a]{frames},trim=end_frame={before},{restamp}[{tag}c]")
            chains.append(f"[{tag}b]{last}[{tag}d]")
            picture = f"[{tag}c][{tag}d]concat=n=2:v=1:a=0,{restamp}"
    if cut.lead or cut.tail:
        picture += f",tpad=start={cut.lead}:stop={cut.tail}:color={DARK},{restamp}"
    chains.append(picture + out)
    return ";".join(chains)


def compose(arrangement: Arrangement, labels: Sequence[str], rate: Fraction, slots: int) -> list[str]:
    """Chains that put the cells (``labels``, in ``arrangement.cells`` order) into one picture,
    ending in the unlabelled chain the caller continues (the clip's ``video`` before freeze, slow
    replay and caption)."""
    r = _rate(rate)
    cells = arrangement.cells
    if len(cells) == 1:
        return [f"{labels[0]}null"]
    if len(cells) == 2 and cells[1].border:  # picture in picture
        small = cells[1]
        return [f"{labels[0]}{labels[1]}overlay=x={small.x}:y={small.y}:shortest=1,format=yuv420p"]
    chains = []
    inputs = list(labels)
    positions = [f"{c.x}_{c.y}" for c in cells]
    for n, (x, y, w, h) in enumerate(arrangement.empty):
        chains.append(f"color=c={DARK}:s={w}x{h}:r={r},format=yuv420p,trim=end_frame={slots}[empty{n}]")
        inputs.append(f"[empty{n}]")
        positions.append(f"{x}_{y}")
    chains.append(f"{''.join(inputs)}xstack=inputs={len(inputs)}:layout={'|'.join(positions)}:shortest=1")
    return chains


def layout_graph(
    layout: Layout,
    angles: Sequence[AngleSource],
    span: Span,
    rate: Fraction,
    slots: int,
    max_height: int | None,
) -> LayoutGraph:
    """The inputs and chains of a clip of ``span`` (main clock, ``slots`` frames at ``rate``) drawn
    in ``layout``: each angle's cell cut on its own clock, the cells composed, the chosen angle's
    sound. ``angles``: the main recording first (``is_main``), then the session's other angles."""
    if not any(a.is_main for a in angles):
        raise ValueError("a layout needs the session's angles, the main recording among them")
    if layout.kind != "single" and len(angles) < 2:
        raise BadInput(no_angles_sentence(next(a for a in angles if a.is_main).recording_id, layout.kind))
    arrangement = arrange(layout, angles, max_height)
    inputs: list[tuple[tuple[str, ...], Path]] = []
    numbers: dict[int, int] = {}

    def input_of(angle: AngleSource, seek: list[str]) -> int:
        if angle.recording_id not in numbers:
            numbers[angle.recording_id] = len(inputs)
            inputs.append((tuple(seek), angle.source.path))
        return numbers[angle.recording_id]

    chains: list[str] = []
    labels: list[str] = []
    notes: list[str] = []
    for n, cell in enumerate(arrangement.cells):
        angle, source = cell.angle, cell.angle.source
        label = f"[cell{n}]"
        labels.append(label)
        if angle.is_main:
            pad = f"[{input_of(angle, seek_options(source.media, source.index, span))}:v:0]"
            shape = f"{fit_filter(cell.w, cell.h, cell.border)},format=yuv420p,"
            chains.append(cut_chain(pad, source.index, source.media, span, rate, slots, shape) + label)
            continue
        cut = angle_cut(source.index, angle.offset_us, span, rate, slots)
        pad = ""
        if cut.first is not None and cut.last is not None:
            index = source.index
            own = Span(cut.first, cut.last, index.time_of(cut.first), index.shown_until(cut.last))
            pad = f"[{input_of(angle, seek_options(source.media, source.index, own))}:v:0]"
        chains.append(cell_chain(pad, cell, cut, span, rate, slots, label))
        sentence = gap_sentence(angle.recording_id, gaps(cut, span, rate, slots))
        if sentence:
            notes.append(sentence)
    chains.extend(compose(arrangement, labels, rate, slots))
    checks = []
    for k in sorted({0, slots // 2, slots - 1}):
        for cell in arrangement.cells:
            angle = cell.angle
            if angle.is_main and k > 0:
                # The main is cut exactly as a single clip is (tested on its own); a cold seek into a
                # long-GOP main for each frame would cost seconds (measured: 3.4 s for three on 10 s GOPs).
                continue
            frame: int | None
            if angle.is_main:  # cut as a single clip is: the last frame whose (rounded) slot is k or before
                shown = range(span.first, span.last + 1)
                frame = max(f for f in shown if _main_slot(angle, span, rate, f) <= k)
            else:
                frame = expected_frame(angle.source.index, angle.offset_us, span, rate, k)
            x, y = cell.x + cell.border, cell.y + cell.border
            name = f"recording {angle.recording_id}"
            hidden = None
            if cell.border == 0 and len(arrangement.cells) == 2 and arrangement.cells[1].border:
                small = arrangement.cells[1]  # the small picture of a picture in picture covers this
                hidden = (small.x, small.y, small.w + 2 * small.border, small.h + 2 * small.border)
            checks.append(CellCheck(k, x, y, cell.w, cell.h, angle.source, frame, name, hidden=hidden))
    sound = arrangement.sound
    number = input_of(sound, [])  # an angle drawn nowhere in this clip is read from its start
    start = sound.source.media.start_time_us + span.start_us - sound.offset_us
    return LayoutGraph(
        chains=tuple(chains),
        inputs=tuple(inputs),
        sound=AudioCut(f"[{number}:a:0]", start),
        width=arrangement.width,
        height=arrangement.height,
        has_audio=sound.source.media.has_audio,
        notes=tuple(notes),
        checks=tuple(checks),
    )


def _main_slot(angle: AngleSource, span: Span, rate: Fraction, frame: int) -> int:
    return slot(rate, angle.source.index.times[frame] - span.start_us)


def no_angles_sentence(recording_id: int, kind: str) -> str:
    """The refusal of a layout of angles for a recording that has none."""
    shown = {"side-by-side": "side by side", "pip": "as a picture in picture"}.get(kind, "alone")
    return (
        f"Recording {recording_id} has no camera angles, so it cannot be shown {shown}: add another "
        "camera's recording as an angle of it first."
    )
