"""The audit record and the consent register as hash chains: appending, and verifying.

Each row carries ``prev_hash`` (the hash of the row before it in its chain) and ``hash``, the SHA-256
of the row's canonical encoding. The audit record is one chain in id order; the consent register is
one chain per family (so deleting a family for good removes its whole chain and leaves every other
family's chain verifiable). A row changed, removed from the middle or inserted out of turn breaks its
chain. Removing the *last* rows of a chain leaves a valid, shorter chain, so ``check`` also compares
the audit record's highest id with the number the database's own sequence has handed out, and every
consent entry with the audit entry written in the same transaction (``consents.audit_id``).

The canonical encoding (stable across SQLite and PostgreSQL, and across Python versions): a JSON
array, compact (``separators=(",", ":")``), UTF-8 without escaping (``ensure_ascii=False``), of

    [kind, <the row's fields in the fixed order below>, prev_hash]

where ``kind`` is ``"vfeedback-audit-v1"`` or ``"vfeedback-consent-v1"``; integers are JSON numbers;
text is the exact stored string; NULL is ``null``; booleans are ``true``/``false``; timestamps are
UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (a naive value, as SQLite returns it, is UTC: everything
vfeedback writes is); dates are ``YYYY-MM-DD``. The first row of a chain has ``prev_hash`` = 64 zeros.

Someone with full write access to the database can still rewrite a whole chain consistently; what
they cannot do is change a row without either breaking the chain or changing the head hash, which
``vfeedback audit --json`` shows and a service can note elsewhere as an anchor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text

from vfeedback.storage import tables as t

GENESIS = "0" * 64
AUDIT_KIND = "vfeedback-audit-v1"
CONSENT_KIND = "vfeedback-consent-v1"
AUDIT_FIELDS = (
    "id", "at", "actor", "action", "family_id", "family_code", "purpose", "detail", "destination", "notes",
)  # fmt: skip
CONSENT_FIELDS = (
    "id", "family_id", "purpose", "given", "on_date", "recorded_by", "recorded_at", "audit_id",
)  # fmt: skip
# Every append takes this PostgreSQL advisory lock (SQLite's write lock is taken at BEGIN), so two
# clients never read the same chain head and fork the chain.
PG_LOCK_KEY = 0x7646_6565_6462_6B31
PROTECTION = "protection"
"""The action of an entry vfeedback writes when it finds the record's protection broken (guards
removed, entries removed from the end); ``check`` reports every such entry."""
FAMILY_DELETED = "Deleted family "
"""How the audit entry of a family's deletion for good begins: the consent guard looks for it."""

Row = Mapping[Any, Any]


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def canonical(kind: str, fields: Iterable[str], row: Row) -> bytes:
    """The bytes a row's hash is taken over (see the module docstring)."""
    values = [kind, *(_value(row[f]) for f in fields), row["prev_hash"]]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def audit_hash(row: Row) -> str:
    return hashlib.sha256(canonical(AUDIT_KIND, AUDIT_FIELDS, row)).hexdigest()


def consent_hash(row: Row) -> str:
    return hashlib.sha256(canonical(CONSENT_KIND, CONSENT_FIELDS, row)).hexdigest()


# --- appending ------------------------------------------------------------------------------------
def lock(conn: Connection) -> None:
    """Serialise appends on a server database (inside the caller's transaction)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def append_audit(conn: Connection, values: Mapping[str, Any]) -> int:
    """Add one audit entry at the head of the chain, inside the caller's transaction; returns its id.

    If entries were removed from the end since the last append (the database's sequence is past the
    highest id), that is recorded first, as a ``protection`` entry ``check`` reports: otherwise this
    entry would link to the surviving head and the removal would leave no trace."""
    lock(conn)
    highest, handed_out = _audit_ids(conn)
    if handed_out > highest + _slack(conn):
        first, last = highest + 1, handed_out
        gone = f"Entry {first} was" if first == last else f"Entries {first} to {last} were"
        found = {"at": values["at"], "actor": "vfeedback", "action": PROTECTION}
        highest = _insert_audit(conn, found | {"detail": f"{gone} found removed from the audit record"}, last)
    return _insert_audit(conn, values, highest)


def _insert_audit(conn: Connection, values: Mapping[str, Any], after: int) -> int:
    """Insert the entry with id ``after + 1``, linked to the newest entry."""
    a = t.audit_log
    head = _server_head(conn)
    if head is not None:
        prev = head[1]
    else:
        prev = conn.execute(select(a.c.hash).order_by(a.c.id.desc()).limit(1)).scalar()
    row: dict[str, Any] = {f: values.get(f) for f in AUDIT_FIELDS} | {
        "id": after + 1,
        "prev_hash": prev or GENESIS,
    }
    row["hash"] = audit_hash(row)
    conn.execute(insert(a).values(**row))
    if conn.dialect.name == "postgresql":
        # Ids are max + 1 under the lock, not nextval: a rolled-back append then leaves the sequence
        # at most one past the highest id (the slack), and any larger gap is a removal.
        conn.execute(text("SELECT setval(pg_get_serial_sequence('audit_log', 'id'), :id)"), {"id": row["id"]})
    return int(row["id"])


def _audit_ids(conn: Connection) -> tuple[int, int]:
    """(highest id present, highest id the database has handed out)."""
    head = _server_head(conn)
    if head is not None:
        return head[0], max(head[0], head[2])
    highest = int(conn.execute(select(func.max(t.audit_log.c.id))).scalar() or 0)
    return highest, max(highest, sequence_value(conn, "audit_log") or 0)


def _server_head(conn: Connection) -> tuple[int, str | None, int] | None:
    """On a PostgreSQL library: (highest id, its hash, highest id handed out), read through
    ``vfeedback_audit_head()`` (migration 0011), which sees past a team's row policies: a clinician
    may not read a colleague's entries, but every append must link to the newest one. None on SQLite
    or before that migration."""
    if conn.dialect.name != "postgresql":
        return None
    if not conn.execute(text("SELECT to_regprocedure('vfeedback_audit_head()') IS NOT NULL")).scalar():
        return None
    row = conn.execute(text("SELECT head_id, head_hash, handed_out FROM vfeedback_audit_head()")).one()
    return int(row[0] or 0), None if row[1] is None else str(row[1]), int(row[2] or 0)


def _slack(conn: Connection) -> int:
    """How far the sequence may legitimately run past the highest id: SQLite rolls its counter back
    with a failed transaction; a PostgreSQL sequence does not (``setval`` is not transactional), so a
    failed append leaves it one ahead."""
    return 1 if conn.dialect.name == "postgresql" else 0


def append_consent(conn: Connection, values: Mapping[str, Any]) -> int:
    """Add one consent entry at the head of its family's chain (after ``append_audit`` wrote the
    audit entry it names in ``audit_id``); returns its id."""
    lock(conn)
    c = t.consents
    prev = conn.execute(
        select(c.c.hash).where(c.c.family_id == values["family_id"]).order_by(c.c.id.desc()).limit(1)
    ).scalar()
    row = {f: values.get(f) for f in CONSENT_FIELDS} | {"id": next_id(conn, c), "prev_hash": prev or GENESIS}
    row["hash"] = consent_hash(row)
    conn.execute(insert(c).values(**row))
    return int(row["id"])


def next_id(conn: Connection, table: Table) -> int:
    """The id the database would give the next consent entry. The hash covers the id, so it is taken
    first: from the PostgreSQL sequence, or past both SQLite's AUTOINCREMENT counter and the highest id."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id'))"), {"t": table.name})
        return int(found.scalar_one())
    highest = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return max(highest, sequence_value(conn, table.name) or 0) + 1


def sequence_value(conn: Connection, table: str) -> int | None:
    """The highest id the database has handed out for ``table`` (None: none yet, or unknown)."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(text(f"SELECT last_value, is_called FROM {_pg_sequence(conn, table)}")).first()
        return int(found[0]) if found is not None and found[1] else None
    if conn.dialect.name == "sqlite":
        seq = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}).scalar()
        return None if seq is None else int(seq)
    return None


def _pg_sequence(conn: Connection, table: str) -> str:
    name = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
    if name is None:
        raise LookupError(f"{table} has no sequence")
    return str(name)


# --- verifying ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Break:
    """The first place a chain does not hold."""

    row_id: int | None
    sentence: str


def verify_audit(conn: Connection) -> Break | None:
    """The audit record's first broken link, else None (this reads every entry once)."""
    a = t.audit_log
    before: int | None = None
    expected = GENESIS
    if _server_head(conn) is not None:
        return _verify_links(conn) or _verify_end(conn)
    for row in conn.execute(select(a).order_by(a.c.id)).mappings():
        rid = int(row["id"])
        if row["prev_hash"] != expected:
            after = f"entry {before}" if before is not None else "the start of the record"
            return Break(
                rid,
                f"The audit record was altered: entry {rid} does not follow on from {after} "
                "(an entry between them was removed or rewritten).",
            )
        if row["hash"] != audit_hash(row):
            return Break(rid, f"The audit record was altered: entry {rid} does not match its hash.")
        before, expected = rid, str(row["hash"])
    return _verify_end(conn)


def _verify_links(conn: Connection) -> Break | None:
    """On PostgreSQL, where a team's policies may hide entries: every link of the whole chain (through
    ``vfeedback_audit_links()``, ids and hashes only), and the hash of every entry this login reads."""
    a = t.audit_log
    readable = {int(r["id"]): r for r in conn.execute(select(a)).mappings()}
    before: int | None = None
    expected = GENESIS
    for rid, prev, stored in conn.execute(text("SELECT * FROM vfeedback_audit_links()")):
        if prev != expected:
            after = f"entry {before}" if before is not None else "the start of the record"
            return Break(
                rid,
                f"The audit record was altered: entry {rid} does not follow on from {after} "
                "(an entry between them was removed or rewritten).",
            )
        row = readable.get(int(rid))
        if row is not None and (row["hash"] != stored or stored != audit_hash(row)):
            return Break(rid, f"The audit record was altered: entry {rid} does not match its hash.")
        before, expected = int(rid), str(stored)
    return None


def _verify_end(conn: Connection) -> Break | None:
    highest, handed_out = _audit_ids(conn)
    if handed_out > highest + _slack(conn):
        if highest == 0:
            return Break(
                None,
                f"The audit record was altered: all its entries were removed (the database had "
                f"numbered them up to {handed_out}).",
            )
        return Break(
            highest + 1,
            f"The audit record was altered: it ends at entry {highest}, but the database had numbered "
            f"entries up to {handed_out} (the last entries were removed).",
        )
    return None


def audit_head(conn: Connection) -> tuple[int, str] | None:
    """The newest entry's id and hash: the anchor a service can note elsewhere."""
    a = t.audit_log
    row = conn.execute(select(a.c.id, a.c.hash).order_by(a.c.id.desc()).limit(1)).first()
    return None if row is None else (int(row[0]), str(row[1]))


def verify_consents(conn: Connection) -> Break | None:
    """Each family's consent chain, and each entry against the audit entry written with it (and the
    other way round, which shows a removed last entry or a removed register)."""
    c, a, f = t.consents, t.audit_log, t.families
    codes = {int(r[0]): str(r[1]) for r in conn.execute(select(f.c.id, f.c.code))}
    audits = {
        int(r["id"]): r
        for r in conn.execute(
            select(
                a.c.id, a.c.action, a.c.family_id, a.c.family_code, a.c.purpose, a.c.actor, a.c.detail
            ).where(
                (a.c.action == "consent")
                | ((a.c.action == "delete") & a.c.detail.startswith(FAMILY_DELETED, autoescape=True))
            )
        ).mappings()
    }
    heads: dict[int, str] = {}
    matched: set[int] = set()
    for row in conn.execute(select(c).order_by(c.c.id)).mappings():
        rid, fid = int(row["id"]), int(row["family_id"])
        who = f"The consent register of family {codes.get(fid, fid)} was altered: entry {rid}"
        if row["prev_hash"] != heads.get(fid, GENESIS):
            return Break(rid, f"{who} does not follow on from the entry before it.")
        if row["hash"] != consent_hash(row):
            return Break(rid, f"{who} does not match its hash.")
        heads[fid] = str(row["hash"])
        audit = audits.get(row["audit_id"]) if row["audit_id"] is not None else None
        if audit is None or not same_consent(row, audit):
            return Break(rid, f"{who} has no matching entry in the audit record.")
        matched.add(int(audit["id"]))
    deleted = {int(r["family_id"]) for r in audits.values() if r["action"] == "delete" and r["family_id"]}
    for aid, audit in audits.items():
        if audit["action"] != "consent" or aid in matched:
            continue
        fid = audit["family_id"]
        if fid in codes:
            return Break(
                None,
                f"The consent register of family {codes[fid]} was altered: the change recorded in audit "
                f"entry {aid} is missing from it.",
            )
        if fid not in deleted:
            return Break(
                None,
                f"The consent register of family {audit['family_code']} was removed without a recorded "
                f"deletion (audit entry {aid} records one of its entries).",
            )
    return None


def consent_detail(purpose_wording: str, given: bool, on_date: date) -> str:
    """The audit entry's words for a consent change; it ends with what ``same_consent`` compares."""
    return f"Consent for {purpose_wording}{_consent_ending(given, on_date)}"


def _consent_ending(given: object, on_date: object) -> str:
    day = on_date.isoformat() if isinstance(on_date, date) else str(on_date)
    return f" {'given' if given else 'withdrawn'} on {day}"


def same_consent(row: Row, audit: Row) -> bool:
    """Does the audit entry record this consent entry? Same family, purpose and person, and its words
    end with the same change and date (the purpose's wording may be reworded by a later version)."""
    return bool(
        audit["action"] == "consent"
        and audit["family_id"] == row["family_id"]
        and audit["purpose"] == row["purpose"]
        and audit["actor"] == row["recorded_by"]
        and str(audit["detail"]).endswith(_consent_ending(row["given"], row["on_date"]))
    )
