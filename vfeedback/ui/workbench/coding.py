"""Keyboard-first coding as a plain state object (no Qt): the current code, in and out marks, and the
actions the keys trigger. The window wires keys to these methods; tests drive them directly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vfeedback.core.model import Actor, Code, Moment
from vfeedback.core.timecode import format_time
from vfeedback.services import Library


@dataclass
class CodingState:
    library: Library
    position: Callable[[], int]
    """The playhead in µs, always a real frame when paused."""
    recording_id: int | None = None
    codes: list[Code] = field(default_factory=list)
    current_code: Code | None = None
    mark_in: int | None = None
    mark_out: int | None = None
    selected: list[int] = field(default_factory=list)

    def set_codes(self, codes: list[Code]) -> None:
        self.codes = codes
        if self.current_code is None or self.current_code.id not in {c.id for c in codes}:
            self.current_code = next(
                (c for c in codes if c.parent_id is not None), codes[0] if codes else None
            )

    def pick_key(self, key: str) -> Code | None:
        """A digit picks a principle, a letter a sub-item (each code's own key)."""
        wanted = key.lower()
        for code in self.codes:
            if code.key is not None and code.key.lower() == wanted:
                self.current_code = code
                return code
        return None

    def set_in(self) -> int:
        self.mark_in = self.position()
        if self.mark_out is not None and self.mark_out < self.mark_in:
            self.mark_out = None
        return self.mark_in

    def set_out(self) -> int:
        self.mark_out = self.position()
        if self.mark_in is not None and self.mark_in > self.mark_out:
            self.mark_in = None
        return self.mark_out

    def clear_marks(self) -> None:
        self.mark_in = self.mark_out = None

    def create(self) -> Moment:
        """Enter: a moment from in to out (either missing: the playhead) with the current code."""
        start = self.mark_in if self.mark_in is not None else self.position()
        end = self.mark_out if self.mark_out is not None else self.position()
        start, end = min(start, end), max(start, end)
        moment = self._add(start, end)
        self.clear_marks()
        return moment

    def point(self) -> Moment:
        """M: a point moment at the playhead."""
        return self._add(self.position(), self.position())

    def create_on_lane(self, lane: str, start_us: int, end_us: int) -> Moment:
        """A drag on the timeline: an actor lane gives the actor, a code lane (its id) the code."""
        if lane in {a.value for a in Actor}:
            return self._add(start_us, end_us, actor=Actor(lane))
        code = next((c for c in self.codes if str(c.id) == lane), None)
        return self._add(start_us, end_us, code=code)

    def _add(self, start: int, end: int, actor: Actor | None = None, code: Code | None = None) -> Moment:
        if self.recording_id is None:
            raise _no_recording()
        code = code or self.current_code
        if code is None:
            from vfeedback.core.errors import BadInput

            raise BadInput("Pick a code first (its number or letter key).")
        moment = self.library.moments.add(self.recording_id, start, end, code=code.id, actor=actor)
        self.selected = [moment.id]
        return moment

    def neighbour(self, moments: list[Moment], forward: bool) -> Moment | None:
        """Tab / Shift+Tab: the next or previous moment, from the selected one if any, else from the
        playhead; wraps round at either end."""
        if not moments:
            return None
        ordered = sorted(moments, key=lambda m: (m.start_us, m.id))
        ids = [m.id for m in ordered]
        current = self.selected[0] if self.selected else None
        if current in ids:
            step = 1 if forward else -1
            chosen = ordered[(ids.index(current) + step) % len(ordered)]
        else:
            here = self.position()
            if forward:
                chosen = next((m for m in ordered if m.start_us > here), ordered[0])
            else:
                chosen = next((m for m in reversed(ordered) if m.start_us < here), ordered[-1])
        self.selected = [chosen.id]
        return chosen

    def describe_marks(self) -> str:
        def show(value: int | None) -> str:
            return "—" if value is None else format_time(value)

        return f"In {show(self.mark_in)}   Out {show(self.mark_out)}"


def _no_recording() -> Exception:
    from vfeedback.core.errors import BadInput

    return BadInput("Open a recording first.")
