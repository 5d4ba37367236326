"""Suggested moments in the workbench: the analysis of the open recording's sound in the background,
the row of open suggestions on the timeline, and the keys that walk, accept and set them aside.

A suggestion is a place to look, never a judgement: nothing becomes a moment until the clinician
accepts it (one undoable action, with the scheme's proposed code and a draft caption to edit), and a
suggestion set aside leaves the row (Undo brings it back). The analysis is one job on the window's
task runner: its progress is in the status bar, a failure is one sentence there (never a dialog), and
opening another recording or closing the window cancels it (the runner's ``cancel_all``).
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Moment, Recording
from vfeedback.core.turns import Kind
from vfeedback.services.suggestions import OPEN, Suggestion
from vfeedback.ui.tasks import Task
from vfeedback.ui.timeline import TimelineView
from vfeedback.ui.timeline.state import SuggestionMark
from vfeedback.ui.workbench.protocol import Workbench

LISTENING = "Listening for turn-taking"
"""The job's name in the status bar (the runner adds "…")."""
LEAD_IN_US = 1_000_000
"""A suggestion plays from one second before it, so the clinician sees what led to it."""
SETTING = "workbench/suggestions"
NONE_FOUND = "No turn-taking found to suggest"
ALL_DECIDED = "Every suggestion here has been accepted or set aside"
NOT_ANALYSED = "The sound could not be listened to"


class Transport(Protocol):
    """The playback the keys start (the window's PlaybackController)."""

    def play(self) -> None: ...


class SuggestionBench(Workbench, Protocol):
    """The window as this helper needs it: the workbench, its timeline and its playback."""

    @property
    def timeline(self) -> TimelineView: ...

    @property
    def controller(self) -> Transport: ...


def mark_of(s: Suggestion) -> SuggestionMark:
    return SuggestionMark(s.id, s.start_us, s.end_us, s.kind is Kind.REPAIR, s.explanation)


class SuggestionActions:
    """Implements ``keys.Suggested`` for the key table."""

    def __init__(self, bench: SuggestionBench) -> None:
        self.bench = bench
        self.library = bench.library
        self.focused: int | None = None
        """The suggestion Enter and Delete act on (after ] or [, or a click on it)."""
        self.open: list[Suggestion] = []
        """The open recording's open suggestions, in time order."""
        self.task: Task | None = None
        self._recording: int | None = None
        self._failed = False
        self.toggle: QAction | None = None
        bench.timeline.suggestionClicked.connect(lambda sid: self.focus(sid, play=False))

    def build(self, view: QMenu) -> None:
        """View › Suggested moments: show or hide the row (remembered)."""
        self.toggle = self.bench.add_action("&Suggested moments", None, self._show_row)
        self.toggle.setCheckable(True)
        self.toggle.setChecked(bool(QSettings("vfeedback", "vfeedback").value(SETTING, True, type=bool)))
        view.addAction(self.toggle)

    @property
    def shown(self) -> bool:
        return self.toggle is None or self.toggle.isChecked()

    # --- the analysis ---------------------------------------------------------------------------
    def start(self, rec: Recording) -> None:
        """After a recording opened: its suggestions, listening first if this engine has not yet."""
        self._recording, self._failed, self.task = rec.id, False, None
        self.unfocus()
        self._show_row()
        if not rec.media.has_audio:
            self.refresh()
            return
        if not self.library.suggestions.is_current(rec.id):
            rid = rec.id

            def job(progress: Progress, should_cancel: ShouldCancel) -> None:
                self.library.suggestions.analyse(rid, progress, should_cancel)

            self.task = self.bench.tasks.submit(
                LISTENING, job, on_done=lambda _r: self._finished(rid), on_error=lambda m: self._fail(rid, m)
            )
        self.refresh()

    def stop(self) -> None:
        """The recording closed (the runner has cancelled its work)."""
        self._recording, self.task = None, None
        self.unfocus()
        self.refresh()

    def _finished(self, recording_id: int) -> None:
        if recording_id == self._recording:
            self.task = None
            self.refresh()

    def _fail(self, recording_id: int, message: str) -> None:
        """One sentence in the status bar: the clinician's work goes on without suggestions."""
        if recording_id != self._recording:
            return
        self.task, self._failed = None, True
        self.bench.show_status(f"No suggested moments for this recording: {message}", 20_000)
        self.refresh()

    @property
    def listening(self) -> bool:
        return self.task is not None and not self.task.cancelled

    # --- what the row shows ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the open recording's suggestions again (after the analysis, an accept, an undo)."""
        rid = self._recording
        found = self.library.suggestions.all(rid) if rid is not None else []
        self.open = [s for s in found if s.status == OPEN]
        if self.focused not in {s.id for s in self.open}:
            self.focused = None
        if self.listening:
            note = LISTENING + "…"
        elif self._failed:
            note = NOT_ANALYSED
        elif found:
            note = ALL_DECIDED
        else:
            note = NONE_FOUND
        timeline = self.bench.timeline
        timeline.set_suggestions([mark_of(s) for s in self.open], note)
        timeline.set_suggestion_focus(self.focused)

    def _show_row(self) -> None:
        rec = self.bench.coding.recording
        shown = self.shown and rec is not None and rec.media.has_audio
        self.bench.timeline.set_suggestions_visible(shown)
        if self.toggle is not None:
            QSettings("vfeedback", "vfeedback").setValue(SETTING, self.toggle.isChecked())
        if not shown:
            self.unfocus()

    # --- the keys (``keys.Suggested``) ----------------------------------------------------------
    def step(self, forward: bool) -> Suggestion | None:
        """N and Shift+N: the next or previous open suggestion, focused and playing from a second before;
        from the focused one, else from the playhead; round at either end."""
        if not self.open or not self.shown:
            if self.bench.coding.recording is not None:
                self.bench.show_status(self._nothing_to_step())
            return None
        ids = [s.id for s in self.open]
        if self.focused in ids:
            chosen = self.open[(ids.index(self.focused) + (1 if forward else -1)) % len(ids)]
        else:
            here = self.bench.playhead.time_us()
            if forward:
                chosen = next((s for s in self.open if s.start_us > here), self.open[0])
            else:
                chosen = next((s for s in reversed(self.open) if s.start_us < here), self.open[-1])
        self.focus(chosen.id, play=True)
        return chosen

    def _nothing_to_step(self) -> str:
        if not self.shown:
            return "The suggested moments are hidden (View › Suggested moments)."
        if self.listening:
            return "Still listening for turn-taking; the suggestions appear as soon as it is done."
        return "There are no open suggested moments in this recording."

    def focus(self, suggestion_id: int, *, play: bool) -> None:
        """Make this the suggestion Enter and Delete act on; the moments' selection is let go of so
        the keys never mean two things. The playhead goes a second before it (playing, for the keys)."""
        chosen = next((s for s in self.open if s.id == suggestion_id), None)
        if chosen is None:
            return
        self.bench.coding.select([])
        self.focused = chosen.id
        self.bench.timeline.set_suggestion_focus(chosen.id)
        if not play:
            self.bench.playhead.pause()
        self.bench.playhead.seek_us(max(0, chosen.start_us - LEAD_IN_US))  # and brings it into view
        if play:
            self.bench.controller.play()
        self.bench.show_status(chosen.explanation, 15_000)

    def unfocus(self) -> None:
        if self.focused is not None:
            self.focused = None
            self.bench.timeline.set_suggestion_focus(None)

    def accept(self) -> Moment | None:
        """Enter on a focused suggestion: a moment with the proposed code (else the code picked for
        tagging) and the draft caption, selected so the inspector shows the caption to edit."""
        chosen = next((s for s in self.open if s.id == self.focused), None)
        if chosen is None:
            return None
        coding = self.bench.coding
        code: int | None = None
        if chosen.code is None:
            if coding.current_code is None:
                raise BadInput("The coding scheme proposes no code for this suggestion; pick a code first.")
            code = coding.current_code.id
        self.bench.playhead.pause()
        moment = self.library.suggestions.accept(chosen.id, code=code)
        self.unfocus()
        coding.reload()
        coding.select([moment.id])
        self.bench.show_status("Accepted as a moment: its caption is a draft for you to edit on the right.")
        return moment

    def reject(self) -> Suggestion | None:
        """X (or Delete) on a focused suggestion: set it aside (Edit › Undo brings it back)."""
        chosen = self.focused
        if chosen is None:
            if self.bench.coding.recording is not None:
                self.bench.show_status("No suggestion is focused: N goes to the next one.")
            return None
        decided = self.library.suggestions.reject(chosen)
        self.unfocus()
        self.refresh()
        self.bench.show_status("Suggestion set aside. Edit › Undo brings it back.")
        return decided
