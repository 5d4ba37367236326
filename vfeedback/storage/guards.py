"""The database's own refusal to change the audit record or the consent register.

Both tables are append-only against every SQL path: UPDATE and DELETE are refused, and so is an
INSERT whose id already exists (SQLite's ``REPLACE`` / ``INSERT OR REPLACE`` would otherwise delete
the old row without firing a DELETE trigger). On PostgreSQL TRUNCATE is refused too, and the triggers
are ``ENABLE ALWAYS``, so they fire even for a session in ``session_replication_role = replica``.

One exception, deletion for good (``services/cases.py``): a family's consent entries may be
deleted only together with the audit entry that records the family's deletion. On PostgreSQL that
entry must have been written by the same transaction (its ``xmin`` is the current transaction); on
SQLite, whose writers are serialised, it must be the newest audit entry. Forging such an entry to
delete a live family's consents does not go unseen: the audit entry stays, and ``check`` finds the
consent changes the audit record holds for a family that still exists but are gone from its register.

A superuser or the file's owner can still drop or disable triggers. ``inspect`` (one query) finds that
on every open, ``restore`` puts them back and adds an audit entry saying so, which ``check`` reports;
the hash chains (``storage/chain.py``) show whatever was changed meanwhile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from vfeedback.storage import chain
from vfeedback.storage import tables as t

PROTECTED = ("audit_log", "consents")
PROTECTION = chain.PROTECTION

_DELETED = chain.FAMILY_DELETED

SQLITE_TRIGGERS: dict[str, str] = {
    "audit_log_no_update": """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END""",
    "audit_log_no_delete": """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit entries cannot be deleted'); END""",
    "audit_log_no_replace": """CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
       WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
       BEGIN SELECT RAISE(ABORT, 'audit entries cannot be replaced'); END""",
    "consents_no_update": """CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents
       BEGIN SELECT RAISE(ABORT, 'consent entries cannot be changed'); END""",
    "consents_no_replace": """CREATE TRIGGER consents_no_replace BEFORE INSERT ON consents
       WHEN EXISTS (SELECT 1 FROM consents WHERE id = NEW.id)
       BEGIN SELECT RAISE(ABORT, 'consent entries cannot be replaced'); END""",
    "consents_no_delete": f"""CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
       WHEN NOT EXISTS (
         SELECT 1 FROM audit_log a
         WHERE a.id = (SELECT max(id) FROM audit_log) AND a.action = 'delete'
           AND a.family_id = OLD.family_id AND substr(a.detail, 1, {len(_DELETED)}) = '{_DELETED}')
       BEGIN SELECT RAISE(ABORT, 'consent entries cannot be deleted, except with their family'); END""",
}

POSTGRES_FUNCTIONS: dict[str, str] = {
    "audit_log_refuse": """
       BEGIN RAISE EXCEPTION 'audit entries cannot be changed or deleted'; END """,
    "consents_guard": f"""
       BEGIN
         IF TG_OP = 'DELETE' THEN
           IF EXISTS (
             SELECT 1 FROM audit_log a
             WHERE a.action = 'delete' AND a.family_id = OLD.family_id
               AND left(a.detail, {len(_DELETED)}) = '{_DELETED}'
               AND a.xmin::text::bigint = txid_current() % 4294967296) THEN
             RETURN OLD;
           END IF;
         END IF;
         RAISE EXCEPTION 'consent entries cannot be changed or deleted, except with their family';
       END """,
}
# name: (table, when, function)
POSTGRES_TRIGGERS: dict[str, tuple[str, str, str]] = {
    "audit_log_no_change": ("audit_log", "BEFORE UPDATE OR DELETE", "FOR EACH ROW"),
    "audit_log_no_truncate": ("audit_log", "BEFORE TRUNCATE", "FOR EACH STATEMENT"),
    "consents_no_change": ("consents", "BEFORE UPDATE OR DELETE", "FOR EACH ROW"),
    "consents_no_truncate": ("consents", "BEFORE TRUNCATE", "FOR EACH STATEMENT"),
}
_PG_FUNCTION_OF = {"audit_log": "audit_log_refuse", "consents": "consents_guard"}


@dataclass(frozen=True, slots=True)
class Findings:
    """What is missing or not as vfeedback made it."""

    tables: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.tables or self.triggers)


def _norm(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


def inspect(conn: Connection) -> Findings:
    """One query: which protected tables are missing, which guards are missing or altered."""
    if conn.dialect.name == "sqlite":
        return _inspect_sqlite(conn)
    if conn.dialect.name == "postgresql":
        return _inspect_postgres(conn)
    return Findings()


def _inspect_sqlite(conn: Connection) -> Findings:
    found = {
        (str(kind), str(name)): str(sql or "")
        for kind, name, sql in conn.execute(
            text(
                "SELECT type, name, sql FROM sqlite_master WHERE (type = 'table' AND name IN "
                "('audit_log', 'consents')) OR (type = 'trigger' AND tbl_name IN ('audit_log', 'consents'))"
            )
        )
    }
    tables = tuple(name for name in PROTECTED if ("table", name) not in found)
    triggers = tuple(
        name for name, sql in SQLITE_TRIGGERS.items() if _norm(found.get(("trigger", name))) != _norm(sql)
    )
    return Findings(tables, triggers)


def _inspect_postgres(conn: Connection) -> Findings:
    rows = conn.execute(
        text(
            """
            SELECT 'table', c.relname, '' FROM pg_class c
             WHERE c.relkind = 'r' AND c.relname IN ('audit_log', 'consents') AND pg_table_is_visible(c.oid)
            UNION ALL
            SELECT 'trigger', g.tgname, g.tgenabled::text || ' ' || p.proname FROM pg_trigger g
              JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_proc p ON p.oid = g.tgfoid
             WHERE NOT g.tgisinternal AND c.relname IN ('audit_log', 'consents')
               AND pg_table_is_visible(c.oid)
            UNION ALL
            SELECT 'function', p.proname, p.prosrc FROM pg_proc p
             WHERE p.proname IN ('audit_log_refuse', 'consents_guard') AND pg_function_is_visible(p.oid)
            """
        )
    ).all()
    found = {(str(kind), str(name)): str(value) for kind, name, value in rows}
    tables = tuple(name for name in PROTECTED if ("table", name) not in found)
    bad_functions = {
        name
        for name, body in POSTGRES_FUNCTIONS.items()
        if _norm(found.get(("function", name))) != _norm(body)
    }
    triggers = tuple(
        name
        for name, (table, _, _) in POSTGRES_TRIGGERS.items()
        if found.get(("trigger", name)) != f"A {_PG_FUNCTION_OF[table]}"
        or _PG_FUNCTION_OF[table] in bad_functions
    )
    return Findings(tables, triggers)


def install(conn: Connection) -> None:
    """Create (or re-create) every guard; the tables must exist."""
    if conn.dialect.name == "sqlite":
        for name, sql in SQLITE_TRIGGERS.items():
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            conn.execute(text(sql))
    elif conn.dialect.name == "postgresql":
        for name, body in POSTGRES_FUNCTIONS.items():
            conn.execute(
                text(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
            )
        for name, (table, when, each) in POSTGRES_TRIGGERS.items():
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            fn = _PG_FUNCTION_OF[table]
            conn.execute(text(f"CREATE TRIGGER {name} {when} ON {table} {each} EXECUTE FUNCTION {fn}()"))
            # ALWAYS: the guard fires in replica sessions too (session_replication_role = replica).
            conn.execute(text(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}"))


def restore(conn: Connection, actor: str) -> Findings:
    """Put back what ``inspect`` finds missing or altered (inside the caller's write transaction), and
    say so in the audit record. Returns what was found."""
    chain.lock(conn)
    found = inspect(conn)  # again, under the lock: another process may have restored it meanwhile
    if not found:
        return found
    for name in found.tables:
        t.metadata.tables[name].create(conn)
    install(conn)
    sentences = []
    if "audit_log" in found.tables:
        sentences.append("The audit record was missing from the database and was started again")
    if "consents" in found.tables:
        sentences.append("The consent register was missing from the database and was created again, empty")
    if found.triggers:
        sentences.append(
            "The database's protection of the audit record and consent register was found removed or "
            f"changed ({', '.join(found.triggers)}) and was put back"
        )
    chain.append_audit(
        conn,
        {
            "at": datetime.now(UTC),
            "actor": actor,
            "action": PROTECTION,
            "detail": "; ".join(sentences),
        },
    )
    return found
