"""Painting the moments: blocks and point markers, or dense pixel columns when there are too many,
then what a gesture in progress previews (draft, moved blocks, rubber band, snapping guide)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from vfeedback.core.timeline import (
    POINT_HIT_PX,
    CreateDrag,
    MomentItem,
    Move,
    RubberBand,
    Trim,
    block_span,
    slot_of,
)
from vfeedback.ui.timeline import raster
from vfeedback.ui.timeline.geometry import Band, Geometry
from vfeedback.ui.timeline.state import TimelineState
from vfeedback.ui.timeline.style import (
    BAND_FILL,
    BAND_LINE,
    GUIDE,
    HOVER,
    SELECTED,
    Fonts,
    border_of,
    qcolor,
    text_on,
)

VECTOR_MAX = 40
"""Above this many moments in view in a lane, the lane is drawn as pixel columns (see raster)."""
TEXT_MIN_PX = 34

# Looked up once: attribute access on Qt enums costs more than the drawing of a small block.
_AA = QPainter.RenderHint.Antialiasing
_NO_PEN = Qt.PenStyle.NoPen
_NO_BRUSH = Qt.BrushStyle.NoBrush
_ELIDE = Qt.TextElideMode.ElideRight
_VCENTER = Qt.AlignmentFlag.AlignVCenter
_SELECTED_PEN = QPen(QColor(SELECTED), 2.0)
_HOVER_PEN = QPen(QColor(HOVER), 1.0)


def paint_moments(
    p: QPainter, st: TimelineState, g: Geometry, fonts: Fonts, x0: int, x1: int, dpr: float
) -> None:
    vp = st.vp
    reach = (POINT_HIT_PX + 2) * vp.us_per_px
    # The choice between blocks and columns is made on the whole view, so a repainted strip always
    # matches its surroundings.
    view_t0, view_t1 = vp.start_us - reach, vp.end_us + reach
    t0, t1 = vp.us_at(x0) - reach, vp.us_at(x1) + reach
    selection = st.shown_selection()
    gesture = st.gesture
    moving = set(gesture.changes) if isinstance(gesture, Trim | Move) and gesture.dragging else set()
    p.setFont(fonts.block)
    p.setRenderHint(_AA)
    for lane, band in enumerate(g.lanes[: len(st.arrays)]):
        if band.h == 0:
            continue  # scrolled out of view
        arrays = st.arrays[lane]
        index = arrays.visible(view_t0, view_t1)
        slots = st.slots(lane)
        bands = [g.slot_band(lane, s, slots) for s in range(slots)]
        if len(index) > VECTOR_MAX:
            rows = tuple((b.y - band.y, b.h) for b in bands)
            key = (st.view_key(dpr), st.items_version, selection, rows)
            image = st.cached(("lane", lane), key)
            if image is None:
                image = raster.dense_lane(arrays, vp, 0, vp.width_px, rows, selection, SELECTED, dpr)
                st.store(("lane", lane), key, image)
            source = QRectF(x0 * dpr, 0, (x1 - x0) * dpr, image.height())
            p.drawImage(QRectF(x0, band.y, x1 - x0, image.height() / dpr), image, source)
            continue
        placed = st.layout.placed[lane]
        starts, ends = arrays.starts[index], arrays.ends[index]
        for i in index[(ends >= t0) & (starts <= t1)].tolist():
            pl = placed[i]
            item = pl.item
            box = bands[slot_of(pl.row, slots)]
            if item.id in moving:
                p.setOpacity(0.3)
                paint_block(p, st, item, box, False, False)
                p.setOpacity(1.0)
            else:
                paint_block(p, st, item, box, item.id in selection, item.id == st.hover)
    paint_previews(p, st, g)
    p.setRenderHint(_AA, False)


def paint_block(
    p: QPainter, st: TimelineState, item: MomentItem, box: Band, selected: bool, hovered: bool
) -> None:
    """One moment; the painter is expected to antialias."""
    vp = st.vp
    fill = qcolor(item.colour)
    outline = _SELECTED_PEN if selected else _HOVER_PEN if hovered else None
    if item.is_point:
        cx = vp.x_of(item.start_us) + 0.5
        cy = box.y + box.h / 2
        r = min(box.h / 2, 7.0)
        p.setPen(outline or border_of(item.colour))
        p.setBrush(fill)
        p.drawPolygon(
            QPolygonF([QPointF(cx, cy - r), QPointF(cx + r, cy), QPointF(cx, cy + r), QPointF(cx - r, cy)])
        )
        return
    xs, xe = block_span(vp, item)
    width = xe - xs
    rect = QRectF(xs, box.y, width, box.h)
    radius = min(3.0, width / 2)
    p.setPen(_NO_PEN)
    p.setBrush(fill)
    p.drawRoundedRect(rect, radius, radius)
    if outline is not None:
        p.setBrush(_NO_BRUSH)
        p.setPen(outline)
        inset = outline.widthF() / 2
        p.drawRoundedRect(rect.adjusted(inset, inset, -inset, -inset), radius, radius)
    if width >= TEXT_MIN_PX and item.text and box.h >= 11:
        # Blocks reaching past the left edge keep their text in view.
        left = max(xs, 0)
        text_rect = QRect(left + 6, box.y, xe - left - 10, box.h)
        if text_rect.width() > 12:
            text = p.fontMetrics().elidedText(item.text, _ELIDE, text_rect.width())
            p.setPen(text_on(item.colour))
            p.drawText(text_rect, _VCENTER, text)


def paint_previews(p: QPainter, st: TimelineState, g: Geometry) -> None:
    gesture = st.gesture
    if gesture is None or not gesture.dragging:
        return
    vp = st.vp
    if isinstance(gesture, CreateDrag) and gesture.draft is not None:
        lane = st.layout.lane_index(gesture.lane)
        if lane is not None and lane < len(g.lanes):
            start, end = gesture.draft
            draft = MomentItem(-1, start, end, "", "", st.draft_colour)
            p.setOpacity(0.75)
            paint_block(p, st, draft, g.slot_band(lane, 0, 1), True, False)
            p.setOpacity(1.0)
    elif isinstance(gesture, Trim | Move):
        for item_id, (start, end) in gesture.changes.items():
            placed = st.layout.get(item_id)
            if placed is None or placed.lane >= len(g.lanes):
                continue
            slots = st.slots(placed.lane)
            box = g.slot_band(placed.lane, slot_of(placed.row, slots), slots)
            moved = MomentItem(item_id, start, end, "", "", placed.item.colour, placed.item.text)
            paint_block(p, st, moved, box, True, False)
    elif isinstance(gesture, RubberBand) and gesture.band is not None:
        t0, t1, l0, l1 = gesture.band
        top, bottom = g.lanes[l0].y, g.lanes[min(l1, len(g.lanes) - 1)].bottom
        rect = QRect(vp.x_of(t0), top, max(1, vp.x_of(t1) - vp.x_of(t0)), bottom - top - 1)
        p.fillRect(rect, BAND_FILL)
        p.setPen(BAND_LINE)
        p.setBrush(_NO_BRUSH)
        p.drawRect(rect)
    if gesture.guide is not None:
        pen = QPen(qcolor(GUIDE))
        pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        x = vp.x_of(gesture.guide.us)
        p.drawLine(x, g.ruler.y, x, g.content_bottom - 1)
