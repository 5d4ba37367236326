"""The timeline under the video: one custom-painted widget, no widget per moment.

It receives values (duration, frame index, moments as ``MomentItem``, playhead, thumbnails, peaks) and
emits intents; it never talks to the library. Each finished gesture emits one signal, which the window
turns into one service call, so one undo step.

Mouse and keys:

- Wheel (with or without Ctrl): zoom around the cursor. Shift+wheel or a horizontal wheel: scroll.
  The slim scroll bar below the lanes: drag its thumb, click its track to jump there, or wheel over
  it. ``+``/``=`` zoom in, ``-`` zoom out, ``0`` fits the recording.
- Ruler, filmstrip, waveform: click or drag to scrub (``seekRequested``, at most 25 a second).
- Empty lane: drag to mark an interval (``createRequested``), click to seek, double-click to mark a
  point (a still). Shift/Ctrl-drag draws a selection rectangle (adds to the selection).
- Moment: click selects, Shift/Ctrl-click toggles, double-click emits ``momentActivated``; drag an edge
  to trim, the body to move (all selected moments move together) (``retimeRequested``).
- Times snap to frame starts; within 6 px they snap to the playhead, in/out marks and other moments'
  edges (a blue guide line shows it). Hold Alt while dragging to snap to frames only.
- Escape cancels a drag, or else clears the selection. Delete/Backspace: ``deleteRequested``.
  Ctrl+A selects every moment.
- Lanes by code: the label column widens to the longest code name (up to ``LABEL_MAX_W``; longer
  names elide in the middle, the tooltip has the whole name). Lanes that do not fit scroll with their
  own scroll bar at the right, or the wheel over their names.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QFocusEvent,
    QFontMetrics,
    QHelpEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QScrollBar, QSizePolicy, QWidget

from vfeedback.core.frames import FrameIndex
from vfeedback.core.timeline import (
    Create,
    Lane,
    LaneMode,
    MomentItem,
    Result,
    Retime,
    Seek,
    Select,
    Snapper,
    Viewport,
)
from vfeedback.ui.timeline import geometry as geo
from vfeedback.ui.timeline.geometry import Band
from vfeedback.ui.timeline.input import Controller
from vfeedback.ui.timeline.paint import paint_timeline
from vfeedback.ui.timeline.paint_rows import PLAYHEAD_HALF_W, scroller_x
from vfeedback.ui.timeline.state import NO_SOUND, SuggestionMark, TimelineState
from vfeedback.ui.timeline.style import fonts

ZOOM_STEP = 1.5
"""Factor of the +/- keys and the zoom_in/zoom_out slots."""
MAX_DIRTY_RECTS = 8
LABEL_PAD = 10 + 13 + 8
"""Left margin, the colour swatch and a little air after the longest lane name."""


class TimelineView(QWidget):
    seekRequested = Signal(int)
    createRequested = Signal(str, int, int)
    """(lane key, start_us, end_us): the lane key is an actor value or a code key, by lane mode."""
    retimeRequested = Signal(list)
    """[(id, start_us, end_us), ...] for a trim or a move."""
    selectionChanged = Signal(list)
    deleteRequested = Signal(list)
    zoomChanged = Signal()
    momentActivated = Signal(int)
    suggestionClicked = Signal(int)
    """A suggested moment clicked in its row (the workbench focuses it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = TimelineState()
        self.state.rebuild()
        self.fonts = fonts(self.font())
        self.controller = Controller(self)
        self.lane_bar = QScrollBar(Qt.Orientation.Vertical, self)
        self.lane_bar.setObjectName("laneScroll")
        self.lane_bar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lane_bar.hide()
        self.lane_bar.valueChanged.connect(self._scroll_lanes_to)
        self.rows = self._compute_geometry()
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(320, geo.RULER_H + 3 * geo.LANE_MIN_H + geo.SCROLL_H)

    # -- what to show --------------------------------------------------------------------------------------

    @property
    def viewport(self) -> Viewport:
        """Read it; change it through the slots (they keep the scroll bar and signals in step)."""
        return self.state.vp

    def set_duration(self, duration_us: int) -> None:
        if self.state.vp.set_duration(duration_us):
            self.viewport_changed(zoomed=True)

    def set_frame_index(self, frames: FrameIndex | None) -> None:
        """Frames to snap to and to count ticks with; sets the duration too if none was given."""
        st = self.state
        st.frames = frames
        if frames is not None:
            times = frames.times
            step = max(1, (times[-1] - times[0]) // max(1, len(times) - 1))
            st.vp.set_frame_us(step)
            if st.vp.duration_us == 0:
                st.vp.set_duration(frames.duration_us)
        self.viewport_changed(zoomed=True)

    def set_moments(self, items: Iterable[MomentItem]) -> None:
        """Replace every moment; the items' ``selected`` flags are the selection (no signal).

        Passing the same items with other flags only changes the selection, without a new layout.
        """
        st = self.state
        items = tuple(items)
        selection = frozenset(m.id for m in items if m.selected)
        if items != st.items:
            st.items = items
            st.rebuild()
            self._relayout()
            if st.hover is not None and st.hover not in st.layout:
                st.hover = None
        self._set_selection(selection, emit=False)

    def set_lane_mode(self, mode: LaneMode) -> None:
        if mode not in ("actor", "code"):
            raise ValueError(f"lane mode must be 'actor' or 'code', not {mode!r}")
        if mode != self.state.mode:
            self.state.mode = mode
            self.state.rebuild()
            self._relayout()

    def set_code_lanes(
        self, lanes: Sequence[tuple[str, str, str]], tips: Mapping[str, str] | None = None
    ) -> None:
        """Lanes for code mode as (key, title, colour), in scheme order; empty codes keep a lane.
        ``tips``: by lane key, what the tooltip over a lane's name says (default its title)."""
        self.state.code_lanes = tuple(Lane(k, t, c) for k, t, c in lanes)
        self.state.lane_tips = dict(tips or {})
        if self.state.mode == "code":
            self.state.rebuild()
            self._relayout()

    def selection(self) -> list[int]:
        return sorted(self.state.selection)

    def set_selection(self, ids: Collection[int]) -> None:
        self._set_selection(frozenset(ids) & set(self.state.layout.ids()), emit=False)
        # A moment chosen elsewhere (the list, Tab) is brought into view in scrolling lanes.
        placed = [self.state.layout.get(i) for i in ids]
        lanes = sorted(p.lane for p in placed if p is not None)
        if lanes:
            self.show_lane(lanes[0])

    def set_playhead(self, us: int | None, follow: bool = True) -> None:
        """Cheap enough for 30 calls a second: repaints only the old and new playhead strips.

        With ``follow``, the view pages when the playhead leaves it (if it was in view before, so a
        clinician who scrolled away to look elsewhere is not pulled back).
        """
        st = self.state
        old = st.playhead
        if us == old:
            return
        was_visible = old is not None and st.vp.contains(old)
        st.playhead = us
        if (
            follow
            and us is not None
            and st.gesture is None
            and (was_visible or old is None)
            and st.vp.ensure_visible(us)
        ):
            self.viewport_changed(zoomed=False)
            return
        self._update_playhead_strip(old)
        self._update_playhead_strip(us)
        self.update(QRect(0, self.rows.ruler.y, self.rows.label_w, self.rows.ruler.h))

    def ensure_visible(self, us: int) -> None:
        """Page the view so ``us`` is in it (no change if it already is)."""
        if self.state.gesture is None and self.state.vp.ensure_visible(us):
            self.viewport_changed(zoomed=False)

    def move_playhead(self, us: int) -> None:
        """Show the playhead where the user is scrubbing before the player confirms it."""
        self.set_playhead(us, follow=False)

    def set_in_out(self, in_us: int | None, out_us: int | None) -> None:
        self.state.in_us, self.state.out_us = in_us, out_us
        self.update()

    def set_filmstrip(self, thumbs: Sequence[tuple[int, QImage]], step_us: int | None = None) -> None:
        """Thumbnails as (time_us, image); call again as more arrive. Gaps show a soft placeholder.

        ``step_us`` is the spacing the thumbnails will have once all are in (default: the median gap).
        """
        self.state.set_film(thumbs, step_us)
        self._update_row(self.rows.film)

    def set_waveform(
        self, peaks: Sequence[tuple[float, float]] | np.ndarray, bucket_us: int, complete: bool = False
    ) -> None:
        """(min, max) per bucket of ``bucket_us``, in -1..1, from time 0 (replaces what was there);
        ``complete``: these are all (else ``add_waveform`` brings more, then ``finish_waveform``)."""
        self.state.set_wave(np.asarray(peaks, dtype=np.float32).reshape(-1, 2), int(bucket_us), complete)
        self._update_row(self.rows.wave)

    def add_waveform(self, first: int, peaks: Sequence[tuple[float, float]] | np.ndarray) -> None:
        """More peaks as decoding goes on, starting at bucket ``first`` (buckets not yet known stay empty)."""
        self.state.add_wave(first, np.asarray(peaks, dtype=np.float32).reshape(-1, 2))
        self._update_row(self.rows.wave)

    def finish_waveform(self) -> None:
        """Every peak has arrived: a silent recording now says "No sound"."""
        self.state.finish_wave()
        self._update_row(self.rows.wave)

    def set_no_sound(self) -> None:
        """The recording has no sound track: the sound row says so."""
        self.state.set_wave(np.zeros((0, 2), np.float32), 1, complete=True)
        self.state.wave_note = NO_SOUND
        self._update_row(self.rows.wave)

    def set_suggestions(self, marks: Iterable[SuggestionMark], note: str = "") -> None:
        """The open suggested moments (replacing those shown); ``note`` is said in their row when
        there are none ("Listening for turn-taking…")."""
        st = self.state
        st.suggestions = tuple(sorted(marks, key=lambda m: (m.start_us, m.id)))
        st.suggest_note = note
        if st.suggest_focus not in {m.id for m in st.suggestions}:
            st.suggest_focus = None
        self._update_row(self.rows.suggest)

    def set_suggestion_focus(self, suggestion_id: int | None) -> None:
        """The suggestion the keys act on, drawn darker (None: none)."""
        self.state.suggest_focus = suggestion_id
        self._update_row(self.rows.suggest)

    def set_suggestions_visible(self, shown: bool) -> None:
        """Show or hide the suggestions' row (the View menu, or a recording without sound)."""
        if shown != self.state.show_suggest:
            self.state.show_suggest = shown
            self._relayout()
            self.updateGeometry()

    def suggestion_tip(self, x: float) -> SuggestionMark | None:
        """The suggestion under ``x`` (widget pixels) in its row."""
        vp = self.state.vp
        t = x - self.rows.label_w
        return self.state.suggestion_at(vp.us_at(t - 3), vp.us_at(t + 3))

    def set_draft_colour(self, colour: str) -> None:
        """Colour of a moment being marked (the code that will be used)."""
        self.state.draft_colour = colour

    def set_rows_visible(self, filmstrip: bool = True, waveform: bool = True) -> None:
        self.state.show_film, self.state.show_wave = filmstrip, waveform
        self._relayout()

    # -- zoom ----------------------------------------------------------------------------------------------

    @Slot()
    def zoom_in(self) -> None:
        self._zoom_keyboard(ZOOM_STEP)

    @Slot()
    def zoom_out(self) -> None:
        self._zoom_keyboard(1 / ZOOM_STEP)

    @Slot()
    def fit(self) -> None:
        if self.state.vp.fit():
            self.viewport_changed(zoomed=True)

    def _zoom_keyboard(self, factor: float) -> None:
        vp, playhead = self.state.vp, self.state.playhead
        # Around the playhead when it is in view (that is where the clinician looks), else the middle.
        anchor = vp.x_of(playhead) if playhead is not None and vp.contains(playhead) else vp.width_px / 2
        if vp.zoom(factor, anchor):
            self.viewport_changed(zoomed=True)

    # -- used by the input controller ----------------------------------------------------------------------

    def snapper(self, exclude: Collection[int] = ()) -> Snapper:
        st = self.state
        marks = [m for m in (st.in_us, st.out_us) if m is not None]
        return Snapper(
            st.vp, st.frames, playhead_us=st.playhead, marks=marks, layout=st.layout, exclude=exclude
        )

    def apply(self, result: Result) -> None:
        """Emit the signal for a finished gesture."""
        if isinstance(result, Seek):
            self.move_playhead(result.us)
            self.seekRequested.emit(result.us)
            if self.state.selection:
                self._set_selection(frozenset())
        elif isinstance(result, Create):
            self.createRequested.emit(result.lane, result.start_us, result.end_us)
        elif isinstance(result, Retime):
            if result.kind == "trim":
                self._set_selection(frozenset(i for i, _, _ in result.changes))
            self.retimeRequested.emit([tuple(c) for c in result.changes])
        elif isinstance(result, Select):
            self._set_selection(frozenset(result.ids))

    def update_lanes(self) -> None:
        self._update_row(self.rows.lanes_band)

    def scroll_lanes(self, steps: int) -> bool:
        """Scroll the lanes by ``steps`` lanes (down when positive); False if they do not scroll."""
        if not self.rows.lanes_scroll:
            return False
        self.lane_bar.setValue(self.lane_bar.value() + steps)
        return True

    def show_lane(self, lane: int) -> None:
        """Scroll the lanes so ``lane`` is in view."""
        g = self.rows
        if g.lanes_scroll and not g.first_lane <= lane < g.first_lane + g.lanes_fit:
            self.lane_bar.setValue(lane if lane < g.first_lane else lane - g.lanes_fit + 1)

    def lane_tip(self, lane: int) -> str:
        """The whole name of a lane, for its tooltip."""
        found = self.state.layout.lanes[lane]
        return self.state.lane_tips.get(found.key, found.title)

    def viewport_changed(self, zoomed: bool) -> None:
        self.update()
        if zoomed:
            self.zoomChanged.emit()

    # -- Qt events -----------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        lanes = len(self.state.layout.lanes)
        st = self.state
        height = geo.preferred_height(lanes, film=st.show_film, wave=st.show_wave, suggest=st.show_suggest)
        return QSize(900, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            # Qt merges the playhead's old and new strips and the time label into one region whose
            # bounding box can span the widget: paint each rectangle of it instead.
            region = event.region()
            rects: list[QRect] = [region.boundingRect()]
            if 1 < region.rectCount() <= MAX_DIRTY_RECTS:
                rects = list(region)  # type: ignore[call-overload]  # QRegion iterates; the stubs miss it
            for rect in rects:
                paint_timeline(p, self.state, self.rows, self.fonts, rect, self.devicePixelRatioF())
        finally:
            # An exception with the painter still open would take the whole process down with it.
            p.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._relayout()
        super().resizeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.controller.press(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.controller.move(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.controller.release(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.controller.double_click(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.controller.wheel(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.controller.key(event):
            super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.controller.cancel()
        super().focusOutEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self.state.hover is not None and self.state.gesture is None:
            self.state.hover = None
            self.update_lanes()
        super().leaveEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            self.controller.tooltip(event)
            return True
        return super().event(event)

    # -- internals -----------------------------------------------------------------------------------------

    def _compute_geometry(self) -> geo.Geometry:
        st = self.state
        count = len(st.layout.lanes)
        scrolls = geo.lanes_scroll(
            self.height(), count, film=st.show_film, wave=st.show_wave, suggest=st.show_suggest
        )
        return geo.compute(
            # The lanes' scroll bar takes its width from the time area, never covers it.
            self.width() - (geo.LANE_SCROLL_W if scrolls else 0),
            self.height(),
            count,
            film=st.show_film,
            wave=st.show_wave,
            label_w=self._label_width(),
            first_lane=st.lane_first,
            suggest=st.show_suggest,
        )

    def _label_width(self) -> int:
        """Wide enough for the longest code name (with its colour swatch) in lanes by code."""
        if self.state.mode != "code":
            return geo.LABEL_W
        metrics = QFontMetrics(self.fonts.label)
        widest = max((metrics.horizontalAdvance(lane.title) for lane in self.state.layout.lanes), default=0)
        return min(geo.LABEL_MAX_W, max(geo.LABEL_W, widest + LABEL_PAD))

    def _relayout(self) -> None:
        before = len(self.rows.lanes)
        self.rows = g = self._compute_geometry()
        self.state.lane_first = g.first_lane
        self._place_lane_bar(g)
        zoomed = self.state.vp.set_width(g.time_w)
        self.viewport_changed(zoomed=zoomed)
        if len(self.state.layout.lanes) != before:
            self.updateGeometry()

    def _place_lane_bar(self, g: geo.Geometry) -> None:
        bar = self.lane_bar
        if not g.lanes_scroll:
            bar.hide()
            return
        band = Band(g.lanes[g.first_lane].y, g.lanes_fit * g.lanes[g.first_lane].h)
        bar.blockSignals(True)
        bar.setRange(0, len(g.lanes) - g.lanes_fit)
        bar.setPageStep(g.lanes_fit)
        bar.setSingleStep(1)
        bar.setValue(g.first_lane)
        bar.blockSignals(False)
        bar.setGeometry(QRect(g.width, band.y, geo.LANE_SCROLL_W, band.h))
        bar.show()

    def _scroll_lanes_to(self, first: int) -> None:
        if first != self.state.lane_first:
            self.state.lane_first = first
            self.rows = self._compute_geometry()
            self.state.hover = None
            self.update()

    def _set_selection(self, ids: frozenset[int], emit: bool = True) -> None:
        if ids == self.state.selection:
            return
        self.state.selection = ids
        self.update_lanes()
        if emit:
            self.selectionChanged.emit(sorted(ids))

    def _update_row(self, band: geo.Band | None) -> None:
        if band is not None and band.h > 0:
            self.update(QRect(0, band.y, self.width(), band.h))

    def _update_playhead_strip(self, us: int | None) -> None:
        if us is None:
            return
        g = self.rows
        x = g.label_w + self.state.vp.x_of(us)
        half = PLAYHEAD_HALF_W + 2
        if -half <= x - g.label_w <= g.time_w + half:
            self.update(QRect(x - half, 0, 2 * half + 1, g.content_bottom))
        mark = scroller_x(g, us, self.state.vp.duration_us)
        self.update(QRect(mark - 2, g.scroll.y, 6, g.scroll.h))
