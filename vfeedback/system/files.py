"""The one way vfeedback writes a file: all or nothing, owner-only from its first byte, swept after a crash.

A file is written under a hidden temporary name beside its target (``.<name>[.<token>].<pid>.part``),
flushed to disk, then renamed into place, and the folder is flushed too so the rename survives a power
cut. The temporary is created exclusively and never through a symbolic link, with mode 0600 whatever
the umask; a folder made for a file is 0700. A crash (even ``kill -9``) can leave only a temporary
naming a dead process, which ``remove_stale`` deletes the next time the library opens.

Errors stay ``OSError`` here (callers know what was being written); ``write_sentence`` turns one into
the sentence a clinician reads.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700
# A team's media folder (``$VFEEDBACK_FILES`` with a server library, issue 16): readable by the team's
# group only. ``share_with_team`` names the folder and its group; everything written under it gets these.
SHARED_GRACE_S = 24 * 3600
"""On a team's share, a temporary or a placeholder younger than this may be a colleague's import or
export under way on another computer (their processes are not ours to see): a sweep leaves it."""
TEAM_FILE_MODE = 0o640
TEAM_DIR_MODE = 0o750
_team_folders: dict[Path, int] = {}
CHUNK = 4 << 20

_PART = re.compile(r"^\..+\.(\d+)\.part$")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)

Fill = Callable[[Path], None]
"""``fill(tmp)`` writes the (already created, owner-only, empty) temporary file."""
ByteProgress = Callable[[int, int], None]
"""``progress(done_bytes, total_bytes)``."""


def part_path(target: Path) -> Path:
    """The temporary a planned export is written to (an ffmpeg argv names it, so it is predictable):
    hidden, beside ``target``, naming this process so a sweep can tell a live writer from a dead one."""
    return target.with_name(f".{target.name}.{os.getpid()}.part")


def part_owner(name: str) -> int | None:
    """The process id a temporary's name carries, or None when ``name`` is not a temporary."""
    match = _PART.match(name)
    return int(match.group(1)) if match else None


def share_with_team(folder: Path, group: int) -> None:
    """From now on, what this process writes under ``folder`` is the team's: group ``group``, files
    0640 and folders 0750 (instead of owner-only)."""
    _team_folders[folder.absolute()] = group


def team_group(path: Path) -> int | None:
    """The team's group when ``path`` is inside a team's media folder, else None."""
    if not _team_folders:
        return None
    where = path.absolute()
    for folder, group in _team_folders.items():
        if where == folder or where.is_relative_to(folder):
            return group
    return None


def settle_mode(path: Path, *, folder: bool = False) -> None:
    """Owner-only, or inside a team's media folder the team's group and mode: the one place a
    written file or a made folder gets its permissions."""
    group = team_group(path)
    if group is None:
        path.chmod(DIR_MODE if folder else FILE_MODE)
        return
    os.chown(path, -1, group)
    path.chmod(TEAM_DIR_MODE if folder else TEAM_FILE_MODE)


def private_folder(folder: Path, *, tighten: bool = True) -> Path:
    """Create ``folder`` and any missing parents owner-only (mkdir's mode is filtered by the umask, so
    each new level is set explicitly), and tighten ``folder`` itself if someone loosened it. Inside a
    team's media folder: the team's group, 0750. ``tighten=False`` for a folder of the user's own
    choosing outside the library (``--out ~/Desktop``, ``/tmp``): the levels it creates are owner-only,
    but an existing folder keeps the mode its owner gave it."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=DIR_MODE)
        settle_mode(path, folder=True)
    if not tighten:
        return folder
    found, group = folder.stat(), team_group(folder)
    if group is None:
        if found.st_mode & 0o077:
            folder.chmod(DIR_MODE)
    elif ((found.st_mode & 0o777) != TEAM_DIR_MODE or found.st_gid != group) and found.st_uid == os.geteuid():
        settle_mode(folder, folder=True)  # made before it was the team's (a colleague's is theirs to set)
    return folder


def create_private(path: Path) -> int:
    """Open a new, empty, owner-only file for writing and return its descriptor. Refuses to follow a
    symbolic link or to reuse an existing file (a link planted under our temporary's name would
    otherwise redirect the write)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _unique_part(target: Path) -> Path:
    # A random token as well as the pid: two threads saving to one name never share a temporary.
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.{os.getpid()}.part")


@contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Yield a new, empty, owner-only temporary beside ``target``; on success it is flushed and becomes
    ``target`` (replacing a file *or a symbolic link* of that name, never writing through the link),
    on any error it is gone and ``target`` is as it was."""
    tmp = _unique_part(target)
    os.close(create_private(tmp))
    try:
        yield tmp
        fsync_file(tmp)
        settle_mode(tmp)  # a writer that recreated the file (ffmpeg, Qt) used its own mode
        tmp.replace(target)
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def write_private(target: Path, content: bytes | Fill) -> None:
    """``content`` (bytes, or ``fill(tmp)``) at ``target``, all or nothing, owner-only."""
    with atomic_target(target) as tmp:
        if isinstance(content, bytes):
            with tmp.open("r+b") as fh:
                fh.write(content)
        else:
            content(tmp)


def copy_private(src: Path, target: Path, progress: ByteProgress | None = None) -> tuple[str, int]:
    """Copy ``src`` to ``target`` all or nothing, owner-only; returns the SHA-256 hex digest and the
    size of the bytes written (hashed as they are written: no second read). Raises OSError; a source
    that changed size while being copied raises ``SourceChanged``."""
    digest = hashlib.sha256()
    with src.open("rb") as fin:
        total = os.fstat(fin.fileno()).st_size
        done = 0
        with atomic_target(target) as tmp, tmp.open("r+b") as fout:
            while chunk := fin.read(CHUNK):
                fout.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            if done != total:
                raise SourceChanged(src)
    return digest.hexdigest(), done


class SourceChanged(OSError):
    """The file being copied grew or shrank while it was read."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.EAGAIN, "the file changed while it was copied", str(path))


def sha256_of(fh: BinaryIO, block: int = CHUNK) -> tuple[str, int]:
    """The SHA-256 hex digest and length of what is left to read in ``fh``."""
    digest = hashlib.sha256()
    size = 0
    while data := fh.read(block):
        digest.update(data)
        size += len(data)
    return digest.hexdigest(), size


def sha256_file(path: Path) -> tuple[str, int]:
    """The SHA-256 hex digest and size of the file at ``path``."""
    with path.open("rb") as fh:
        return sha256_of(fh)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk; not every platform can, so best effort."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_stale(
    folder: Path,
    *,
    recursive: bool = False,
    extra: re.Pattern[str] | None = None,
    older_than_s: float = 0.0,
) -> list[Path]:
    """Delete temporaries in ``folder`` left by processes that no longer run (a crash or a kill
    mid-write); returns them. A live process's temporaries (this one's too: another thread may be
    writing) are left alone. ``extra`` matches other temporary names whose first group is a pid.
    ``older_than_s``: on a share other computers write to, a pid says nothing about their processes,
    so only temporaries untouched for that long are taken for leftovers."""
    removed: list[Path] = []
    try:
        entries = list(folder.rglob("*") if recursive else folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        pid = part_owner(path.name)
        if pid is None and extra is not None and (match := extra.match(path.name)):
            pid = int(match.group(1))
        if pid is None or pid_alive(pid):
            continue
        with contextlib.suppress(OSError):
            if older_than_s and time.time() - path.lstat().st_mtime < older_than_s:
                continue
            if path.is_file() or path.is_symlink():
                path.unlink()
                removed.append(path)
    return removed


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except (OSError, OverflowError):
        return False
    return True


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def write_sentence(exc: OSError, name: str) -> str:
    """One sentence for a failed write of the file called ``name`` (already quoted if need be)."""
    if is_disk_full(exc):
        return f"The disk is full; {name} was not written. Free some space and try again."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"vfeedback may not write {name} there; choose another folder."
    if exc.errno == errno.EROFS:
        return f"That disk is read-only; {name} was not written."
    if isinstance(exc, SourceChanged):
        return f"{name} was not written: its source changed while it was being copied; try again."
    return f"{name} was not written: {exc.strerror or 'the system refused'}."
