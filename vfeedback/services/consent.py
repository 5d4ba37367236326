"""Consent per family and purpose, and the append-only record of who did what.

Consent entries are never edited: giving or withdrawing adds an entry, and the latest entry of a
purpose is its state. Every export names a purpose and is refused unless that purpose's consent is
given now; withdrawal therefore blocks new exports at once, and lists the files already exported under
that purpose so they can be deleted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, insert, select

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput, ConsentMissing
from vfeedback.core.model import AuditEntry, ConsentEntry, Family, Highlight, Purpose
from vfeedback.services.base import LibraryBase
from vfeedback.services.rows import utc
from vfeedback.storage import tables as t
from vfeedback.storage.files import save_private


def purpose_of(text: str | Purpose) -> Purpose:
    try:
        return Purpose(str(text).strip().lower())
    except ValueError:
        raise BadInput(
            f"'{text}' is not a purpose: use feedback, supervision, training or research."
        ) from None


class ConsentMixin(LibraryBase):
    # Provided by the other mixins of Library.
    family: Callable[..., Family]
    highlights: Callable[..., list[Highlight]]

    def consent_register(self, family: str | int) -> list[ConsentEntry]:
        """Every entry for the family, oldest first."""
        fam = self.family(family)
        c = t.consents
        with self._read() as conn:
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

    def consent_state(self, family: str | int) -> dict[Purpose, ConsentEntry | None]:
        """Each purpose's latest entry (None: never recorded, which counts as not given)."""
        state: dict[Purpose, ConsentEntry | None] = dict.fromkeys(Purpose)
        for entry in self.consent_register(family):
            state[entry.purpose] = entry
        return state

    def has_consent(self, family: str | int, purpose: Purpose | str) -> bool:
        entry = self.consent_state(family)[purpose_of(purpose)]
        return entry is not None and entry.given

    def require_consent(self, family: str | int, purpose: Purpose | str) -> None:
        wanted = purpose_of(purpose)
        if not self.has_consent(family, wanted):
            fam = self.family(family)
            raise ConsentMissing(
                f"Family {fam.code} has not given consent for {wanted.wording}; record it first "
                f"(vfeedback consent {fam.code} --give {wanted.value} --by NAME)."
            )

    def give_consent(
        self, family: str | int, purpose: Purpose | str, by: str, on: date | None = None
    ) -> ConsentEntry:
        return self._consent(family, purpose_of(purpose), True, by, on)

    def withdraw_consent(
        self, family: str | int, purpose: Purpose | str, by: str, on: date | None = None
    ) -> tuple[ConsentEntry, list[Highlight]]:
        """Record the withdrawal; returns it and the files already exported under that purpose."""
        wanted = purpose_of(purpose)
        entry = self._consent(family, wanted, False, by, on)
        exported = [h for h in self.highlights(family) if h.purpose == wanted.value]
        return entry, exported

    def _consent(
        self, family: str | int, purpose: Purpose, given: bool, by: str, on: date | None
    ) -> ConsentEntry:
        fam = self.family(family)
        who = texts.clean(by, texts.PERSON, "name of who recorded the consent")
        if not who:
            raise BadInput("Say who recorded the consent (--by NAME).")
        when = on or date.today()
        if when > date.today():
            raise BadInput("A consent date cannot be in the future.")
        with self.db.write() as conn:
            conn.execute(
                insert(t.consents).values(
                    family_id=fam.id,
                    purpose=purpose.value,
                    given=given,
                    on_date=when,
                    recorded_by=who,
                    recorded_at=self.now(),
                )
            )
            verb = "given" if given else "withdrawn"
            self._audit(
                conn,
                "consent",
                fam,
                f"Consent for {purpose.wording} {verb} on {when.isoformat()}",
                purpose.value,
                actor=who,
            )
        return self.consent_register(fam.id)[-1]

    # --- the audit record -----------------------------------------------------------------------
    def _audit(
        self,
        conn: Connection,
        action: str,
        family: Family | None,
        detail: str,
        purpose: str | None = None,
        *,
        actor: str | None = None,
    ) -> None:
        """One append-only entry, inside the caller's transaction (so it exists iff the act does)."""
        conn.execute(
            insert(t.audit_log).values(
                at=self.now(),
                actor=actor or self.user,
                action=action,
                family_id=family.id if family else None,
                family_code=family.code if family else None,
                purpose=purpose,
                detail=detail,
            )
        )

    def audit(self, family: str | int | None = None) -> list[AuditEntry]:
        a = t.audit_log
        query = select(a).order_by(a.c.id)
        if family is not None:
            query = query.where(a.c.family_id == self.family(family).id)
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            AuditEntry(
                id=r["id"],
                at=utc(r["at"]),
                actor=r["actor"],
                action=r["action"],
                family_id=r["family_id"],
                family_code=r["family_code"],
                purpose=r["purpose"],
                detail=r["detail"],
            )
            for r in rows
        ]

    def audit_csv(self, path: Path, family: str | int | None = None) -> int:
        """Write the audit record as CSV (UTF-8); returns the number of entries."""
        entries = self.audit(family)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(["id", "at", "actor", "action", "family", "purpose", "detail"])
        for e in entries:
            writer.writerow(
                [e.id, e.at.isoformat(), e.actor, e.action, e.family_code or "", e.purpose or "", e.detail]
            )
        save_private(Path(path), buffer.getvalue().encode("utf-8"))
        return len(entries)

    def _audit_now(self, action: str, family: Family | None, detail: str, purpose: str | None = None) -> None:
        with self.db.write() as conn:
            self._audit(conn, action, family, detail, purpose)
