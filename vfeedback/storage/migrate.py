"""Bring a library's schema up to date on open, or refuse one written by a newer vfeedback; put back
the audit record's guards if someone removed them.

The common case (already current, guards in place) is two queries: the schema version, then the
guards. The catalogue is inspected only when there is no version to read (a new database, or one that
is not a library), and Alembic, slow to import, is loaded only when there is something to migrate.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError

from vfeedback.core.errors import LibraryError
from vfeedback.storage import guards
from vfeedback.storage.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

# Every revision this version knows, oldest first. A test checks it against the migration scripts.
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011")
HEAD = REVISIONS[-1]
MIGRATIONS = Path(__file__).parent / "migrations"


def current_revision(conn: Connection) -> str | None:
    """None for an empty database; raises LibraryError for a database that is not a library."""
    found = inspect(conn)
    if not found.has_table("alembic_version"):
        if found.get_table_names():
            raise LibraryError(
                "This database is not a vfeedback library (it has other tables); nothing was changed."
            )
        return None
    return _recorded_revision(conn)


def ensure_current(db: Database) -> bool:
    """Migrate forward if needed. True when the schema was created or changed."""
    revision = _revision(db)
    if revision == HEAD:
        with db.read() as conn:
            missing = guards.inspect(conn)
        if missing:
            restore_guards(db)
        return False
    if revision is not None and revision not in REVISIONS:
        raise LibraryError(
            f"This library was written by a newer version of vfeedback (schema {revision}); "
            "update vfeedback to open it. Nothing was changed."
        )
    upgrade(db, HEAD)
    return True


def _revision(db: Database) -> str | None:
    """The schema version in one query; where there is no version table to read, what the catalogue
    says (``current_revision``). What the user can act on (a locked or damaged file) is already one
    sentence (``Database.read``), never taken for a missing table."""
    try:
        with db.read() as conn:
            return _recorded_revision(conn)
    except DBAPIError:
        with db.read() as conn:
            return current_revision(conn)


def _recorded_revision(conn: Connection) -> str | None:
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


def restore_guards(db: Database) -> guards.Findings | None:
    """Put back removed or altered guards, noting it in the audit record (which ``check`` reports).
    A login that may not create triggers (a team server) leaves them missing: ``check`` says so."""
    try:
        with db.write() as conn:
            return guards.restore(conn, "vfeedback")
    except (DBAPIError, LibraryError):
        return None


def upgrade(db: Database, target: str) -> None:
    from alembic import command

    with db.write() as conn:
        # Re-read under the write lock: another process may have migrated meanwhile.
        if current_revision(conn) == target:
            return
        command.upgrade(_config(conn), target)


def _config(conn: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config
