"""The look of review mode: a few warm colours, one gentle accent, and sizes that follow the screen.

Sizes are fractions of the window's height, so a laptop and a large television both get type that
reads from a sofa; buttons never drop below a comfortable touch size.
"""

from __future__ import annotations

from dataclasses import dataclass

LINEN = "#f6efe6"
PAPER = "#fcf8f2"
BAND = "#ede1d2"
INK = "#4a3f35"
SOFT_INK = "#85766a"
LINE = "#ddcdbb"
ACCENT = "#a9654c"  # clay: deep enough that linen text on it stays readable
ACCENT_PRESSED = "#8f5440"
TILE = "#efe4d7"
TILE_PRESSED = "#e4d5c4"
VEIL = "#e6dccf"  # behind the "leave?" question: the page, dimmed
BLANK = "#0b0908"
FONT = "DejaVu Sans"
MIN_TOUCH_PX = 64


@dataclass(frozen=True, slots=True)
class Metrics:
    height: int

    @property
    def unit(self) -> float:
        """One percent of the height, never planned for less than a 600-pixel screen."""
        return max(self.height, 600) / 100

    def px(self, percent: float) -> int:
        return round(self.unit * percent)

    @property
    def caption(self) -> int:
        return self.px(5.6)

    @property
    def title(self) -> int:
        return self.px(5.0)

    @property
    def subtitle(self) -> int:
        """The caption under a playing clip: large, yet leaving the picture most of the height."""
        return self.px(4.4)

    @property
    def reminder(self) -> int:
        return self.px(3.6)

    @property
    def button_text(self) -> int:
        return self.px(2.9)

    @property
    def small(self) -> int:
        return self.px(2.3)

    @property
    def button_height(self) -> int:
        return max(MIN_TOUCH_PX, self.px(9.0))

    @property
    def tile_height(self) -> int:
        return max(MIN_TOUCH_PX, self.px(15.0))

    @property
    def margin(self) -> int:
        return self.px(4.5)

    @property
    def gap(self) -> int:
        return self.px(2.4)


def stylesheet(m: Metrics) -> str:
    radius = m.button_height // 2
    return f"""
    QWidget#review {{ background: {LINEN}; }}
    * {{ font-family: "{FONT}"; color: {INK}; }}
    QLabel {{ background: transparent; }}
    QLabel[role="caption"] {{ font-size: {m.caption}px; }}
    QLabel[role="title"] {{ font-size: {m.title}px; }}
    QLabel[role="reminder"] {{ font-size: {m.reminder}px; color: {SOFT_INK}; }}
    QLabel[role="small"] {{ font-size: {m.small}px; color: {SOFT_INK}; }}
    QLabel[role="dots"] {{ font-size: {m.small}px; color: {ACCENT}; }}
    QLabel[role="band"] {{
        font-size: {m.reminder}px; background: {BAND}; border-radius: {m.px(1.6)}px;
        padding: {m.px(1.8)}px {m.px(4)}px;
    }}
    QLabel[role="subtitle"] {{
        font-size: {m.subtitle}px; background: {BAND}; border-radius: {m.px(1.6)}px;
        padding: {m.px(1.4)}px {m.px(4)}px;
    }}
    QPushButton {{
        font-size: {m.button_text}px; min-height: {m.button_height - 4}px;
        padding: 0 {m.px(3.6)}px; border-radius: {radius}px;
        border: 2px solid {LINE}; background: transparent; color: {INK};
    }}
    QPushButton:pressed {{ background: {TILE}; }}
    QPushButton[role="primary"] {{ background: {ACCENT}; border-color: {ACCENT}; color: {PAPER}; }}
    QPushButton[role="primary"]:pressed {{ background: {ACCENT_PRESSED}; border-color: {ACCENT_PRESSED}; }}
    QPushButton[role="tile"] {{
        min-height: {m.tile_height - 4}px; border-radius: {m.px(2.4)}px;
        background: {TILE}; border-color: {TILE}; padding: 0 {m.px(2.4)}px;
    }}
    QPushButton[role="tile"]:pressed {{ background: {TILE_PRESSED}; border-color: {TILE_PRESSED}; }}
    QPushButton[role="quiet"] {{ border-color: transparent; color: {SOFT_INK}; }}
    QPushButton[active="true"] {{ background: {TILE}; border-color: {ACCENT}; }}
    QPushButton:focus {{ border-color: {ACCENT}; }}
    QPushButton[role="primary"]:focus {{ border-color: {INK}; }}
    QWidget#blank {{ background: {BLANK}; }}
    QWidget#leave {{ background: {VEIL}; }}
    QFrame#sheet {{ background: {PAPER}; border-radius: {m.px(3)}px; }}
    """
