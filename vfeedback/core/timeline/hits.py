"""What is under the mouse: a moment's body, its left edge or its right edge.

Geometry matches the view: an interval spans columns ``x_of(start)`` to ``x_of(end)`` and is drawn at
least ``MIN_BLOCK_PX`` wide; a point is a marker centred on its column, clickable ``POINT_HIT_PX`` either
side. Edges are grabbable ``EDGE_PX`` outside the block and, on wide enough blocks, a little inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from vfeedback.core.timeline.layout import MomentItem, MomentLayout
from vfeedback.core.timeline.viewport import Viewport

Part = Literal["body", "start", "end"]

EDGE_PX = 5
POINT_HIT_PX = 6
MIN_BLOCK_PX = 3
MAX_SLOTS = 3
"""Rows shown per lane; deeper rows share the last one (only dense or stress data gets there)."""


@dataclass(frozen=True, slots=True)
class Hit:
    item: MomentItem
    part: Part


def slot_of(row: int, slots: int = MAX_SLOTS) -> int:
    return min(row, slots - 1)


def block_span(vp: Viewport, item: MomentItem) -> tuple[int, int]:
    """Left and right pixel columns of an interval's block, as drawn."""
    xs = vp.x_of(item.start_us)
    return xs, max(vp.x_of(item.end_us), xs + MIN_BLOCK_PX)


def hit_test(
    layout: MomentLayout,
    vp: Viewport,
    lane: int,
    x: float,
    slot: int | None = None,
    slots: int = MAX_SLOTS,
) -> Hit | None:
    """The moment part at ``x`` in ``lane`` (and display ``slot`` when given).

    An edge within reach beats a body (so touching blocks can still be trimmed); among bodies the one
    drawn last (latest start) wins, as it is on top. Where two blocks touch, the edge of the block the
    cursor is inside wins.
    """
    reach = max(EDGE_PX, POINT_HIT_PX) + 1
    t = vp.us_at(x)
    candidates = layout.items_in(t - reach * vp.us_per_px, t + reach * vp.us_per_px, lane)
    best: tuple[tuple[float, bool, int], Hit] | None = None
    for p in candidates:
        if slot is not None and slot_of(p.row, slots) != slot:
            continue
        found = _part(vp, p.item, x)
        if found is None:
            continue
        distance, part = found
        xs, xe = block_span(vp, p.item)
        key = (distance, not xs <= x <= xe, -p.item.start_us)
        if best is None or key < best[0]:
            best = (key, Hit(p.item, part))
    return None if best is None else best[1]


def _part(vp: Viewport, item: MomentItem, x: float) -> tuple[float, Part] | None:
    """(distance, part); bodies rank after every edge by carrying a distance past the reach."""
    if item.is_point:
        centre = vp.x_of(item.start_us) + 0.5
        distance = abs(x - centre)
        return (EDGE_PX + 1 + distance, "body") if distance <= POINT_HIT_PX else None
    xs, xe = block_span(vp, item)
    inner = min(EDGE_PX, max(0, (xe - xs - 6) // 3))
    d_start = abs(x - xs)
    d_end = abs(x - xe)
    near_start = xs - EDGE_PX <= x <= xs + inner
    near_end = xe - inner <= x <= xe + EDGE_PX
    if near_start and (not near_end or d_start <= d_end):
        return d_start, "start"
    if near_end:
        return d_end, "end"
    if xs < x < xe:
        return float(EDGE_PX + 1), "body"
    return None
