"""Colours and fonts of the timeline: calm, light, and readable at 1366x768."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtGui import QColor, QFont, QFontMetrics

BACKGROUND = "#ffffff"
LABEL_BG = "#f3f4f6"
RULER_BG = "#f8f9fb"
ROW_BG = "#fbfbfc"
STRIPE = ("#ffffff", "#f7f8fa")
LINE = "#e2e5e9"
TEXT = "#374151"
MUTED = "#8a93a0"
TICK = "#a7afba"
PLACEHOLDER = "#eceef1"
WAVE = "#8fa6c2"
PLAYHEAD = "#d9534f"
GUIDE = "#2f80ed"
SELECTED = "#1f2a37"
HOVER = "#5b6675"
IN_OUT = "#2a9d8f"
IN_OUT_FILL = QColor(42, 157, 143, 34)
BAND_FILL = QColor(47, 128, 237, 28)
BAND_LINE = QColor(47, 128, 237, 150)
DRAFT = "#7a8ca3"
TRACK = "#eceef1"
THUMB = "#cdd2d9"
THUMB_HOT = "#a3abb6"
SUGGESTED = "#7d8fa3"
"""Suggested strengths: an outline in a muted slate, never filled like a real moment."""
SUGGESTED_REPAIR = "#a68c5b"
"""Suggested distress and repair: a muted ochre of their own, never mixed with the strengths."""
SUGGESTED_FOCUS = "#3d4b5c"

FONT_FAMILY = "DejaVu Sans"


@lru_cache(maxsize=512)
def qcolor(spec: str) -> QColor:
    colour = QColor(spec)
    return colour if colour.isValid() else QColor(DRAFT)


@lru_cache(maxsize=512)
def border_of(spec: str) -> QColor:
    return qcolor(spec).darker(125)


@lru_cache(maxsize=512)
def text_on(spec: str) -> QColor:
    """Dark text on light colours, white on dark ones (WCAG relative luminance)."""
    c = qcolor(spec)

    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())
    dark_lum = 0.016  # of #1b2430
    with_dark = (lum + 0.05) / (dark_lum + 0.05)
    with_white = 1.05 / (lum + 0.05)
    return QColor("#1b2430") if with_dark >= with_white else QColor("#ffffff")


def argb(spec: str) -> int:
    """Opaque colour as a premultiplied ARGB32 pixel value (for numpy-drawn images)."""
    return int(qcolor(spec).rgba()) | 0xFF000000


@dataclass(frozen=True)
class Fonts:
    label: QFont
    ruler: QFont
    block: QFont
    short_label_px: int
    long_label_px: int


def fonts(base: QFont) -> Fonts:
    label = QFont(base)
    label.setFamilies([FONT_FAMILY, base.family()])
    label.setPointSizeF(9)
    ruler = QFont(label)
    ruler.setPointSizeF(8)
    block = QFont(label)
    block.setPointSizeF(8)
    metrics = QFontMetrics(ruler)
    return Fonts(
        label,
        ruler,
        block,
        metrics.horizontalAdvance("00:00:00"),
        metrics.horizontalAdvance("00:00:00.000"),
    )
