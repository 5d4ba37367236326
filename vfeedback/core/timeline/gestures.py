"""Mouse gestures on the timeline as small state machines, with no Qt in sight.

A gesture starts on a press, follows the moves (``move``) and ends with ``finish``, which returns one
small value the window turns into one service call (one undo step), or with ``cancel`` (Escape). While
it runs, the view reads its preview (``draft``, ``changes``, ``band``, ``guide``) to draw.

A press that does not travel ``DRAG_PX`` is a click: on an empty lane a seek, on a moment a selection.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from vfeedback.core.timeline.layout import MomentItem, MomentLayout
from vfeedback.core.timeline.snapping import Snap, Snapper

DRAG_PX = 4


@dataclass(frozen=True, slots=True)
class Create:
    lane: str
    start_us: int
    end_us: int


@dataclass(frozen=True, slots=True)
class Retime:
    """New (id, start_us, end_us) for each moment touched; ``kind`` names the undo step."""

    changes: tuple[tuple[int, int, int], ...]
    kind: Literal["trim", "move"]


@dataclass(frozen=True, slots=True)
class Seek:
    us: int


@dataclass(frozen=True, slots=True)
class Select:
    """The whole new selection."""

    ids: tuple[int, ...]


Result = Create | Retime | Seek | Select


def toggled(selection: Collection[int], item_id: int) -> Select:
    chosen = set(selection) ^ {item_id}
    return Select(tuple(sorted(chosen)))


class Gesture:
    """Press, moves past the drag threshold, then finish or cancel."""

    def __init__(self, snapper: Snapper, x: float) -> None:
        self.snapper = snapper
        self.press_x = x
        self.press_us = snapper.vp.us_at(x)
        self.dragging = False
        self.cancelled = False
        self.guide: Snap | None = None
        """A magnetic snap to draw as a guide line."""

    def move(self, x: float, *, lane: int | None = None, magnetic: bool = True) -> None:
        if self.cancelled:
            return
        start_lane = self._press_lane()
        changed_lane = start_lane is not None and lane is not None and lane != start_lane
        if not self.dragging and abs(x - self.press_x) < DRAG_PX and not changed_lane:
            return
        self.dragging = True
        self._drag(x, lane, magnetic)

    def finish(self) -> Result | None:
        if self.cancelled:
            return None
        return self._dragged() if self.dragging else self._clicked()

    def cancel(self) -> None:
        self.cancelled = True
        self.dragging = False
        self.guide = None

    def _press_lane(self) -> int | None:
        return None

    def _drag(self, x: float, lane: int | None, magnetic: bool) -> None:
        raise NotImplementedError

    def _dragged(self) -> Result | None:
        raise NotImplementedError

    def _clicked(self) -> Result | None:
        return None

    def _guide(self, snap: Snap, landed: int) -> Snap | None:
        return snap if snap.magnetic and snap.us == landed else None


class Scrub(Gesture):
    """Press and drag on the ruler, filmstrip or waveform: seek continuously to the frame under the mouse."""

    def __init__(self, snapper: Snapper, x: float) -> None:
        super().__init__(snapper, x)
        self.us = snapper.frame_on_screen(self.press_us)

    def move(self, x: float, *, lane: int | None = None, magnetic: bool = True) -> None:
        if not self.cancelled:
            self.dragging = True
            self.us = self.snapper.frame_on_screen(self.snapper.vp.us_at(x))

    def _dragged(self) -> Result | None:
        return Seek(self.us)

    def _clicked(self) -> Result | None:
        return Seek(self.us)


class CreateDrag(Gesture):
    """Drag on an empty stretch of a lane to mark an interval; a plain click there seeks."""

    def __init__(self, snapper: Snapper, x: float, lane: str) -> None:
        super().__init__(snapper, x)
        self.lane = lane
        self.anchor: Snap | None = None
        self.draft: tuple[int, int] | None = None
        """(start_us, end_us) while dragging, normalised and snapped."""

    def _drag(self, x: float, lane: int | None, magnetic: bool) -> None:
        if self.anchor is None:
            self.anchor = self.snapper.snap(self.press_us, magnetic)
        current = self.snapper.snap(self.snapper.vp.us_at(x), magnetic)
        a, b = self.anchor.us, current.us
        self.draft = (min(a, b), max(a, b))
        self.guide = self._guide(current, current.us)

    def _dragged(self) -> Result | None:
        assert self.draft is not None
        return Create(self.lane, *self.draft)

    def _clicked(self) -> Result | None:
        return Seek(self.snapper.frame_on_screen(self.press_us))


class Trim(Gesture):
    """Drag one edge of an interval; it stops a frame short of the other edge and inside the recording."""

    def __init__(self, snapper: Snapper, x: float, item: MomentItem, edge: Literal["start", "end"]) -> None:
        super().__init__(snapper, x)
        self.item = item
        self.edge = edge
        # Keep the grab offset so the edge does not jump to the cursor when grabbed a few px off.
        self.offset = (item.start_us if edge == "start" else item.end_us) - self.press_us
        self.changes: dict[int, tuple[int, int]] = {}

    def _drag(self, x: float, lane: int | None, magnetic: bool) -> None:
        item, snapper = self.item, self.snapper
        snap = snapper.snap(snapper.vp.us_at(x) + self.offset, magnetic)
        start, end = item.start_us, item.end_us
        if self.edge == "start":
            start = min(max(snap.us, 0), max(snapper.step(end, -1), 0), end)
            landed = start
        else:
            end = max(min(snap.us, snapper.limit_us), snapper.step(start, 1), start)
            landed = end
        self.changes = {item.id: (start, end)}
        self.guide = self._guide(snap, landed)

    def _dragged(self) -> Result | None:
        start, end = self.changes.get(self.item.id, (self.item.start_us, self.item.end_us))
        if (start, end) == (self.item.start_us, self.item.end_us):
            return None
        return Retime(((self.item.id, start, end),), "trim")

    def _clicked(self) -> Result | None:
        return Select((self.item.id,))


class Move(Gesture):
    """Drag bodies: every moving moment keeps its length; the group stays inside the recording.

    The grabbed moment's start (or its end, if that is the one near a target) snaps; the others follow by
    the same offset, each landing on its nearest frame (variable frame rate: frames are not evenly spaced).
    """

    def __init__(
        self,
        snapper: Snapper,
        x: float,
        grabbed: MomentItem,
        items: Iterable[MomentItem],
        click: Select | None = None,
    ) -> None:
        super().__init__(snapper, x)
        self.grabbed = grabbed
        self.items: Sequence[MomentItem] = tuple(items)
        self.click = click
        self.delta = 0
        self.changes: dict[int, tuple[int, int]] = {}

    def _drag(self, x: float, lane: int | None, magnetic: bool) -> None:
        snapper, g = self.snapper, self.grabbed
        raw = snapper.vp.us_at(x) - self.press_us
        snap = snapper.snap(g.start_us + raw, magnetic)
        delta = snap.us - g.start_us
        by_end = snapper.magnet(g.end_us + raw) if magnetic and not snap.magnetic else None
        if by_end is not None:
            snap, delta = by_end, by_end.us - g.end_us
        low = -min(m.start_us for m in self.items)
        high = snapper.limit_us - max(m.end_us for m in self.items)
        self.delta = min(max(delta, low), high)
        self.guide = snap if snap.magnetic and self.delta == delta else None
        self.changes = {}
        for m in self.items:
            start = snapper.frame(m.start_us + self.delta)
            end = start if m.is_point else max(snapper.frame(m.end_us + self.delta), start)
            self.changes[m.id] = (start, end)

    def _dragged(self) -> Result | None:
        moved = tuple(
            (m.id, *self.changes[m.id])
            for m in self.items
            if self.changes.get(m.id, (m.start_us, m.end_us)) != (m.start_us, m.end_us)
        )
        return Retime(moved, "move") if moved else None

    def _clicked(self) -> Result | None:
        return self.click


class RubberBand(Gesture):
    """Shift- or Ctrl-drag from an empty stretch: select what the rectangle touches, added to ``base``."""

    def __init__(
        self, snapper: Snapper, x: float, lane: int, layout: MomentLayout, base: Collection[int] = ()
    ) -> None:
        super().__init__(snapper, x)
        self.lane = lane
        self.layout = layout
        self.base = frozenset(base)
        self.band: tuple[int, int, int, int] | None = None
        """(t0, t1, first lane, last lane) while dragging."""
        self.selected: frozenset[int] = self.base

    def _press_lane(self) -> int | None:
        return self.lane

    def _drag(self, x: float, lane: int | None, magnetic: bool) -> None:
        here = self.lane if lane is None else lane
        t = self.snapper.vp.us_at(x)
        t0, t1 = min(t, self.press_us), max(t, self.press_us)
        l0, l1 = min(here, self.lane), max(here, self.lane)
        self.band = (t0, t1, l0, l1)
        hit = {p.item.id for i in range(l0, l1 + 1) for p in self.layout.items_in(t0, t1, i)}
        self.selected = self.base | hit

    def _dragged(self) -> Result | None:
        return Select(tuple(sorted(self.selected)))

    def _clicked(self) -> Result | None:
        return Select(tuple(sorted(self.base)))
