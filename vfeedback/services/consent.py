"""Consent per family and purpose.

Consent entries are never edited: giving or withdrawing adds an entry, and the latest entry of a
purpose is its state. Every export names a purpose and is refused unless that purpose's consent is
given now; withdrawal therefore blocks new exports at once, and lists every file exported under that
purpose, from the audit record (which names each file's destination and whether private notes went
into it), including copies outside the library and files since deleted from it.

The register is append-only and hash-chained by the storage layer (``storage/chain.py``,
``storage/guards.py``): every entry goes through ``_consent`` here, which appends it, with the audit
entry it names, at the head of the chains inside one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput, ConsentMissing
from vfeedback.core.model import ConsentEntry, Highlight, Purpose, purpose_of
from vfeedback.services import rows
from vfeedback.services.audit import Audit
from vfeedback.services.context import Context
from vfeedback.services.families import Families
from vfeedback.services.rows import utc
from vfeedback.services.undo import Changes
from vfeedback.storage import chain
from vfeedback.storage import tables as t


@dataclass(eq=False)
class Consent:
    ctx: Context
    families: Families
    audit: Audit

    def register(self, family: str | int) -> list[ConsentEntry]:
        """Every entry for the family, oldest first."""
        fam = self.families.get(family)
        c = t.consents
        with self.ctx.read() as conn:
            rows = conn.execute(select(c).where(c.c.family_id == fam.id).order_by(c.c.id)).mappings().all()
        return [
            ConsentEntry(
                id=r["id"],
                family_id=r["family_id"],
                purpose=Purpose(r["purpose"]),
                given=bool(r["given"]),
                on_date=r["on_date"],
                recorded_by=r["recorded_by"],
                recorded_at=utc(r["recorded_at"]),
            )
            for r in rows
        ]

    def state(self, family: str | int) -> dict[Purpose, ConsentEntry | None]:
        """Each purpose's latest entry (None: never recorded, which counts as not given)."""
        state: dict[Purpose, ConsentEntry | None] = dict.fromkeys(Purpose)
        for entry in self.register(family):
            state[entry.purpose] = entry
        return state

    def has(self, family: str | int, purpose: Purpose | str) -> bool:
        entry = self.state(family)[purpose_of(purpose)]
        return entry is not None and entry.given

    def require(self, family: str | int, purpose: Purpose | str) -> None:
        wanted = purpose_of(purpose)
        if not self.has(family, wanted):
            fam = self.families.get(family)
            raise ConsentMissing(
                f"Family {fam.code} has not given consent for {wanted.wording}; record it first "
                f"(vfeedback consent {fam.code} --give {wanted.value} --by NAME)."
            )

    def give(
        self, family: str | int, purpose: Purpose | str, by: str, on: date | None = None
    ) -> ConsentEntry:
        return self._consent(family, purpose_of(purpose), True, by, on)

    def withdraw(
        self, family: str | int, purpose: Purpose | str, by: str, on: date | None = None
    ) -> tuple[ConsentEntry, list[Highlight]]:
        """Record the withdrawal; returns it and the exports under that purpose still kept in the
        library (``audit.exported_files`` lists every file ever exported for it, wherever it went)."""
        wanted = purpose_of(purpose)
        entry = self._consent(family, wanted, False, by, on)
        h = t.highlights
        query = select(h).where(h.c.family_id == entry.family_id, h.c.purpose == wanted.value)
        with self.ctx.read() as conn:
            kept = [rows.highlight(conn, r) for r in conn.execute(query.order_by(h.c.id.desc())).mappings()]
        return entry, kept

    def _consent(
        self, family: str | int, purpose: Purpose, given: bool, by: str, on: date | None
    ) -> ConsentEntry:
        fam = self.families.get(family)
        # On a server library the login records it (the audit names it; check compares the two).
        who = self.ctx.login or texts.clean(by, texts.PERSON, "name of who recorded the consent")
        if not who:
            raise BadInput("Say who recorded the consent (--by NAME).")
        when = on or date.today()
        if when > date.today():
            raise BadInput("A consent date cannot be in the future.")
        with self.ctx.write() as conn:
            # The audit entry first: the consent entry names it, and check compares the two.
            detail = chain.consent_detail(purpose.wording, given, when)
            audit_id = self.audit.record(conn, "consent", fam, detail, purpose.value, actor=who)
            chain.append_consent(
                conn,
                {
                    "family_id": fam.id,
                    "purpose": purpose.value,
                    "given": given,
                    "on_date": when,
                    "recorded_by": who,
                    "recorded_at": self.ctx.now(),
                    "audit_id": audit_id,
                },
            )
        # Every open view of the family (its consent panel, a dialog waiting on it) redraws.
        self.ctx.announce(Changes("Record consent", {"consents": frozenset({fam.id})}))
        return self.register(fam.id)[-1]
