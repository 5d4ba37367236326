"""A team's library on PostgreSQL (issue 16).

- ``team_members`` (login, display name, role), ``caseloads`` (family, clinician), ``shares``
  (moments and highlights shared for supervision) and ``tagging`` (who has a recording open): on
  both dialects, so SQLite and PostgreSQL keep one schema; SQLite never uses them.
- PostgreSQL only: the audit record's head read through a function (``storage/team.py`` explains
  why), and the triggers that ``NOTIFY`` every open window of a change (``services/live.py``).
  Roles, grants and row-level security are ``vfeedback team init``'s (``storage/team.py``).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from vfeedback.storage import team

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_members",
        sa.Column("login", sa.String(63), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login", name="pk_team_members"),
    )
    op.create_table(
        "caseloads",
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(63), nullable=False),
        sa.PrimaryKeyConstraint("family_id", "login", name="pk_caseloads"),
    )
    op.create_index("ix_caseloads_login", "caseloads", ["login"])
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moment_id", sa.Integer()),
        sa.Column("highlight_id", sa.Integer()),
        sa.Column("owner", sa.String(63), nullable=False),
        sa.Column("with_login", sa.String(63), nullable=False),
        sa.Column("include_note", sa.Boolean(), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_shares"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_shares_moment_id", "shares", ["moment_id"])
    op.create_index("ix_shares_highlight_id", "shares", ["highlight_id"])
    op.create_index("ix_shares_with_login", "shares", ["with_login"])
    op.create_table(
        "tagging",
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(63), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recording_id", "login", name="pk_tagging"),
    )
    if op.get_context().dialect.name == "postgresql":
        for statement in team.MIGRATION_SQL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in team.MIGRATION_DOWN_SQL:
            op.execute(statement)
    op.drop_table("tagging")
    op.drop_index("ix_shares_with_login", table_name="shares")
    op.drop_index("ix_shares_highlight_id", table_name="shares")
    op.drop_index("ix_shares_moment_id", table_name="shares")
    op.drop_table("shares")
    op.drop_index("ix_caseloads_login", table_name="caseloads")
    op.drop_table("caseloads")
    op.drop_table("team_members")
