"""Families, known by a pseudonymous case code."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, func, select

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput, Conflict, NotFound
from vfeedback.core.model import Family
from vfeedback.services import rows
from vfeedback.services.base import LibraryBase
from vfeedback.storage import tables as t

check_case_code = texts.case_code


class FamiliesMixin(LibraryBase):
    def add_family(self, code: str, label: str | None = None) -> Family:
        code = check_case_code(code)
        with self._edit(f"Add family {code}") as tx:
            if _find(tx.conn, code) is not None:
                raise Conflict(f"There is already a family with case code {code}.")
            row = tx.insert(t.families, {"code": code, "label": _clean(label), "created_at": self.now()})
        return rows.family(row)

    def edit_family(self, family: str | int, *, code: str | None = None, label: str | None = None) -> Family:
        current = self.family(family)
        values: dict[str, object] = {}
        if code is not None and code.strip() != current.code:
            values["code"] = check_case_code(code)
        if label is not None:
            values["label"] = _clean(label)
        if not values:
            return current
        with self._edit(f"Edit family {current.code}") as tx:
            if "code" in values and _find(tx.conn, str(values["code"])) is not None:
                raise Conflict(f"There is already a family with case code {values['code']}.")
            _, after = tx.update(t.families, current.id, values)
        return rows.family(after)

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

        current = self.family(family)
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
        with self._edit(f"Set retention for family {current.code}") as tx:
            _, after = tx.update(t.families, current.id, values)
        return rows.family(after)

    def due_for_deletion(self, today: date | None = None) -> list[tuple[Family, date]]:
        """Families whose retention rule says their recordings must now be deleted, earliest first."""
        from vfeedback.core.retention import due_date

        today = today or date.today()
        due = []
        for fam in self.families():
            if fam.retention_rule:
                when = due_date(fam.retention_rule, fam.closed_on)
                if when is not None and when <= today:
                    due.append((fam, when))
        return sorted(due, key=lambda pair: pair[1])

    def families(self) -> list[Family]:
        with self._read() as conn:
            result = conn.execute(select(t.families).order_by(t.families.c.code)).mappings()
            return [rows.family(r) for r in result]

    def family(self, ref: str | int) -> Family:
        """By case code (case-insensitive) or by id."""
        with self._read() as conn:
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
