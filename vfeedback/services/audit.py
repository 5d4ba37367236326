"""The append-only record of who did what: imports, exports (with where each file went and whether
private notes went into it), reviews, deletions and consent changes.

The record is hash-chained and guarded by the storage layer (``storage/chain.py``,
``storage/guards.py``): every entry goes through ``record`` here, which appends at the head of the
chain inside the caller's transaction, so an entry exists exactly when its act does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, select

from vfeedback.core.model import AuditEntry, Family, Purpose, purpose_of
from vfeedback.core.text import spreadsheet_safe
from vfeedback.services.context import Context
from vfeedback.services.families import Families
from vfeedback.services.files import Files
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


@dataclass(eq=False)
class Audit:
    ctx: Context
    families: Families
    files: Files

    def record(
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
    ) -> int:
        """One append-only entry, inside the caller's transaction (so it exists iff the act does);
        returns its id. For an export, ``destination`` is where the file went (absolute outside the
        library, library-relative inside it) and ``notes`` whether private notes went into it."""
        return chain.append_audit(
            conn,
            {
                "at": self.ctx.now(),
                # On a server library the login, whatever name was typed (issue 16).
                "actor": self.ctx.login or actor or self.ctx.user,
                "action": action,
                "family_id": family.id if family else None,
                "family_code": family.code if family else None,
                "purpose": purpose,
                "detail": detail,
                "destination": destination,
                "notes": notes,
            },
        )

    def entries(self, family: str | int | None = None) -> list[AuditEntry]:
        a = t.audit_log
        query = select(a).order_by(a.c.id)
        if family is not None:
            query = query.where(a.c.family_id == self.families.get(family).id)
        with self.ctx.read() as conn:
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

    def head(self) -> tuple[int, str] | None:
        """The newest entry's id and hash: an anchor a service can note elsewhere (a later rewrite of
        the whole record cannot keep it)."""
        with self.ctx.read() as conn:
            return chain.audit_head(conn)

    def write_csv(self, path: Path, family: str | int | None = None) -> int:
        """Write the audit record as CSV (UTF-8); returns the number of entries. The file itself is
        recorded as an export (it names families and files). Every text cell goes through the
        spreadsheet guard: the record keeps whatever a caller gave it, and a CSV is opened in Excel."""
        target = self.files.destination(path)
        fam = self.families.get(family) if family is not None else None
        entries = self.entries(family)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(
            ["id", "at", "actor", "action", "family", "purpose", "detail", "destination", "notes", "hash"]
        )
        for e in entries:
            writer.writerow(
                [
                    e.id, e.at.isoformat(), spreadsheet_safe(e.actor), spreadsheet_safe(e.action),
                    spreadsheet_safe(e.family_code or ""), spreadsheet_safe(e.purpose or ""),
                    spreadsheet_safe(e.detail), spreadsheet_safe(e.destination or ""),
                    "" if e.notes is None else ("yes" if e.notes else "no"), spreadsheet_safe(e.hash or ""),
                ]
            )  # fmt: skip
        self.files.save(target, buffer.getvalue().encode("utf-8"))
        self.record_now(
            "export", fam, f"Audit record ({len(entries)} entries) to {target.name}",
            destination=str(target), notes=False,
        )  # fmt: skip
        return len(entries)

    def record_now(
        self,
        action: str,
        family: Family | None,
        detail: str,
        purpose: str | None = None,
        *,
        destination: str | None = None,
        notes: bool | None = None,
    ) -> None:
        with self.ctx.write() as conn:
            self.record(conn, action, family, detail, purpose, destination=destination, notes=notes)

    def exported_files(self, family: str | int, purpose: Purpose | str) -> list[ExportedFile]:
        """Every file the audit record says was exported for the family under ``purpose``, oldest
        first: into the library or outside it, still there or not."""
        fam = self.families.get(family)
        wanted = purpose_of(purpose)
        a = t.audit_log
        query = (
            select(a)
            .where(a.c.family_id == fam.id, a.c.purpose == wanted.value)
            .where((a.c.action == "export") | a.c.destination.is_not(None))
            .order_by(a.c.id)
        )
        with self.ctx.read() as conn:
            rows = conn.execute(query).mappings().all()
        found = []
        for r in rows:
            where = r["destination"]
            if where is not None and not Path(where).is_absolute():
                where = str(self.ctx.root / where)
            found.append(ExportedFile(r["id"], where, utc(r["at"]), r["detail"], r["notes"]))
        return found
