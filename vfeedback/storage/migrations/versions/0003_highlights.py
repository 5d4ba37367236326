"""Highlights: reels (ordered moments for a shared review) and the exported clips, stills, reels and
handouts kept in the library.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("date_text", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reels"),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"], name="fk_reels_family_id_families"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reels_family_id", "reels", ["family_id"])
    op.create_table(
        "reel_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reel_id", sa.Integer(), nullable=False),
        sa.Column("moment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reel_items"),
        sa.ForeignKeyConstraint(["reel_id"], ["reels.id"], name="fk_reel_items_reel_id_reels"),
        sa.ForeignKeyConstraint(["moment_id"], ["moments.id"], name="fk_reel_items_moment_id_moments"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reel_items_reel_id", "reel_items", ["reel_id"])
    op.create_index("ix_reel_items_moment_id", "reel_items", ["moment_id"])
    op.create_table(
        "highlights",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer()),
        sa.Column("reel_id", sa.Integer()),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("settings_key", sa.String(64), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("duration_us", sa.BigInteger(), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("thumbnail", sa.Text()),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_highlights"),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"], name="fk_highlights_family_id_families"),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name="fk_highlights_recording_id_recordings"
        ),
        sa.ForeignKeyConstraint(["reel_id"], ["reels.id"], name="fk_highlights_reel_id_reels"),
        sqlite_autoincrement=True,
    )
    for column in ("family_id", "recording_id", "reel_id", "settings_key"):
        op.create_index(f"ix_highlights_{column}", "highlights", [column])
    op.create_table(
        "highlight_moments",
        sa.Column("highlight_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("moment_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("highlight_id", "position", name="pk_highlight_moments"),
        sa.ForeignKeyConstraint(
            ["highlight_id"], ["highlights.id"], name="fk_highlight_moments_highlight_id_highlights"
        ),
    )
    op.create_index("ix_highlight_moments_moment_id", "highlight_moments", ["moment_id"])


def downgrade() -> None:
    for table in ("highlight_moments", "highlights", "reel_items", "reels"):
        op.drop_table(table)
