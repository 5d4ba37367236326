"""Families, known by a pseudonymous case code."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from vfeedback.core import text as texts
from vfeedback.core.errors import Conflict, NotFound
from vfeedback.core.model import Family
from vfeedback.services import rows
from vfeedback.services.context import Context
from vfeedback.storage import tables as t

check_case_code = texts.case_code


@dataclass(eq=False)
class Families:
    ctx: Context

    def add(self, code: str, label: str | None = None) -> Family:
        code = check_case_code(code)
        with self.ctx.edit(f"Add family {code}") as tx:
            if _find(tx.conn, code) is not None:
                raise Conflict(f"There is already a family with case code {code}.")
            row = tx.insert(t.families, {"code": code, "label": _clean(label), "created_at": self.ctx.now()})
        return rows.family(row)

    def edit(self, family: str | int, *, code: str | None = None, label: str | None = None) -> Family:
        current = self.get(family)
        values: dict[str, object] = {}
        if code is not None and code.strip() != current.code:
            values["code"] = check_case_code(code)
        if label is not None:
            values["label"] = _clean(label)
        if not values:
            return current
        with self.ctx.edit(f"Edit family {current.code}") as tx:
            if "code" in values and _find(tx.conn, str(values["code"])) is not None:
                raise Conflict(f"There is already a family with case code {values['code']}.")
            _, after = tx.update(t.families, current.id, values)
        return rows.family(after)

    def all(self) -> list[Family]:
        with self.ctx.read() as conn:
            result = conn.execute(select(t.families).order_by(t.families.c.code)).mappings()
            return [rows.family(r) for r in result]

    def get(self, ref: str | int) -> Family:
        """By case code (case-insensitive) or by id."""
        with self.ctx.read() as conn:
            row = _find(conn, ref)
        if row is None:
            raise NotFound(f"There is no family with case code {ref}.")
        return rows.family(row)


def _find(conn: Connection, ref: str | int) -> dict[str, object] | None:
    fam = t.families
    if isinstance(ref, int):
        query = select(fam).where(fam.c.id == ref)
    else:
        query = select(fam).where(func.lower(fam.c.code) == ref.strip().lower())
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


def _clean(label: str | None) -> str | None:
    return texts.optional(label, texts.FAMILY_LABEL)
