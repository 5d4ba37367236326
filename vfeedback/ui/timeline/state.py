"""Everything the timeline shows, in one place the painters read and the view and input code change."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QImage

from vfeedback.core.frames import FrameIndex
from vfeedback.core.timeline import (
    MAX_SLOTS,
    Gesture,
    Lane,
    LaneMode,
    MomentItem,
    MomentLayout,
    RubberBand,
    Viewport,
)
from vfeedback.ui.timeline.raster import F32, LaneArrays

WAVE_FILL = 0.9
"""The loud passages of a recording reach this part of the sound row's half height."""
WAVE_LOUD_PERCENTILE = 99.5
"""What "loud" is: one clap or a dropped toy should not flatten the rest of the recording."""
WAVE_MAX_GAIN = 1000.0
"""At most +60 dB: quieter than that is taken for silence."""
SILENCE = 1 / WAVE_MAX_GAIN
"""Peaks all below this (-60 dBFS, under the hiss of any microphone) are a silent recording."""
NO_SOUND = "No sound"


@dataclass(frozen=True, slots=True)
class SuggestionMark:
    """An open suggested moment as the timeline draws it: a place to look, not a moment."""

    id: int
    start_us: int
    end_us: int
    repair: bool
    """Distress and repair: drawn in its own tone, never mixed with the strengths."""
    tip: str
    """The explanation, for the tooltip."""


@dataclass
class TimelineState:
    vp: Viewport = field(default_factory=Viewport)
    frames: FrameIndex | None = None
    items: tuple[MomentItem, ...] = ()
    mode: LaneMode = "actor"
    code_lanes: tuple[Lane, ...] = ()
    lane_tips: dict[str, str] = field(default_factory=dict)
    lane_first: int = 0
    """The first lane in view when they scroll (lanes by code)."""
    layout: MomentLayout = field(default_factory=MomentLayout)
    arrays: list[LaneArrays] = field(default_factory=list)
    selection: frozenset[int] = frozenset()
    hover: int | None = None
    playhead: int | None = None
    in_us: int | None = None
    out_us: int | None = None
    film: list[tuple[int, QImage]] = field(default_factory=list)
    film_times: list[int] = field(default_factory=list)
    film_step: int = 0
    wave_min: F32 = field(default_factory=lambda: np.zeros(0, np.float32))
    wave_max: F32 = field(default_factory=lambda: np.zeros(0, np.float32))
    bucket_us: int = 0
    wave_gain: float = 1.0
    wave_gaps: bool = False
    wave_note: str = ""
    """Said in the sound row instead of a flat line: ``NO_SOUND`` for a silent recording or one with
    no sound track."""
    wave_complete: bool = False
    """Every peak of the recording has arrived (only then can it be called silent)."""
    suggestions: tuple[SuggestionMark, ...] = ()
    suggest_focus: int | None = None
    """The suggestion the keys act on (after ] or [ or a click on it)."""
    suggest_note: str = ""
    """Said in the suggestions row when it has none to show ("Listening for turn-taking…")."""
    show_suggest: bool = False
    draft_colour: str = "#8fa3bf"
    gesture: Gesture | None = None
    show_film: bool = True
    show_wave: bool = True
    scroller_hot: bool = False
    items_version: int = 0
    wave_version: int = 0
    _images: dict[Hashable, tuple[Hashable, QImage]] = field(default_factory=dict)
    """Images drawn with numpy for the current view, so a playhead or hover repaint only copies pixels."""

    def rebuild(self) -> None:
        """Lay the items out again (new items, lane mode or code lanes)."""
        self.layout = MomentLayout(self.items, self.mode, self.code_lanes)
        self.arrays = [LaneArrays.of(ps, MAX_SLOTS) for ps in self.layout.placed]
        self.items_version += 1

    def suggestion_at(self, us_from: int, us_to: int) -> SuggestionMark | None:
        """The suggestion drawn over ``us_from..us_to`` (the pixel under the mouse); the shortest wins
        where they overlap (a turn inside a chain)."""
        found = [s for s in self.suggestions if s.start_us <= us_to and s.end_us >= us_from]
        return min(found, key=lambda s: s.end_us - s.start_us, default=None)

    def view_key(self, dpr: float) -> tuple[int, int, int, float]:
        vp = self.vp
        return (vp.start_us, vp.us_per_px, vp.width_px, dpr)

    def cached(self, slot: Hashable, key: Hashable) -> QImage | None:
        found = self._images.get(slot)
        return found[1] if found is not None and found[0] == key else None

    def store(self, slot: Hashable, key: Hashable, image: QImage) -> None:
        self._images[slot] = (key, image)

    def forget_images(self) -> None:
        self._images.clear()

    def slots(self, lane: int) -> int:
        return min(max(self.layout.depth[lane], 1), MAX_SLOTS)

    def shown_selection(self) -> frozenset[int]:
        """The selection as drawn: a rubber band in progress shows what it would select."""
        g = self.gesture
        if isinstance(g, RubberBand) and g.dragging:
            return g.selected
        return self.selection

    def set_wave(self, peaks: npt.NDArray[np.float32], bucket_us: int, complete: bool = False) -> None:
        self.wave_complete = complete
        self.wave_min = np.ascontiguousarray(peaks[:, 0])
        self.wave_max = np.ascontiguousarray(peaks[:, 1])
        self.wave_gaps = bool(np.isnan(self.wave_min).any())
        self.bucket_us = bucket_us
        self._regain()
        self.wave_version += 1

    def add_wave(self, first: int, peaks: npt.NDArray[np.float32]) -> None:
        end = first + len(peaks)
        if end > len(self.wave_min):
            # Not yet known is NaN, which the drawing leaves empty.
            grow = np.full(end - len(self.wave_min), np.nan, np.float32)
            self.wave_min = np.concatenate([self.wave_min, grow])
            self.wave_max = np.concatenate([self.wave_max, grow])
        self.wave_min[first:end] = peaks[:, 0]
        self.wave_max[first:end] = peaks[:, 1]
        self.wave_gaps = bool(np.isnan(self.wave_min).any())
        self._regain()
        self.wave_version += 1

    def _regain(self) -> None:
        """Home recordings are often quiet: normalise per recording, so its loud passages (not its one
        loudest peak) fill the row; say "No sound" once the whole recording is known to be silent."""
        self.wave_gain, silent = wave_gain(self.wave_min, self.wave_max)
        self.wave_note = NO_SOUND if silent and self.wave_complete and not self.wave_gaps else ""

    def finish_wave(self) -> None:
        """The last peaks have arrived."""
        self.wave_complete = True
        self._regain()
        self.wave_version += 1

    def set_film(self, thumbs: Sequence[tuple[int, QImage]], step_us: int | None) -> None:
        self.film = sorted(((int(t), img) for t, img in thumbs if not img.isNull()), key=lambda p: p[0])
        self.film_times = [t for t, _ in self.film]
        if step_us is not None:
            self.film_step = max(1, int(step_us))
        else:
            gaps = sorted(b - a for a, b in zip(self.film_times, self.film_times[1:], strict=False))
            self.film_step = gaps[len(gaps) // 2] if gaps else max(1, self.vp.duration_us)

    def thumb_near(self, us: int, tolerance: int) -> QImage | None:
        """The thumbnail nearest ``us`` if one is within ``tolerance`` (else a placeholder is drawn)."""
        times = self.film_times
        if not times:
            return None
        i = bisect_left(times, us)
        best = min((j for j in (i - 1, i) if 0 <= j < len(times)), key=lambda j: abs(times[j] - us))
        return self.film[best][1] if abs(times[best] - us) <= tolerance else None


def wave_gain(mins: F32, maxs: F32) -> tuple[float, bool]:
    """The gain that brings a recording's loud passages to ``WAVE_FILL`` of the row, and whether what
    is known of it is silent (every peak under ``SILENCE``); NaN (not yet known) is left out."""
    both = np.abs(np.concatenate([mins, maxs]))
    known = both[np.isfinite(both)]
    if not len(known) or float(known.max()) < SILENCE:
        return 1.0, bool(len(known))
    loud = max(float(np.percentile(known, WAVE_LOUD_PERCENTILE)), SILENCE)
    return min(WAVE_MAX_GAIN, WAVE_FILL / loud), False
