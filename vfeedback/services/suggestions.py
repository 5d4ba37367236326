"""Suggested moments from a recording's sound: the analysis (one cancellable job, cached per recording
with its analysis version), the suggestions with their status, code, explanation and draft caption,
accepting one as a moment and rejecting one (both undoable), and the recording's turn-taking figures.

Suggestions are the clinician's alone: nothing here is read by any export, reel, handout, review or
interchange path (tests check each one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from vfeedback.core.errors import BadInput, Conflict, NotFound
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Code, Moment
from vfeedback.core.timecode import format_time
from vfeedback.core.turns import (
    Figures,
    Found,
    Kind,
    Span,
    Vocalisation,
    Voice,
    caption,
    explain,
    figures,
    suggest,
)
from vfeedback.services.audit import Audit
from vfeedback.services.context import Context
from vfeedback.services.families import Families
from vfeedback.services.media import Media
from vfeedback.services.moments import Moments, NewMoment
from vfeedback.services.recordings import Recordings
from vfeedback.services.schemes import Schemes
from vfeedback.services.undo import Changes, Tx
from vfeedback.storage import tables as t

OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"
SAME_SUGGESTION_US = 500_000  # a new analysis's suggestion this close to a decided one is that one


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggested moment as the window and the CLI show it."""

    id: int
    recording_id: int
    kind: Kind
    serve: Span
    answer: Span
    start_us: int
    end_us: int
    latency_us: int
    turns: int
    status: str  # open, accepted, rejected
    moment_id: int | None
    code: Code | None  # proposed by the scheme's [suggestions] mapping (None: the scheme has none)
    explanation: str
    caption: str

    def to_json(self) -> dict[str, Any]:
        """The keys of ``vfeedback suggest --json`` (README)."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "start_us": self.start_us,
            "end_us": self.end_us,
            "serve": {
                "actor": self.serve.actor,
                "start_us": self.serve.start_us,
                "end_us": self.serve.end_us,
            },
            "answer": {
                "actor": self.answer.actor,
                "start_us": self.answer.start_us,
                "end_us": self.answer.end_us,
            },
            "latency_us": self.latency_us,
            "code": self.code.label if self.code is not None else None,
            "explanation": self.explanation,
            "status": self.status,
        }


@dataclass(eq=False)
class Suggestions:
    ctx: Context
    families: Families
    recordings: Recordings
    media: Media
    schemes: Schemes
    moments: Moments
    audit: Audit

    # --- the analysis (the background job) -------------------------------------------------------
    def is_current(self, recording_id: int) -> bool:
        """The recording's sound has been analysed by this version of the engine."""
        from vfeedback.media.voices import ANALYSIS_VERSION

        with self.ctx.read() as conn:
            version = conn.execute(
                select(t.voice_analyses.c.version).where(t.voice_analyses.c.recording_id == recording_id)
            ).scalar()
        return version == ANALYSIS_VERSION

    def analyse(
        self,
        recording_id: int,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        *,
        again: bool = False,
    ) -> list[Suggestion]:
        """Run the analysis unless a current one is cached (``again``: run it anyway), then the
        suggestions. One job for the task runner: ``progress`` 0..1, ``should_cancel`` stops it
        (Cancelled, nothing stored). Open suggestions are replaced; decided ones are kept."""
        from vfeedback.media.voices import ANALYSIS_VERSION, vocalisations

        if again or not self.is_current(recording_id):
            recording, path = self.media._source(recording_id)
            vocs, duration = vocalisations(path, progress, should_cancel)
            self._store(recording.id, recording.family_id, vocs, duration, ANALYSIS_VERSION)
        elif progress is not None:
            progress(1.0)
        return self.all(recording_id)

    def _store(
        self, recording_id: int, family_id: int, vocs: list[Vocalisation], duration_us: int, version: int
    ) -> None:
        data = json.dumps([[v.voice.value, v.start_us, v.end_us, v.f0_hz] for v in vocs])
        s = t.suggestions
        with self.ctx.write() as conn:  # a cache refresh, not the clinician's edit: outside undo
            conn.execute(delete(t.voice_analyses).where(t.voice_analyses.c.recording_id == recording_id))
            conn.execute(
                t.voice_analyses.insert().values(
                    recording_id=recording_id,
                    version=version,
                    duration_us=duration_us,
                    built_at=self.ctx.now(),
                    data=data,
                )
            )
            conn.execute(delete(s).where(s.c.recording_id == recording_id, s.c.status == OPEN))
            decided = conn.execute(
                select(s.c.kind, s.c.serve_start_us).where(s.c.recording_id == recording_id)
            ).all()
            for found in suggest(vocs):
                if any(
                    kind == found.kind.value and abs(start - found.start_us) <= SAME_SUGGESTION_US
                    for kind, start in decided
                ):
                    continue
                conn.execute(s.insert().values(_row(recording_id, found)))
            ids = frozenset(conn.execute(select(s.c.id).where(s.c.recording_id == recording_id)).scalars())
            # Processing a family's sound is recorded like any other use of their film.
            self.audit.record(
                conn,
                "analyse",
                self.families.get(family_id),
                f"Listened for turn-taking in recording {recording_id} on this computer "
                f"(analysis version {version}): {len(vocs)} vocalisations, {len(ids)} suggested moments",
            )
        self.ctx.announce(Changes("Find suggested moments", {"suggestions": ids}))

    # --- reading ----------------------------------------------------------------------------------
    def voices(self, recording_id: int) -> list[Vocalisation] | None:
        """The vocalisations of the cached analysis (None: not analysed by this version)."""
        row = self._analysis(recording_id)
        return None if row is None else row[0]

    def figures(self, recording_id: int) -> Figures | None:
        """Turns per minute, the share the baby started and the latency quartiles (None: not
        analysed). For the progress view: only ever beside the same family's earlier cycles."""
        row = self._analysis(recording_id)
        return None if row is None else figures(row[0], row[1])

    def _analysis(self, recording_id: int) -> tuple[list[Vocalisation], int] | None:
        from vfeedback.media.voices import ANALYSIS_VERSION

        a = t.voice_analyses
        with self.ctx.read() as conn:
            row = conn.execute(
                select(a.c.version, a.c.duration_us, a.c.data).where(a.c.recording_id == recording_id)
            ).first()
        if row is None or row.version != ANALYSIS_VERSION:
            return None
        vocs = [Vocalisation(Voice(v), int(s), int(e), f) for v, s, e, f in json.loads(row.data)]
        return vocs, int(row.duration_us)

    def all(self, recording_id: int, scheme: str | int | None = None) -> list[Suggestion]:
        """The recording's suggestions in time order, with their status (empty: not analysed yet)."""
        self.recordings.get(recording_id)
        with self.ctx.read() as conn:
            rows = (
                conn.execute(
                    select(t.suggestions)
                    .where(t.suggestions.c.recording_id == recording_id)
                    .order_by(t.suggestions.c.serve_start_us, t.suggestions.c.id)
                )
                .mappings()
                .all()
            )
        codes = self._codes(scheme)
        return [_suggestion(row, codes) for row in rows]

    def get(self, suggestion_id: int, scheme: str | int | None = None) -> Suggestion:
        with self.ctx.read() as conn:
            row = (
                conn.execute(select(t.suggestions).where(t.suggestions.c.id == suggestion_id))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"There is no suggestion {suggestion_id} in this library.")
        return _suggestion(row, self._codes(scheme))

    def _codes(self, scheme: str | int | None) -> dict[str, Code]:
        """The scheme's [suggestions] mapping, resolved to its codes ({} when it has none)."""
        chosen = self.schemes.get(scheme)
        with self.ctx.read() as conn:
            row = conn.execute(
                select(t.coding_schemes.c.suggestions, t.coding_schemes.c.builtin).where(
                    t.coding_schemes.c.id == chosen.id
                )
            ).first()
        mapping: dict[str, str] = {}
        if row is not None and row.suggestions:
            mapping = json.loads(row.suggestions)
        elif row is not None and row.builtin:
            # Installed before schemes carried the mapping: the shipped file has it.
            from vfeedback.interchange.scheme_file import builtin_scheme_paths, load_scheme

            for path in builtin_scheme_paths():
                spec = load_scheme(path)
                if spec.name == chosen.name:
                    mapping = dict(spec.suggestions)
        codes = {}
        for kind, label in mapping.items():
            try:
                codes[kind] = self.schemes.code(label, chosen.id)
            except (BadInput, NotFound):
                continue  # a code renamed since: propose none rather than refuse to list
        return codes

    # --- deciding (undoable) ------------------------------------------------------------------------
    def accept(
        self,
        suggestion_id: int,
        *,
        code: str | int | None = None,
        caption: str | None = None,
        scheme: str | int | None = None,
    ) -> Moment:
        """Make the suggestion a moment (its span, the proposed code unless ``code``, the draft
        caption unless ``caption``), in one undoable action with its status."""
        current = self.get(suggestion_id, scheme)
        self._still_open(current)
        chosen = self.schemes.code(code) if code is not None else current.code
        if chosen is None:
            raise BadInput(
                f"The coding scheme proposes no code for {current.kind.value} suggestions; "
                "choose one (--code)."
            )
        # The code's own actor (the parent, for the shipped schemes' mappings).
        text = current.caption if caption is None else caption
        item = NewMoment(current.start_us, current.end_us, chosen.id, None, text)

        def decide(tx: Tx) -> None:
            self._still_open(self.get(suggestion_id))
            # The moment just inserted: ids are never reused, so it is the recording's newest.
            made = tx.conn.execute(
                select(func.max(t.moments.c.id)).where(t.moments.c.recording_id == current.recording_id)
            ).scalar()
            tx.update(t.suggestions, suggestion_id, {"status": ACCEPTED, "moment_id": made})

        label = f"Accept suggested moment at {format_time(current.start_us)} ({chosen.name})"
        (moment,) = self.moments.add_many(current.recording_id, [item], label, also=decide)
        return moment

    def reject(self, suggestion_id: int) -> Suggestion:
        """Set the suggestion aside (undoable); it stays listed as rejected."""
        current = self.get(suggestion_id)
        self._still_open(current)
        with self.ctx.edit(f"Reject suggested moment at {format_time(current.start_us)}") as tx:
            self._still_open(self.get(suggestion_id))
            tx.update(t.suggestions, suggestion_id, {"status": REJECTED})
        return self.get(suggestion_id)

    @staticmethod
    def _still_open(current: Suggestion) -> None:
        if current.status != OPEN:
            raise Conflict(f"Suggestion {current.id} was already {current.status}.")


def _row(recording_id: int, found: Found) -> dict[str, Any]:
    return {
        "recording_id": recording_id,
        "kind": found.kind.value,
        "serve_actor": found.serve.actor,
        "serve_start_us": found.serve.start_us,
        "serve_end_us": found.serve.end_us,
        "answer_actor": found.answer.actor,
        "answer_start_us": found.answer.start_us,
        "answer_end_us": found.answer.end_us,
        "end_us": found.end_us,
        "turns": found.turns,
        "status": OPEN,
        "moment_id": None,
    }


def _suggestion(row: Any, codes: dict[str, Code]) -> Suggestion:
    found = Found(
        Kind(row["kind"]),
        Span(row["serve_actor"], row["serve_start_us"], row["serve_end_us"]),
        Span(row["answer_actor"], row["answer_start_us"], row["answer_end_us"]),
        row["turns"],
        row["end_us"],
    )
    return Suggestion(
        id=row["id"],
        recording_id=row["recording_id"],
        kind=found.kind,
        serve=found.serve,
        answer=found.answer,
        start_us=found.start_us,
        end_us=found.end_us,
        latency_us=found.latency_us,
        turns=found.turns,
        status=row["status"],
        moment_id=row["moment_id"],
        code=codes.get(found.kind.value),
        explanation=explain(found),
        caption=caption(found),
    )
