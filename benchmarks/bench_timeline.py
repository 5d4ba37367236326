"""Timeline painting with 10,000 moments, beside QPainter drawing the same number of plain rectangles in
one ``drawRects`` call on the same kind of image in the same run.

``timeline_paint_p95_ms`` is a full repaint of a 1366x200 timeline (ruler, filmstrip, waveform, three
lanes, playhead, scroll bar) at four zooms: the whole 15-minute recording, one minute, five seconds and
single frames. Each repaint starts cold, as after a scroll or zoom: the images the view keeps for the
current view (waveform, dense lanes, label column) are dropped first. ``timeline_playhead_p95_ms`` is
what moving the playhead by a frame costs: repainting the region the view invalidates for it (old and new
strips, the time label, the mark on the scroll bar), with those images kept, as during playback.
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

from PySide6.QtCore import QRect  # noqa: E402, TID251
from PySide6.QtGui import QColor, QImage, QPainter, QRegion  # noqa: E402, TID251
from PySide6.QtWidgets import QApplication  # noqa: E402, TID251

from benchmarks.common import Figure, figure, median, p, timings_ms  # noqa: E402
from vfeedback.ui.timeline import TimelineView, sample  # noqa: E402

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


def _plain_rects(view: TimelineView) -> list[QRect]:
    """One rectangle per moment the timeline has to consider at this zoom, where the lanes are."""
    vp, rows = view.viewport, view.rows
    out = []
    for p_ in view.state.layout.items_in(vp.start_us, vp.end_us):
        band = rows.lanes[p_.lane]
        x = rows.label_w + vp.x_of(p_.item.start_us)
        out.append(QRect(x, band.y + 4, max(3, vp.px(p_.item.end_us - p_.item.start_us)), band.h - 8))
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
    colour = QColor("#8fbfe0")
    for upp in _zooms(view).values():
        view.viewport.zoom_to(upp, 0)
        view.viewport.scroll_to(7 * 60 * S - 2 * S)
        view.viewport_changed(zoomed=True)
        rects = _plain_rects(view)

        def baseline(rects: list[QRect] = rects) -> None:
            painter = QPainter(image)
            painter.fillRect(image.rect(), QColor("#ffffff"))
            painter.setBrush(colour)
            painter.drawRects(rects)
            painter.end()

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
