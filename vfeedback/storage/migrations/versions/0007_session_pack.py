"""What preparing a session with a family needs: a recording's own name, and per moment the picture
to show for it (the frame on screen when it was tagged, or one the clinician chose) and the family's
own words about it, for the handout.

- ``recordings.title``: an optional name for the recording ("Bath time"), never in a file name.
- ``moments.picture_us``: the start of the frame that stands for the moment in a still or a handout
  (NULL: its middle frame).
- ``moments.family_words``: what the parent said of the moment, shown on the handout (NULL: none).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("title", sa.Text()))
    with op.batch_alter_table("moments") as batch:
        batch.add_column(sa.Column("picture_us", sa.BigInteger()))
        batch.add_column(sa.Column("family_words", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("moments") as batch:
        batch.drop_column("family_words")
        batch.drop_column("picture_us")
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("title")
