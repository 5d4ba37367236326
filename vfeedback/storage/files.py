"""Files the library writes into its own folder, through the one safe-write path (``system.files``),
with the sentences a clinician reads when the disk says no."""

from __future__ import annotations

from pathlib import Path

from vfeedback.core.errors import BadInput, LibraryError
from vfeedback.storage.layout import SUBFOLDERS
from vfeedback.system.files import (
    SHARED_GRACE_S,
    ByteProgress,
    Fill,
    SourceChanged,
    copy_private,
    fsync_dir,
    is_disk_full,
    remove_stale,
    write_private,
)


def save_private(target: Path, content: bytes | Fill) -> None:
    """Save a file all or nothing, owner-only from its first byte, replacing a file of that name like
    any save. ``content`` is the bytes, or ``fill(tmp)`` writing the (already created, owner-only)
    temporary. A refused folder or a full disk is one sentence, and nothing changes."""
    try:
        write_private(target, content)
    except PermissionError as exc:
        raise BadInput(f"vfeedback may not write into {target.parent}; choose another folder.") from exc
    except OSError as exc:
        if is_disk_full(exc):
            raise LibraryError(f"The disk is full; {target.name} was not written.") from exc
        raise LibraryError(f"{target.name} could not be written: {exc.strerror or exc}.") from exc


def copy_into(src: Path, target: Path, progress: ByteProgress | None = None) -> str:
    """Copy ``src`` into the library at ``target`` atomically, owner-only, reporting progress. Returns
    the SHA-256 hex digest of the bytes written (hashed as they are copied: no second read)."""
    try:
        digest, _ = copy_private(src, target, progress)
    except SourceChanged as exc:
        raise BadInput(f"{src.name} changed while it was being copied; try again.") from exc
    except PermissionError as exc:
        raise BadInput(f"{src.name} cannot be read: permission denied.") from exc
    except OSError as exc:
        if is_disk_full(exc):
            raise LibraryError(
                f"The disk holding the library is full; {src.name} was not imported."
            ) from exc
        raise LibraryError(f"{src.name} could not be copied into the library: {exc.strerror}.") from exc
    return digest


def move_into_place(part: Path, target: Path) -> None:
    """Give a finished temporary (already flushed, e.g. by ``copy_into``) its name, durably."""
    part.replace(target)
    fsync_dir(target.parent)


def remove_stale_temporaries(root: Path, *, shared: bool = False) -> list[Path]:
    """Delete ``.part`` files left in the library's folders by processes that no longer run; on a
    team's share (``shared``), only those a day old (``SHARED_GRACE_S``)."""
    removed = []
    for name in SUBFOLDERS:
        folder = root / name
        if folder.is_dir():
            removed += remove_stale(folder, recursive=True, older_than_s=SHARED_GRACE_S if shared else 0.0)
    return removed
