"""Which part of the recording the timeline shows, and the mapping between microseconds and pixels.

Rounding rules (all results are integers):

- ``x_of(us)`` floors: it is the pixel column that contains ``us``.
- ``us_at(x)`` is ``start_us + round(x * us_per_px)``: for a whole ``x`` the time at the left edge of that
  column, so ``x_of(us_at(n)) == n``; a fractional mouse position rounds to the nearest microsecond.

The zoom is an integer number of microseconds per pixel, so a zoom around an anchor keeps the time under
the anchor exactly (unless the view would have to scroll past either end of the recording).
"""

from __future__ import annotations

MIN_FRAME_PX = 12
"""At the deepest zoom one frame is at least this wide, so single frames can be seen and clicked."""

DEFAULT_FRAME_US = 40_000
"""Frame length assumed until a frame index is known (25 fps)."""

PAGE_LEAD = 10
"""When the playhead leaves the view, it reappears 1/PAGE_LEAD of the width from the left edge."""


class Viewport:
    """Duration, visible start, zoom (µs per pixel) and width of the time area."""

    __slots__ = ("_duration", "_frame", "_start", "_upp", "_width")

    def __init__(self, duration_us: int = 0, width_px: int = 1, frame_us: int = DEFAULT_FRAME_US) -> None:
        self._duration = max(0, int(duration_us))
        self._width = max(1, int(width_px))
        self._frame = max(1, int(frame_us))
        self._start = 0
        self._upp = self.max_us_per_px

    def __repr__(self) -> str:
        return (
            f"Viewport(start={self._start}, us_per_px={self._upp}, width={self._width}, "
            f"duration={self._duration})"
        )

    # -- state -----------------------------------------------------------------------------------------

    @property
    def duration_us(self) -> int:
        return self._duration

    @property
    def width_px(self) -> int:
        return self._width

    @property
    def frame_us(self) -> int:
        return self._frame

    @property
    def start_us(self) -> int:
        return self._start

    @property
    def us_per_px(self) -> int:
        return self._upp

    @property
    def end_us(self) -> int:
        """Time at the right edge of the view (may lie past the end of a short recording)."""
        return self._start + self._width * self._upp

    @property
    def max_us_per_px(self) -> int:
        """The coarsest zoom: the whole recording fits the width."""
        return max(1, -(-self._duration // self._width))

    @property
    def min_us_per_px(self) -> int:
        """The finest zoom: one (typical) frame is at least MIN_FRAME_PX wide."""
        return max(1, min(self._frame // MIN_FRAME_PX, self.max_us_per_px))

    @property
    def max_start_us(self) -> int:
        return max(0, self._duration - self._width * self._upp)

    @property
    def is_fitted(self) -> bool:
        return self._upp == self.max_us_per_px and self._start == 0

    # -- conversions -----------------------------------------------------------------------------------

    def x_of(self, us: int) -> int:
        return (us - self._start) // self._upp

    def us_at(self, x: float) -> int:
        return self._start + round(x * self._upp)

    def px(self, us: int) -> int:
        """A duration in whole pixels (rounded down)."""
        return us // self._upp

    def contains(self, us: int) -> bool:
        return self._start <= us < self.end_us

    # -- changes (each returns True when something changed) ---------------------------------------------

    def set_duration(self, duration_us: int) -> bool:
        return self._reshape(duration_us=duration_us)

    def set_width(self, width_px: int) -> bool:
        return self._reshape(width_px=width_px)

    def set_frame_us(self, frame_us: int) -> bool:
        return self._reshape(frame_us=frame_us)

    def fit(self) -> bool:
        return self._set(0, self.max_us_per_px)

    def zoom_to(self, us_per_px: int, anchor_x: float) -> bool:
        """Set the zoom keeping the time under ``anchor_x`` where it is."""
        upp = min(max(int(us_per_px), self.min_us_per_px), self.max_us_per_px)
        anchor = self.us_at(anchor_x)
        return self._set(anchor - round(anchor_x * upp), upp)

    def zoom(self, factor: float, anchor_x: float) -> bool:
        """Zoom in (factor > 1) or out (factor < 1) around ``anchor_x``."""
        upp = round(self._upp / factor)
        if upp == self._upp and factor != 1:
            # At a few µs per pixel rounding would swallow the step; move at least one.
            upp += -1 if factor > 1 else 1
        return self.zoom_to(upp, anchor_x)

    def scroll_px(self, dx: float) -> bool:
        return self._set(self._start + round(dx * self._upp), self._upp)

    def scroll_to(self, start_us: int) -> bool:
        return self._set(start_us, self._upp)

    def ensure_visible(self, us: int) -> bool:
        """Page so ``us`` is in view, with a little room on its left, when it is outside."""
        if self.contains(us):
            return False
        return self._set(us - self._width * self._upp // PAGE_LEAD, self._upp)

    def _reshape(
        self, duration_us: int | None = None, width_px: int | None = None, frame_us: int | None = None
    ) -> bool:
        fitted = self.is_fitted
        before = (self._duration, self._width, self._frame, self._start, self._upp)
        if duration_us is not None:
            self._duration = max(0, int(duration_us))
        if width_px is not None:
            self._width = max(1, int(width_px))
        if frame_us is not None:
            self._frame = max(1, int(frame_us))
        # A fitted view stays fitted as the window is resized; otherwise keep the zoom where it was.
        if fitted:
            self._start, self._upp = 0, self.max_us_per_px
        else:
            self._set(self._start, self._upp)
        return before != (self._duration, self._width, self._frame, self._start, self._upp)

    def _set(self, start_us: int, us_per_px: int) -> bool:
        upp = min(max(us_per_px, self.min_us_per_px), self.max_us_per_px)
        before = (self._start, self._upp)
        self._upp = upp
        self._start = min(max(int(start_us), 0), self.max_start_us)
        return before != (self._start, self._upp)
