"""The workbench's coding state, without Qt: the open recording, its frame index and moments, the
selection, the current code and the in and out marks, and the tagging actions the keys trigger.

It reaches the world through two small ports: the library's moments (``MomentStore``; the window
passes ``lib.moments``) and the playhead (``Playhead``; the window passes its player). Views redraw
from ``subscribe``: each change names the parts of the state it touched, so a view redraws only what
it shows. Tests drive it without a window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Actor, Code, Moment, Recording
from vfeedback.core.timecode import format_time

Part = Literal["recording", "index", "moments", "selection", "marks", "code", "codes"]
Listener = Callable[[frozenset[Part]], None]


class MomentStore(Protocol):
    """Where moments are kept (the library's moments service)."""

    def add(
        self, recording_id: int, start: int, end: int, *, code: int, actor: Actor | None, picture: int | None
    ) -> Moment: ...

    def recode(self, moment_ids: Sequence[int], code: int) -> list[Moment]: ...

    def all(self, recording_id: int) -> list[Moment]: ...

    def delete_many(self, moment_ids: list[int]) -> None: ...


class Playhead(Protocol):
    """Where the clinician is in the recording: always a real frame when paused."""

    def time_us(self) -> int: ...

    def pause(self) -> None: ...

    def seek_us(self, us: int) -> None:
        """Go to the frame on screen at ``us`` and bring it into view."""
        ...


@dataclass(eq=False)
class CodingState:
    store: MomentStore
    playhead: Playhead
    recording: Recording | None = None
    index: FrameIndex | None = None
    """The open recording's frame index, once built (in the background)."""
    moments: list[Moment] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    """The default scheme's codes: the ones the keys pick."""
    known_codes: dict[int, Code] = field(default_factory=dict)
    """Every scheme's codes by id, for showing moments tagged with any of them."""
    current_code: Code | None = None
    mark_in: int | None = None
    mark_out: int | None = None
    selected: list[int] = field(default_factory=list)
    _listeners: list[Listener] = field(default_factory=list, repr=False)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _changed(self, *parts: Part) -> None:
        touched = frozenset(parts)
        for listener in list(self._listeners):
            listener(touched)

    # --- the recording ----------------------------------------------------------------------------
    def open(self, recording: Recording) -> None:
        """Show ``recording``: its moments, nothing selected or marked; its index comes later."""
        self.recording, self.index = recording, None
        self.selected = []
        self.mark_in = self.mark_out = None
        self.moments = self.store.all(recording.id)
        self._changed("recording", "index", "moments", "selection", "marks")

    def close(self) -> None:
        self.recording, self.index = None, None
        self.selected = []
        self.mark_in = self.mark_out = None
        self.moments = []
        self._changed("recording", "index", "moments", "selection", "marks")

    def set_index(self, recording_id: int, index: FrameIndex) -> bool:
        """The frame index of ``recording_id`` is ready; False (and nothing changes) if another
        recording was opened meanwhile."""
        if self.recording is None or self.recording.id != recording_id:
            return False
        self.index = index
        self._changed("index")
        return True

    def reload(self) -> None:
        """The moments changed in the library (an edit here, an undo, another window)."""
        self.moments = self.store.all(self.recording.id) if self.recording is not None else []
        self._changed("moments")

    # --- codes ------------------------------------------------------------------------------------
    def set_codes(self, codes: list[Code], known: Iterable[Code] = ()) -> None:
        self.codes = codes
        self.known_codes = {c.id: c for c in (*codes, *known)}
        if self.current_code is None or self.current_code.id not in {c.id for c in codes}:
            self.current_code = next(
                (c for c in codes if c.parent_id is not None), codes[0] if codes else None
            )
        self._changed("codes", "code", "moments")

    def pick_key(self, key: str) -> Code | None:
        """A digit names a principle, a letter a sub-item (each code's own key): see ``choose``."""
        wanted = key.lower()
        code = next((c for c in self.codes if c.key is not None and c.key.lower() == wanted), None)
        if code is not None:
            self.choose(code)
        return code

    def choose(self, code: Code) -> None:
        """With moments selected, recode them (one undoable edit; the code for the next tag stays);
        with nothing selected, ``code`` is the one the next tag gets."""
        if self.selected:
            self.store.recode(self.selected, code.id)
            return
        self.current_code = code
        self._changed("code")

    # --- marks ------------------------------------------------------------------------------------
    def set_in(self) -> int:
        """I: the start of the next moment is the frame on screen."""
        self.playhead.pause()
        self.mark_in = self.playhead.time_us()
        if self.mark_out is not None and self.mark_out < self.mark_in:
            self.mark_out = None
        self._changed("marks")
        return self.mark_in

    def set_out(self) -> int:
        """O: the end of the next moment is the frame on screen."""
        self.playhead.pause()
        self.mark_out = self.playhead.time_us()
        if self.mark_in is not None and self.mark_in > self.mark_out:
            self.mark_in = None
        self._changed("marks")
        return self.mark_out

    def clear(self) -> None:
        """Escape: no marks, nothing selected."""
        self.mark_in = self.mark_out = None
        self._changed("marks")
        self.select([])

    def describe_marks(self) -> str:
        def show(value: int | None) -> str:
            return "—" if value is None else format_time(value)

        return f"In {show(self.mark_in)}   Out {show(self.mark_out)}"

    # --- tagging ----------------------------------------------------------------------------------
    def create(self) -> Moment:
        """Enter: a moment from in to out (either missing: the playhead) with the current code."""
        self.playhead.pause()
        here = self.playhead.time_us()
        start = self.mark_in if self.mark_in is not None else here
        end = self.mark_out if self.mark_out is not None else here
        moment = self._add(min(start, end), max(start, end))
        self.mark_in = self.mark_out = None
        self._changed("marks")
        self.select([moment.id])
        return moment

    def point(self) -> Moment:
        """M: a moment in time at the playhead."""
        self.playhead.pause()
        here = self.playhead.time_us()
        moment = self._add(here, here)
        self.select([moment.id])
        return moment

    def create_on_lane(self, lane: str, start_us: int, end_us: int) -> Moment:
        """A drag on the timeline: an actor lane gives the actor, a code lane (its id) the code."""
        if lane in {a.value for a in Actor}:
            moment = self._add(start_us, end_us, actor=Actor(lane))
        else:
            moment = self._add(
                start_us, end_us, code=next((c for c in self.codes if str(c.id) == lane), None)
            )
        self.select([moment.id])
        return moment

    def _add(self, start: int, end: int, actor: Actor | None = None, code: Code | None = None) -> Moment:
        if self.recording is None:
            raise BadInput("Open a recording first.")
        code = code or self.current_code
        if code is None:
            raise BadInput("Pick a code first (its number or letter key).")
        # The frame on screen as it is tagged stands for the moment (a still, a handout) unless it
        # lies outside it (a drag elsewhere on the timeline): then the library takes its middle.
        return self.store.add(
            self.recording.id, start, end, code=code.id, actor=actor, picture=self.playhead.time_us()
        )

    def delete(self, moment_ids: Sequence[int]) -> None:
        """Delete these moments (one undoable edit). The selection is let go of first, so a view
        holding one of them (the inspector) finishes with it while it still exists."""
        ids = list(moment_ids)
        if ids:
            self.select([])
            self.store.delete_many(ids)

    def delete_selected(self) -> None:
        """Delete: the selected moments."""
        self.delete(self.selected)

    # --- selection and walking --------------------------------------------------------------------
    def select(self, moment_ids: Sequence[int]) -> None:
        self.selected = list(moment_ids)
        self._changed("selection")

    def selected_moments(self) -> list[Moment]:
        """The selected moments, in the order they are listed (by time)."""
        return [m for m in self.moments if m.id in self.selected]

    def loop_span(self) -> tuple[int, int] | None:
        """What looping plays: the first selected moment with a length."""
        spans = [m for m in self.selected_moments() if not m.is_point]
        return (spans[0].start_us, spans[0].end_us) if spans else None

    def holds(self, moment_id: int, us: int) -> bool:
        """Whether the moment covers the time ``us`` (its first frame to its last)."""
        return any(m.id == moment_id and m.start_us <= us <= m.end_us for m in self.moments)

    def go_to(self, moment_id: int) -> None:
        """The playhead to a moment's start (it stays selected as it is)."""
        for m in self.moments:
            if m.id == moment_id:
                self.playhead.seek_us(m.start_us)

    def next_moment(self) -> Moment | None:
        """Tab: the next moment, selected and under the playhead."""
        return self._walk(forward=True)

    def previous_moment(self) -> Moment | None:
        """Shift+Tab: the previous one."""
        return self._walk(forward=False)

    def _walk(self, forward: bool) -> Moment | None:
        moment = self.neighbour(forward)
        if moment is not None:
            self.playhead.pause()
            self.select([moment.id])
            self.go_to(moment.id)
        return moment

    def neighbour(self, forward: bool) -> Moment | None:
        """The next or previous moment, from the selected one if any, else from the playhead; wraps
        round at either end."""
        if not self.moments:
            return None
        ordered = sorted(self.moments, key=lambda m: (m.start_us, m.id))
        ids = [m.id for m in ordered]
        current = self.selected[0] if self.selected else None
        if current in ids:
            step = 1 if forward else -1
            return ordered[(ids.index(current) + step) % len(ordered)]
        here = self.playhead.time_us()
        if forward:
            return next((m for m in ordered if m.start_us > here), ordered[0])
        return next((m for m in reversed(ordered) if m.start_us < here), ordered[-1])
