"""Camera angles (issue 15): a recording added as an angle of a main recording, with its offset on the
main recording's clock and how it was found.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "angles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("main_id", sa.Integer(), nullable=False),
        sa.Column("offset_us", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float()),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name="fk_angles_recording_id_recordings"
        ),
        sa.ForeignKeyConstraint(["main_id"], ["recordings.id"], name="fk_angles_main_id_recordings"),
        sa.PrimaryKeyConstraint("id", name="pk_angles"),
        sa.UniqueConstraint("recording_id", name="uq_angles_recording_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_angles_main_id", "angles", ["main_id"])


def downgrade() -> None:
    op.drop_index("ix_angles_main_id", table_name="angles")
    op.drop_table("angles")
