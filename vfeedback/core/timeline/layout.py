"""Moments as the timeline sees them, their lanes and rows, and fast "what is between t0 and t1".

Lanes are by actor (parent, infant, clinician) or by code. Inside a lane, moments that overlap go to
separate rows (lowest free row first, so the picture is stable while zooming). Queries use one sorted
list of starts per power-of-two duration class: for a class whose moments last at most ``d``, only
starts in ``[t0 - d, t1]`` can intersect ``[t0, t1]``, so a few long intervals never make every query
scan everything, and 10,000 moments answer in microseconds.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from vfeedback.core.model import Code, Moment

LaneMode = Literal["actor", "code"]

ACTOR_LANES: tuple[tuple[str, str], ...] = (
    ("parent", "Parent"),
    ("infant", "Infant"),
    ("clinician", "Clinician"),
)


@dataclass(frozen=True, slots=True)
class MomentItem:
    """What the timeline needs to draw and edit one moment."""

    id: int
    start_us: int
    end_us: int
    actor: str
    code: str
    """Lane key in code mode (the window's choice; the code id as text works well)."""
    colour: str
    """``#RRGGBB``."""
    text: str = ""
    """Short text drawn on the block (the code's name)."""
    caption: str = ""
    """Shown when hovering."""
    selected: bool = field(default=False, compare=False)
    """The window owns the selection; ``set_moments`` takes it from these flags."""

    @property
    def is_point(self) -> bool:
        return self.end_us == self.start_us

    def lane_key(self, mode: LaneMode) -> str:
        return self.actor if mode == "actor" else self.code

    @classmethod
    def of(cls, moment: Moment, code: Code | None, selected: bool = False) -> MomentItem:
        """The lane key in code mode is the code's id as text."""
        return cls(
            moment.id,
            moment.start_us,
            moment.end_us,
            moment.actor.value,
            str(moment.code_id),
            code.colour if code is not None else UNKNOWN_COLOUR,
            code.name if code is not None else "?",
            moment.caption,
            selected,
        )


UNKNOWN_COLOUR = "#b8bec6"


def moment_items(
    moments: Iterable[Moment], codes: Mapping[int, Code], selected: Collection[int] = ()
) -> list[MomentItem]:
    """Moments as timeline items, with their code's colour and name and the selection flags."""
    chosen = set(selected)
    return [MomentItem.of(m, codes.get(m.code_id), m.id in chosen) for m in moments]


@dataclass(frozen=True, slots=True)
class Lane:
    key: str
    title: str
    colour: str | None = None


@dataclass(frozen=True, slots=True)
class Placed:
    """An item with its lane (index into ``MomentLayout.lanes``) and row inside the lane."""

    item: MomentItem
    lane: int
    row: int


class SpanIndex:
    """Items intersecting a closed time range ``[t0, t1]``, in (start, id) order."""

    __slots__ = ("_classes",)

    def __init__(self, placed: Iterable[Placed]) -> None:
        groups: dict[int, list[Placed]] = {}
        for p in placed:
            groups.setdefault((p.item.end_us - p.item.start_us).bit_length(), []).append(p)
        self._classes: list[tuple[int, list[int], list[Placed]]] = []
        for members in groups.values():
            members.sort(key=lambda p: (p.item.start_us, p.item.id))
            longest = max(p.item.end_us - p.item.start_us for p in members)
            self._classes.append((longest, [p.item.start_us for p in members], members))

    def query(self, t0: int, t1: int) -> list[Placed]:
        out: list[Placed] = []
        for longest, starts, members in self._classes:
            hi = bisect_right(starts, t1)
            for i in range(bisect_left(starts, t0 - longest), hi):
                if members[i].item.end_us >= t0:
                    out.append(members[i])
        if len(self._classes) > 1:
            out.sort(key=lambda p: (p.item.start_us, p.item.id))
        return out


class MomentLayout:
    """Lanes, rows and spatial queries for one set of items; rebuild it when the items change."""

    def __init__(
        self,
        items: Sequence[MomentItem] = (),
        mode: LaneMode = "actor",
        code_lanes: Sequence[Lane] = (),
    ) -> None:
        self.mode: LaneMode = mode
        self.lanes: tuple[Lane, ...] = _lanes(items, mode, code_lanes)
        lane_of = {lane.key: i for i, lane in enumerate(self.lanes)}
        per_lane: list[list[MomentItem]] = [[] for _ in self.lanes]
        for item in items:
            per_lane[lane_of[item.lane_key(mode)]].append(item)
        self.placed: tuple[tuple[Placed, ...], ...] = tuple(
            _rows(i, members) for i, members in enumerate(per_lane)
        )
        """Per lane, in (start, id) order."""
        self.depth: tuple[int, ...] = tuple(max((p.row for p in ps), default=-1) + 1 for ps in self.placed)
        self._by_id = {p.item.id: p for ps in self.placed for p in ps}
        self._lane_index = [SpanIndex(ps) for ps in self.placed]
        self._all = SpanIndex(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def get(self, item_id: int) -> Placed | None:
        return self._by_id.get(item_id)

    def ids(self) -> list[int]:
        return sorted(self._by_id)

    def lane_index(self, key: str) -> int | None:
        for i, lane in enumerate(self.lanes):
            if lane.key == key:
                return i
        return None

    def items_in(self, t0: int, t1: int, lane: int | None = None) -> list[Placed]:
        """Items with ``start <= t1`` and ``end >= t0``, optionally in one lane."""
        if t1 < t0:
            return []
        return (self._all if lane is None else self._lane_index[lane]).query(t0, t1)


def _lanes(items: Sequence[MomentItem], mode: LaneMode, code_lanes: Sequence[Lane]) -> tuple[Lane, ...]:
    lanes = [Lane(k, t) for k, t in ACTOR_LANES] if mode == "actor" else list(code_lanes)
    known = {lane.key for lane in lanes}
    # A moment whose lane the window did not announce still gets a lane rather than disappearing.
    for item in items:
        key = item.lane_key(mode)
        if key not in known:
            known.add(key)
            title = key.capitalize() if mode == "actor" else (item.text or key)
            lanes.append(Lane(key, title, None if mode == "actor" else item.colour))
    return tuple(lanes)


def _rows(lane: int, items: list[MomentItem]) -> tuple[Placed, ...]:
    """Greedy interval colouring: each item takes the lowest row that is free at its start.

    Intervals that merely touch share a row; points never share a row with anything at their time.
    """
    items.sort(key=lambda m: (m.start_us, m.id))
    busy: list[tuple[int, bool, int]] = []  # (end, is point, row)
    free: list[int] = []
    out: list[Placed] = []
    for item in items:
        while busy and (
            busy[0][0] < item.start_us
            or (busy[0][0] == item.start_us and not busy[0][1] and not item.is_point)
        ):
            heapq.heappush(free, heapq.heappop(busy)[2])
        row = heapq.heappop(free) if free else len(busy)
        heapq.heappush(busy, (item.end_us, item.is_point, row))
        out.append(Placed(item, lane, row))
    return tuple(out)
