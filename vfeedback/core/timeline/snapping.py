"""Where a dragged time lands: on a frame, or on something nearby that the eye lines up with.

Magnetic targets (the playhead, in/out marks, the recording's ends and other moments' edges) win when the
cursor is within ``magnet_px`` of them; otherwise the time goes to the nearest frame start. The result
says what it snapped to, so the view can draw a guide line.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from vfeedback.core.frames import FrameIndex
from vfeedback.core.timeline.layout import MomentLayout
from vfeedback.core.timeline.viewport import Viewport

SnapKind = Literal["none", "frame", "playhead", "mark", "edge", "bound"]

MAGNET_PX = 6


@dataclass(frozen=True, slots=True)
class Snap:
    us: int
    kind: SnapKind

    @property
    def magnetic(self) -> bool:
        return self.kind not in ("none", "frame")


def nearest_frame(frames: FrameIndex, us: int) -> int:
    """The frame start nearest to ``us`` (ties go to the earlier frame)."""
    n = frames.frame_at(us)
    times = frames.times
    if n + 1 < len(times) and times[n + 1] - us < us - times[n]:
        return times[n + 1]
    return times[n]


def last_time(frames: FrameIndex | None, duration_us: int) -> int:
    """The latest time a moment may start or end: the last frame's start (the library refuses the
    recording's end itself, which is past every frame)."""
    if frames is not None:
        return frames.times[-1]
    return max(0, duration_us - 1)


class Snapper:
    """Snaps times for one gesture; the targets are fixed when the gesture starts."""

    def __init__(
        self,
        vp: Viewport,
        frames: FrameIndex | None = None,
        *,
        playhead_us: int | None = None,
        marks: Sequence[int] = (),
        layout: MomentLayout | None = None,
        exclude: Collection[int] = (),
        magnet_px: int = MAGNET_PX,
    ) -> None:
        self.vp = vp
        self.frames = frames
        self.limit_us = last_time(frames, vp.duration_us)
        self.playhead_us = playhead_us
        self.marks = tuple(marks)
        self.layout = layout
        self.exclude = frozenset(exclude)
        self.magnet_px = magnet_px

    def clamp(self, us: int) -> int:
        return min(max(us, 0), self.limit_us)

    def frame(self, us: int) -> int:
        """Nearest frame start (edges are boundaries between frames)."""
        us = self.clamp(us)
        return nearest_frame(self.frames, us) if self.frames is not None else us

    def frame_on_screen(self, us: int) -> int:
        """Start of the frame showing at ``us`` (a click inside a frame picks that frame)."""
        us = self.clamp(us)
        return self.frames.snap(us) if self.frames is not None else us

    def step(self, us: int, frames: int) -> int:
        """The frame start ``frames`` frames after (or before) the one at ``us``, clamped."""
        if self.frames is None:
            return self.clamp(us + frames)
        n = min(max(self.frames.frame_at(us) + frames, 0), len(self.frames) - 1)
        return self.clamp(self.frames.times[n])

    def snap(self, us: int, magnetic: bool = True) -> Snap:
        if magnetic:
            found = self.magnet(us)
            if found is not None:
                return found
        return Snap(self.frame(us), "frame" if self.frames is not None else "none")

    def magnet(self, us: int) -> Snap | None:
        """The nearest magnetic target within reach of ``us``, if any."""
        reach = self.magnet_px * self.vp.us_per_px
        # Earlier entries win ties: the playhead is what the clinician is looking at.
        targets: list[tuple[int, SnapKind]] = []
        if self.playhead_us is not None:
            targets.append((self.playhead_us, "playhead"))
        targets.extend((m, "mark") for m in self.marks)
        if self.layout is not None:
            for p in self.layout.items_in(us - reach, us + reach):
                if p.item.id not in self.exclude:
                    targets.append((p.item.start_us, "edge"))
                    targets.append((p.item.end_us, "edge"))
        targets.append((0, "bound"))
        targets.append((self.limit_us, "bound"))
        best: tuple[int, int, SnapKind] | None = None
        for t, kind in targets:
            d = abs(t - us)
            if d <= reach and 0 <= t <= self.limit_us and (best is None or d < best[0]):
                best = (d, t, kind)
        return None if best is None else Snap(best[1], best[2])
