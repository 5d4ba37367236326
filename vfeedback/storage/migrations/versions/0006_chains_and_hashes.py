"""Tamper-evident audit record and consent register, where exports went, whole-file hashes, and the
record of ELAN/BORIS files imported.

- ``audit_log``: ``destination``, ``notes``, ``prev_hash``, ``hash``; ``consents``: ``audit_id``,
  ``prev_hash``, ``hash``. The chains of existing rows are computed here (storage/chain.py), each
  consent entry matched to the audit entry written with it; then the guards (storage/guards.py)
  replace migration 0004's, adding INSERT-conflict and consent guards.
- ``recordings.sha256`` (NULL for earlier imports: their content was never hashed whole) and
  ``highlights.mtime_ns``.
- ``interchange_imports``.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from vfeedback.storage import chain, guards

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
OLD_GUARDS = {
    "sqlite": ["audit_log_no_update", "audit_log_no_delete"],
    "postgresql": ["audit_log_no_change", "audit_log_no_truncate"],
}

# The tables as this revision leaves them (not storage/tables.py, which later revisions change).
audit = sa.table(
    "audit_log",
    *(sa.column(name) for name in ("id", "actor", "action", "family_id", "family_code", "purpose")),
    sa.column("detail"), sa.column("destination"), sa.column("prev_hash"), sa.column("hash"),
    sa.column("at", UTC), sa.column("notes", sa.Boolean()),
)  # fmt: skip
consents = sa.table(
    "consents",
    *(sa.column(name) for name in ("id", "family_id", "purpose", "recorded_by", "audit_id")),
    sa.column("prev_hash"), sa.column("hash"),
    sa.column("given", sa.Boolean()), sa.column("on_date", sa.Date()), sa.column("recorded_at", UTC),
)  # fmt: skip


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    for name in OLD_GUARDS.get(dialect, []):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON audit_log" if dialect == "postgresql" else ""))
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("destination", sa.Text()))
        batch.add_column(sa.Column("notes", sa.Boolean()))
        batch.add_column(sa.Column("prev_hash", sa.String(64)))
        batch.add_column(sa.Column("hash", sa.String(64)))
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("audit_id", sa.Integer()))
        batch.add_column(sa.Column("prev_hash", sa.String(64)))
        batch.add_column(sa.Column("hash", sa.String(64)))
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("sha256", sa.String(64)))
    with op.batch_alter_table("highlights") as batch:
        batch.add_column(sa.Column("mtime_ns", sa.BigInteger()))
    op.create_table(
        "interchange_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("observation", sa.Text()),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_interchange_imports"),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name="fk_interchange_imports_recording_id_recordings"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_interchange_imports_recording_id", "interchange_imports", ["recording_id"])
    _chain_existing(conn)
    if dialect == "postgresql":
        # From now on audit ids are max + 1 and the sequence follows them (storage/chain.py): start it
        # at the highest id, whatever earlier failed writes took from it.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), COALESCE(max(id), 1), "
            "max(id) IS NOT NULL) FROM audit_log"
        )
    guards.install(conn)


def _chain_existing(conn: sa.Connection) -> None:
    """Hash the rows already there, in the order they were written."""
    rows = [dict(r) for r in conn.execute(sa.select(audit).order_by(audit.c.id)).mappings()]
    prev = chain.GENESIS
    for row in rows:
        row["prev_hash"] = prev
        row["hash"] = prev = chain.audit_hash(row)
    if rows:
        conn.execute(
            audit.update().where(audit.c.id == sa.bindparam("b_id")),
            [{"b_id": r["id"], "prev_hash": r["prev_hash"], "hash": r["hash"]} for r in rows],
        )
    # Each consent entry was written just before its audit entry, in the same transaction.
    waiting = [r for r in rows if r["action"] == "consent"]
    heads: dict[int, str] = {}
    updates = []
    for row in [dict(r) for r in conn.execute(sa.select(consents).order_by(consents.c.id)).mappings()]:
        match = next((a for a in waiting if chain.same_consent(row, a)), None)
        if match is not None:
            waiting.remove(match)
        row["audit_id"] = None if match is None else match["id"]
        row["prev_hash"] = heads.get(row["family_id"], chain.GENESIS)
        row["hash"] = heads[row["family_id"]] = chain.consent_hash(row)
        updates.append({k: row[k] for k in ("audit_id", "prev_hash", "hash")} | {"b_id": row["id"]})
    if updates:
        conn.execute(consents.update().where(consents.c.id == sa.bindparam("b_id")), updates)


def downgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        for name in guards.SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for name, (table, _, _) in guards.POSTGRES_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS consents_guard()")
    op.drop_index("ix_interchange_imports_recording_id", "interchange_imports")
    op.drop_table("interchange_imports")
    for table, columns in (
        ("highlights", ["mtime_ns"]),
        ("recordings", ["sha256"]),
        ("consents", ["hash", "prev_hash", "audit_id"]),
        ("audit_log", ["hash", "prev_hash", "notes", "destination"]),
    ):
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column)
    if dialect == "sqlite":
        op.execute(
            """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END"""
        )
        op.execute(
            """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'audit entries cannot be deleted'); END"""
        )
    elif dialect == "postgresql":
        op.execute(
            """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
               FOR EACH ROW EXECUTE FUNCTION audit_log_refuse()"""
        )
        op.execute(
            """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
               FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse()"""
        )
