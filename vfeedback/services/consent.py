"""Consent per family and purpose, and the append-only record of who did what.

Consent entries are never edited: giving or withdrawing adds an entry, and the latest entry of a
purpose is its state. Every export names a purpose and is refused unless that purpose's consent is
given now; withdrawal therefore blocks new exports at once, and lists every file exported under that
purpose, from the audit record (which names each file's destination and whether private notes went
into it), including copies outside the library and files since deleted from it.

Both records are append-only and hash-chained by the storage layer (``storage/chain.py``,
``storage/guards.py``): every entry goes through ``_audit`` and ``_consent`` here, which append at the
head of the chain inside the caller's transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, select

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput, ConsentMissing
from vfeedback.core.model import AuditEntry, ConsentEntry, Family, Highlight, Purpose
from vfeedback.services.base import LibraryBase
from vfeedback.services.rows import utc
from vfeedback.storage import chain
from vfeedback.storage import tables as t


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """A file the audit record says was exported: where, when, what, and whether notes went with it."""

    audit_id: int
    path: str | None
    """Absolute; None for exports recorded before destinations were kept."""
    at: datetime
    what: str
    notes: bool | None
    """None: not recorded (exports made before it was kept)."""


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
    destination: Callable[..., Path]
    save_outside: Callable[..., Path]

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
        """Record the withdrawal; returns it and the exports under that purpose still kept in the
        library (``exported_files`` lists every file ever exported for it, wherever it went)."""
        wanted = purpose_of(purpose)
        entry = self._consent(family, wanted, False, by, on)
        exported = [h for h in self.highlights(family) if h.purpose == wanted.value]
        return entry, exported

    def exported_files(self, family: str | int, purpose: Purpose | str) -> list[ExportedFile]:
        """Every file the audit record says was exported for the family under ``purpose``, oldest
        first: into the library or outside it, still there or not."""
        fam = self.family(family)
        wanted = purpose_of(purpose)
        a = t.audit_log
        query = (
            select(a)
            .where(a.c.family_id == fam.id, a.c.purpose == wanted.value)
            .where((a.c.action == "export") | a.c.destination.is_not(None))
            .order_by(a.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).mappings().all()
        found = []
        for r in rows:
            where = r["destination"]
            if where is not None and not Path(where).is_absolute():
                where = str(self.root / where)
            found.append(ExportedFile(r["id"], where, utc(r["at"]), r["detail"], r["notes"]))
        return found

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
            # The audit entry first: the consent entry names it, and check compares the two.
            detail = chain.consent_detail(purpose.wording, given, when)
            audit_id = self._audit_entry(conn, "consent", fam, detail, purpose.value, who, None, None)
            chain.append_consent(
                conn,
                {
                    "family_id": fam.id,
                    "purpose": purpose.value,
                    "given": given,
                    "on_date": when,
                    "recorded_by": who,
                    "recorded_at": self.now(),
                    "audit_id": audit_id,
                },
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
        destination: str | None = None,
        notes: bool | None = None,
    ) -> None:
        """One append-only entry, inside the caller's transaction (so it exists iff the act does).
        For an export, ``destination`` is where the file went (absolute outside the library,
        library-relative inside it) and ``notes`` whether private notes went into it."""
        self._audit_entry(conn, action, family, detail, purpose, actor, destination, notes)

    def _audit_entry(
        self,
        conn: Connection,
        action: str,
        family: Family | None,
        detail: str,
        purpose: str | None,
        actor: str | None,
        destination: str | None,
        notes: bool | None,
    ) -> int:
        """``_audit``, returning the new entry's id."""
        return chain.append_audit(
            conn,
            {
                "at": self.now(),
                "actor": actor or self.user,
                "action": action,
                "family_id": family.id if family else None,
                "family_code": family.code if family else None,
                "purpose": purpose,
                "detail": detail,
                "destination": destination,
                "notes": notes,
            },
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
                destination=r["destination"],
                notes=r["notes"],
                hash=r["hash"],
            )
            for r in rows
        ]

    def audit_head(self) -> tuple[int, str] | None:
        """The newest entry's id and hash: an anchor a service can note elsewhere (a later rewrite of
        the whole record cannot keep it)."""
        with self._read() as conn:
            return chain.audit_head(conn)

    def audit_csv(self, path: Path, family: str | int | None = None) -> int:
        """Write the audit record as CSV (UTF-8); returns the number of entries. The file itself is
        recorded as an export (it names families and files)."""
        target = self.destination(path)
        fam = self.family(family) if family is not None else None
        entries = self.audit(family)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(
            ["id", "at", "actor", "action", "family", "purpose", "detail", "destination", "notes", "hash"]
        )
        for e in entries:
            writer.writerow(
                [
                    e.id, e.at.isoformat(), e.actor, e.action, e.family_code or "", e.purpose or "",
                    e.detail, e.destination or "", "" if e.notes is None else ("yes" if e.notes else "no"),
                    e.hash or "",
                ]
            )  # fmt: skip
        self.save_outside(target, buffer.getvalue().encode("utf-8"))
        self._audit_now(
            "export", fam, f"Audit record ({len(entries)} entries) to {target.name}",
            destination=str(target), notes=False,
        )  # fmt: skip
        return len(entries)

    def _audit_now(
        self,
        action: str,
        family: Family | None,
        detail: str,
        purpose: str | None = None,
        *,
        destination: str | None = None,
        notes: bool | None = None,
    ) -> None:
        with self.db.write() as conn:
            self._audit(conn, action, family, detail, purpose, destination=destination, notes=notes)
