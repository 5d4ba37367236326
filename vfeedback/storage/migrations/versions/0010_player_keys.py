"""N and X belong to the player (issue 14): N and Shift+N go to the next and previous suggested moment,
X sets one aside. The shipped schemes gave those letters to codes, so their codes are keyed again in
order, skipping the player's letters (as the shipped files now are); a code of any other scheme that used
N or X loses that key (the Code menu still reaches it). A key someone changed is left as it is.

The mapping is written out here, not read from the scheme files, so this migration means the same thing
whatever the files say later.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# scheme name -> code name -> (key before, key now); None: no key now.
REKEYED: dict[str, dict[str, tuple[str, str | None]]] = {
    "Video Interaction Guidance (VIG)": {
        "Naming positively what you see": ("n", "p"),
        "Showing you noticed": ("p", "q"),
        "Returning eye contact or a smile": ("q", "r"),
        "Receiving with words": ("r", "s"),
        "Using their sounds or words": ("s", "t"),
        "Receiving then responding": ("t", "u"),
        "Checking understanding": ("u", None),
        "Scaffolding": ("x", "y"),
        "Extending the child's idea": ("y", "z"),
        "Offering manageable choices": ("z", None),
    },
    "VIPP-SD themes": {
        "Child reaction": ("n", "p"),
        "Signal not yet picked up": ("p", "q"),
        "Sharing positive emotions": ("q", "r"),
        "Accepting negative emotions": ("r", "s"),
    },
    "Marte Meo elements": {
        "Waiting for a turn": ("n", "p"),
        "Giving a turn": ("p", "q"),
        "Clear start and end": ("q", "r"),
        "Step by step": ("r", "s"),
        "Naming the next step": ("s", "t"),
    },
}
PLAYER_KEYS = ("n", "x")


def upgrade() -> None:
    conn = op.get_bind()
    schemes = sa.table("coding_schemes", sa.column("id"), sa.column("name"), sa.column("builtin"))
    codes = sa.table("codes", sa.column("id"), sa.column("scheme_id"), sa.column("name"), sa.column("key"))
    for scheme_name, mapping in REKEYED.items():
        found = conn.execute(
            sa.select(schemes.c.id).where(schemes.c.name == scheme_name, schemes.c.builtin == sa.true())
        ).scalars()
        for scheme_id in list(found):
            rows = conn.execute(
                sa.select(codes.c.id, codes.c.name, codes.c.key).where(codes.c.scheme_id == scheme_id)
            ).all()
            # All in one pass from the keys as they were, so a chain of moves (n->p, p->q) never
            # collides with itself; a code whose key is not the shipped one keeps it.
            moves = [
                (row.id, mapping[row.name][1])
                for row in rows
                if row.name in mapping and row.key == mapping[row.name][0]
            ]
            for code_id, key in moves:
                conn.execute(sa.update(codes).where(codes.c.id == code_id).values(key=key))
    conn.execute(sa.update(codes).where(sa.func.lower(codes.c.key).in_(PLAYER_KEYS)).values(key=None))


def downgrade() -> None:
    """The player's keys stay the player's: going back does not give N and X to codes again."""
