"""The first library schema: families, recordings, coding schemes, codes, moments, settings.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "families",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("label", sa.Text()),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_families"),
        sa.UniqueConstraint("code", name="uq_families_code"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("stored", sa.Boolean(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("recorded_on", sa.Date()),
        sa.Column("context", sa.Text()),
        sa.Column("imported_at", UTC, nullable=False),
        sa.Column("duration_us", sa.BigInteger(), nullable=False),
        sa.Column("media_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recordings"),
        sa.ForeignKeyConstraint(
            ["family_id"], ["families.id"], name="fk_recordings_family_id_families"
        ),
        sa.UniqueConstraint("fingerprint", name="uq_recordings_fingerprint"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_recordings_family_id", "recordings", ["family_id"])
    op.create_table(
        "coding_schemes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(50)),
        sa.Column("description", sa.Text()),
        sa.Column("attribution", sa.Text()),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coding_schemes"),
        sa.UniqueConstraint("name", name="uq_coding_schemes_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer()),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("colour", sa.String(7), nullable=False),
        sa.Column("key", sa.String(1)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_wording", sa.Text()),
        sa.Column("default_actor", sa.String(16)),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_codes"),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["coding_schemes.id"], name="fk_codes_scheme_id_coding_schemes"
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["codes.id"], name="fk_codes_parent_id_codes"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_codes_scheme_id", "codes", ["scheme_id"])
    op.create_table(
        "moments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("coder", sa.String(200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_moments"),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name="fk_moments_recording_id_recordings"
        ),
        sa.ForeignKeyConstraint(["code_id"], ["codes.id"], name="fk_moments_code_id_codes"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_moments_recording_start", "moments", ["recording_id", "start_us"])
    op.create_index("ix_moments_code_id", "moments", ["code_id"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )


def downgrade() -> None:
    for table in ("settings", "moments", "codes", "coding_schemes", "recordings", "families"):
        op.drop_table(table)
