"""Writing files into the library so that a crash leaves either nothing or the whole file.

A file is written under a temporary name beside its target (``.<name>.<pid>.part``), flushed to disk,
then renamed into place. Temporaries whose process is gone are removed the next time the library opens.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from vfeedback.core.errors import BadInput, LibraryError
from vfeedback.storage.layout import FILE_MODE, SUBFOLDERS

CHUNK = 4 << 20
_PART = re.compile(r"^\..+\.(\d+)\.part$")

Progress = Callable[[int, int], None]
"""``progress(done_bytes, total_bytes)``."""


def temporary_for(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.part")


@contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes ``target``, on any error it is gone."""
    tmp = temporary_for(target)
    try:
        yield tmp
        _fsync_file(tmp)
        tmp.replace(target)
        _fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def save_private(target: Path, content: bytes | Callable[[Path], None]) -> None:
    """Save a file the clinician asked for (an export, a chart, a record): all or nothing, owner-only
    from its first byte, replacing a file of that name like any save. ``content`` is the bytes, or
    ``fill(tmp)`` writing the (already created, owner-only) temporary. A refused folder or a full
    disk is one sentence, and nothing changes."""
    try:
        with atomic_target(target) as tmp:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            os.fchmod(fd, FILE_MODE)  # a leftover temporary of the same name keeps its old mode otherwise
            with os.fdopen(fd, "wb") as f:
                if isinstance(content, bytes):
                    f.write(content)
            if not isinstance(content, bytes):
                content(tmp)
    except PermissionError as exc:
        raise BadInput(f"vfeedback may not write into {target.parent}; choose another folder.") from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise LibraryError(f"The disk is full; {target.name} was not written.") from exc
        raise LibraryError(f"{target.name} could not be written: {exc.strerror or exc}.") from exc


def copy_into(src: Path, target: Path, progress: Progress | None = None) -> str:
    """Copy ``src`` to ``target`` atomically, owner-only, reporting progress. Returns the SHA-256 hex
    digest of the bytes written (hashed as they are copied: no second read)."""
    total = src.stat().st_size
    done = 0
    digest = hashlib.sha256()
    with atomic_target(target) as tmp:
        try:
            with src.open("rb") as fin, _open_private(tmp) as fout:
                while chunk := fin.read(CHUNK):
                    fout.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
        except PermissionError as exc:
            raise BadInput(f"{src.name} cannot be read: permission denied.") from exc
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise LibraryError(
                    f"The disk holding the library is full; {src.name} was not imported."
                ) from exc
            raise LibraryError(
                f"{src.name} could not be copied into the library: {exc.strerror}."
            ) from exc
        if done != total:
            raise BadInput(f"{src.name} changed while it was being copied; try again.")
    return digest.hexdigest()


def move_into_place(part: Path, target: Path) -> None:
    """Give a finished temporary (already flushed, e.g. by ``copy_into``) its name, durably."""
    part.replace(target)
    _fsync_dir(target.parent)


def remove_stale_temporaries(root: Path) -> list[Path]:
    """Delete ``.part`` files left by processes that no longer run (a crash or a kill mid-write)."""
    removed = []
    for name in SUBFOLDERS:
        folder = root / name
        if not folder.is_dir():
            continue
        for path in folder.rglob(".*.part"):
            match = _PART.match(path.name)
            if match and not _alive(int(match.group(1))):
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _open_private(path: Path):  # type: ignore[no-untyped-def]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    return os.fdopen(fd, "wb")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
