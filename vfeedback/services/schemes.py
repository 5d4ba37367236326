"""Coding schemes and their codes: the shipped ones, imported ones, and finding a code by name."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select

from vfeedback.core.errors import BadInput, Conflict, NotFound
from vfeedback.core.model import Code, Scheme
from vfeedback.services import rows
from vfeedback.services.context import Context
from vfeedback.storage import tables as t

# Scheme files (TOML) are read only when a scheme is imported or a new library seeded: opening a
# library that has its schemes does not load the reader (tests/test_layering.py).
if TYPE_CHECKING:
    from vfeedback.core.schemes import CodeSpec, SchemeSpec

DEFAULT_SCHEME_KEY = "default_scheme_id"
Inserter = Callable[[Any, dict[str, Any]], int]


@dataclass(eq=False)
class Schemes:
    ctx: Context

    def all(self) -> list[Scheme]:
        with self.ctx.read() as conn:
            return _load_schemes(conn)

    def get(self, ref: str | int | None = None) -> Scheme:
        """By id or name; None for the library's default scheme."""
        all_schemes = self.all()
        if ref is None:
            default = self.ctx.setting(DEFAULT_SCHEME_KEY)
            for s in all_schemes:
                if default is not None and str(s.id) == default:
                    return s
            if all_schemes:
                return all_schemes[0]
            raise NotFound("This library has no coding scheme; import one first.")
        for s in all_schemes:
            if str(s.id) == str(ref).strip() or s.name.lower() == str(ref).strip().lower():
                return s
        raise NotFound(f"There is no coding scheme called {ref}.")

    def import_file(self, path: Path) -> Scheme:
        from vfeedback.interchange.scheme_file import load_scheme

        spec = load_scheme(Path(path))
        with self.ctx.edit(f"Import coding scheme {spec.name}") as tx:
            taken = tx.conn.execute(
                select(t.coding_schemes.c.id).where(t.coding_schemes.c.name == spec.name)
            ).first()
            if taken is not None:
                raise Conflict(f"A coding scheme called {spec.name} is already in the library.")
            scheme_id = insert_scheme(
                lambda table, v: int(tx.insert(table, v)["id"]), spec, False, self.ctx.now()
            )
        return self.get(scheme_id)

    def code(self, ref: str | int, scheme: str | int | None = None) -> Code:
        """A code by id, by name, or by ``Principle/Sub-item``; names are looked up in ``scheme``
        (default: the library's default scheme, then every other scheme)."""
        text = str(ref).strip()
        every = self.all()
        if text.isdigit():
            for s in every:
                for c in s.codes:
                    if c.id == int(text):
                        return c
            raise NotFound(f"There is no code with id {text}.")
        scopes = [[self.get(scheme)]] if scheme is not None else [[self.get()], every]
        wanted = text.lower().replace(" / ", "/")
        for scope in scopes:
            hits = [
                c
                for s in scope
                for c in s.codes
                if c.name.lower() == wanted or c.label.lower().replace(" / ", "/") == wanted
            ]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                choices = "; ".join(f"{c.label} (id {c.id})" for c in hits[:5])
                raise BadInput(f"The code '{text}' is ambiguous; give its id or full name: {choices}.")
        raise NotFound(f"There is no code called '{text}'; `vfeedback schemes` lists them.")

    def seed(self) -> None:
        """Install the shipped schemes into a new library (not an undoable action)."""
        with self.ctx.read() as conn:
            if _has_schemes(conn):
                return
        with self.ctx.write() as conn:
            if not _has_schemes(conn):
                self._install_builtin(conn)

    def _install_builtin(self, conn: Connection) -> None:
        from vfeedback.core.schemes import DEFAULT_SCHEME_NAME
        from vfeedback.interchange.scheme_file import builtin_scheme_paths, load_scheme

        def plain_insert(table: Any, values: dict[str, Any]) -> int:
            pk = conn.execute(insert(table).values(**values)).inserted_primary_key
            assert pk is not None
            return int(pk[0])

        default_id = None
        for path in builtin_scheme_paths():
            spec = load_scheme(path)
            scheme_id = insert_scheme(plain_insert, spec, True, self.ctx.now())
            if spec.name == DEFAULT_SCHEME_NAME:
                default_id = scheme_id
        if default_id is not None:
            conn.execute(insert(t.settings).values(key=DEFAULT_SCHEME_KEY, value=str(default_id)))


def _has_schemes(conn: Connection) -> bool:
    return conn.execute(select(t.coding_schemes.c.id).limit(1)).first() is not None


def insert_scheme(add: Inserter, spec: SchemeSpec, builtin: bool, now: datetime) -> int:
    scheme_id = add(
        t.coding_schemes,
        {
            "name": spec.name,
            "version": spec.version,
            "description": spec.description,
            "attribution": spec.attribution,
            "builtin": builtin,
            "created_at": now,
            "suggestions": json.dumps(dict(spec.suggestions)) if spec.suggestions else None,
        },
    )
    position = 0

    def add_code(code: CodeSpec, parent: int | None) -> int:
        nonlocal position
        position += 1
        return add(
            t.codes,
            {
                "scheme_id": scheme_id,
                "parent_id": parent,
                "name": code.name,
                "description": code.description,
                "colour": code.colour,
                "key": code.key,
                "kind": str(code.kind),
                "parent_wording": code.parent_wording,
                "default_actor": str(code.default_actor) if code.default_actor else None,
                "position": position,
            },
        )

    for principle in spec.codes:
        principle_id = add_code(principle, None)
        for child in principle.children:
            add_code(child, principle_id)
    return scheme_id


def _load_schemes(conn: Connection) -> list[Scheme]:
    code_rows = conn.execute(select(t.codes).order_by(t.codes.c.scheme_id, t.codes.c.position))
    names = {}
    by_scheme: dict[int, list[Any]] = {}
    for r in code_rows.mappings():
        names[r["id"]] = r["name"]
        by_scheme.setdefault(r["scheme_id"], []).append(r)
    result = []
    for s in conn.execute(select(t.coding_schemes).order_by(t.coding_schemes.c.id)).mappings():
        codes = tuple(
            rows.code(r, names[r["parent_id"]] if r["parent_id"] else r["name"])
            for r in by_scheme.get(s["id"], [])
        )
        result.append(
            Scheme(
                id=s["id"],
                name=s["name"],
                version=s["version"],
                description=s["description"],
                attribution=s["attribution"],
                builtin=bool(s["builtin"]),
                codes=codes,
            )
        )
    return result
