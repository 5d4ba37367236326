"""Reels: ordered sets of moments of one family, for one shared review (edits are undoable)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from vfeedback.core import text as texts
from vfeedback.core.dates import long_date
from vfeedback.core.errors import BadInput, NotFound
from vfeedback.core.model import Moment, Reel
from vfeedback.services import rows
from vfeedback.services.context import Context
from vfeedback.services.families import Families
from vfeedback.services.moments import Moments
from vfeedback.services.recordings import Recordings
from vfeedback.storage import tables as t


@dataclass(eq=False)
class Reels:
    ctx: Context
    families: Families
    recordings: Recordings
    moments: Moments

    def create(self, title: str, moment_ids: Sequence[int], date_text: str | None = None) -> Reel:
        """A reel of these moments in this order; they must all belong to one family."""
        moments = [self.moments.get(i) for i in moment_ids]
        if not moments:
            raise BadInput("A reel needs at least one moment.")
        family_id = self.family_of(moments)
        title = clean_title(title)
        today = date.today()
        when = texts.optional(date_text, texts.DATE_TEXT) or long_date(today)
        with self.ctx.edit(f"Create reel '{title}'") as tx:
            row = tx.insert(
                t.reels,
                {"family_id": family_id, "title": title, "date_text": when, "created_at": self.ctx.now()},
            )
            for position, m in enumerate(moments):
                tx.insert(t.reel_items, {"reel_id": row["id"], "moment_id": m.id, "position": position})
        return self.get(int(row["id"]))

    def set_moments(self, reel_id: int, moment_ids: Sequence[int]) -> Reel:
        """Reorder, add or remove the reel's moments: one undoable step."""
        reel = self.get(reel_id)
        moments = [self.moments.get(i) for i in moment_ids]
        if moments and self.family_of(moments) != reel.family_id:
            raise BadInput("A reel can only hold moments of its own family.")
        with self.ctx.edit(f"Change reel '{reel.title}'") as tx:
            for item_id in list(
                tx.conn.execute(select(t.reel_items.c.id).where(t.reel_items.c.reel_id == reel_id)).scalars()
            ):
                tx.delete(t.reel_items, item_id)
            for position, m in enumerate(moments):
                tx.insert(t.reel_items, {"reel_id": reel_id, "moment_id": m.id, "position": position})
        return self.get(reel_id)

    def get(self, reel_id: int) -> Reel:
        with self.ctx.read() as conn:
            row = conn.execute(select(t.reels).where(t.reels.c.id == reel_id)).mappings().first()
            if row is None:
                raise NotFound(f"There is no reel {reel_id} in this library.")
            return rows.reel(conn, row)

    def all(self, family: str | int | None = None) -> list[Reel]:
        query = select(t.reels).order_by(t.reels.c.id)
        if family is not None:
            query = query.where(t.reels.c.family_id == self.families.get(family).id)
        with self.ctx.read() as conn:
            return [rows.reel(conn, r) for r in conn.execute(query).mappings().all()]

    def family_of(self, moments: Sequence[Moment]) -> int:
        """The one family all ``moments`` belong to; a reel never mixes families."""
        families = {self.recordings.get(m.recording_id).family_id for m in moments}
        if len(families) != 1:
            raise BadInput("Those moments belong to different families; a reel is for one family.")
        return families.pop()


def clean_title(title: str) -> str:
    """A reel's title as kept; refuses an empty one."""
    title = texts.clean(title, texts.REEL_TITLE)
    if not title:
        raise BadInput("Give the reel a title, e.g. 'Our moments together'.")
    return title
