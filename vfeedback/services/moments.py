"""Moments: tagged points and intervals of a recording, each snapped to real frames."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput, Conflict, NotFound
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Progress
from vfeedback.core.model import Actor, Code, Moment
from vfeedback.core.timecode import TimeSpec, format_time
from vfeedback.services import rows
from vfeedback.services.audit import Audit
from vfeedback.services.context import Context
from vfeedback.services.families import Families
from vfeedback.services.media import Media
from vfeedback.services.recordings import Recordings
from vfeedback.services.schemes import Schemes
from vfeedback.services.undo import Tx
from vfeedback.storage import tables as t

CAPTION_MAX = texts.CAPTION.limit
NOTE_MAX = texts.NOTE.limit
CODER_MAX = texts.PERSON.limit


@dataclass(frozen=True, slots=True)
class NewMoment:
    """A moment to add in a batch (an import). Times are frame starts (``FrameIndex.inner_span``
    turns another tool's interval into them); ``code`` is a code's id or name."""

    start_us: int
    end_us: int
    code: str | int
    actor: Actor | str | None = None
    caption: str = ""
    note: str = ""
    coder: str | None = None


TimeArg = TimeSpec | int
"""A typed time, or microseconds (snapped to the frame on screen at that time)."""


@dataclass(eq=False)
class Moments:
    ctx: Context
    families: Families
    recordings: Recordings
    media: Media
    schemes: Schemes
    audit: Audit

    def add(
        self,
        recording_id: int,
        start: TimeArg,
        end: TimeArg | None = None,
        *,
        code: str | int,
        actor: Actor | str | None = None,
        caption: str = "",
        note: str = "",
        coder: str | None = None,
        picture: TimeArg | None = None,
        progress: Progress | None = None,
    ) -> Moment:
        """``picture``: the frame that will stand for the moment in a still or a handout (the frame
        on screen as it was tagged); one of the moment's own frames, else its middle is used."""
        index = self.media.frame_index(recording_id, progress=progress)
        start_us, end_us = _span(index, start, end)
        picture_us = _picture(index, picture, start_us, end_us)
        chosen = self.schemes.code(code)
        who = _actor(actor) if actor is not None else (chosen.default_actor or Actor.PARENT)
        now = self.ctx.now()
        label = f"Add moment at {format_time(start_us)} ({chosen.name})"
        with self.ctx.edit(label) as tx:
            row = tx.insert(
                t.moments,
                {
                    "recording_id": recording_id,
                    "start_us": start_us,
                    "end_us": end_us,
                    "code_id": chosen.id,
                    "actor": who.value,
                    "caption": texts.clean(caption, texts.CAPTION),
                    "note": texts.clean(note, texts.NOTE),
                    "coder": self._coder(coder),
                    "created_at": now,
                    "updated_at": now,
                    "picture_us": picture_us,
                },
            )
        return rows.moment(row)

    def add_many(
        self,
        recording_id: int,
        items: Sequence[NewMoment],
        label: str,
        audit: str | None = None,
        also: Callable[[Tx], None] | None = None,
    ) -> list[Moment]:
        """Add many moments as ONE undoable action, all or nothing: every item is checked before
        anything is written, so one bad item refuses the whole batch with its sentence. ``audit``: the
        "import" entry written in the same transaction (it exists exactly when the moments do);
        ``also(tx)``: more of the same action (an import's record of its file), or a refusal."""
        if not items:
            return []
        index = self.media.frame_index(recording_id)
        codes: dict[str | int, Code] = {}
        now = self.ctx.now()
        values = []
        for n, item in enumerate(items, 1):
            try:
                start_us, end_us = _span(index, item.start_us, item.end_us)
                if item.code not in codes:
                    codes[item.code] = self.schemes.code(item.code)
                chosen = codes[item.code]
                who = _actor(item.actor) if item.actor else (chosen.default_actor or Actor.PARENT)
                coder = self._coder(item.coder, imported=True)
                values.append(
                    {
                        "recording_id": recording_id,
                        "start_us": start_us,
                        "end_us": end_us,
                        "code_id": chosen.id,
                        "actor": who.value,
                        "caption": texts.clean(item.caption, texts.CAPTION),
                        "note": texts.clean(item.note, texts.NOTE),
                        "coder": coder,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            except (BadInput, NotFound) as exc:
                raise BadInput(f"Moment {n} of {len(items)}: {exc} Nothing was imported.") from None
        family = self.families.get(self.recordings.get(recording_id).family_id) if audit else None
        with self.ctx.edit(label) as tx:
            made = tx.insert_many(t.moments, values)
            if also is not None:
                also(tx)
            if audit:
                self.audit.record(tx.conn, "import", family, audit)
        return [rows.moment(row) for row in made]

    def get(self, moment_id: int) -> Moment:
        with self.ctx.read() as conn:
            row = conn.execute(select(t.moments).where(t.moments.c.id == moment_id)).mappings().first()
        if row is None:
            raise NotFound(f"There is no moment {moment_id} in this library.")
        return rows.moment(row)

    def all(self, recording_id: int) -> list[Moment]:
        m = t.moments
        query = select(m).where(m.c.recording_id == recording_id).order_by(m.c.start_us, m.c.id)
        with self.ctx.read() as conn:
            return [rows.moment(r) for r in conn.execute(query).mappings()]

    def search(self, text: str, limit: int = 500) -> list[Moment]:
        """Moments whose caption contains ``text`` (case-insensitive), newest recordings first."""
        m = t.moments
        needle = text.strip()
        if not needle:
            return []
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = (
            select(m)
            .where(m.c.caption.ilike(f"%{escaped}%", escape="\\"))
            .order_by(m.c.recording_id.desc(), m.c.start_us)
            .limit(limit)
        )
        with self.ctx.read() as conn:
            return [rows.moment(r) for r in conn.execute(query).mappings()]

    def edit(
        self,
        moment_id: int,
        *,
        start: TimeArg | None = None,
        end: TimeArg | None = None,
        code: str | int | None = None,
        actor: Actor | str | None = None,
        caption: str | None = None,
        note: str | None = None,
        coder: str | None = None,
        picture: TimeArg | None = None,
        family_words: str | None = None,
        seen: datetime | None = None,
    ) -> Moment:
        """Change what is given. ``picture``: another of the moment's frames to stand for it;
        ``family_words``: what the family said of it ("" removes them). ``seen``: the moment's
        ``updated_at`` as the editor showed it; if someone changed it since (a colleague on a team
        library), nothing is saved and a Conflict names both versions."""
        current = self.get(moment_id)
        values: dict[str, Any] = {}
        if start is not None or end is not None or picture is not None:
            index = self.media.frame_index(current.recording_id)
            start_us, end_us = _span(
                index,
                start if start is not None else current.start_us,
                end
                if end is not None
                else (current.end_us if start is None or not current.is_point else None),
            )
            values.update(start_us=start_us, end_us=end_us)
            kept = picture if picture is not None else current.picture_us
            values["picture_us"] = _picture(index, kept, start_us, end_us, strict=picture is not None)
        if code is not None:
            values["code_id"] = self.schemes.code(code).id
        if actor is not None:
            values["actor"] = _actor(actor).value
        if caption is not None:
            values["caption"] = texts.clean(caption, texts.CAPTION)
        if note is not None:
            values["note"] = texts.clean(note, texts.NOTE)
        if coder is not None and coder.strip():
            values["coder"] = self._coder(coder)
        if family_words is not None:
            values["family_words"] = texts.optional(family_words, texts.FAMILY_WORDS)
        values = {k: v for k, v in values.items() if getattr(current, k) != v}
        if not values:
            return current
        values["updated_at"] = self.ctx.now()
        with self.ctx.edit(f"Edit moment at {format_time(current.start_us)}") as tx:
            if self._gone(tx.conn, moment_id):
                raise NotFound(f"Moment {moment_id} was deleted meanwhile.")
            if seen is not None:
                _check_not_raced(tx, moment_id, seen, values)
            _, after = tx.update(t.moments, moment_id, values)
        return rows.moment(after)

    def retime(self, spans: list[tuple[int, int, int]], label: str | None = None) -> list[Moment]:
        """Move or trim several moments as ONE undoable action: ``(id, start_us, end_us)`` each,
        snapped to real frames (what a drag on the timeline produces)."""
        if not spans:
            return []
        found = {m.id: m for m in (self.get(i) for i, _, _ in spans)}
        recordings = {m.recording_id for m in found.values()}
        indexes = {rid: self.media.frame_index(rid) for rid in recordings}
        values = []
        for moment_id, start, end in spans:
            m = found[moment_id]
            start_us, end_us = _span(indexes[m.recording_id], start, end)
            if (start_us, end_us) != (m.start_us, m.end_us):
                values.append((moment_id, start_us, end_us))
        pictures = {
            moment_id: _picture(indexes[found[moment_id].recording_id], found[moment_id].picture_us, a, b)
            for moment_id, a, b in values
        }
        if not values:
            return list(found.values())
        if label is None:
            first = found[values[0][0]]
            label = (
                f"Move moment at {format_time(first.start_us)}"
                if len(values) == 1
                else f"Move {len(values)} moments"
            )
        now = self.ctx.now()
        with self.ctx.edit(label) as tx:
            for moment_id, start_us, end_us in values:
                if self._gone(tx.conn, moment_id):
                    raise NotFound(f"Moment {moment_id} was deleted meanwhile.")
                tx.update(
                    t.moments,
                    moment_id,
                    {
                        "start_us": start_us,
                        "end_us": end_us,
                        "picture_us": pictures[moment_id],
                        "updated_at": now,
                    },
                )
        return [self.get(i) for i, _, _ in spans]

    def delete(self, moment_id: int) -> None:
        self.delete_many([moment_id])

    def delete_many(self, moment_ids: list[int]) -> None:
        """One undoable action however many moments it removes."""
        found = [self.get(i) for i in moment_ids]
        label = (
            f"Delete moment at {format_time(found[0].start_us)}"
            if len(found) == 1
            else f"Delete {len(found)} moments"
        )
        with self.ctx.edit(label) as tx:
            for m in found:
                if not self._gone(tx.conn, m.id):
                    # Out of any reel too, in the same undoable step.
                    items = tx.conn.execute(
                        select(t.reel_items.c.id).where(t.reel_items.c.moment_id == m.id)
                    ).scalars()
                    for item_id in list(items):
                        tx.delete(t.reel_items, item_id)
                    tx.delete(t.moments, m.id)

    def recode(self, moment_ids: Sequence[int], code: str | int) -> list[Moment]:
        """Give these moments another code as ONE undoable action (a code key with moments
        selected); moments already coded so are left as they are."""
        chosen = self.schemes.code(code)
        found = [self.get(i) for i in moment_ids]
        changing = [m for m in found if m.code_id != chosen.id]
        if not changing:
            return found
        label = (
            f"Recode moment at {format_time(changing[0].start_us)} as {chosen.name}"
            if len(changing) == 1
            else f"Recode {len(changing)} moments as {chosen.name}"
        )
        now = self.ctx.now()
        after: dict[int, Moment] = {}
        with self.ctx.edit(label) as tx:
            for m in changing:
                if self._gone(tx.conn, m.id):
                    raise NotFound(f"Moment {m.id} was deleted meanwhile.")
                _, row = tx.update(t.moments, m.id, {"code_id": chosen.id, "updated_at": now})
                after[m.id] = rows.moment(row)
        return [after.get(m.id, m) for m in found]

    def _coder(self, given: str | None, *, imported: bool = False) -> str:
        """Who coded a moment: ``given``, else the library's user; cleaned as a person's name. On a
        server library a typed coder must be the login (an imported file keeps its annotators)."""
        login = self.ctx.login
        if login is not None and not imported:
            if given and given.strip() and given.strip() != login:
                raise BadInput(
                    f"On a team library your moments are coded as your login ({login}), "
                    f"not as '{given.strip()}'; nothing was saved."
                )
            return login
        return texts.clean(given or "", texts.PERSON, "coder's name") or texts.clean(
            self.ctx.user, texts.PERSON, "coder's name you work under"
        )

    @staticmethod
    def _gone(conn: Any, moment_id: int) -> bool:
        return conn.execute(select(t.moments.c.id).where(t.moments.c.id == moment_id)).first() is None


_FIELD_WORDS = {
    "caption": "caption",
    "note": "note",
    "family_words": "family's words",
    "start_us": "start",
    "end_us": "end",
    "picture_us": "picture",
    "code_id": "code",
    "actor": "actor",
    "coder": "coder",
}


def _check_not_raced(tx: Tx, moment_id: int, seen: datetime, values: dict[str, Any]) -> None:
    """The edit that lost a race (someone saved the moment after this editor loaded it) is refused in
    one sentence with both versions of what it would change, as undo refuses a changed row."""
    m = t.moments
    query = select(m).where(m.c.id == moment_id)
    if tx.conn.dialect.name == "postgresql":
        query = query.with_for_update()  # the colleague's save and ours, one after the other
    row = tx.conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"Moment {moment_id} was deleted meanwhile.")
    theirs = rows.moment(row)
    if theirs.updated_at == rows.utc(seen):
        return

    def shown(key: str, value: object) -> str:
        if key.endswith("_us") and isinstance(value, int):
            return format_time(value)
        return "nothing" if value in (None, "") else f"'{value}'"

    differ = [
        f"{_FIELD_WORDS.get(k, k)} {shown(k, getattr(theirs, k))} (theirs) or {shown(k, v)} (yours)"
        for k, v in values.items()
        if k in _FIELD_WORDS
    ]
    raise Conflict(
        f"The moment at {format_time(theirs.start_us)} was changed by someone else while you edited it: "
        f"{'; '.join(differ)}; yours was not saved."
    )


def _span(index: FrameIndex, start: TimeArg, end: TimeArg | None) -> tuple[int, int]:
    start_us = _resolve(index, start)
    end_us = start_us if end is None else _resolve(index, end)
    if end_us < start_us:
        raise BadInput(
            f"The moment would end ({format_time(end_us)}) before it starts ({format_time(start_us)})."
        )
    return start_us, end_us


def _picture(
    index: FrameIndex, picture: TimeArg | None, start_us: int, end_us: int, *, strict: bool = False
) -> int | None:
    """The frame (its start) standing for a moment spanning ``start_us``..``end_us``: ``picture``
    snapped to a frame, kept only if it is one of the moment's own frames. A picture given by the
    clinician (``strict``) outside the moment is refused; one carried over (the moment was moved, the
    playhead was elsewhere while tagging) quietly falls back to the middle frame (None)."""
    if picture is None:
        return None
    at = _resolve(index, picture)
    if start_us <= at <= end_us:
        return at
    if strict:
        raise BadInput(
            f"The picture at {format_time(at)} is not one of the moment's own frames "
            f"({format_time(start_us)} to {format_time(end_us)})."
        )
    return None


def _resolve(index: FrameIndex, value: TimeArg) -> int:
    if isinstance(value, TimeSpec):
        return index.resolve(value)[0]
    return index.resolve(TimeSpec(us=value))[0]


def _actor(value: Actor | str) -> Actor:
    try:
        return Actor(str(value).strip().lower())
    except ValueError:
        raise BadInput(f"'{value}' is not an actor: use parent, infant or clinician.") from None
