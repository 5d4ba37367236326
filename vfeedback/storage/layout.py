"""Where a library lives: a private folder holding the database and the media it owns.

    <library>/vfeedback.db     the SQLite database (unless the database is a server URL)
    <library>/recordings/       copies of imported recordings
    <library>/clips/ stills/    exports
    <library>/cache/            anything that can be rebuilt (thumbnails, proxies)

Everything is owner-only: families' videos are special-category health data.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from vfeedback.core.errors import LibraryError
from vfeedback.system.files import DIR_MODE, FILE_MODE, private_folder, share_with_team

DB_NAME = "vfeedback.db"
SUBFOLDERS = ("recordings", "clips", "stills", "cache")
ENV_LIBRARY = "VFEEDBACK_LIBRARY"
ENV_FILES = "VFEEDBACK_FILES"


@dataclass(frozen=True, slots=True)
class Location:
    """A library's folder and the SQLAlchemy URL of its database."""

    root: Path
    db_url: str
    is_sqlite_file: bool
    team_files: bool = False
    """``root`` is a team's media folder (``$VFEEDBACK_FILES`` with a server library): a mounted share."""
    cache: Path | None = None
    """Where rebuildable files go when not under ``root`` (a team's caches stay on this machine)."""

    @property
    def db_path(self) -> Path | None:
        return self.root / DB_NAME if self.is_sqlite_file else None

    def folder(self, name: str) -> Path:
        return self.root / name

    @property
    def recording_caches(self) -> Path:
        """The folder holding one folder of rebuildable files (preview, filmstrip, waveform) per
        recording, named by its id."""
        return (self.cache or self.root / "cache") / "recordings"

    @property
    def scratch(self) -> Path:
        """The exports' scratch folder (reel parts, caption scripts): on this machine, like the
        caches, even when the library's files are on a team's share."""
        return (self.cache or self.root / "cache") / "export"

    def media_path(self, stored: str) -> Path:
        """Where a recording's file is: a path stored relative to the library is inside it, an
        absolute one (a referenced recording) where the clinician keeps it."""
        path = Path(stored)
        return path if path.is_absolute() else self.root / path


def default_root() -> Path:
    from platformdirs import user_data_path

    return user_data_path("vfeedback", appauthor=False) / "library"


def looks_like_url(text: str) -> bool:
    return "://" in text


def resolve(spec: str | os.PathLike[str] | None) -> Location:
    """``--library`` value, else ``$VFEEDBACK_LIBRARY``, else the platform's user data folder.

    A server URL keeps its media in ``$VFEEDBACK_FILES`` (a shared team folder), else in a private
    folder under the user data folder named after the server, never after a family.
    """
    if spec is None or str(spec) == "":
        spec = os.environ.get(ENV_LIBRARY) or None
    if spec is None:
        root = default_root()
        return Location(root, _sqlite_url(root), True)
    text = os.fspath(spec)
    if looks_like_url(text):
        if text.startswith("sqlite"):
            raise LibraryError(
                "Give a SQLite library as its folder (--library PATH), not as a sqlite:// URL."
            )
        files = os.environ.get(ENV_FILES)
        if files:
            root = Path(files).expanduser()
            from platformdirs import user_cache_path

            local = user_cache_path("vfeedback", appauthor=False) / f"server-{_server_key(text)}"
            return Location(root.absolute(), text, False, team_files=True, cache=local)
        else:
            root = default_root().parent / f"server-{_server_key(text)}"
        return Location(root, text, False)
    root = Path(text).expanduser()
    if root.name == DB_NAME and not root.is_dir():
        root = root.parent
    return Location(root.absolute(), _sqlite_url(root.absolute()), True)


def _server_key(url: str) -> str:
    return hashlib.sha256(_without_password(url).encode()).hexdigest()[:12]


REACH_TIMEOUT_S = 5.0
"""A share that does not answer within this is said to be unreachable (a hung NFS mount never returns)."""


def _reachable(root: Path) -> bool:
    """Does the folder (or the folder it is to be made in) answer, within ``REACH_TIMEOUT_S``? The
    look runs in a thread so a hung network mount cannot hang vfeedback."""
    found: list[bool] = []

    def look() -> None:
        try:
            found.append(root.is_dir() or (not root.exists() and root.parent.is_dir()))
        except OSError:
            found.append(False)

    thread = threading.Thread(target=look, name="vfeedback-share-check", daemon=True)
    thread.start()
    thread.join(REACH_TIMEOUT_S)
    return bool(found and found[0])


def _prepare_team(location: Location) -> None:
    """A team's media folder: reachable, the team's group (the folder's own) and mode on everything
    vfeedback makes in it; caches on this machine."""
    root = location.root
    if not _reachable(root):
        raise LibraryError(
            f"The team's media folder {root} is not reachable (is the network share mounted?); "
            "nothing was opened."
        )
    try:
        if not root.exists():
            root.mkdir(mode=0o750)
        share_with_team(root, root.stat().st_gid)
        for name in SUBFOLDERS:
            private_folder(root / name)
        if location.cache is not None:
            private_folder(location.cache)
    except PermissionError as exc:
        raise LibraryError(f"vfeedback may not write to the team's media folder {root}.") from exc
    except OSError as exc:
        raise LibraryError(f"The team's media folder {root} cannot be used: {exc.strerror}.") from exc


def _sqlite_url(root: Path) -> str:
    return f"sqlite:///{root / DB_NAME}"


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def prepare(location: Location) -> None:
    """Create the folder tree owner-only, and the database file owner-only before SQLite opens it
    (SQLite gives its -wal and -shm files the database file's mode)."""
    if location.team_files:
        _prepare_team(location)
        return
    root = location.root
    if root.exists() and not root.is_dir():
        raise LibraryError(f"The library location {root} is a file, not a folder.")
    try:
        root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        for name in SUBFOLDERS:
            (root / name).mkdir(mode=DIR_MODE, exist_ok=True)
        db = location.db_path
        if db is not None and not db.exists():
            os.close(os.open(db, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    except PermissionError as exc:
        raise LibraryError(f"vfeedback may not write to the library folder {root}.") from exc
    except OSError as exc:
        raise LibraryError(f"The library folder {root} cannot be created: {exc.strerror}.") from exc
    _tighten(root)


def _tighten(root: Path) -> None:
    """Owner-only even when someone loosened it by hand (or an older version, or a copy made with
    another umask, created it): the folders and the database with its journal files."""
    for path in [root, *(root / n for n in SUBFOLDERS)]:
        try:
            if path.is_dir() and not path.is_symlink() and path.stat().st_mode & 0o077:
                path.chmod(DIR_MODE)
        except OSError:
            pass
    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal"):
        path = root / name
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mode & 0o077:
                path.chmod(FILE_MODE)
        except OSError:
            pass
