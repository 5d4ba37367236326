"""Where each row of the timeline sits on screen: plain arithmetic, no Qt, so it is easy to test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Region = Literal["label", "ruler", "film", "wave", "suggest", "lane", "scroll"]

LABEL_W = 104
LABEL_MAX_W = 236
"""Lanes by code widen the label column to their longest name, up to this; longer names elide."""
LANE_SCROLL_W = 12
"""The lanes' own vertical scroll bar, at the right, when they do not all fit."""
RULER_H = 24
FILM_H = 42
WAVE_H = 28
SUGGEST_H = 22
"""The row of suggested moments, above the moment lanes (when there is something to suggest)."""
LANE_MIN_H = 22
LANE_MAX_H = 44
BLOCK_PAD = 4
"""Space above and below the blocks inside a lane."""
SLOT_GAP = 2
SCROLL_H = 12
THUMB_MIN_W = 24
BLOCK_MAX_H = 24
"""Blocks stay this tall at most (centred in a taller lane), so lanes with one row and two rows match."""


@dataclass(frozen=True, slots=True)
class Band:
    """A horizontal strip: top ``y`` and height ``h`` in logical pixels."""

    y: int
    h: int

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def __contains__(self, y: float) -> bool:
        return self.y <= y < self.y + self.h


@dataclass(frozen=True, slots=True)
class Geometry:
    width: int
    height: int
    label_w: int
    ruler: Band
    film: Band | None
    wave: Band | None
    lanes: tuple[Band, ...]
    """Every lane; those scrolled out of view have no height (at the edge they left by)."""
    scroll: Band
    first_lane: int = 0
    """The first lane in view."""
    lanes_fit: int = 0
    """How many lanes fit; fewer than ``len(lanes)`` when they scroll."""
    suggest: Band | None = None
    """The suggested moments' row, between the sound and the lanes (None: hidden)."""

    @property
    def lanes_scroll(self) -> bool:
        return self.lanes_fit < len(self.lanes)

    @property
    def time_w(self) -> int:
        return max(1, self.width - self.label_w)

    @property
    def lanes_band(self) -> Band:
        if not self.lanes:
            return Band(self.scroll.y, 0)
        return Band(self.lanes[0].y, self.lanes[-1].bottom - self.lanes[0].y)

    @property
    def content_bottom(self) -> int:
        """Bottom of the last row (above the scroll bar)."""
        if self.lanes:
            return self.lanes[-1].bottom
        return (self.suggest or self.wave or self.film or self.ruler).bottom

    @property
    def track(self) -> tuple[int, int]:
        """Left and width of the scroller's track (under the time area)."""
        return self.label_w + 2, max(1, self.time_w - 4)

    def thumb(self, start_us: int, end_us: int, duration_us: int) -> tuple[float, float]:
        """Left and width of the scroller's thumb showing ``start..end`` of the recording."""
        left, width = self.track
        if duration_us <= 0:
            return float(left), float(width)
        w = max(THUMB_MIN_W, min(width, width * (end_us - start_us) / duration_us))
        x = left + (width - w) * start_us / max(1, duration_us - (end_us - start_us))
        return x, w

    def start_for_thumb(self, thumb_x: float, visible_us: int, duration_us: int) -> int:
        """The visible start that puts the thumb's left edge at ``thumb_x``."""
        left, width = self.track
        w = max(THUMB_MIN_W, min(width, width * visible_us / max(1, duration_us)))
        room = max(1.0, width - w)
        return round((thumb_x - left) / room * max(0, duration_us - visible_us))

    def region(self, x: float, y: float) -> Region | None:
        if y in self.scroll:
            return "scroll" if x >= self.label_w else None
        if x < self.label_w:
            return "label"
        rows = (("ruler", self.ruler), ("film", self.film), ("wave", self.wave), ("suggest", self.suggest))
        for name, band in rows:
            if band is not None and y in band:
                return name  # type: ignore[return-value]
        return "lane" if self.lane_at(y) is not None else None

    def lane_at(self, y: float) -> int | None:
        for i, band in enumerate(self.lanes):
            if y in band:
                return i
        return None

    def nearest_lane(self, y: float) -> int:
        """The lane at ``y``, or the closest one in view when ``y`` is above or below them (for
        dragging)."""
        shown = [i for i, band in enumerate(self.lanes) if band.h > 0]
        if not shown:
            return 0
        if y < self.lanes[shown[0]].y:
            return shown[0]
        found = self.lane_at(y)
        return shown[-1] if found is None else found

    def slot_band(self, lane: int, slot: int, slots: int) -> Band:
        """The vertical extent of blocks in display row ``slot`` of ``slots``."""
        band = self.lanes[lane]
        inner = band.h - 2 * BLOCK_PAD
        slots = max(1, slots)
        h = min(BLOCK_MAX_H, max(3, (inner - SLOT_GAP * (slots - 1)) // slots))
        used = slots * h + (slots - 1) * SLOT_GAP
        return Band(band.y + (band.h - used) // 2 + slot * (h + SLOT_GAP), h)

    def slot_at(self, lane: int, y: float, slots: int) -> int:
        for s in range(max(1, slots)):
            band = self.slot_band(lane, s, slots)
            if y < band.bottom + SLOT_GAP // 2 + 1:
                return s
        return max(1, slots) - 1


def compute(
    width: int,
    height: int,
    lane_count: int,
    *,
    film: bool = True,
    wave: bool = True,
    scroll_h: int = SCROLL_H,
    label_w: int = LABEL_W,
    first_lane: int = 0,
    suggest: bool = False,
) -> Geometry:
    """Ruler, then filmstrip, waveform and suggestions when shown, then the lanes sharing what is left.
    Lanes that do not fit at their smallest height scroll: ``first_lane`` (clamped) is the first shown."""
    y = 0
    ruler = Band(y, RULER_H)
    y = ruler.bottom
    film_band = Band(y, FILM_H) if film else None
    y = film_band.bottom if film_band else y
    wave_band = Band(y, WAVE_H) if wave else None
    y = wave_band.bottom if wave_band else y
    suggest_band = Band(y, SUGGEST_H) if suggest else None
    y = suggest_band.bottom if suggest_band else y
    scroll = Band(max(y, height - scroll_h), scroll_h)
    lanes: list[Band] = []
    fit = first = 0
    if lane_count > 0:
        room = scroll.y - y
        lane_h = min(max(room // lane_count, LANE_MIN_H), LANE_MAX_H)
        fit = min(lane_count, max(1, room // lane_h))
        if fit < lane_count:
            lane_h = min(max(room // fit, LANE_MIN_H), LANE_MAX_H)  # the lanes in view fill the room
        first = min(max(0, first_lane), lane_count - fit)
        lanes = [
            Band(y, 0) if i < first else Band(y + (i - first) * lane_h, lane_h) if i < first + fit else
            Band(y + fit * lane_h, 0)
            for i in range(lane_count)
        ]  # fmt: skip
    return Geometry(
        max(1, width),
        max(1, height),
        label_w,
        ruler,
        film_band,
        wave_band,
        tuple(lanes),
        scroll,
        first,
        fit,
        suggest_band,
    )


def lanes_scroll(
    height: int, lane_count: int, *, film: bool = True, wave: bool = True, suggest: bool = False
) -> bool:
    """Whether ``lane_count`` lanes overflow a timeline ``height`` tall (they then get a scroll bar)."""
    return compute(1, height, lane_count, film=film, wave=wave, suggest=suggest).lanes_scroll


def preferred_height(
    lane_count: int, *, film: bool = True, wave: bool = True, scroll_h: int = SCROLL_H, suggest: bool = False
) -> int:
    rows = RULER_H + (FILM_H if film else 0) + (WAVE_H if wave else 0) + (SUGGEST_H if suggest else 0)
    # Many lanes (by code) scroll rather than ask for a timeline taller than the video.
    return rows + min(max(1, lane_count), 6) * 34 + scroll_h
