"""The Library facade: the one API for the GUI and the CLI.

Each mutation is one transaction and one undoable action, and returns the new value; subscribers get a
``Changes`` for it. Reads return plain domain values.
"""

from __future__ import annotations

import os
from pathlib import Path

from vfeedback.services import undo
from vfeedback.services.base import LibraryBase
from vfeedback.services.consent import ConsentMixin
from vfeedback.services.cycles import CyclesMixin
from vfeedback.services.deletion import DeletionMixin
from vfeedback.services.destinations import DestinationsMixin
from vfeedback.services.families import FamiliesMixin
from vfeedback.services.highlights import HighlightsMixin
from vfeedback.services.integrity import IntegrityMixin
from vfeedback.services.interchange_elan import ElanBorisMixin
from vfeedback.services.interchange_files import ExchangeMixin
from vfeedback.services.moments import MomentsMixin
from vfeedback.services.recordings import RecordingsMixin
from vfeedback.services.schemes import SchemesMixin
from vfeedback.services.supervision import SupervisionMixin
from vfeedback.services.undo import Changes
from vfeedback.storage import layout, migrate
from vfeedback.storage.database import Database
from vfeedback.storage.files import remove_stale_temporaries


class Library(
    FamiliesMixin,
    RecordingsMixin,
    SchemesMixin,
    MomentsMixin,
    HighlightsMixin,
    CyclesMixin,
    ElanBorisMixin,
    ExchangeMixin,
    SupervisionMixin,
    ConsentMixin,
    DeletionMixin,
    IntegrityMixin,
    DestinationsMixin,
    LibraryBase,
):
    @classmethod
    def open(cls, spec: str | os.PathLike[str] | None = None) -> Library:
        """Open (creating if needed) the library at a folder or database URL, migrating it forward.

        ``spec`` None means ``$VFEEDBACK_LIBRARY`` or the platform's user data folder.
        """
        location = layout.resolve(spec)
        layout.prepare(location)
        db = Database(location.db_url)
        try:
            migrate.ensure_current(db)
            lib = cls(location, db)
            lib._seed_schemes()
            remove_stale_temporaries(location.root)
            lib._sweep_export_leftovers()
        except BaseException:
            db.dispose()
            raise
        return lib

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return self.location.root

    def undo(self) -> Changes:
        with self.db.write() as conn:
            changes = undo.undo(conn, self.user)
        return self._announce(changes)

    def redo(self) -> Changes:
        with self.db.write() as conn:
            changes = undo.redo(conn, self.user)
        return self._announce(changes)

    def undo_label(self) -> str | None:
        """What Edit > Undo would undo for the current user, e.g. "Add moment at 00:00:12.480 (Waiting)"."""
        with self._read() as conn:
            return undo.undo_label(conn, self.user)

    def redo_label(self) -> str | None:
        with self._read() as conn:
            return undo.redo_label(conn, self.user)
