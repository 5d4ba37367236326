"""A case's end: its closure and retention rule, the cases due for deletion, and deleting a recording or
a whole family for real (files, caches, exports and rows), leaving only the audit record (which says
that it happened, never what the video showed).

Not undoable, by design: the point is that the data is gone. The undo history loses every entry that
holds a copy of a deleted row (captions, notes, the family's label), whoever made it; everyone's other
entries (other families, the coding schemes) stay undoable.

The consent register is append-only (``storage/guards.py``); its guard lets a family's entries go only
together with the audit entry recording the family's deletion, so ``delete_family`` writes that entry
first, in the same transaction. The family's consent chain goes whole; every other family's chain, and
the audit record's, still verify.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, select

from vfeedback.core.errors import BadInput
from vfeedback.core.model import Family, Highlight, Recording
from vfeedback.services import rows, undo
from vfeedback.services.audit import Audit
from vfeedback.services.context import Context
from vfeedback.services.exports import Exports
from vfeedback.services.families import Families
from vfeedback.services.media import Media
from vfeedback.services.recordings import Recordings
from vfeedback.services.undo import Changes
from vfeedback.storage import tables as t
from vfeedback.storage.chain import FAMILY_DELETED


@dataclass(slots=True)
class _Gone:
    """The ids of the rows a deletion removes, to find the undo entries that hold copies of them."""

    family_id: int | None = None
    recordings: set[int] = field(default_factory=set)
    moments: set[int] = field(default_factory=set)
    reels: set[int] = field(default_factory=set)

    def holds(self, table: str, row: dict[str, Any]) -> bool:
        if table == "families":
            return bool(row["id"] == self.family_id)
        if table == "recordings":
            return row["id"] in self.recordings or row["family_id"] == self.family_id
        if table == "moments":
            return row["id"] in self.moments or row["recording_id"] in self.recordings
        if table == "reels":
            return row["id"] in self.reels or row["family_id"] == self.family_id
        if table == "reel_items":
            return row["reel_id"] in self.reels or row["moment_id"] in self.moments
        if table in ("interchange_imports", "suggestions"):
            return row["recording_id"] in self.recordings
        if table == "angles":
            return row["recording_id"] in self.recordings or row["main_id"] in self.recordings
        return False  # coding schemes and codes belong to no family


@dataclass(eq=False)
class Cases:
    ctx: Context
    families: Families
    recordings: Recordings
    media: Media
    exports: Exports
    audit: Audit

    def set_retention(
        self,
        family: str | int,
        *,
        closed_on: date | None = None,
        rule: str | None = None,
        reopen: bool = False,
        remove_rule: bool = False,
    ) -> Family:
        """Record the case's closure date and/or its retention rule (an undoable edit). ``reopen``
        takes the closure back (the family came back to the service); ``remove_rule`` the rule (the
        case is then never listed as due)."""
        from vfeedback.core.retention import parse_rule

        current = self.families.get(family)
        values: dict[str, object] = {}
        if reopen:
            if closed_on is not None:
                raise BadInput("A case is either reopened or closed on a date, not both.")
            if current.closed_on is not None:
                values["closed_on"] = None
        if closed_on is not None:
            if closed_on > date.today():
                raise BadInput("A closure date cannot be in the future.")
            values["closed_on"] = closed_on
        if rule is not None:
            if remove_rule:
                raise BadInput("A retention rule is either set or removed, not both.")
            values["retention_rule"] = parse_rule(rule)
        elif remove_rule and current.retention_rule is not None:
            values["retention_rule"] = None
        if not values:
            return current
        with self.ctx.edit(f"Set retention for family {current.code}") as tx:
            _, after = tx.update(t.families, current.id, values)
        return rows.family(after)

    def due(self, today: date | None = None) -> list[tuple[Family, date]]:
        """Families whose retention rule says their recordings must now be deleted, earliest first."""
        from vfeedback.core.retention import due_date

        today = today or date.today()
        due = []
        for fam in self.families.all():
            if fam.retention_rule:
                when = due_date(fam.retention_rule, fam.closed_on)
                if when is not None and when <= today:
                    due.append((fam, when))
        return sorted(due, key=lambda pair: pair[1])

    def delete_recording(self, recording_id: int) -> list[str]:
        """Remove the recording and everything made from it. Returns what could not be removed from
        disk (a referenced original outside the library is left where it is, and named here)."""
        rec = self.recordings.get(recording_id)
        fam = self.families.get(rec.family_id)
        left = self._remove_recording_files(rec)
        with self.ctx.write() as conn:
            gone = _Gone(recordings={rec.id})
            self._remove_recording_rows(conn, rec, gone)
            undo.forget(conn, gone.holds)
            self.audit.record(conn, "delete", fam, f"Deleted recording {rec.id} and everything made from it")
        self.ctx.db.flush_deleted()
        self._announce_deletion(f"Delete recording {rec.id}", [rec.id], fam.id)
        return left

    def delete_family(self, family: str | int) -> list[str]:
        """Remove the family, all its recordings, moments, reels, exports, consent register and caches."""
        fam = self.families.get(family)
        recs = self.recordings.all(fam.id)
        left: list[str] = []
        for rec in recs:
            left += self._remove_recording_files(rec)
        for h in self.exports.all(fam.id):
            self._unlink_highlight(h)
        with self.ctx.write() as conn:
            # First: the consent register's guard lets a family's entries go only together with the
            # audit entry recording the family's deletion (storage/guards.py).
            self.audit.record(
                conn,
                "delete",
                fam,
                f"{FAMILY_DELETED}{fam.code}: {len(recs)} recording(s) and all made from them",
            )
            gone = _Gone(family_id=fam.id, recordings={r.id for r in recs})
            for rec in recs:
                self._remove_recording_rows(conn, rec, gone)
            self._remove_highlight_rows(conn, [h.id for h in self.exports.all(fam.id)])
            reel_ids = list(conn.execute(select(t.reels.c.id).where(t.reels.c.family_id == fam.id)).scalars())
            gone.reels.update(reel_ids)
            if reel_ids:
                conn.execute(delete(t.reel_items).where(t.reel_items.c.reel_id.in_(reel_ids)))
                conn.execute(delete(t.reels).where(t.reels.c.id.in_(reel_ids)))
            conn.execute(delete(t.consents).where(t.consents.c.family_id == fam.id))
            conn.execute(delete(t.families).where(t.families.c.id == fam.id))
            undo.forget(conn, gone.holds)
        self.ctx.db.flush_deleted()
        self._announce_deletion(f"Delete family {fam.code}", [r.id for r in recs], fam.id)
        return left

    def _announce_deletion(self, label: str, recording_ids: list[int], family_id: int) -> None:
        """Views redraw as after any change; the ids say which recordings are gone."""
        gone = frozenset(recording_ids)
        self.ctx.announce(
            Changes(
                label,
                {
                    "families": frozenset({family_id}),
                    "recordings": gone,
                    "moments": frozenset(),
                    "highlights": frozenset(),
                    "reels": frozenset(),
                    "undo_log": frozenset(),
                },
            )
        )

    # --- pieces ---------------------------------------------------------------------------------
    def _made_from(self, rec: Recording) -> list[Highlight]:
        """Exports showing any frame of the recording: its clips and stills, and reels and handouts
        holding one of its moments."""
        with self.ctx.read() as conn:
            moment_ids = set(
                conn.execute(select(t.moments.c.id).where(t.moments.c.recording_id == rec.id)).scalars()
            )
        return [
            h
            for h in self.exports.all(rec.family_id)
            if h.recording_id == rec.id or moment_ids & set(h.moment_ids)
        ]

    def _remove_recording_files(self, rec: Recording) -> list[str]:
        left = []
        for h in self._made_from(rec):
            self._unlink_highlight(h)
        shutil.rmtree(self.media.cache_dir(rec.id, create=False), ignore_errors=True)
        path = self.ctx.root / rec.path
        if rec.stored:
            path.unlink(missing_ok=True)
        else:
            left.append(
                f"Recording {rec.id} was referenced, not copied: its original is still at {rec.path}."
            )
        return left

    def _unlink_highlight(self, h: Highlight) -> None:
        base = self.ctx.root / h.path
        for path in (base, base.with_suffix(".vtt"), base.with_suffix(".txt")):
            path.unlink(missing_ok=True)

    def _remove_recording_rows(self, conn: Connection, rec: Recording, gone: _Gone) -> None:
        moment_ids = list(
            conn.execute(select(t.moments.c.id).where(t.moments.c.recording_id == rec.id)).scalars()
        )
        gone.moments.update(moment_ids)
        self._remove_highlight_rows(conn, self._made_from_ids(conn, rec.id, moment_ids))
        # Before the moments: an accepted suggestion refers to the moment it became.
        conn.execute(delete(t.suggestions).where(t.suggestions.c.recording_id == rec.id))
        conn.execute(delete(t.voice_analyses).where(t.voice_analyses.c.recording_id == rec.id))
        if moment_ids:
            conn.execute(delete(t.reel_items).where(t.reel_items.c.moment_id.in_(moment_ids)))
            conn.execute(delete(t.moments).where(t.moments.c.id.in_(moment_ids)))
        conn.execute(delete(t.frame_indexes).where(t.frame_indexes.c.recording_id == rec.id))
        # Its angles become films of their own again; if it is an angle, its main loses it.
        angles = t.angles.c
        conn.execute(delete(t.angles).where((angles.recording_id == rec.id) | (angles.main_id == rec.id)))
        conn.execute(delete(t.interchange_imports).where(t.interchange_imports.c.recording_id == rec.id))
        conn.execute(delete(t.recordings).where(t.recordings.c.id == rec.id))

    @staticmethod
    def _made_from_ids(conn: Connection, recording_id: int, moment_ids: list[int]) -> list[int]:
        h, hm = t.highlights, t.highlight_moments
        ids = set(conn.execute(select(h.c.id).where(h.c.recording_id == recording_id)).scalars())
        if moment_ids:
            ids |= set(
                conn.execute(select(hm.c.highlight_id).where(hm.c.moment_id.in_(moment_ids))).scalars()
            )
        return sorted(ids)

    @staticmethod
    def _remove_highlight_rows(conn: Connection, ids: list[int]) -> None:
        if ids:
            conn.execute(delete(t.highlight_moments).where(t.highlight_moments.c.highlight_id.in_(ids)))
            conn.execute(delete(t.highlights).where(t.highlights.c.id.in_(ids)))
