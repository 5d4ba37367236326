"""Timeline painting with 10,000 moments, beside plain QPainter calls drawing the same picture on the
same kind of image in the same run.

``timeline_paint_p95_ms`` is a full repaint of a 1366x200 timeline (ruler, filmstrip, waveform, three
lanes, playhead, scroll bar) at four zooms: the whole 15-minute recording, one minute, five seconds and
single frames. Baseline: the same picture drawn with plain QPainter calls, one call per thing shown
(``_Plain``): the ruler's ticks and time labels, each filmstrip tile, one waveform line per pixel
column, one rectangle per moment in view in its lane, with its caption where ours writes one (blocks
at least ``TEXT_MIN_PX`` wide), the row and lane names, the playhead and the scroll bar; what to draw
(positions, pre-scaled tiles, the waveform's columns) is worked out before the clock starts, so the
baseline is the painting alone. Each repaint of ours starts cold, as after a scroll or zoom: the
images the view keeps for the current view (waveform, dense lanes, label column) are dropped first.

``timeline_playhead_p95_ms`` is what moving the playhead by a frame costs: repainting the region the
view invalidates for it (old and new strips, the time label, the mark on the scroll bar), with those
images kept, as during playback (no baseline). ``timeline_set_moments_10k_ms`` lays out 10,000
moments afresh (no baseline).
Run directly to print JSON: ``python -m benchmarks.bench_timeline``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402
from PySide6.QtCore import QLine, QPoint, QPointF, QRect, QRectF, Qt  # noqa: E402, TID251
from PySide6.QtGui import QColor, QImage, QPainter, QPolygonF, QRegion  # noqa: E402, TID251
from PySide6.QtWidgets import QApplication  # noqa: E402, TID251

from benchmarks.common import Figure, figure, median, p, timings_ms  # noqa: E402
from vfeedback.core.timeline import ruler_ticks, slot_of  # noqa: E402
from vfeedback.ui.timeline import TimelineView, sample  # noqa: E402
from vfeedback.ui.timeline.paint_moments import TEXT_MIN_PX  # noqa: E402

S = 1_000_000
WIDTH, HEIGHT = 1366, 200
MOMENTS = 10_000
RUNS = 30


def _view() -> TimelineView:
    view = TimelineView()
    view.resize(WIDTH, HEIGHT)
    view.set_frame_index(sample.frames())
    view.set_moments(sample.items(MOMENTS))
    view.set_filmstrip(sample.thumbnails(count=90))
    view.set_waveform(sample.peaks(), 10_000)
    view.set_playhead(7 * 60 * S + 123_456)
    view.set_selection([5, 50, 500])
    return view


def _zooms(view: TimelineView) -> dict[str, int]:
    vp = view.viewport
    return {
        "whole": vp.max_us_per_px,
        "1 min": 60 * S // vp.width_px,
        "5 s": 5 * S // vp.width_px,
        "frames": vp.min_us_per_px,
    }


def _image() -> QImage:
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(1)
    return image


@dataclass
class _Plain:
    """What the timeline shows at one zoom, as plain QPainter calls draw it."""

    rows: list[tuple[QRect, QColor]] = field(default_factory=list)
    ticks: list[QLine] = field(default_factory=list)
    tick_labels: list[tuple[QPoint, str]] = field(default_factory=list)
    tiles: list[tuple[QPoint, QImage]] = field(default_factory=list)
    wave: list[QLine] = field(default_factory=list)
    blocks: list[tuple[QRect, QColor, str]] = field(default_factory=list)
    names: list[tuple[QRect, str]] = field(default_factory=list)
    playhead_x: int = 0
    scroller: tuple[QRectF, QRectF] = (QRectF(), QRectF())

    def draw(self, image: QImage, view: TimelineView) -> None:
        g = view.rows
        p = QPainter(image)
        p.fillRect(image.rect(), QColor("#ffffff"))
        p.setClipRect(QRect(g.label_w, 0, g.time_w, g.content_bottom))
        for rect, colour in self.rows[:-1]:
            p.fillRect(rect, colour)
        p.setPen(QColor("#888888"))
        p.drawLines(self.ticks)
        p.setFont(view.fonts.ruler)
        for at, text in self.tick_labels:
            p.drawText(at, text)
        for at, tile in self.tiles:
            p.drawImage(at, tile)
        p.setPen(QColor("#5a7d9a"))
        p.drawLines(self.wave)
        p.setFont(view.fonts.block)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for rect, colour, text in self.blocks:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawRect(rect)
            if text:
                p.setPen(QColor("#202020"))
                p.drawText(rect.adjusted(6, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter, text)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setClipping(False)
        p.fillRect(*self.rows[-1])  # the label column, over what reached past the time area
        p.setFont(view.fonts.label)
        p.setPen(QColor("#202020"))
        for rect, text in self.names:
            p.drawText(rect, Qt.AlignmentFlag.AlignVCenter, text)
        x = g.label_w + self.playhead_x
        p.fillRect(QRect(x, g.ruler.y, 1, g.content_bottom - g.ruler.y), QColor("#d04040"))
        p.setBrush(QColor("#d04040"))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPolygon(QPolygonF([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 10)]))
        track, thumb = self.scroller
        p.setBrush(QColor("#e0e0e0"))
        p.drawRoundedRect(track, 3, 3)
        p.setBrush(QColor("#a0a0a0"))
        p.drawRoundedRect(thumb, 4, 4)
        p.end()


def _plain_picture(view: TimelineView, peaks: np.ndarray, bucket_us: int) -> _Plain:
    """Everything the view shows at its current zoom, as positions for ``_Plain.draw``."""
    vp, g, st = view.viewport, view.rows, view.state
    left, out = g.label_w, _Plain()
    bands = [b for b in (g.ruler, g.film, g.wave, *g.lanes) if b is not None]
    out.rows = [(QRect(left, b.y, g.time_w, b.h), QColor("#f4f4f4" if i % 2 else "#ececec"))
                for i, b in enumerate(bands)]  # fmt: skip
    out.rows.append((QRect(0, 0, left, g.content_bottom), QColor("#fafafa")))
    for t in ruler_ticks(vp, st.frames, short_px=view.fonts.short_label_px, long_px=view.fonts.long_label_px):
        h = 8 if t.label else 4
        out.ticks.append(QLine(left + t.x, g.ruler.bottom - 1 - h, left + t.x, g.ruler.bottom - 1))
        if t.label and t.x >= 0:
            out.tick_labels.append((QPoint(left + t.x + 4, g.ruler.y + 13), t.label))
    if g.film is not None and st.film:
        tile_h = g.film.h - 6
        first = st.film[0][1]
        tile_w = max(12, round(tile_h * first.width() / max(1, first.height())))
        span = tile_w * vp.us_per_px
        k = max(0, vp.start_us // span)
        while vp.x_of(k * span) < g.time_w and k * span < vp.duration_us:
            at = k * span
            image = min(st.film, key=lambda f: abs(f[0] - at))[1]
            tile = image.scaled(tile_w - 1, tile_h, Qt.AspectRatioMode.KeepAspectRatioByExpanding)
            out.tiles.append((QPoint(left + vp.x_of(k * span), g.film.y + 3), tile))
            k += 1
    if g.wave is not None:
        mid, half = g.wave.y + g.wave.h // 2, (g.wave.h - 4) / 2
        for x in range(g.time_w):
            a = max(0, vp.us_at(x) // bucket_us)
            b = min(len(peaks), max(a + 1, vp.us_at(x + 1) // bucket_us))
            if a < len(peaks):
                lo, hi = float(peaks[a:b, 0].min()), float(peaks[a:b, 1].max())
                out.wave.append(QLine(left + x, round(mid - hi * half), left + x, round(mid - lo * half)))
    for placed in st.layout.items_in(vp.start_us, vp.end_us):
        if placed.lane >= len(g.lanes) or g.lanes[placed.lane].h == 0:
            continue  # a lane scrolled out of the timeline (lanes by code): ours skips it too
        slots = st.slots(placed.lane)
        box = g.slot_band(placed.lane, slot_of(placed.row, slots), slots)
        item = placed.item
        x = left + vp.x_of(item.start_us)
        width = max(1, vp.px(item.end_us - item.start_us))
        text = item.text if width >= TEXT_MIN_PX and item.text and box.h >= 11 else ""
        out.blocks.append((QRect(x, box.y, width, box.h), QColor(item.colour), text))
    out.names = [(QRect(10, b.y, left - 16, b.h), f"Row {i}") for i, b in enumerate(bands)]
    out.playhead_x = vp.x_of(st.playhead or 0)
    track_left, track_w = g.track
    thumb_x, thumb_w = g.thumb(vp.start_us, vp.end_us, vp.duration_us)
    out.scroller = (QRectF(track_left, g.scroll.y + 3, track_w, g.scroll.h - 6),
                    QRectF(thumb_x, g.scroll.y + 2, thumb_w, g.scroll.h - 4))  # fmt: skip
    return out


def _playhead_region(view: TimelineView) -> QRegion:
    """What the view invalidates when the playhead moves on by a frame, as it does during playback."""
    region = QRegion()
    update = view.update

    def record(*args: object) -> None:
        nonlocal region
        changed = args[0] if args else view.rect()
        assert isinstance(changed, QRect | QRegion)
        region = region.united(changed)

    view.update = record  # type: ignore[method-assign]
    try:
        view.set_playhead((view.state.playhead or 0) + 40_000, follow=False)
    finally:
        view.update = update  # type: ignore[method-assign]
    return region


def run(cache_dir: Path) -> list[Figure]:
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "bench"])
    view = _view()
    ours: list[float] = []
    theirs: list[float] = []
    strips: list[float] = []
    image = _image()
    peaks = sample.peaks()
    for upp in _zooms(view).values():
        view.viewport.zoom_to(upp, 0)
        view.viewport.scroll_to(7 * 60 * S - 2 * S)
        view.viewport_changed(zoomed=True)
        picture = _plain_picture(view, peaks, 10_000)

        def baseline(picture: _Plain = picture) -> None:
            picture.draw(image, view)

        strip = _playhead_region(view)

        def cold() -> None:
            view.state.forget_images()
            view.render(image)

        cold()
        baseline()
        for _ in range(RUNS):
            ours += timings_ms(cold, 1)
            theirs += timings_ms(baseline, 1)

        def playhead(strip: QRegion = strip) -> None:
            view.render(image, strip.boundingRect().topLeft(), strip)

        strips += timings_ms(playhead, 2 * RUNS)
    # Two different sets in turn, so every call lays out afresh.
    sets = [sample.items(MOMENTS, seed=9), sample.items(MOMENTS, seed=10)]
    layout_ms = [timings_ms(partial(view.set_moments, items), 1)[0] for items in sets * 3]
    view.deleteLater()
    del app
    return [
        figure("timeline_paint_p95_ms", p(ours, 0.95), "ms", p(theirs, 0.95), "<= 8"),
        figure("timeline_playhead_p95_ms", p(strips, 0.95), "ms", None, "<= 2"),
        figure("timeline_set_moments_10k_ms", median(layout_ms), "ms", None, "<= 250"),
    ]


if __name__ == "__main__":
    default = Path(tempfile.gettempdir()) / "vfeedback-bench-timeline"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    print(json.dumps(run(cache), indent=2))
