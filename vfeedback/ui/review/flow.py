"""What review mode shows and in which order, free of Qt so the order can be tested on its own.

``load_reel`` copies out of the library only what a family may see (each moment's caption) and what
playback needs (which recording, which span). Notes, codes, actors, case codes and file names never
reach the review window, so no later change to a screen can show them by mistake.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vfeedback.core.errors import NotFound

if TYPE_CHECKING:
    from vfeedback.services import Library

PAD_US = 1_000_000
"""Each clip starts a second before its moment and ends a second after it: the moment arrives
instead of starting abruptly, and a short one is not over before anyone has looked."""


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One moment of the reel, reduced to what review mode shows and plays."""

    caption: str
    recording_id: int
    start_us: int
    """The moment's first frame: the picture of "Pause on this moment"."""
    clip_start_us: int
    clip_end_us: int


@dataclass(frozen=True, slots=True)
class Source:
    """A recording as playback needs it. Its path is opened, never displayed."""

    recording_id: int
    path: Path
    duration_us: int
    rotation: int
    aspect: float
    """Width over height as the viewer sees it."""

    def present(self) -> bool:
        return self.path.is_file()


def load_reel(library: Library, reel_id: int) -> tuple[list[ReviewItem], dict[int, Source]]:
    """The reel's moments in reel order, and the recordings they come from.

    A moment deleted since the reel was made is left out; a recording that is gone from the library
    is kept out of ``sources``, and its moments are shown as "cannot be shown right now".
    """
    reel = library.reels.get(reel_id)
    items: list[ReviewItem] = []
    sources: dict[int, Source] = {}
    for moment_id in reel.moment_ids:
        try:
            moment = library.moments.get(moment_id)
        except NotFound:
            continue
        if moment.recording_id not in sources:
            try:
                rec = library.recordings.get(moment.recording_id)
            except NotFound:
                rec = None
            if rec is not None:
                media = rec.media
                sources[rec.id] = Source(
                    rec.id,
                    library.recordings.path(rec),
                    media.duration_us,
                    media.rotation,
                    media.display_width / media.display_height if media.display_height > 0 else 16 / 9,
                )
        source = sources.get(moment.recording_id)
        duration = source.duration_us if source is not None and source.duration_us > 0 else None
        end = moment.end_us + PAD_US
        items.append(
            ReviewItem(
                caption=moment.caption.strip(),
                recording_id=moment.recording_id,
                start_us=moment.start_us,
                clip_start_us=max(0, moment.start_us - PAD_US),
                clip_end_us=end if duration is None else min(end, duration),
            )
        )
    return items, sources


class Screen(enum.Enum):
    CARD = "card"  # the caption, before the clip
    CLIP = "clip"
    CHOICE = "choice"  # watch again, slower, pause on this moment, next
    FREEZE = "freeze"  # the moment's first frame with its caption
    UNAVAILABLE = "unavailable"  # the recording cannot be played: a gentle card instead
    THANKS = "thanks"


@dataclass(frozen=True, slots=True)
class Step:
    screen: Screen
    index: int
    """Which moment (position in the reel); ``count`` on the thanks screen."""


class ReviewFlow:
    """The order of screens. Forward goes card, clip, choice, then the next moment's card; back goes
    to the previous moment's card, except from a clip, which goes back to its own card."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._unavailable: set[int] = set()
        self.step = self.first(0)

    def first(self, index: int) -> Step:
        """Where moment ``index`` begins: its card, or the gentle card when it cannot be shown."""
        if index >= self.count:
            return Step(Screen.THANKS, self.count)
        index = max(0, index)
        return Step(Screen.UNAVAILABLE if index in self._unavailable else Screen.CARD, index)

    def is_available(self, index: int) -> bool:
        return index not in self._unavailable

    def mark_unavailable(self, index: int) -> Step:
        self._unavailable.add(index)
        if self.step.index == index and self.step.screen is not Screen.THANKS:
            self.step = Step(Screen.UNAVAILABLE, index)
        return self.step

    def next(self) -> Step:
        screen, i = self.step.screen, self.step.index
        if screen is Screen.CARD:
            return self._go(Step(Screen.CLIP, i))
        if screen is Screen.CLIP:
            return self._go(Step(Screen.CHOICE, i))
        if screen is Screen.THANKS:
            return self.step
        return self._go(self.first(i + 1))

    def previous(self) -> Step:
        screen, i = self.step.screen, self.step.index
        if screen is Screen.CLIP:
            return self._go(self.first(i))
        if screen is Screen.THANKS:
            return self._go(self.first(self.count - 1))
        return self._go(self.first(i - 1))

    def watch(self) -> Step:
        """Play the current moment's clip (again); from the thanks screen, start again."""
        screen, i = self.step.screen, self.step.index
        if screen is Screen.THANKS:
            return self.restart()
        if screen is Screen.UNAVAILABLE:
            return self.step
        return self._go(Step(Screen.CLIP, i))

    def freeze(self) -> Step:
        if self.step.screen in (Screen.THANKS, Screen.UNAVAILABLE):
            return self.step
        return self._go(Step(Screen.FREEZE, self.step.index))

    def clip_done(self) -> Step:
        if self.step.screen is Screen.CLIP:
            return self._go(Step(Screen.CHOICE, self.step.index))
        return self.step

    def restart(self) -> Step:
        return self._go(self.first(0))

    def _go(self, step: Step) -> Step:
        if step.screen in (Screen.CLIP, Screen.FREEZE) and step.index in self._unavailable:
            step = Step(Screen.UNAVAILABLE, step.index)
        self.step = step
        return step
