"""One repaint: the rows of the time area clipped to the dirty rectangle, then the label column."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter

from vfeedback.ui.timeline import paint_moments, paint_rows
from vfeedback.ui.timeline.geometry import Band, Geometry
from vfeedback.ui.timeline.state import TimelineState
from vfeedback.ui.timeline.style import BACKGROUND, Fonts, qcolor


def paint_timeline(
    p: QPainter, st: TimelineState, g: Geometry, fonts: Fonts, dirty: QRect, dpr: float
) -> None:
    """Paints what intersects ``dirty``; rows outside it are skipped, not just clipped, so a hover or
    playhead repaint costs a fraction of a full one."""
    # Each rectangle of a dirty region is painted on its own; clipping to it keeps the rows painted for
    # one rectangle from covering what another (already painted) holds.
    p.save()
    p.setClipRect(dirty)
    p.fillRect(dirty, qcolor(BACKGROUND))
    top, bottom = dirty.top(), dirty.bottom() + 1

    def hit(band: Band | None) -> bool:
        return band is not None and band.y < bottom and band.bottom > top

    x0 = max(0, dirty.left() - g.label_w)
    x1 = min(g.time_w, dirty.right() + 1 - g.label_w)
    if x1 > x0 and top < g.content_bottom:
        p.save()
        p.translate(g.label_w, 0)
        p.setClipRect(QRect(x0, 0, x1 - x0, g.content_bottom), Qt.ClipOperation.IntersectClip)
        paint_rows.paint_backgrounds(p, st, g, x0, x1, dpr)
        if hit(g.ruler):
            paint_rows.paint_ruler(p, st, g, fonts, x0, x1, dpr)
        if hit(g.film):
            paint_rows.paint_filmstrip(p, st, g, x0, x1, dpr)
        if hit(g.wave):
            paint_rows.paint_waveform(p, st, g, x0, x1, dpr)
        if hit(g.suggest):
            paint_rows.paint_suggestions(p, st, g, fonts, x0, x1)
        paint_rows.paint_marks(p, st, g)
        if hit(g.lanes_band):
            paint_moments.paint_moments(p, st, g, fonts, x0, x1, dpr)
        paint_rows.paint_playhead(p, st, g)
        p.restore()
    if dirty.left() < g.label_w and top < g.content_bottom:
        paint_rows.paint_labels(p, st, g, fonts, dpr)
    if hit(g.scroll):
        paint_rows.paint_scroller(p, st, g)
    p.restore()
