"""Painting everything but the moments: backgrounds, labels, ruler, filmstrip, waveform, marks, playhead.

Each function paints only the columns ``x0..x1`` of the time area (the painter's origin is the time
area's left edge), so a playhead update repaints a strip a few pixels wide, not the whole widget.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPen, QPolygonF

from vfeedback.core.timecode import format_time
from vfeedback.core.timeline import FRAME_TICK_PX, TickKind, ruler_ticks
from vfeedback.ui.timeline import raster
from vfeedback.ui.timeline.geometry import Band, Geometry
from vfeedback.ui.timeline.state import TimelineState
from vfeedback.ui.timeline.style import (
    IN_OUT,
    IN_OUT_FILL,
    LABEL_BG,
    LINE,
    MUTED,
    PLACEHOLDER,
    PLAYHEAD,
    ROW_BG,
    RULER_BG,
    STRIPE,
    SUGGESTED,
    SUGGESTED_FOCUS,
    SUGGESTED_REPAIR,
    TEXT,
    THUMB,
    THUMB_HOT,
    TICK,
    TRACK,
    WAVE,
    Fonts,
    qcolor,
)

PLAYHEAD_HALF_W = 6
"""Half the width of the playhead's head: the strip repainted around it."""
FRAME_GRID = "#eef0f3"


def paint_backgrounds(p: QPainter, st: TimelineState, g: Geometry, x0: int, x1: int, dpr: float) -> None:
    w = x1 - x0
    p.fillRect(QRect(x0, g.ruler.y, w, g.ruler.h), qcolor(RULER_BG))
    for band in (g.film, g.wave, g.suggest):
        if band is not None:
            p.fillRect(QRect(x0, band.y, w, band.h), qcolor(ROW_BG))
    for i, band in enumerate(g.lanes):
        p.fillRect(QRect(x0, band.y, w, band.h), qcolor(STRIPE[i % 2]))
    p.setPen(qcolor(LINE))
    for y in _row_lines(g):
        p.drawLine(x0, y, x1, y)
    if st.frames is not None and st.vp.frame_us >= 2 * FRAME_TICK_PX * st.vp.us_per_px and g.lanes:
        # At frame zoom a faint grid shows where each frame begins: edges land on these lines.
        vp = st.vp
        times = np.frombuffer(st.frames.times, dtype=np.int64)  # type: ignore[call-overload]
        lo, hi = np.searchsorted(times, [vp.us_at(x0), vp.us_at(x1)])
        xs = (times[lo : hi + 1] - vp.start_us) // vp.us_per_px - x0
        lanes = g.lanes_band
        image = raster.vertical_lines(xs, x1 - x0, 1, FRAME_GRID, dpr)
        p.drawImage(QRectF(x0, lanes.y, x1 - x0, lanes.h - 1), image)


def _row_lines(g: Geometry) -> list[int]:
    ys = [g.ruler.bottom - 1]
    ys += [band.bottom - 1 for band in (g.film, g.wave, g.suggest) if band is not None]
    ys += [band.bottom - 1 for band in g.lanes]
    return ys


def paint_labels(p: QPainter, st: TimelineState, g: Geometry, fonts: Fonts, dpr: float) -> None:
    """The column on the left: the playhead time, row names, lane names."""
    key = (g, st.layout.lanes, dpr)
    image = st.cached("labels", key)
    if image is None:
        image = QImage(round(g.label_w * dpr), round(g.content_bottom * dpr), QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(dpr)
        painter = QPainter(image)
        try:
            _paint_label_column(painter, st, g, fonts)
        finally:
            painter.end()
        st.store("labels", key, image)
    p.drawImage(QPointF(0, 0), image)
    if st.playhead is not None:
        p.setFont(fonts.ruler)
        p.setPen(qcolor(PLAYHEAD))
        p.drawText(_label_rect(g, g.ruler), Qt.AlignmentFlag.AlignVCenter, format_time(st.playhead))


def _paint_label_column(p: QPainter, st: TimelineState, g: Geometry, fonts: Fonts) -> None:
    p.fillRect(QRect(0, 0, g.label_w, g.content_bottom), qcolor(LABEL_BG))
    p.setPen(qcolor(LINE))
    p.drawLine(g.label_w - 1, 0, g.label_w - 1, g.content_bottom - 1)
    for y in _row_lines(g):
        p.drawLine(0, y, g.label_w - 1, y)
    p.setFont(fonts.ruler)
    p.setPen(qcolor(MUTED))
    for band, name in ((g.film, "Video"), (g.wave, "Sound"), (g.suggest, "Suggested")):
        if band is not None:
            p.drawText(_label_rect(g, band), Qt.AlignmentFlag.AlignVCenter, name)
    p.setFont(fonts.label)
    metrics = p.fontMetrics()
    for lane, band in zip(st.layout.lanes, g.lanes, strict=False):
        if band.h == 0:
            continue  # scrolled out of view
        rect = _label_rect(g, band)
        if lane.colour:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(qcolor(lane.colour))
            p.drawRoundedRect(QRectF(rect.x(), band.y + band.h / 2 - 4, 8, 8), 2, 2)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            rect.adjust(13, 0, 0, 0)
        p.setPen(qcolor(TEXT))
        # The middle goes first: a code's name begins and ends with what tells codes apart.
        title = metrics.elidedText(lane.title, Qt.TextElideMode.ElideMiddle, rect.width())
        p.drawText(rect, Qt.AlignmentFlag.AlignVCenter, title)


def _label_rect(g: Geometry, band: Band) -> QRect:
    return QRect(10, band.y, g.label_w - 16, band.h)


def paint_ruler(
    p: QPainter, st: TimelineState, g: Geometry, fonts: Fonts, x0: int, x1: int, dpr: float
) -> None:
    vp = st.vp
    ticks = ruler_ticks(
        vp,
        st.frames,
        short_px=fonts.short_label_px,
        long_px=fonts.long_label_px,
        x_range=(x0 - fonts.long_label_px - 12, x1 + 1),
    )
    for kind, h in ((TickKind.MAJOR, 8), (TickKind.MINOR, 4), (TickKind.FRAME, 4)):
        xs = [t.x - x0 for t in ticks if t.kind is kind]
        if xs:
            image = raster.vertical_lines(xs, x1 - x0, h, TICK, dpr)
            p.drawImage(QPointF(x0, g.ruler.bottom - 1 - h), image)
    p.setFont(fonts.ruler)
    p.setPen(qcolor(MUTED))
    baseline = g.ruler.y + 13
    for t in ticks:
        # A label whose tick scrolled off the left would read as a different, cut-off time.
        if t.label and t.x >= 0:
            p.drawText(t.x + 4, baseline, t.label)
    if st.in_us is not None or st.out_us is not None:
        _paint_in_out_flags(p, st, g)


def _paint_in_out_flags(p: QPainter, st: TimelineState, g: Geometry) -> None:
    vp = st.vp
    band = g.ruler
    if st.in_us is not None and st.out_us is not None and st.out_us >= st.in_us:
        xa, xb = vp.x_of(st.in_us), vp.x_of(st.out_us)
        p.fillRect(QRect(xa, band.bottom - 6, max(1, xb - xa), 5), IN_OUT_FILL)
    p.setPen(qcolor(IN_OUT))
    for us, sign in ((st.in_us, 1), (st.out_us, -1)):
        if us is not None:
            x = vp.x_of(us)
            p.drawLine(x, band.y + 3, x, band.bottom - 1)
            p.drawLine(x, band.y + 3, x + 4 * sign, band.y + 3)
            p.drawLine(x, band.bottom - 1, x + 4 * sign, band.bottom - 1)


def paint_marks(p: QPainter, st: TimelineState, g: Geometry) -> None:
    """In/out marks as thin lines through the rows below the ruler."""
    pen = QPen(qcolor(IN_OUT))
    pen.setStyle(Qt.PenStyle.DashLine)
    p.setPen(pen)
    for us in (st.in_us, st.out_us):
        if us is not None:
            x = st.vp.x_of(us)
            p.drawLine(x, g.ruler.bottom, x, g.content_bottom - 1)


def paint_filmstrip(p: QPainter, st: TimelineState, g: Geometry, x0: int, x1: int, dpr: float) -> None:
    band = g.film
    if band is None:
        return
    vp = st.vp
    tile_h = band.h - 6
    aspect = 16 / 9
    if st.film:
        first = st.film[0][1]
        aspect = first.width() / max(1, first.height())
    tile_w = max(12, round(tile_h * aspect))
    span = tile_w * vp.us_per_px
    tolerance = max(st.film_step, span) // 2 + span // 4
    # Tiles sit on a grid anchored at time zero so they do not swim while scrolling.
    k0 = max(0, vp.us_at(x0) // span)
    k = k0
    while True:
        t = k * span
        x = vp.x_of(t)
        if x >= x1 or t >= vp.duration_us:
            break
        rect = QRect(x, band.y + 3, min(tile_w, vp.x_of(vp.duration_us) - x) - 1, tile_h)
        image = st.thumb_near(t + span // 2, tolerance)
        if rect.width() <= 0:
            pass
        elif image is None:
            p.fillRect(rect, qcolor(PLACEHOLDER))
        else:
            tile = _tile(image, tile_w - 1, tile_h, dpr)
            p.drawImage(QPointF(rect.topLeft()), tile, _source(rect, tile_w - 1, dpr))
        k += 1


_TILES: dict[tuple[int, int, int, float], QImage] = {}


def _tile(image: QImage, w: int, h: int, dpr: float) -> QImage:
    """The thumbnail cropped to fill a tile, at device resolution (cached: scaling is the slow part)."""
    key = (image.cacheKey(), w, h, dpr)
    tile = _TILES.get(key)
    if tile is None:
        if len(_TILES) > 600:
            _TILES.clear()
        dw, dh = max(1, round(w * dpr)), max(1, round(h * dpr))
        scaled = image.scaled(
            dw, dh, Qt.AspectRatioMode.KeepAspectRatioByExpanding, Qt.TransformationMode.SmoothTransformation
        )
        tile = scaled.copy((scaled.width() - dw) // 2, (scaled.height() - dh) // 2, dw, dh)
        tile.setDevicePixelRatio(dpr)
        _TILES[key] = tile
    return tile


def _source(rect: QRect, full_w: int, dpr: float) -> QRectF:
    """The part of a tile that fits (the last tile is cut at the end of the recording)."""
    return QRectF(0, 0, min(rect.width(), full_w) * dpr, rect.height() * dpr)


def paint_waveform(p: QPainter, st: TimelineState, g: Geometry, x0: int, x1: int, dpr: float) -> None:
    band = g.wave
    if band is None:
        return
    mid = band.y + band.h // 2
    p.setPen(qcolor(LINE))
    p.drawLine(x0, mid, x1, mid)
    if st.wave_note:
        # Silence is said, not drawn as a line that looks like quiet sound; at the view's left edge.
        p.setPen(qcolor(MUTED))
        p.drawText(QRect(8, band.y, 400, band.h), Qt.AlignmentFlag.AlignVCenter, st.wave_note)
        return
    h = band.h - 4
    key = (st.view_key(dpr), st.wave_version, h)
    image = st.cached("wave", key)
    if image is None:
        image = raster.waveform(
            st.wave_min,
            st.wave_max,
            st.bucket_us,
            st.vp,
            0,
            st.vp.width_px,
            h,
            WAVE,
            dpr,
            st.wave_gain,
            st.wave_gaps,
        )
        if image is None:
            return
        st.store("wave", key, image)
    source = QRectF(x0 * dpr, 0, (x1 - x0) * dpr, image.height())
    p.drawImage(QRectF(x0, band.y + 2, x1 - x0, h), image, source)


def paint_suggestions(p: QPainter, st: TimelineState, g: Geometry, fonts: Fonts, x0: int, x1: int) -> None:
    """Open suggestions as outlines in a muted tone (repair in its own), so no one takes them for
    moments; the focused one a little darker and thicker."""
    band = g.suggest
    if band is None:
        return
    if st.suggest_note and not st.suggestions:
        p.setFont(fonts.ruler)
        p.setPen(qcolor(MUTED))
        p.drawText(QRect(8, band.y, 400, band.h), Qt.AlignmentFlag.AlignVCenter, st.suggest_note)
        return
    vp = st.vp
    lo, hi = vp.us_at(x0), vp.us_at(x1)
    top, h = band.y + 4, band.h - 9
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    for mark in st.suggestions:
        if mark.end_us < lo or mark.start_us > hi:
            continue
        left = vp.x_of(mark.start_us)
        width = max(6, vp.x_of(mark.end_us) - left)
        focused = mark.id == st.suggest_focus
        colour = SUGGESTED_FOCUS if focused else SUGGESTED_REPAIR if mark.repair else SUGGESTED
        pen = QPen(qcolor(colour), 2.0 if focused else 1.2)
        if not focused:
            pen.setStyle(Qt.PenStyle.DashLine)
            pen.setDashPattern([3.0, 2.0])
        p.setPen(pen)
        p.drawRoundedRect(QRectF(left + 0.5, top + 0.5, width - 1, h), 3, 3)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)


def paint_playhead(p: QPainter, st: TimelineState, g: Geometry) -> None:
    if st.playhead is None:
        return
    x = st.vp.x_of(st.playhead)
    colour = qcolor(PLAYHEAD)
    p.fillRect(QRect(x, g.ruler.y, 1, g.content_bottom - g.ruler.y), colour)
    head = QPolygonF(
        [
            QPointF(x - PLAYHEAD_HALF_W + 0.5, g.ruler.y),
            QPointF(x + PLAYHEAD_HALF_W + 0.5, g.ruler.y),
            QPointF(x + PLAYHEAD_HALF_W + 0.5, g.ruler.y + 6),
            QPointF(x + 0.5, g.ruler.y + 12),
            QPointF(x - PLAYHEAD_HALF_W + 0.5, g.ruler.y + 6),
        ]
    )
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawPolygon(head)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)


def paint_scroller(p: QPainter, st: TimelineState, g: Geometry) -> None:
    """A slim scroll bar: the whole recording as a track, the part in view as the thumb, and where the
    playhead is."""
    vp = st.vp
    left, width = g.track
    band = g.scroll
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(qcolor(TRACK))
    p.drawRoundedRect(QRectF(left, band.y + 3, width, band.h - 6), 3, 3)
    x, w = g.thumb(vp.start_us, vp.end_us, vp.duration_us)
    p.setBrush(qcolor(THUMB_HOT if st.scroller_hot else THUMB))
    p.drawRoundedRect(QRectF(x, band.y + 2, w, band.h - 4), 4, 4)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    if st.playhead is not None and vp.duration_us > 0:
        px = scroller_x(g, st.playhead, vp.duration_us)
        p.fillRect(QRect(px, band.y + 1, 2, band.h - 2), qcolor(PLAYHEAD))


def scroller_x(g: Geometry, us: int, duration_us: int) -> int:
    left, width = g.track
    return left + round(width * min(max(us, 0), duration_us) / max(1, duration_us)) - 1
