"""Deleting a recording or a whole family for real: files, caches, exports and rows, leaving only the
audit record (which says that it happened, never what the video showed).

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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select

from vfeedback.core.model import Family, Highlight, Recording
from vfeedback.services import undo
from vfeedback.services.base import LibraryBase
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
        if table == "interchange_imports":
            return row["recording_id"] in self.recordings
        return False  # coding schemes and codes belong to no family


class DeletionMixin(LibraryBase):
    # Provided by the other mixins of Library.
    family: Callable[..., Family]
    recording: Callable[..., Recording]
    recordings: Callable[..., list[Recording]]
    highlights: Callable[..., list[Highlight]]
    _audit: Callable[..., None]

    def delete_recording(self, recording_id: int) -> list[str]:
        """Remove the recording and everything made from it. Returns what could not be removed from
        disk (a referenced original outside the library is left where it is, and named here)."""
        rec = self.recording(recording_id)
        fam = self.family(rec.family_id)
        left = self._remove_recording_files(rec)
        with self.db.write() as conn:
            gone = _Gone(recordings={rec.id})
            self._remove_recording_rows(conn, rec, gone)
            undo.forget(conn, gone.holds)
            self._audit(conn, "delete", fam, f"Deleted recording {rec.id} and everything made from it")
        self.db.flush_deleted()
        self._announce_deletion(f"Delete recording {rec.id}", [rec.id], fam.id)
        return left

    def delete_family(self, family: str | int) -> list[str]:
        """Remove the family, all its recordings, moments, reels, exports, consent register and caches."""
        fam = self.family(family)
        recs = self.recordings(fam.id)
        left: list[str] = []
        for rec in recs:
            left += self._remove_recording_files(rec)
        for h in self.highlights(fam.id):
            self._unlink_highlight(h)
        with self.db.write() as conn:
            # First: the consent register's guard lets a family's entries go only together with the
            # audit entry recording the family's deletion (storage/guards.py).
            self._audit(
                conn,
                "delete",
                fam,
                f"{FAMILY_DELETED}{fam.code}: {len(recs)} recording(s) and all made from them",
            )
            gone = _Gone(family_id=fam.id, recordings={r.id for r in recs})
            for rec in recs:
                self._remove_recording_rows(conn, rec, gone)
            self._remove_highlight_rows(conn, [h.id for h in self.highlights(fam.id)])
            reel_ids = list(conn.execute(select(t.reels.c.id).where(t.reels.c.family_id == fam.id)).scalars())
            gone.reels.update(reel_ids)
            if reel_ids:
                conn.execute(delete(t.reel_items).where(t.reel_items.c.reel_id.in_(reel_ids)))
                conn.execute(delete(t.reels).where(t.reels.c.id.in_(reel_ids)))
            conn.execute(delete(t.consents).where(t.consents.c.family_id == fam.id))
            conn.execute(delete(t.families).where(t.families.c.id == fam.id))
            undo.forget(conn, gone.holds)
        self.db.flush_deleted()
        self._announce_deletion(f"Delete family {fam.code}", [r.id for r in recs], fam.id)
        return left

    def _announce_deletion(self, label: str, recording_ids: list[int], family_id: int) -> None:
        """Views redraw as after any change; the ids say which recordings are gone."""
        gone = frozenset(recording_ids)
        self._announce(
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
        with self._read() as conn:
            moment_ids = set(
                conn.execute(select(t.moments.c.id).where(t.moments.c.recording_id == rec.id)).scalars()
            )
        return [
            h
            for h in self.highlights(rec.family_id)
            if h.recording_id == rec.id or moment_ids & set(h.moment_ids)
        ]

    def _remove_recording_files(self, rec: Recording) -> list[str]:
        left = []
        for h in self._made_from(rec):
            self._unlink_highlight(h)
        shutil.rmtree(self.root / "cache" / "recordings" / str(rec.id), ignore_errors=True)
        path = self.root / rec.path
        if rec.stored:
            path.unlink(missing_ok=True)
        else:
            left.append(
                f"Recording {rec.id} was referenced, not copied: its original is still at {rec.path}."
            )
        return left

    def _unlink_highlight(self, h: Highlight) -> None:
        base = self.root / h.path
        for path in (base, base.with_suffix(".vtt"), base.with_suffix(".txt")):
            path.unlink(missing_ok=True)

    def _remove_recording_rows(self, conn: Connection, rec: Recording, gone: _Gone) -> None:
        moment_ids = list(
            conn.execute(select(t.moments.c.id).where(t.moments.c.recording_id == rec.id)).scalars()
        )
        gone.moments.update(moment_ids)
        self._remove_highlight_rows(conn, self._made_from_ids(conn, rec.id, moment_ids))
        if moment_ids:
            conn.execute(delete(t.reel_items).where(t.reel_items.c.moment_id.in_(moment_ids)))
            conn.execute(delete(t.moments).where(t.moments.c.id.in_(moment_ids)))
        conn.execute(delete(t.frame_indexes).where(t.frame_indexes.c.recording_id == rec.id))
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
