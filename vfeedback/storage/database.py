"""Engine set-up. SQLite gets WAL, foreign keys, a busy timeout and write transactions that take the
write lock at BEGIN (so two processes queue instead of failing half-way); any other SQLAlchemy URL is
used as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from vfeedback.core.errors import LibraryError

BUSY_TIMEOUT_MS = 15_000
_WRITE = "vfeedback_write"


class Database:
    """One engine; ``write()`` and ``read()`` hand out connections inside a transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        try:
            if self.is_sqlite:
                self.engine = create_engine(
                    url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None}
                )
                _configure_sqlite(self.engine)
            else:
                self.engine = create_engine(url, pool_pre_ping=True)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise LibraryError(f"'{_safe(url)}' is not a database address vfeedback can use.") from exc
        except ImportError as exc:
            raise LibraryError(
                f"The database driver for '{_safe(url)}' is not installed ({exc.name})."
            ) from exc

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that holds the write lock from its first statement; commits on success."""
        with translate_errors(), self.engine.connect() as conn:
            conn = conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with translate_errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    def flush_deleted(self) -> None:
        """After a deletion: move the WAL into the database and empty it, so no copy of the deleted
        pages lingers in the -wal file (secure_delete has zeroed them in the database)."""
        if self.is_sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        # FULL: a commit survives power loss too, not only a crash of the app.
        cur.execute("PRAGMA synchronous = FULL")
        # Deleted rows are overwritten, not left in free pages: deleting a family must really delete.
        cur.execute("PRAGMA secure_delete = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # pysqlite's own BEGIN handling is off (isolation_level=None); we say which kind we want.
        if conn.get_execution_options().get(_WRITE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


@contextmanager
def translate_errors() -> Iterator[None]:
    """Database failures the user can act on become one sentence; others stay bugs."""
    try:
        yield
    except DBAPIError as exc:
        sentence = _sentence_for(exc)
        if sentence is None:
            raise
        raise LibraryError(sentence) from exc


def _sentence_for(exc: DBAPIError) -> str | None:
    text = str(exc.orig if exc.orig is not None else exc).lower()
    if "locked" in text or "busy" in text:
        return "The library is busy in another vfeedback window or command; try again in a moment."
    if "full" in text and ("disk" in text or "database" in text):
        return "The disk holding the library is full; nothing was saved."
    if "disk i/o" in text:
        return "The disk holding the library is failing (input/output error); nothing was saved."
    if "not a database" in text or "malformed" in text:
        return "The library database is damaged or is not a vfeedback library."
    if "readonly" in text or "read-only" in text:
        return "The library is read-only here; nothing was saved."
    # A team library (issue 16): the server's role and row policies refused it.
    if "row-level security" in text:
        return "That is not in your caseload; the server refused it and nothing was saved."
    if "duplicate key" in text and "unique" in text and _is_server(exc):
        # What this login's policies hide still holds its unique codes and fingerprints.
        return "That is already in the team's library (perhaps in a colleague's caseload); nothing was saved."
    if "permission denied" in text:
        return "Your role on the team does not allow this; the server refused it and nothing was saved."
    if exc.connection_invalidated:
        return "The connection to the library database was lost; try again."
    if isinstance(exc, OperationalError) and (
        "unable to open" in text or "could not connect" in text or "connection" in text
    ):
        return f"The library database cannot be opened: {_first_line(exc)}"
    return None


def _is_server(exc: DBAPIError) -> bool:
    return type(exc.orig).__module__.startswith("psycopg")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    line = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return line.rstrip(".") + "."


def _safe(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]
