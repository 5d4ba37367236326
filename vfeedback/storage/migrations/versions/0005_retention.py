"""A family's case closure date and its retention rule.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("families") as batch:
        batch.add_column(sa.Column("closed_on", sa.Date()))
        batch.add_column(sa.Column("retention_rule", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("families") as batch:
        batch.drop_column("retention_rule")
        batch.drop_column("closed_on")
