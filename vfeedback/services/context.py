"""What every service of a library shares: the database, the library's location, who is working, the
clock, undoable edits and the announcements of what changed.

One ``Context`` per open library; each service receives it and the services it needs (the way Anki's
collection hands itself to its managers), so every call keeps its real signature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, delete, insert, select, text

from vfeedback.services import undo
from vfeedback.services.undo import Changes, Tx
from vfeedback.storage import tables as t
from vfeedback.storage.database import Database
from vfeedback.storage.layout import Location
from vfeedback.system import identity

Listener = Callable[[Changes], None]


def default_user() -> str:
    """Who is working: ``$VFEEDBACK_CODER``, else the name saved on this computer (the app asks for
    it once; File › Your name… changes it), else the login name. The app and the command line both
    start from here, so the audit and the coders show one person, not two."""
    return identity.current_name()


def server_login(db: Database) -> str | None:
    """On a server library, who the server says is connected (``current_user``); None on SQLite."""
    if db.engine.dialect.name != "postgresql":
        return None
    with db.read() as conn:
        return str(conn.execute(text("SELECT current_user")).scalar_one())


class Context:
    def __init__(self, location: Location, db: Database) -> None:
        self.location = location
        self.db = db
        # Identity from the server (issue 16): on PostgreSQL the login is who works (the audit's actor,
        # a moment's coder, undo's owner); no typed name, $VFEEDBACK_CODER or saved name overrides it.
        self.login = server_login(db)
        self._user = self.login or default_user()
        self._listeners: list[Listener] = []

    @property
    def user(self) -> str:
        return self._user

    @user.setter
    def user(self, name: str) -> None:
        """A typed name is who works on a local library; on a server library the login stays."""
        if self.login is None:
            self._user = name

    @property
    def root(self) -> Path:
        return self.location.root

    def now(self) -> datetime:
        return datetime.now(UTC)

    # --- announcements ----------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """``listener(changes)`` after every mutation, undo and redo (the GUI redraws from it)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener`` (a window that closes must, or the library keeps it alive)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def announce(self, changes: Changes) -> Changes:
        for listener in list(self._listeners):
            listener(changes)
        return changes

    # --- transactions -----------------------------------------------------------------------------
    @contextmanager
    def edit(self, label: str) -> Iterator[Tx]:
        """One undoable action: one transaction, logged for undo in the same commit."""
        with self.db.write() as conn:
            tx = Tx(conn, label)
            yield tx
            undo.commit_entry(tx, self.user, self.now(), self.location)
        self.announce(tx.summary())

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.db.read() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction outside undo (caches, the audit record, exports' rows)."""
        with self.db.write() as conn:
            yield conn

    # --- settings ---------------------------------------------------------------------------------
    def setting(self, key: str) -> str | None:
        with self.read() as conn:
            value = conn.execute(select(t.settings.c.value).where(t.settings.c.key == key)).scalar()
        return None if value is None else str(value)

    def put_setting(self, key: str, value: str | None) -> None:
        """Store (or with None, remove) a library setting; not part of undo."""
        with self.write() as conn:
            conn.execute(delete(t.settings).where(t.settings.c.key == key))
            if value is not None:
                conn.execute(insert(t.settings).values(key=key, value=value))
