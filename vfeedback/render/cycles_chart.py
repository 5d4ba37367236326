"""The progress chart: a family's strength moments across filming cycles, as grouped bars.

One layout function (``chart_layout``) places everything for a given size; the PNG and the app's window
both paint from it and hit-test its bars, so what is clicked is what is drawn. QtGui only (painting
onto a QImage or a widget's surface); no widgets. Warm and calm, as the handout: a parent may see it.

Only counts, durations, dates, contexts, principle names and whose moments were counted (when several
people coded a film) are drawn: never a caption or a note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

from vfeedback.core.cycles import Cycle, Measure, Progress
from vfeedback.core.errors import BadInput
from vfeedback.render.handout import ensure_app

FONT = "DejaVu Sans"
PAPER = "#FBF7F2"
TITLE = "#5A4636"
SUBTLE = "#8C7360"
TEXT = "#4A3B30"
GRID = "#EADFD3"
BASE = "#CDB9A5"
EMPTY = "No strength moments tagged yet for this family."
UNDATED = "* Filming date not recorded: the day it was imported is shown."
ONE_CYCLE = "One filming so far: change over cycles shows from the next one."


@dataclass(frozen=True, slots=True)
class Bar:
    recording_id: int
    principle: str
    rect: QRectF
    """What is drawn (zero height for no moments)."""
    slot: QRectF
    """The bar's whole column in the plot: where hovering or clicking means this bar."""
    value: float
    colour: str


@dataclass(frozen=True, slots=True)
class Text:
    rect: QRectF
    text: str
    font: QFont
    colour: str
    align: Qt.AlignmentFlag


@dataclass(frozen=True, slots=True)
class Swatch:
    rect: QRectF
    colour: str


@dataclass(frozen=True, slots=True)
class ChartLayout:
    width: int
    height: int
    scale: float
    texts: tuple[Text, ...]
    swatches: tuple[Swatch, ...]
    plot: QRectF
    gridlines: tuple[float, ...]
    bars: tuple[Bar, ...]

    def bar_at(self, x: float, y: float) -> Bar | None:
        """The bar whose column holds the point, if any."""
        point = QPointF(x, y)
        for bar in self.bars:
            if bar.slot.contains(point):
                return bar
        return None

    def bar(self, recording_id: int, principle: str) -> Bar | None:
        for b in self.bars:
            if b.recording_id == recording_id and b.principle == principle:
                return b
        return None


def _font(pixels: float, *, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont(FONT)
    font.setPixelSize(max(1, round(pixels)))
    font.setBold(bold)
    font.setItalic(italic)
    return font


def value_text(value: float, measure: Measure) -> str:
    """A bar's value as read aloud: ``3``, ``1:05`` (minutes:seconds), ``4.5``."""
    if measure is Measure.COUNT:
        return str(round(value))
    if measure is Measure.MINUTES:
        seconds = round(value * 60)
        if seconds == 0 and value > 0:
            return "<0:01"  # a one-frame moment is not nothing
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{value:.1f}".removesuffix(".0")


def axis_steps(largest: float, measure: Measure) -> tuple[float, int]:
    """(step, number of steps) for a calm axis of about four to six lines above ``largest``."""
    if measure is Measure.MINUTES:
        # Whole seconds that read well on a clock: 5 s, 10 s, 15 s, 30 s, 1 min, 2 min ...
        candidates = [s / 60 for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)]
    else:
        base = [1.0, 2.0, 5.0]
        low = 0 if measure is Measure.COUNT else -2
        candidates = [b * 10**e for e in range(low, 6) for b in base]
    top = max(largest, 1e-9)
    for step in candidates:
        if top / step <= 5:
            return step, max(1, math.ceil(top / step - 1e-9))
    step = candidates[-1]
    return step, max(1, math.ceil(top / step))


def _cycle_lines(cycle: Cycle) -> list[str]:
    star = "" if cycle.dated else "*"
    minutes = max(1, round(cycle.length_us / 60_000_000)) if cycle.length_us >= 60_000_000 else 0
    length = f"{minutes} min film" if minutes else f"{max(1, round(cycle.length_us / 1_000_000))} s film"
    third = " · ".join(x for x in (cycle.context, length) if x)
    return [f"Cycle {cycle.number}", f"{cycle.date_text}{star}", third]


def chart_layout(progress: Progress, measure: Measure, width: int, height: int) -> ChartLayout:
    """Where everything goes at this size; shared by the PNG and the window."""
    s = max(0.72, min(width / 1600, height / 900))  # never smaller than reads easily in a window
    margin = 56 * s
    texts: list[Text] = []
    swatches: list[Swatch] = []
    left, right = margin, width - margin
    title_font = _font(40 * s, bold=True)
    title = f"Strengths across filming cycles — {progress.family}"
    y = 40 * s
    title_h = QFontMetricsF(title_font).height()
    texts.append(
        Text(QRectF(left, y, right - left, title_h), title, title_font, TITLE, Qt.AlignmentFlag.AlignLeft)
    )
    y += title_h + 6 * s
    if progress.empty:
        area = QRectF(left, y, right - left, height - y - margin)
        texts.append(Text(area, EMPTY, _font(28 * s), SUBTLE, Qt.AlignmentFlag.AlignCenter))
        return ChartLayout(width, height, s, tuple(texts), (), QRectF(), (), ())
    sub_font = _font(22 * s)
    sub_h = QFontMetricsF(sub_font).height()
    texts.append(
        Text(QRectF(left, y, right - left, sub_h), measure.axis, sub_font, SUBTLE, Qt.AlignmentFlag.AlignLeft)
    )
    y += sub_h + 22 * s

    # Legend: a swatch and a name per principle, wrapping onto more rows when needed.
    legend_font = _font(22 * s)
    lm = QFontMetricsF(legend_font)
    line = lm.height()
    box = 20 * s
    x = left
    for p in progress.principles:
        item_w = box + 10 * s + lm.horizontalAdvance(p.name)
        if x > left and x + item_w > right:
            x = left
            y += line + 10 * s
        swatches.append(Swatch(QRectF(x, y + (line - box) / 2, box, box), p.colour))
        texts.append(Text(QRectF(x + box + 10 * s, y, item_w - box - 10 * s + 2, line), p.name, legend_font,
                          TEXT, Qt.AlignmentFlag.AlignLeft))  # fmt: skip
        x += item_w + 34 * s
    y += line + 30 * s

    # Footnotes at the bottom, then the cycles' labels above them.
    notes = [progress.counting_note] if progress.counting_note else []
    notes += ([UNDATED] if progress.any_undated else []) + ([ONE_CYCLE] if len(progress.cycles) == 1 else [])
    note_font = _font(18 * s, italic=True)
    note_h = QFontMetricsF(note_font).height()
    bottom = height - 30 * s - note_h * len(notes)
    for i, note in enumerate(notes):
        texts.append(Text(QRectF(left, bottom + i * note_h, right - left, note_h), note, note_font, SUBTLE,
                          Qt.AlignmentFlag.AlignLeft))  # fmt: skip
    label_fonts = (_font(22 * s, bold=True), _font(20 * s), _font(18 * s))
    label_h = sum(QFontMetricsF(f).height() for f in label_fonts)
    plot_bottom = bottom - (14 * s if notes else 0) - label_h - 16 * s

    # The axis: labels on the left, as wide as the widest one needs.
    step, steps = axis_steps(progress.largest(measure), measure)
    top_value = step * steps
    tick_font = _font(19 * s)
    tm = QFontMetricsF(tick_font)
    tick_texts = [value_text(step * i, measure) for i in range(steps + 1)]
    axis_w = max(tm.horizontalAdvance(t) for t in tick_texts) + 16 * s
    value_font = _font(18 * s, bold=True)
    vm = QFontMetricsF(value_font)
    plot = QRectF(left + axis_w, y + vm.height(), right - left - axis_w, plot_bottom - y - vm.height())
    gridlines = []
    for i, t in enumerate(tick_texts):
        gy = plot.bottom() - plot.height() * i / steps
        gridlines.append(gy)
        texts.append(Text(QRectF(left, gy - tm.height() / 2, axis_w - 12 * s, tm.height()), t, tick_font,
                          SUBTLE, Qt.AlignmentFlag.AlignRight))  # fmt: skip

    # The bars: a group per cycle, a bar per principle, centred in the group.
    bars: list[Bar] = []
    count = len(progress.principles)
    group_w = plot.width() / len(progress.cycles)
    slot_w = min(group_w * 0.8 / count, 110 * s)
    bar_w = slot_w * 0.84
    for g, cycle in enumerate(progress.cycles):
        gx = plot.left() + g * group_w
        first = gx + (group_w - slot_w * count) / 2
        for k, p in enumerate(progress.principles):
            value = cycle.value(p.name, measure)
            h = plot.height() * value / top_value if top_value else 0.0
            sx = first + k * slot_w
            rect = QRectF(sx + (slot_w - bar_w) / 2, plot.bottom() - h, bar_w, h)
            slot = QRectF(sx, plot.top() - vm.height(), slot_w, plot.height() + vm.height())
            bars.append(Bar(cycle.recording_id, p.name, rect, slot, value, p.colour))
            shown = value_text(value, measure)
            if vm.horizontalAdvance(shown) <= slot_w + 2 * s:
                above = QRectF(sx - 4 * s, rect.top() - vm.height() - 2 * s, slot_w + 8 * s, vm.height())
                texts.append(Text(above, shown, value_font, TEXT, Qt.AlignmentFlag.AlignHCenter))
        ly = plot.bottom() + 14 * s
        for text, font, colour in zip(_cycle_lines(cycle), label_fonts, (TEXT, TEXT, SUBTLE), strict=True):
            fh = QFontMetricsF(font).height()
            texts.append(Text(QRectF(gx, ly, group_w, fh), text, font, colour, Qt.AlignmentFlag.AlignHCenter))
            ly += fh
    return ChartLayout(width, height, s, tuple(texts), tuple(swatches), plot, tuple(gridlines), tuple(bars))


def bar_rects(progress: Progress, measure: Measure, size: tuple[int, int]) -> list[tuple[QRectF, int, str]]:
    """Each bar's drawn rectangle with its (recording id, principle), at this size."""
    ensure_app()
    found = chart_layout(progress, measure, *size)
    return [(b.rect, b.recording_id, b.principle) for b in found.bars]


def paint_chart(
    painter: QPainter,
    layout: ChartLayout,
    *,
    hover: tuple[int, str] | None = None,
    selected: tuple[int, str] | None = None,
) -> None:
    """Draw the chart laid out by ``chart_layout`` (the caller has begun ``painter`` on its device)."""
    s = layout.scale
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.fillRect(QRectF(0, 0, layout.width, layout.height), QColor(PAPER))
    if layout.bars:
        painter.setPen(QPen(QColor(GRID), max(1.0, 1.2 * s)))
        for gy in layout.gridlines[1:]:
            painter.drawLine(QPointF(layout.plot.left(), gy), QPointF(layout.plot.right(), gy))
    for bar in layout.bars:
        _paint_bar(painter, bar, s, hovered=(bar.recording_id, bar.principle) == hover,
                   chosen=(bar.recording_id, bar.principle) == selected)  # fmt: skip
    if layout.bars:
        painter.setPen(QPen(QColor(BASE), max(1.0, 2 * s)))
        y = layout.plot.bottom()
        painter.drawLine(QPointF(layout.plot.left(), y), QPointF(layout.plot.right(), y))
    for sw in layout.swatches:
        path = QPainterPath()
        path.addRoundedRect(sw.rect, 4 * s, 4 * s)
        painter.fillPath(path, QColor(sw.colour))
        painter.setPen(QPen(QColor(sw.colour).darker(125), max(1.0, s)))
        painter.drawPath(path)
    for t in layout.texts:
        painter.setFont(t.font)
        painter.setPen(QColor(t.colour))
        painter.drawText(t.rect, int(t.align | Qt.AlignmentFlag.AlignVCenter), t.text)
    painter.restore()


def _paint_bar(painter: QPainter, bar: Bar, s: float, *, hovered: bool, chosen: bool) -> None:
    colour = QColor(bar.colour)
    if hovered or chosen:
        painter.fillRect(bar.slot, QColor(234, 223, 211, 90))
    if bar.rect.height() < 1:
        # No moments: a short stroke on the baseline, so "none yet" reads as a value, not a gap.
        painter.setPen(
            QPen(colour.darker(120), max(1.5, 3 * s), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        )
        y = bar.rect.bottom() - 1.5 * s
        painter.drawLine(QPointF(bar.rect.left() + 3 * s, y), QPointF(bar.rect.right() - 3 * s, y))
        return
    radius = min(8 * s, bar.rect.width() / 3, bar.rect.height())
    path = QPainterPath()
    path.addRoundedRect(bar.rect, radius, radius)
    # Square the bottom corners: the bar stands on the baseline.
    square = QPainterPath()
    square.addRect(QRectF(bar.rect.left(), bar.rect.bottom() - radius, bar.rect.width(), radius))
    path = path.united(square)
    painter.fillPath(path, colour.darker(108) if hovered else colour)
    outline = QColor(TITLE) if chosen else colour.darker(125)
    painter.setPen(QPen(outline, max(1.0, (3 if chosen else 1.2) * s)))
    painter.drawPath(path)


def render_image(progress: Progress, measure: Measure, size: tuple[int, int] = (1600, 900)) -> QImage:
    ensure_app()
    width, height = size
    if width < 400 or height < 300:
        raise BadInput("A chart picture needs at least 400 × 300 pixels.")
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(PAPER))
    painter = QPainter()
    if not painter.begin(image):
        raise RuntimeError("Qt could not start painting the chart")
    try:
        paint_chart(painter, chart_layout(progress, measure, width, height))
    finally:
        painter.end()
    return image


def png_bytes(progress: Progress, measure: Measure, size: tuple[int, int] = (1600, 900)) -> bytes:
    """The chart as a PNG file's bytes (the library writes them where the clinician asked)."""
    image = render_image(progress, measure, size)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # the stubs say bytes; Qt wants str
        raise RuntimeError("Qt could not encode the chart as PNG")
    buffer.close()
    return bytes(data.data())


__all__: Sequence[str] = (
    "Bar",
    "ChartLayout",
    "bar_rects",
    "chart_layout",
    "paint_chart",
    "png_bytes",
    "render_image",
    "value_text",
)
