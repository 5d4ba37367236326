"""The library's tables (SQLAlchemy Core). Migrations in ``migrations/versions`` must produce exactly
these; a test compares them.

Times of moments are integer microseconds (BigInteger): never floats. Timestamps are UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

# Stable constraint names let Alembic alter tables the same way on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)
UTC_TIME = DateTime(timezone=True)

families = Table(
    "families",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("label", Text),
    Column("created_at", UTC_TIME, nullable=False),
    Column("closed_on", Date),
    Column("retention_rule", Text),
    # Ids are never reused: scripts and the undo log refer to them.
    sqlite_autoincrement=True,
)

recordings = Table(
    "recordings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("family_id", ForeignKey("families.id"), nullable=False, index=True),
    Column("original_name", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("stored", Boolean, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("fingerprint", String(128), nullable=False, unique=True),
    Column("recorded_on", Date),
    Column("context", Text),
    Column("imported_at", UTC_TIME, nullable=False),
    Column("duration_us", BigInteger, nullable=False),
    Column("media_json", Text, nullable=False),
    # SHA-256 of the whole file at import (``check --deep``); NULL for imports made before it was kept.
    Column("sha256", String(64)),
    # A name for the recording ("Bath time"), shown in the app only, never in a file name.
    Column("title", Text),
    # Ids are never reused: scripts and the undo log refer to them.
    sqlite_autoincrement=True,
)

coding_schemes = Table(
    "coding_schemes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("version", String(50)),
    Column("description", Text),
    Column("attribution", Text),
    Column("builtin", Boolean, nullable=False),
    Column("created_at", UTC_TIME, nullable=False),
    # The scheme file's [suggestions] table as JSON (kind -> code label); NULL: none, or a shipped
    # scheme installed before suggestions existed (its file says).
    Column("suggestions", Text),
    # Ids are never reused: scripts and the undo log refer to them.
    sqlite_autoincrement=True,
)

codes = Table(
    "codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scheme_id", ForeignKey("coding_schemes.id"), nullable=False, index=True),
    Column("parent_id", ForeignKey("codes.id")),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("colour", String(7), nullable=False),
    Column("key", String(1)),
    Column("kind", String(16), nullable=False),
    Column("parent_wording", Text),
    Column("default_actor", String(16)),
    Column("position", Integer, nullable=False),
    # Ids are never reused: scripts and the undo log refer to them.
    sqlite_autoincrement=True,
)

moments = Table(
    "moments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recording_id", ForeignKey("recordings.id"), nullable=False),
    Column("start_us", BigInteger, nullable=False),
    Column("end_us", BigInteger, nullable=False),
    Column("code_id", ForeignKey("codes.id"), nullable=False, index=True),
    Column("actor", String(16), nullable=False),
    Column("caption", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("coder", String(200), nullable=False),
    Column("created_at", UTC_TIME, nullable=False),
    Column("updated_at", UTC_TIME, nullable=False),
    # The frame that stands for the moment in a still or a handout (NULL: its middle frame).
    Column("picture_us", BigInteger),
    # What the family said of the moment, for the handout (NULL: nothing typed).
    Column("family_words", Text),
    Index("ix_moments_recording_start", "recording_id", "start_us"),
    # Ids are never reused: scripts and the undo log refer to them.
    sqlite_autoincrement=True,
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

# A cache: rebuilt from the file whenever missing, so never part of undo.
frame_indexes = Table(
    "frame_indexes",
    metadata,
    Column("recording_id", ForeignKey("recordings.id"), primary_key=True),
    Column("frame_count", Integer, nullable=False),
    Column("built_at", UTC_TIME, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# One undoable action: the row changes it made, replayable both ways (see services/undo.py).
undo_log = Table(
    "undo_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", Text, nullable=False),
    Column("changes_json", Text, nullable=False),
    Column("files_json", Text, nullable=False),
    Column("undone", Boolean, nullable=False, index=True),
    Column("created_at", UTC_TIME, nullable=False),
    Column("user", String(200), nullable=False),
    # Ids are never reused: scripts and the undo log refer to them.
    sqlite_autoincrement=True,
)

# A reel: an ordered set of moments for one shared review with a family (edits are undoable).
reels = Table(
    "reels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("family_id", ForeignKey("families.id"), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("date_text", Text, nullable=False),
    Column("created_at", UTC_TIME, nullable=False),
    sqlite_autoincrement=True,
)

reel_items = Table(
    "reel_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reel_id", ForeignKey("reels.id"), nullable=False, index=True),
    Column("moment_id", ForeignKey("moments.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    sqlite_autoincrement=True,
)

# Exported files (clips, stills, reels, handouts) kept in the library. Not undoable: an export is
# a product, removed only by an explicit delete that takes the file with it.
highlights = Table(
    "highlights",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("family_id", ForeignKey("families.id"), nullable=False, index=True),
    Column("recording_id", ForeignKey("recordings.id"), index=True),
    Column("reel_id", ForeignKey("reels.id"), index=True),
    Column("path", Text, nullable=False),
    Column("settings_key", String(64), nullable=False, index=True),
    Column("settings_json", Text, nullable=False),
    Column("caption", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("duration_us", BigInteger, nullable=False),
    Column("frame_count", Integer, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("thumbnail", Text),
    Column("created_at", UTC_TIME, nullable=False),
    Column("purpose", String(16), nullable=False, server_default="feedback"),
    # The file's modification time when it was recorded: a re-export reuses it only if unchanged.
    Column("mtime_ns", BigInteger),
    sqlite_autoincrement=True,
)

highlight_moments = Table(
    "highlight_moments",
    metadata,
    Column("highlight_id", ForeignKey("highlights.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("moment_id", Integer, nullable=False, index=True),
)

# The consent register: every giving or withdrawal, never edited (a mistake is corrected by a new
# entry). The current state of a purpose is its latest entry. One hash chain per family, each entry
# naming the audit entry written with it (storage/chain.py); append-only (storage/guards.py).
consents = Table(
    "consents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("family_id", ForeignKey("families.id"), nullable=False, index=True),
    Column("purpose", String(16), nullable=False),
    Column("given", Boolean, nullable=False),
    Column("on_date", Date, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UTC_TIME, nullable=False),
    Column("audit_id", Integer),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    sqlite_autoincrement=True,
)

# Who did what, append-only (storage/guards.py) and one hash chain (storage/chain.py).
# family_id is no foreign key so the record outlives a deleted family; family_code keeps its name.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTC_TIME, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("family_id", Integer, index=True),
    Column("family_code", String(64)),
    Column("purpose", String(16)),
    Column("detail", Text, nullable=False),
    # Where an export went: an absolute path outside the library, or library-relative inside it.
    Column("destination", Text),
    # Whether private notes went into that file (NULL: not a file, or not known).
    Column("notes", Boolean),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    sqlite_autoincrement=True,
)

# ELAN and BORIS files imported into a recording, by content, so the same file is not imported twice
# by mistake. Part of the import's undoable action: undo takes the record back with the moments.
interchange_imports = Table(
    "interchange_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recording_id", ForeignKey("recordings.id"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),
    Column("format", String(16), nullable=False),
    # The BORIS observation imported (one project holds several); NULL for ELAN.
    Column("observation", Text),
    Column("at", UTC_TIME, nullable=False),
    sqlite_autoincrement=True,
)


# A cache: the vocalisations found in a recording's sound (JSON), redone when ``version`` (the
# analysis version) is older than the engine's; never part of undo.
voice_analyses = Table(
    "voice_analyses",
    metadata,
    Column("recording_id", ForeignKey("recordings.id"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("duration_us", BigInteger, nullable=False),
    Column("built_at", UTC_TIME, nullable=False),
    Column("data", Text, nullable=False),
)

# Suggested moments from the sound (serve and return). Never exported: only the clinician sees them.
# A new analysis replaces the open ones and keeps the decided ones; accepting or rejecting is undoable.
suggestions = Table(
    "suggestions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recording_id", ForeignKey("recordings.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("serve_actor", String(16), nullable=False),
    Column("serve_start_us", BigInteger, nullable=False),
    Column("serve_end_us", BigInteger, nullable=False),
    Column("answer_actor", String(16), nullable=False),
    Column("answer_start_us", BigInteger, nullable=False),
    Column("answer_end_us", BigInteger, nullable=False),
    Column("end_us", BigInteger, nullable=False),
    Column("turns", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    # The moment it became (accepted); NULL otherwise. No foreign key: deleting that moment later
    # (or undoing it) must not be refused for its suggestion's sake.
    Column("moment_id", Integer),
    # Ids are never reused: scripts and the undo log refer to them.
    sqlite_autoincrement=True,
)

angles = Table(
    "angles",
    metadata,
    Column("id", Integer, primary_key=True),
    # A recording is an angle of at most one main recording, and a main is never itself an angle.
    Column("recording_id", ForeignKey("recordings.id"), nullable=False, unique=True),
    Column("main_id", ForeignKey("recordings.id"), nullable=False, index=True),
    # Where the angle's own time zero falls on the main recording's clock (core/angles.py).
    Column("offset_us", BigInteger, nullable=False),
    Column("method", String(16), nullable=False),
    Column("confidence", Float),
    # Ids are never reused: scripts and the undo log refer to them.
    sqlite_autoincrement=True,
)

UNDOABLE_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        families,
        recordings,
        coding_schemes,
        codes,
        moments,
        reels,
        reel_items,
        interchange_imports,
        suggestions,
        angles,
    )
}

# --- A team's library on PostgreSQL (issue 16; migration 0011) ------------------------------------
# Created on SQLite too (so both dialects have one schema), used only on a server library, where
# ``storage/team.py`` adds the roles, grants and row-level security over them.

# Who is on the team: a database login, the name the others see, and its role.
team_members = Table(
    "team_members",
    metadata,
    Column("login", String(63), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("added_at", UTC_TIME, nullable=False),
)

# A family's caseload: the clinicians who see and change its rows. No foreign key: the database
# writes a new family's first row just before the family itself, and undoing a family's deletion
# must find its caseload still there (ids are never reused).
caseloads = Table(
    "caseloads",
    metadata,
    Column("family_id", Integer, primary_key=True),
    Column("login", String(63), primary_key=True, index=True),
)

# A moment or highlight shared for supervision with one supervisor; withdrawn_at ends it (a new share
# is a new row). No foreign keys: undoing a moment's deletion brings its shares back with it.
shares = Table(
    "shares",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("moment_id", Integer, index=True),
    Column("highlight_id", Integer, index=True),
    Column("owner", String(63), nullable=False),
    Column("with_login", String(63), nullable=False, index=True),
    Column("include_note", Boolean, nullable=False),
    Column("shared_at", UTC_TIME, nullable=False),
    Column("withdrawn_at", UTC_TIME),
    sqlite_autoincrement=True,
)

# Who has a recording open for tagging, and their last heartbeat: advisory, never a lock.
tagging = Table(
    "tagging",
    metadata,
    Column("recording_id", Integer, primary_key=True),
    Column("login", String(63), primary_key=True),
    Column("since", UTC_TIME, nullable=False),
    Column("heartbeat", UTC_TIME, nullable=False),
)
