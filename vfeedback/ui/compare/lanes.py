"""Two coders on parallel lanes of one timeline, with where they differ shaded in a soft warm tone.

Coder A's moments above, coder B's below, a thin "differs" track between them. The wheel zooms around
the pointer (Shift+wheel scrolls, double-click shows the whole recording). A click on a shaded range or
on a moment only one coder tagged picks that disagreement; a click anywhere else asks to seek there.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from vfeedback.core.agreement import Agreement, CodedSpan, Disagreement
from vfeedback.core.timeline.ticks import TickKind, ruler_ticks
from vfeedback.core.timeline.viewport import Viewport
from vfeedback.ui.timeline.style import (
    LABEL_BG,
    LINE,
    MUTED,
    RULER_BG,
    STRIPE,
    TEXT,
    TICK,
    border_of,
    fonts,
    qcolor,
    text_on,
)

LABEL_W = 120
RULER_H = 22
LANE_H = 34
DIFF_H = 12
PAD = 6
WARM_BAND = QColor(240, 178, 110, 46)  # soft apricot behind both lanes: "look here", not "wrong"
WARM = QColor("#e3a868")
WARM_STRONG = QColor("#b86e2c")
CLICK_SLOP_PX = 3
DIMMED = 0.45


class LanesView(QWidget):
    """The strip. ``set_agreement`` fills it; ``select`` outlines one disagreement."""

    seek_requested = Signal(int)
    """Microseconds: the start of a clicked disagreement, or the time clicked elsewhere."""
    disagreement_clicked = Signal(int)
    """Index into the agreement's disagreements."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareLanes")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self.sizeHint().height())
        self._fonts = fonts(self.font())
        self.vp = Viewport(0, 1)
        self._agreement: Agreement | None = None
        self._colours: dict[str, str] = {}
        self._names = ("A", "B")
        self._selected: frozenset[int] = frozenset()
        self._rows: tuple[tuple[list[int], int], tuple[list[int], int]] = (([], 1), ([], 1))

    def sizeHint(self) -> QSize:
        return QSize(800, RULER_H + 2 * LANE_H + DIFF_H + 2 * PAD)

    # --- data -------------------------------------------------------------------------------------

    def set_agreement(self, agreement: Agreement | None, colours: dict[str, str]) -> None:
        """Show these figures; ``colours`` maps each code name to its ``#rrggbb``."""
        old = self._agreement.duration_us if self._agreement else None
        self._agreement = agreement
        self._colours = colours
        self._selected = frozenset()
        if agreement is not None:
            self._names = agreement.coders
            self._rows = (_stack(agreement.spans_a), _stack(agreement.spans_b))
            if agreement.duration_us != old:
                self.vp.set_duration(agreement.duration_us)
                self.vp.fit()
        self.update()

    def select(self, indices: Sequence[int]) -> None:
        """Outline these disagreements and scroll the first into view."""
        self._selected = frozenset(indices)
        if indices and self._agreement is not None:
            d = self._agreement.disagreements[min(indices)]
            if not (self.vp.contains(d.start_us) or self.vp.contains(d.end_us - 1)):
                self.vp.ensure_visible(d.start_us)
        self.update()

    @property
    def selected(self) -> frozenset[int]:
        return self._selected

    def fit(self) -> None:
        if self.vp.fit():
            self.update()

    # --- geometry ---------------------------------------------------------------------------------

    def lane_rect(self, which: int) -> QRect:
        """The time area of lane 0 (coder A) or 1 (coder B), in widget coordinates."""
        y = RULER_H + PAD + (0 if which == 0 else LANE_H + DIFF_H)
        return QRect(LABEL_W, y, self.vp.width_px, LANE_H)

    def diff_rect(self) -> QRect:
        return QRect(LABEL_W, RULER_H + PAD + LANE_H, self.vp.width_px, DIFF_H)

    def x_at(self, us: int) -> int:
        """Widget x of a time (for tests and hit testing)."""
        return LABEL_W + self.vp.x_of(us)

    def resizeEvent(self, event: object) -> None:
        self.vp.set_width(max(1, self.width() - LABEL_W))
        super().resizeEvent(event)  # type: ignore[arg-type]

    # --- input ------------------------------------------------------------------------------------

    def hit(self, x: float, y: float) -> int | None:
        """The disagreement under a point: an unmatched moment in its own lane first, then a range."""
        a = self._agreement
        if a is None or x < LABEL_W:
            return None
        t = self.vp.us_at(x - LABEL_W)
        slop = CLICK_SLOP_PX * self.vp.us_per_px
        lane = None
        for which in (0, 1):
            r = self.lane_rect(which)
            if r.top() <= y < r.top() + r.height():
                lane = which
        best: tuple[int, int, int] | None = None  # (rank, distance from its start, index)
        for i, d in enumerate(a.disagreements):
            if d.start_us - slop > t:
                break  # sorted by start: none further on can contain t
            if t > d.end_us + slop:
                continue
            if d.kind == "slices":
                rank = 1
            elif lane is not None and (d.kind == "only_a") == (lane == 0):
                rank = 0
            else:
                continue
            candidate = (rank, abs(t - d.start_us), i)
            if best is None or candidate < best:
                best = candidate
        return None if best is None else best[2]

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._agreement is None:
            return
        pos = event.position()
        index = self.hit(pos.x(), pos.y())
        if index is not None:
            self.select([index])
            self.disagreement_clicked.emit(index)
            self.seek_requested.emit(self._agreement.disagreements[index].start_us)
        elif pos.x() >= LABEL_W:
            t = min(max(0, self.vp.us_at(pos.x() - LABEL_W)), max(0, self.vp.duration_us - 1))
            self.seek_requested.emit(t)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.hit(event.position().x(), event.position().y()) is None:
            self.fit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        over = self.hit(event.position().x(), event.position().y()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.ArrowCursor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        x = event.position().x() - LABEL_W
        changed = False
        if delta.x() and not delta.y():
            changed = self.vp.scroll_px(-delta.x() / 2)
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            changed = self.vp.scroll_px(-(delta.y() or delta.x()) / 2)
        elif delta.y():
            changed = self.vp.zoom(1.25 ** (delta.y() / 120), max(0.0, x))
        if changed:
            self.update()
        event.accept()

    # --- painting ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if not self.isEnabled():  # the figures are being worked out again: what is drawn is the old choice
            p.setOpacity(DIMMED)
        p.fillRect(self.rect(), qcolor(STRIPE[0]))
        self._paint_ruler(p)
        for which in (0, 1):
            r = self.lane_rect(which)
            p.fillRect(r, qcolor(STRIPE[1]))
        p.fillRect(self.diff_rect(), qcolor(STRIPE[0]))
        a = self._agreement
        if a is not None:
            self._paint_ranges(p, a)
            self._paint_spans(p, 0, a.spans_a, a.disagreements, "only_a")
            self._paint_spans(p, 1, a.spans_b, a.disagreements, "only_b")
        self._paint_labels(p)
        p.end()

    def _paint_ruler(self, p: QPainter) -> None:
        p.fillRect(QRect(LABEL_W, 0, self.vp.width_px, RULER_H), qcolor(RULER_BG))
        p.setPen(qcolor(LINE))
        p.drawLine(LABEL_W, RULER_H - 1, self.width(), RULER_H - 1)
        if self.vp.duration_us <= 0:
            return
        f = self._fonts
        p.setFont(f.ruler)
        for tick in ruler_ticks(self.vp, short_px=f.short_label_px, long_px=f.long_label_px):
            x = LABEL_W + tick.x
            if x < LABEL_W:
                continue
            if tick.kind is TickKind.MAJOR:
                p.setPen(qcolor(TICK))
                p.drawLine(x, RULER_H - 8, x, RULER_H - 1)
                label = tick.label or ""
                if x + 3 + p.fontMetrics().horizontalAdvance(label) <= self.width():  # never half a label
                    p.setPen(qcolor(MUTED))
                    p.drawText(QPointF(x + 3, RULER_H - 9), label)
            else:
                p.setPen(qcolor(LINE))
                p.drawLine(x, RULER_H - 4, x, RULER_H - 1)

    def _span_rect(self, lane: QRect, start: int, end: int) -> QRect | None:
        x0, x1 = self.vp.x_of(start), self.vp.x_of(end)
        if x1 < 0 or x0 > self.vp.width_px:
            return None
        x0, x1 = max(x0, -2), min(x1, self.vp.width_px + 2)
        return QRect(LABEL_W + x0, lane.top() + 4, max(2, x1 - x0), lane.height() - 8)

    def _paint_ranges(self, p: QPainter, a: Agreement) -> None:
        top = self.lane_rect(0).top()
        height = self.lane_rect(1).bottom() - top + 1
        diff = self.diff_rect()
        for i, d in enumerate(a.disagreements):
            if d.kind != "slices":
                continue
            x0, x1 = self.vp.x_of(d.start_us), self.vp.x_of(d.end_us)
            if x1 < 0 or x0 > self.vp.width_px:
                continue
            x0, w = LABEL_W + max(0, x0), max(2, min(x1, self.vp.width_px) - max(0, x0))
            p.fillRect(QRect(x0, top, w, height), WARM_BAND)
            p.fillRect(QRect(x0, diff.top() + 3, w, diff.height() - 6), WARM)
            if i in self._selected:
                p.setPen(QPen(WARM_STRONG, 2))
                p.drawRect(QRect(x0, top, w, height).adjusted(1, 1, -1, -1))

    def _paint_spans(
        self,
        p: QPainter,
        which: int,
        spans: Sequence[CodedSpan],
        disagreements: Sequence[Disagreement],
        kind: str,
    ) -> None:
        lane = self.lane_rect(which)
        p.save()
        p.setClipRect(lane.adjusted(0, 0, 0, 0))
        p.setFont(self._fonts.block)
        metrics = p.fontMetrics()
        rows, count = self._rows[which]
        for n, s in enumerate(spans):  # sorted by start
            if s.start_us > self.vp.end_us:
                break
            r = self._span_rect(lane, s.start_us, s.end_us)
            if r is None:
                continue
            if count > 1 and n < len(rows):  # overlapping moments of one coder, one above the other
                h = r.height() // count
                r = QRect(r.left(), r.top() + rows[n] * h, r.width(), max(3, h - 1))
            colour = self._colours.get(s.code, "#9aa5b1")
            p.fillRect(r, qcolor(colour))
            p.setPen(border_of(colour))
            p.drawRect(r.adjusted(0, 0, -1, -1))
            if r.width() > 40:
                p.setPen(text_on(colour))
                text = metrics.elidedText(s.code, Qt.TextElideMode.ElideRight, r.width() - 8)
                p.drawText(r.adjusted(4, 0, -4, 0), int(Qt.AlignmentFlag.AlignVCenter), text)
        for i, d in enumerate(disagreements):
            if d.kind != kind:
                continue
            r = self._span_rect(lane, d.start_us, d.end_us)
            if r is None:
                continue
            chosen = i in self._selected
            p.setPen(QPen(WARM_STRONG if chosen else WARM, 3 if chosen else 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(r).adjusted(-2, -2, 2, 2))
        p.restore()

    def _paint_labels(self, p: QPainter) -> None:
        p.fillRect(QRect(0, 0, LABEL_W, self.height()), qcolor(LABEL_BG))
        p.setPen(qcolor(LINE))
        p.drawLine(LABEL_W - 1, 0, LABEL_W - 1, self.height())
        p.setFont(self._fonts.label)
        metrics = p.fontMetrics()
        for which, name in enumerate(self._names):
            r = self.lane_rect(which)
            p.setPen(qcolor(TEXT))
            text = metrics.elidedText(f"{'AB'[which]}  {name}", Qt.TextElideMode.ElideRight, LABEL_W - 16)
            p.drawText(QRect(10, r.top(), LABEL_W - 16, r.height()), int(Qt.AlignmentFlag.AlignVCenter), text)
        d = self.diff_rect()
        p.setPen(QColor(WARM_STRONG))
        p.setFont(self._fonts.ruler)
        p.drawText(QRect(10, d.top() - 2, LABEL_W - 16, d.height() + 4), int(Qt.AlignmentFlag.AlignVCenter),
                   "differ")  # fmt: skip


MAX_ROWS = 3
"""Overlapping moments of one coder stack in up to this many rows of a lane; more share the last."""


def _stack(spans: Sequence[CodedSpan]) -> tuple[list[int], int]:
    """Each span's row (lowest free at its start; spans sorted by start) and the number of rows."""
    ends: list[int] = []
    rows = []
    for s in spans:
        for row, end in enumerate(ends):
            if end <= s.start_us:
                ends[row] = s.end_us
                rows.append(row)
                break
        else:
            if len(ends) < MAX_ROWS:
                ends.append(s.end_us)
            else:
                ends[-1] = max(ends[-1], s.end_us)
            rows.append(len(ends) - 1)
    return rows, max(1, len(ends))
