"""The Library facade: the one API for the GUI and the CLI.

A library is one ``Context`` (database, location, who is working, clock, undoable edits, change
announcements) shared by service objects, each given the services it needs: ``lib.families``,
``lib.recordings``, ``lib.media``, ``lib.schemes``, ``lib.moments``, ``lib.reels``, ``lib.exports``,
``lib.consent``, ``lib.audit``, ``lib.interchange``, ``lib.supervision``, ``lib.cases``,
``lib.integrity``, ``lib.angles``, ``lib.suggestions`` and ``lib.files``. Each mutation is one
transaction and one undoable action and returns what it did; subscribers get a ``Changes`` for it.
Reads return plain domain values.
"""

from __future__ import annotations

import os
from pathlib import Path

from vfeedback.services import undo
from vfeedback.services.angles import Angles
from vfeedback.services.audit import Audit
from vfeedback.services.cases import Cases
from vfeedback.services.consent import Consent
from vfeedback.services.context import Context, Listener
from vfeedback.services.exports import Exports
from vfeedback.services.families import Families
from vfeedback.services.files import Files
from vfeedback.services.integrity import Integrity
from vfeedback.services.interchange import Interchange
from vfeedback.services.live import Live
from vfeedback.services.media import Media
from vfeedback.services.moments import Moments
from vfeedback.services.recordings import Recordings
from vfeedback.services.reels import Reels
from vfeedback.services.schemes import Schemes
from vfeedback.services.suggestions import Suggestions
from vfeedback.services.supervision import Supervision
from vfeedback.services.team import Team
from vfeedback.services.undo import Changes
from vfeedback.storage import layout, migrate
from vfeedback.storage.database import Database
from vfeedback.storage.files import remove_stale_temporaries


class Library:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.files = files = Files(ctx)
        self.families = families = Families(ctx)
        self.audit = audit = Audit(ctx, families, files)
        self.schemes = schemes = Schemes(ctx)
        self.recordings = recordings = Recordings(ctx, families, audit)
        self.media = media = Media(ctx, recordings)
        self.angles = angles = Angles(ctx, recordings, media)
        self.consent = consent = Consent(ctx, families, audit)
        self.moments = moments = Moments(ctx, families, recordings, media, schemes, audit)
        self.reels = reels = Reels(ctx, families, recordings, moments)
        self.exports = exports = Exports(
            ctx, families, recordings, media, moments, reels, consent, audit, files, angles
        )
        self.interchange = Interchange(
            ctx, families, recordings, media, schemes, moments, reels, consent, audit, files
        )
        self.supervision = Supervision(
            ctx, families, recordings, media, schemes, moments, exports, audit, files
        )
        self.cases = Cases(ctx, families, recordings, media, exports, audit)
        self.integrity = Integrity(ctx, recordings)
        self.suggestions = Suggestions(ctx, families, recordings, media, schemes, moments, audit)
        self.team = Team(ctx, families, audit)
        self.live = Live(ctx)  # a team library's colleagues' changes, once a window starts it

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
            lib = cls(Context(location, db))
            lib.schemes.seed()
            remove_stale_temporaries(location.root, shared=location.team_files)
            lib.exports.sweep_leftovers()
        except BaseException:
            db.dispose()
            raise
        return lib

    def close(self) -> None:
        self.live.stop()
        self.ctx.db.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return self.ctx.root

    @property
    def user(self) -> str:
        """Who is working: their moments, audit entries and undo history carry this name."""
        return self.ctx.user

    @user.setter
    def user(self, name: str) -> None:
        self.ctx.user = name

    def subscribe(self, listener: Listener) -> None:
        """``listener(changes)`` after every mutation, undo and redo (the GUI redraws from it)."""
        self.ctx.subscribe(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self.ctx.unsubscribe(listener)

    def undo(self) -> Changes:
        """Take back the current user's own last action."""
        with self.ctx.write() as conn:
            changes = undo.undo(conn, self.ctx.user)
        return self.ctx.announce(changes)

    def redo(self) -> Changes:
        with self.ctx.write() as conn:
            changes = undo.redo(conn, self.ctx.user)
        return self.ctx.announce(changes)

    def undo_label(self) -> str | None:
        """What Edit > Undo would undo for the current user, e.g. "Add moment at 00:00:12.480 (Waiting)"."""
        with self.ctx.read() as conn:
            return undo.undo_label(conn, self.ctx.user)

    def redo_label(self) -> str | None:
        with self.ctx.read() as conn:
            return undo.redo_label(conn, self.ctx.user)
