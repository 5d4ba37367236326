"""Dense content drawn with numpy into one image instead of thousands of QPainter calls.

With 10,000 moments the whole-recording view has several per pixel: drawing each as a shape costs tens of
milliseconds, while colouring pixel columns costs well under one. The same goes for the waveform (one
column per device pixel) and for thin lines repeated across the view (ruler ticks, the frame grid).
Images are made at device resolution, so they stay sharp on high-DPI screens.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QImage

from vfeedback.core.timeline import MIN_BLOCK_PX, Placed, Viewport, slot_of
from vfeedback.ui.timeline.style import argb

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class LaneArrays:
    """One lane's moments as columns: in start order (as ``MomentLayout.placed``) for finding what is
    in view, and grouped by display slot (still in start order inside each) for dense drawing."""

    starts: I64
    ends: I64
    ids: I64
    by_slot: I64
    """Indices sorted by (slot, start)."""
    slot: I64
    """Display slot of each moment, in ``by_slot`` order."""
    colours: U32
    """In ``by_slot`` order."""
    longest: int

    @classmethod
    def of(cls, placed: Sequence[Placed], slots: int) -> LaneArrays:
        n = len(placed)
        starts = np.fromiter((p.item.start_us for p in placed), np.int64, n)
        slot = np.fromiter((slot_of(p.row, slots) for p in placed), np.int64, n)
        ends = np.fromiter((p.item.end_us for p in placed), np.int64, n)
        order = np.argsort(slot, kind="stable").astype(np.int64)
        return cls(
            starts,
            ends,
            np.fromiter((p.item.id for p in placed), np.int64, n),
            order,
            slot[order],
            np.fromiter((argb(p.item.colour) for p in placed), np.uint32, n)[order],
            int((ends - starts).max()) if n else 0,
        )

    def visible(self, t0: int, t1: int) -> I64:
        """Indices of moments intersecting ``[t0, t1]``, in start order."""
        lo = int(np.searchsorted(self.starts, t0 - self.longest, side="left"))
        hi = int(np.searchsorted(self.starts, t1, side="right"))
        found: I64 = np.flatnonzero(self.ends[lo:hi] >= t0) + lo
        return found


def _image(pixels: U32, dpr: float) -> QImage:
    h, w = pixels.shape
    image = QImage(pixels.data, w, h, w * 4, QImage.Format.Format_ARGB32_Premultiplied).copy()
    image.setDevicePixelRatio(dpr)
    return image


def dense_lane(
    arrays: LaneArrays,
    vp: Viewport,
    x0: int,
    x1: int,
    slot_rows: Sequence[tuple[int, int]],
    selected: Collection[int],
    selected_colour: str,
    dpr: float,
) -> QImage:
    """Columns ``x0..x1`` of a lane; ``slot_rows`` gives each display slot's (top, height) in the lane.

    Each device column takes the colour of the latest-starting moment of its slot that has begun by
    then; within a row moments never overlap, so that is the one covering it. All slots are laid end to
    end on one axis so one ``searchsorted`` serves them all. A one-pixel gap separates neighbours.
    """
    slots = len(slot_rows)
    width = max(1, round((x1 - x0) * dpr))
    height = max(1, round(max(top + h for top, h in slot_rows) * dpr))
    pixels = np.zeros((height, width), np.uint32)
    if not len(arrays.starts):
        return _image(pixels, dpr)
    order = arrays.by_slot
    scale = dpr / vp.us_per_px
    origin = vp.start_us + x0 * vp.us_per_px
    xs = np.floor((arrays.starts[order] - origin) * scale)
    xe = np.maximum(np.floor((arrays.ends[order] - origin) * scale), xs + round(MIN_BLOCK_PX * dpr))
    span = width + 2
    key = np.minimum(np.maximum(xs, -1), width) + (arrays.slot * span + 1)
    col = np.tile(np.arange(width), slots)
    col_slot = np.repeat(np.arange(slots), width)
    latest = np.searchsorted(key, col + col_slot * span + 1, side="right") - 1
    safe = np.maximum(latest, 0)
    covered = (latest >= 0) & (arrays.slot[safe] == col_slot) & (xe[safe] > col)
    colours = arrays.colours
    if selected:
        chosen = np.isin(arrays.ids[order], np.fromiter(selected, np.int64, len(selected)))
        colours = np.where(chosen, np.uint32(argb(selected_colour)), colours)
    row = np.where(covered, colours[safe], np.uint32(0))
    new_block = np.zeros(len(col), np.bool_)
    new_block[1:] = (latest[1:] != latest[:-1]) & covered[:-1] & ((xe - xs)[safe[1:]] > 2)
    new_block[::width] = False
    row[new_block] = 0
    rows = row.reshape(slots, width)
    for s, (top, h) in enumerate(slot_rows):
        y0 = round(top * dpr)
        pixels[y0 : y0 + max(1, round(h * dpr)), :] = rows[s]
    return _image(pixels, dpr)


def waveform(
    mins: F32,
    maxs: F32,
    bucket_us: int,
    vp: Viewport,
    x0: int,
    x1: int,
    height: int,
    colour: str,
    dpr: float,
    gain: float = 1.0,
    gaps: bool = False,
) -> QImage | None:
    """Min/max envelope for columns ``x0..x1``; columns over buckets not known yet (past the end, or NaN
    when ``gaps``) stay empty."""
    count = len(mins)
    if count == 0 or bucket_us <= 0 or x1 <= x0:
        return None
    width = max(1, round((x1 - x0) * dpr))
    h = max(2, round(height * dpr))
    step = vp.us_per_px / dpr
    edges = vp.start_us + (x0 * dpr + np.arange(width + 1)) * step
    buckets = (edges // bucket_us).astype(np.int64)
    known = (buckets[:-1] < count) & (edges[:-1] < vp.duration_us)
    if not known.any():
        return None
    first = min(max(int(buckets[0]), 0), count - 1)
    end = min(max(int(buckets[-1]) + 1, first + 1), count)
    starts = np.minimum(buckets[:-1], end - 1) - first
    lo = np.minimum.reduceat(mins[first:end], starts)
    hi = np.maximum.reduceat(maxs[first:end], starts)
    if gaps:
        unknown = np.isnan(lo) | np.isnan(hi)
        known &= ~unknown
        lo[unknown] = 0
        hi[unknown] = 0
    mid = (h - 1) / 2
    amp = (h - 2) / 2 * gain
    top = np.floor(mid - np.minimum(hi * amp, mid))
    bottom = np.maximum(np.ceil(mid - np.maximum(lo * amp, -mid)), top)
    top[~known] = h
    rows = np.arange(h)[:, None]
    mask = (rows >= top) & (rows <= bottom)
    pixels = mask.astype(np.uint32) * np.uint32(argb(colour))
    return _image(pixels, dpr)


def vertical_lines(xs: Sequence[int] | I64, width: int, height: int, colour: str, dpr: float) -> QImage:
    """Transparent image with one-device-pixel lines at logical columns ``xs`` (ticks, the frame grid)."""
    w = max(1, round(width * dpr))
    h = max(1, round(height * dpr))
    pixels = np.zeros((h, w), np.uint32)
    cols = np.round(np.asarray(xs, dtype=np.float64) * dpr).astype(np.int64)
    cols = cols[(cols >= 0) & (cols < w)]
    pixels[:, cols] = np.uint32(argb(colour))
    return _image(pixels, dpr)
