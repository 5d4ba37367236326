"""Suggested moments from the sound (issue 14).

- ``voice_analyses``: per recording, the vocalisations found (a cache, with the analysis version that
  made it: a newer engine redoes it).
- ``suggestions``: turns, waiting, chains and repair found in them, each open, accepted (with the
  moment it became) or rejected.
- ``coding_schemes.suggestions``: the scheme file's [suggestions] table (kind to code) as JSON.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coding_schemes") as batch:
        batch.add_column(sa.Column("suggestions", sa.Text()))
    op.create_table(
        "voice_analyses",
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("duration_us", sa.BigInteger(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name="fk_voice_analyses_recording_id_recordings"
        ),
        sa.PrimaryKeyConstraint("recording_id", name="pk_voice_analyses"),
    )
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("serve_actor", sa.String(16), nullable=False),
        sa.Column("serve_start_us", sa.BigInteger(), nullable=False),
        sa.Column("serve_end_us", sa.BigInteger(), nullable=False),
        sa.Column("answer_actor", sa.String(16), nullable=False),
        sa.Column("answer_start_us", sa.BigInteger(), nullable=False),
        sa.Column("answer_end_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("moment_id", sa.Integer()),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name="fk_suggestions_recording_id_recordings"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_suggestions"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_suggestions_recording_id", "suggestions", ["recording_id"])


def downgrade() -> None:
    op.drop_index("ix_suggestions_recording_id", table_name="suggestions")
    op.drop_table("suggestions")
    op.drop_table("voice_analyses")
    with op.batch_alter_table("coding_schemes") as batch:
        batch.drop_column("suggestions")
