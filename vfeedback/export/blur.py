"""Hiding identities in an exported clip: the areas to blur, and the filter-graph pieces that blur them.

Areas are rectangles in fractions (0..1) of the picture as it is shown, upright, so they hold for
any size of export and for a phone video turned on its side. Three kinds:

- ``blur``: drawn by the clinician (a sibling, a visitor, a letter on the fridge), blurred for the
  whole clip;
- faces found by ``vfeedback.media.faces`` in frames sampled through the clip, each blurred from
  half a second before it was seen to half a second after, enlarged by a margin, and merged per
  half-second segment so the graph stays small. Privacy errs towards blurring more;
- ``keep``: a face whose centre lies in one of these is spared (the parent and baby, when a
  supervisor should see them). A drawn blur area always blurs.

How an area is hidden, in the one ffmpeg pass, after rotation and scaling and before the caption is
burned (so the caption stays readable), and before a freeze or slow replay repeats the frames:

    [clip] split -> [picture] and one branch per area
    [branch i] (a face's: trim to its frames) crop the area -> scale down to blocks of 1/12 of the
               picture's short side (area average) -> back up, smoothly (bicubic)
    [picture][branch i] overlay at the area (a face's: on its frames only) -> ...

Averaging into blocks that large keeps only a few numbers per face, which no deblurring can undo
(a mild gaussian blur can be partly reversed); scaling them back up smoothly rather than as a
mosaic makes the area a calm smudge of its colours. Boxes are rounded outwards to even pixels, so
the 4:2:0 chroma planes are replaced whole: outside an area every pixel is the original's, inside
none of it shows through. Cost: a few small crops and scales a frame (a full-frame blur with a
mask measured 3x the plain export on 720p; these cost ~10-20%, see benchmarks/bench_blur.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Progress, ShouldCancel

if TYPE_CHECKING:
    from vfeedback.export.plan import ClipSource
    from vfeedback.media.faces import FaceSample

MAX_REGIONS = 24
# Face blur recipe: bump when detection or coverage changes, so a face-blurred clip made by the
# old recipe is not reused (ClipOptions.key includes it when faces are blurred).
FACES_VERSION = 1
HOLD_US = 500_000  # a face is blurred from this long before it was seen to this long after
SEGMENT_US = 500_000  # faces are merged into one box per overlapping group per segment
# Of a face's width/height added on each side (ears, a turn between looks), and above it (the
# detector's box stops at the eyebrows; hair identifies too).
MARGIN = 0.3
MARGIN_ABOVE = 0.5
BLOCKS_PER_SHORT_SIDE = 12
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle in fractions of the upright picture: left ``x``, top ``y``, width ``w``, height
    ``h``. Anything outside the picture or empty raises BadInput with one sentence."""

    x: float
    y: float
    w: float
    h: float

    def __post_init__(self) -> None:
        values = (self.x, self.y, self.w, self.h)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise BadInput("An area is four numbers: left, top, width and height.")
        if not all(math.isfinite(v) for v in values):
            raise BadInput("An area is four numbers: left, top, width and height.")
        if self.w <= 0 or self.h <= 0:
            raise BadInput("An area must have a width and a height.")
        if self.x < -_EPS or self.y < -_EPS or self.x + self.w > 1 + _EPS or self.y + self.h > 1 + _EPS:
            raise BadInput("An area must lie inside the picture (from 0 to 1 across and down).")

    @classmethod
    def clamped(cls, x: float, y: float, w: float, h: float) -> Region:
        """The part of this rectangle inside the picture (for boxes grown by a margin)."""
        left, top = max(0.0, x), max(0.0, y)
        right, bottom = min(1.0, x + w), min(1.0, y + h)
        return cls(left, top, right - left, bottom - top)

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h

    def overlaps(self, other: Region) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )

    def union(self, other: Region) -> Region:
        left, top = min(self.x, other.x), min(self.y, other.y)
        right = max(self.x + self.w, other.x + other.w)
        bottom = max(self.y + self.h, other.y + other.h)
        return Region(left, top, right - left, bottom - top)

    def grown(self, margin: float, above: float | None = None) -> Region:
        """Larger by ``margin`` of its size on each side (``above`` on top, if given), clamped."""
        dx, dy = self.w * margin, self.h * margin
        up = self.h * (margin if above is None else above)
        return Region.clamped(self.x - dx, self.y - up, self.w + 2 * dx, self.h + dy + up)

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(x, y, w, h) in a ``width`` x ``height`` picture, rounded outwards to even pixels."""
        left = _even_down(self.x * width)
        top = _even_down(self.y * height)
        right = min(_even_up((self.x + self.w) * width), width)
        bottom = min(_even_up((self.y + self.h) * height), height)
        return left, top, max(right - left, 2), max(bottom - top, 2)

    def as_list(self) -> list[float]:
        return [self.x, self.y, self.w, self.h]


def _even_down(value: float) -> int:
    return max(0, math.floor(value + _EPS) // 2 * 2)


def _even_up(value: float) -> int:
    return math.ceil(math.ceil(value - _EPS) / 2) * 2


def regions(value: object, what: str) -> tuple[Region, ...]:
    """``value`` (Regions, or [x, y, w, h] lists as stored) as a tuple of Regions; BadInput if not."""
    if not isinstance(value, list | tuple):
        raise BadInput(f"The areas to {what} must be a list of rectangles.")
    found = tuple(v if isinstance(v, Region) else _region(v) for v in value)
    if len(found) > MAX_REGIONS:
        raise BadInput(f"At most {MAX_REGIONS} areas to {what} can be drawn on one clip.")
    return found


def _region(value: object) -> Region:
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise BadInput("An area is four numbers: left, top, width and height.")
    return Region(*value)


@dataclass(frozen=True, slots=True)
class TimedRegion:
    """An area blurred on output frames ``first``..``last`` (inclusive) of the clip at 1x."""

    first: int
    last: int
    region: Region


# --- faces over time ------------------------------------------------------------------------------


def face_regions(
    samples: Sequence[FaceSample],
    clip_start_us: int,
    rate: Fraction,
    slots: int,
    keep: Sequence[Region] = (),
) -> tuple[TimedRegion, ...]:
    """The faces seen in ``samples`` (recording times; the clip's first frame starts at
    ``clip_start_us``) as areas blurred on the clip's output frames ``0..slots-1`` at ``rate``."""
    hold = _slots(rate, HOLD_US)
    seen: list[tuple[int, int, Region]] = []
    for sample in samples:
        at = _slots(rate, sample.time_us - clip_start_us)
        for box in sample.boxes:
            face = Region.clamped(*box)
            cx, cy = face.centre
            if any(k.contains(cx, cy) for k in keep):
                continue
            first, last = max(0, at - hold), min(slots - 1, at + hold)
            if first <= last:
                seen.append((first, last, face.grown(MARGIN, MARGIN_ABOVE)))
    if not seen:
        return ()
    length = max(1, _slots(rate, SEGMENT_US))
    timed: list[TimedRegion] = []
    open_now: dict[Region, int] = {}  # area -> first output frame, while the next segment repeats it
    for start in range(0, slots, length):
        end = min(start + length, slots) - 1
        here = _merged([r for first, last, r in seen if first <= end and last >= start])
        for region, began in list(open_now.items()):
            if region not in here:
                timed.append(TimedRegion(began, start - 1, region))
                del open_now[region]
        for region in here:
            open_now.setdefault(region, start)
    timed.extend(TimedRegion(began, slots - 1, region) for region, began in open_now.items())
    return tuple(sorted(timed, key=lambda t: (t.first, t.region.x, t.region.y)))


def _slots(rate: Fraction, us: int) -> int:
    # Floor for the start, so a face seen just after a frame boundary is blurred from that frame.
    return math.floor(Fraction(us) * rate / 1_000_000)


def _merged(boxes: list[Region]) -> list[Region]:
    """Overlapping boxes joined into one (repeated until none overlap), distinct faces kept apart."""
    merged: list[Region] = []
    for box in boxes:
        while True:
            hit = next((m for m in merged if m.overlaps(box)), None)
            if hit is None:
                break
            merged.remove(hit)
            box = box.union(hit)
        merged.append(box)
    return sorted(merged, key=lambda r: (r.x, r.y, r.w, r.h))


# --- filter graph ---------------------------------------------------------------------------------


def block_size(width: int, height: int) -> int:
    """The side of a pixelation block, in output pixels."""
    return max(8, round(min(width, height) / BLOCKS_PER_SHORT_SIDE))


def blur_chains(
    head: str, size: tuple[int, int], areas: Sequence[Region], timed: Sequence[TimedRegion]
) -> tuple[list[str], str]:
    """Filter chains that blur ``areas`` (always) and ``timed`` (on their frames) in the stream
    ``head`` (a chain without an output label). Returns the chains to add to the graph and the
    chain that continues with the blurred picture (to be followed by ``,filter`` or ``[label]``)."""
    width, height = size
    block = block_size(width, height)
    boxes: list[tuple[tuple[int, int, int, int], tuple[int, int] | None]] = [
        (r.pixels(width, height), None) for r in areas
    ]
    boxes += [(t.region.pixels(width, height), (t.first, t.last)) for t in timed]
    count = len(boxes)
    if not count:
        return [], head
    chains = [f"{head},split={count + 1}[bz0]" + "".join(f"[bzs{i}]" for i in range(1, count + 1))]
    picture = "[bz0]"
    for i, ((x, y, w, h), frames) in enumerate(boxes, start=1):
        # A face's branch holds its frames only: overlay shows nothing before the first (the
        # branch has not begun) or after the last (eof_action=pass), and the branch costs nothing
        # the rest of the time. (Adding ``enable`` as well desynchronises ffmpeg 5.1's overlay.)
        cut = f"trim=start_frame={frames[0]}:end_frame={frames[1] + 1}," if frames else ""
        chains.append(
            f"[bzs{i}]{cut}crop={w}:{h}:{x}:{y},"
            f"scale={max(1, w // block)}:{max(1, h // block)}:flags=area,scale={w}:{h}:flags=bicubic[bzp{i}]"
        )
        overlay = f"{picture}[bzp{i}]overlay={x}:{y}:eof_action=pass"
        if i == count:
            return chains, overlay
        chains.append(f"{overlay}[bz{i}]")
        picture = f"[bz{i}]"
    raise AssertionError("unreachable: the last area returns")


# --- running face detection for a clip ------------------------------------------------------------



def progress_part(progress: Progress | None, low: float, high: float) -> Progress | None:
    """``progress`` for one stage of a job, mapping its 0..1 onto ``low``..``high`` of the whole."""
    if progress is None:
        return None
    report = progress
    return lambda done: report(low + (high - low) * min(max(done, 0.0), 1.0))


def find_clip_faces(
    source: ClipSource,
    start_us: int,
    end_us: int,
    padding_us: int,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> tuple[FaceSample, ...]:
    """The faces in the frames of the clip ``clip_plan`` will cut for this moment (``start_us``..
    ``end_us`` with ``padding_us``), to pass to ``clip_plan(..., faces=...)``. Raises Cancelled
    when ``should_cancel`` says so, BadInput if the recording cannot be decoded."""
    from vfeedback.export.timing import clip_span
    from vfeedback.media.faces import scan_faces

    span = clip_span(source.index, start_us, end_us, padding_us)
    return tuple(
        scan_faces(
            source.path, source.index, source.media.rotation, span.start_us, span.stop_us,
            progress=progress, should_cancel=should_cancel,
        )
    )  # fmt: skip
