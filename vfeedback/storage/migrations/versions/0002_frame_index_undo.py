"""Cache frame indexes in the library, and keep an undo log that survives between commands.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "frame_indexes",
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("built_at", UTC, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("recording_id", name="pk_frame_indexes"),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name="fk_frame_indexes_recording_id_recordings"
        ),
    )
    op.create_table(
        "undo_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("changes_json", sa.Text(), nullable=False),
        sa.Column("files_json", sa.Text(), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_undo_log"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_undo_log_undone", "undo_log", ["undone"])


def downgrade() -> None:
    op.drop_table("undo_log")
    op.drop_table("frame_indexes")
