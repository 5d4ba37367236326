"""Mouse, wheel and keys on the timeline, turned into gestures and then into the view's signals.

Conventions (the view's docstring has the full list): plain wheel zooms around the cursor, Shift+wheel
(or any wheel over the scroll bar) scrolls; press-drag on the ruler, filmstrip or waveform scrubs; drag
on an empty lane marks a new interval, a click there seeks; drag an edge to trim, a body to move;
Shift/Ctrl-click toggles a moment in the selection, Shift/Ctrl-drag from an empty lane draws a selection
rectangle; Alt while dragging turns magnetic snapping off (frames still snap); Escape cancels a drag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QPointF, QRect, Qt, QTimer
from PySide6.QtGui import QHelpEvent, QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QToolTip

from vfeedback.core.timecode import format_time
from vfeedback.core.timeline import (
    CreateDrag,
    Gesture,
    Hit,
    Move,
    RubberBand,
    Scrub,
    Select,
    Trim,
    hit_test,
    toggled,
)

if TYPE_CHECKING:
    from vfeedback.ui.timeline.view import TimelineView

SCRUB_INTERVAL_MS = 40
"""At most 25 seeks a second while scrubbing: the decoder cannot show more, and each costs a seek."""
WHEEL_ZOOM = 1.25
"""Zoom factor per wheel notch."""
AUTOSCROLL = 0.5
"""How far the view follows a drag past its edge, per pixel of overshoot per move."""


class SeekThrottle:
    """Emits at once when the last seek was long enough ago, otherwise once the interval has passed."""

    def __init__(self, view: TimelineView) -> None:
        self._view = view
        self._clock = QElapsedTimer()
        self._timer = QTimer(view)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self._pending: int | None = None
        self._last: int | None = None

    def push(self, us: int) -> None:
        if us == self._last and self._pending is None:
            return
        self._pending = us
        if not self._clock.isValid() or self._clock.elapsed() >= SCRUB_INTERVAL_MS:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start(max(1, SCRUB_INTERVAL_MS - self._clock.elapsed()))

    def flush(self) -> None:
        self._timer.stop()
        if self._pending is not None and self._pending != self._last:
            self._last = self._pending
            self._clock.start()
            self._view.seekRequested.emit(self._pending)
        self._pending = None

    def reset(self) -> None:
        self._last = None


class Controller:
    def __init__(self, view: TimelineView) -> None:
        self.view = view
        self.throttle = SeekThrottle(view)
        self.thumb_grab: float | None = None
        """Where on the scroller's thumb the mouse holds it, while dragging it."""

    @property
    def gesture(self) -> Gesture | None:
        return self.view.state.gesture

    def press(self, event: QMouseEvent) -> None:
        view, st = self.view, self.view.state
        pos = event.position()
        g = view.rows
        region = g.region(pos.x(), pos.y())
        x = pos.x() - g.label_w
        if event.button() == Qt.MouseButton.RightButton:
            hit = self._hit(pos)
            if hit is not None and hit.item.id not in st.selection:
                view.apply(Select((hit.item.id,)))
            return
        if event.button() != Qt.MouseButton.LeftButton or self.gesture is not None:
            return
        if region == "scroll":
            self._grab_thumb(pos.x())
            return
        additive = bool(
            event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
        )
        if region == "suggest":
            mark = view.suggestion_tip(pos.x())
            if mark is not None:
                view.suggestionClicked.emit(mark.id)
                return
        if region in ("ruler", "film", "wave", "suggest"):
            scrub = Scrub(view.snapper(), x)
            self._start(scrub)
            self.throttle.reset()
            self._scrub_to(scrub.us)
            return
        if region != "lane":
            return
        lane = g.nearest_lane(pos.y())
        hit = self._hit(pos)
        if hit is None:
            key = st.layout.lanes[lane].key
            if additive:
                self._start(RubberBand(view.snapper(), x, lane, st.layout, st.selection))
            else:
                self._start(CreateDrag(view.snapper(), x, key))
            return
        item = hit.item
        if additive:
            group = [m for m in st.items if m.id in st.selection or m.id == item.id]
            ids = {m.id for m in group}
            self._start(Move(view.snapper(ids), x, item, group, click=toggled(st.selection, item.id)))
            return
        if item.id not in st.selection:
            view.apply(Select((item.id,)))
        if hit.part == "start" or hit.part == "end":
            self._start(Trim(view.snapper({item.id}), x, item, hit.part))
        else:
            group = [m for m in st.items if m.id in view.state.selection] or [item]
            ids = {m.id for m in group}
            self._start(Move(view.snapper(ids), x, item, group, click=Select((item.id,))))

    def move(self, event: QMouseEvent) -> None:
        view = self.view
        pos = event.position()
        gesture = self.gesture
        if self.thumb_grab is not None:
            self._drag_thumb(pos.x())
            return
        if gesture is None:
            self.hover_at(pos)
            return
        g = view.rows
        x = pos.x() - g.label_w
        if gesture.dragging:
            over = x - g.time_w if x > g.time_w else min(x, 0)
            if over and view.state.vp.scroll_px(over * AUTOSCROLL):
                view.viewport_changed(zoomed=False)
        magnetic = not event.modifiers() & Qt.KeyboardModifier.AltModifier
        gesture.move(x, lane=g.nearest_lane(pos.y()), magnetic=magnetic)
        if isinstance(gesture, Scrub):
            self._scrub_to(gesture.us)  # repaints just the playhead strips
        else:
            view.update()

    def release(self, event: QMouseEvent) -> None:
        if self.thumb_grab is not None:
            self.thumb_grab = None
            self.hover_at(event.position())
            return
        gesture = self.gesture
        if gesture is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self.view.state.gesture = None
        result = gesture.finish()
        if isinstance(gesture, Scrub):
            self.throttle.flush()
        elif result is not None:
            self.view.apply(result)
        self.view.update()
        self.hover_at(event.position())

    def hover_at(self, pos: QPointF) -> None:
        view = self.view
        on_scroller = view.rows.region(pos.x(), pos.y()) == "scroll"
        if on_scroller != view.state.scroller_hot:
            view.state.scroller_hot = on_scroller
            view.update(QRect(0, view.rows.scroll.y, view.width(), view.rows.scroll.h))
        hit = self._hit(pos)
        if hit is None:
            view.unsetCursor()
        elif hit.part == "body":
            view.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            view.setCursor(Qt.CursorShape.SizeHorCursor)
        hover = None if hit is None else hit.item.id
        if hover != view.state.hover:
            view.state.hover = hover
            view.update_lanes()

    def tooltip(self, event: QHelpEvent) -> None:
        """The caption (what the parent will read), the code and the times of the moment under the mouse."""
        pos = QPointF(event.pos())
        lane = self.view.rows.lane_at(pos.y())
        if self.view.rows.region(pos.x(), pos.y()) == "suggest":
            mark = self.view.suggestion_tip(pos.x())
            if mark is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), mark.tip, self.view)
            return
        if pos.x() < self.view.rows.label_w and lane is not None:
            QToolTip.showText(event.globalPos(), self.view.lane_tip(lane), self.view)
            return
        hit = self._hit(pos)
        if hit is None:
            QToolTip.hideText()
            event.ignore()
            return
        m = hit.item
        span = format_time(m.start_us)
        if not m.is_point:
            span += f" – {format_time(m.end_us)}"
        lines = [line for line in (m.caption, m.text, span) if line]
        QToolTip.showText(event.globalPos(), "\n".join(lines), self.view)

    def double_click(self, event: QMouseEvent) -> None:
        view = self.view
        pos = event.position()
        g = view.rows
        if event.button() != Qt.MouseButton.LeftButton or g.region(pos.x(), pos.y()) != "lane":
            return
        hit = self._hit(pos)
        if hit is not None:
            view.momentActivated.emit(hit.item.id)
            return
        # A double click on an empty lane marks a point moment (a still) at the frame under the mouse.
        us = view.snapper().frame_on_screen(view.state.vp.us_at(pos.x() - g.label_w))
        view.createRequested.emit(view.state.layout.lanes[g.nearest_lane(pos.y())].key, us, us)

    def cancel(self) -> bool:
        gesture = self.gesture
        if gesture is None:
            return False
        gesture.cancel()
        self.view.state.gesture = None
        self.view.update()
        return True

    def wheel(self, event: QWheelEvent) -> None:
        view = self.view
        delta = event.angleDelta()
        dy, dx = delta.y(), delta.x()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        region = view.rows.region(event.position().x(), event.position().y())
        on_scroller = region == "scroll"
        vp = view.state.vp
        if region == "label" and dy and view.scroll_lanes(-round(dy / 120) or (-1 if dy > 0 else 1)):
            pass  # over the lanes' names: scroll the lanes
        elif shift or on_scroller or abs(dx) > abs(dy):
            # Some platforms turn Shift+wheel into a horizontal delta themselves.
            steps = (dx or dy) / 120
            if vp.scroll_px(-steps * view.rows.time_w / 8):
                view.viewport_changed(zoomed=False)
        elif dy:
            anchor = min(max(event.position().x() - view.rows.label_w, 0), view.rows.time_w)
            if vp.zoom(WHEEL_ZOOM ** (dy / 120), anchor):
                view.viewport_changed(zoomed=True)
        event.accept()

    def key(self, event: QKeyEvent) -> bool:
        view = self.view
        key = event.key()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if key == Qt.Key.Key_Escape:
            if not self.cancel() and view.state.selection:
                view.apply(Select(()))
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if view.state.selection and self.gesture is None:
                view.deleteRequested.emit(sorted(view.state.selection))
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            view.zoom_in()
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            view.zoom_out()
        elif key == Qt.Key.Key_0:
            view.fit()
        elif key == Qt.Key.Key_A and ctrl:
            view.apply(Select(tuple(view.state.layout.ids())))
        else:
            return False
        return True

    def _grab_thumb(self, x: float) -> None:
        """Press on the scroller: hold the thumb where it was taken, or first jump it under the mouse."""
        vp, g = self.view.state.vp, self.view.rows
        left, width = g.thumb(vp.start_us, vp.end_us, vp.duration_us)
        if not left <= x <= left + width:
            self.thumb_grab = width / 2
            self._drag_thumb(x)
            left, width = g.thumb(vp.start_us, vp.end_us, vp.duration_us)
        self.thumb_grab = x - left

    def _drag_thumb(self, x: float) -> None:
        vp, g = self.view.state.vp, self.view.rows
        assert self.thumb_grab is not None
        start = g.start_for_thumb(x - self.thumb_grab, vp.end_us - vp.start_us, vp.duration_us)
        if vp.scroll_to(start):
            self.view.viewport_changed(zoomed=False)

    def _start(self, gesture: Gesture) -> None:
        self.view.state.gesture = gesture
        self.view.update()

    def _scrub_to(self, us: int) -> None:
        self.view.move_playhead(us)
        self.throttle.push(us)

    def _hit(self, pos: QPointF) -> Hit | None:
        view, g = self.view, self.view.rows
        lane = g.lane_at(pos.y())
        if lane is None or lane >= len(view.state.layout.lanes) or pos.x() < g.label_w:
            return None
        slots = view.state.slots(lane)
        slot = g.slot_at(lane, pos.y(), slots)
        return hit_test(view.state.layout, view.state.vp, lane, pos.x() - g.label_w, slot, slots)
