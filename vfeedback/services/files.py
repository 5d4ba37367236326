"""Files the clinician asks to be written outside the library: where they may go, and how they get there.

A destination is judged after resolving what a typed path can hide: ``~``, ``..``, symbolic links in
its folders, another spelling of the same folder (a case-insensitive disk, a bind mount) — folders
and files are compared by identity (device and inode), not by name. It is refused in one sentence,
before any work is done, when it lies inside the library folder or is one of the files the library
owns anywhere (a referenced recording kept where the clinician filmed it). Writing there would
replace a family's only copy of its film, or the database itself.

What passes is written all or nothing (``system.files``): a hidden temporary beside the target,
flushed, then renamed over it. A symbolic link at the destination is therefore replaced by the new
file, never written through. A full disk leaves the destination as it was and says so.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from vfeedback.core.errors import BadInput, LibraryError
from vfeedback.core.text import quoted_name
from vfeedback.services.context import Context
from vfeedback.storage import tables as t
from vfeedback.system.files import (
    ByteProgress,
    Fill,
    copy_private,
    private_folder,
    write_private,
    write_sentence,
)


@dataclass(eq=False)
class Files:
    ctx: Context

    def destination(self, out: str | os.PathLike[str], default_name: str | None = None) -> Path:
        """The file to write for ``out``, resolved and checked; nothing is written yet. An existing
        folder (or a path ending in a separator) gets ``default_name`` inside it; without one it is
        refused. The folder it goes in must exist."""
        typed = os.fspath(out)
        if not typed.strip():
            raise BadInput("Say where to save the file.")
        path = resolved(typed)
        if typed.endswith(("/", os.sep)) or Path(typed).name in ("", "..") or path.is_dir():
            if default_name is None:
                raise BadInput(f"{quoted_name(path)} is a folder; give the name of a file to write in it.")
            if not path.is_dir():
                raise BadInput(
                    f"The folder {quoted_name(path)} does not exist; create it first or choose another."
                )
            path = path / default_name
        elif not path.parent.is_dir():
            raise BadInput(
                f"The folder {quoted_name(path.parent)} does not exist; create it first or choose another."
            )
        self._refuse_library_place(path)
        return path

    def folder(self, out: str | os.PathLike[str]) -> Path:
        """A folder to copy several exports into (``--out DIR``), resolved and checked, and created
        owner-only if it does not exist yet."""
        typed = os.fspath(out)
        if not typed.strip():
            raise BadInput("Say which folder to copy the files into.")
        path = Path(os.path.realpath(Path(typed).expanduser()))
        if path.exists() and not path.is_dir():
            raise BadInput(f"{quoted_name(path)} is a file, not a folder; name a folder for the copies.")
        self._refuse_library_place(path / "x", folder=True)
        try:
            private_folder(path, tighten=False)  # the user's own folder: never change its mode
        except OSError as exc:
            raise BadInput(
                f"The folder {quoted_name(path)} cannot be created: {exc.strerror or exc}."
            ) from None
        return path

    def save(self, target: Path, content: bytes | Fill) -> Path:
        """Write ``content`` at ``target`` (a path ``destination`` returned), all or nothing."""
        self._refuse_library_place(target)  # the folder may have changed since it was checked
        try:
            write_private(target, content)
        except OSError as exc:
            raise _sentence(exc, target) from exc
        return target

    def copy(self, source: Path, target: Path, progress: ByteProgress | None = None) -> Path:
        """Copy ``source`` to ``target`` (a path ``destination`` returned), all or nothing."""
        self._refuse_library_place(target)
        try:
            copy_private(source, target, progress)
        except OSError as exc:
            raise _sentence(exc, target) from exc
        return target

    # --- the judgement --------------------------------------------------------------------------
    def _refuse_library_place(self, target: Path, *, folder: bool = False) -> None:
        real_parent = Path(os.path.realpath(target.parent))
        if self._inside_library(real_parent):
            where = quoted_name(target.parent if folder else target)
            raise BadInput(
                f"{where} is inside the vfeedback library; choose a place outside it "
                "(everything exported is kept in the library already)."
            )
        if folder:
            return
        final = real_parent / target.name
        owner = self._owner_of(final)
        if owner is not None:
            raise BadInput(f"{quoted_name(target)} is {owner}; choose another name or folder.")

    def _inside_library(self, real_folder: Path) -> bool:
        try:
            library = self.ctx.root.stat()
        except OSError:
            library = None
        library_text = os.path.normcase(os.path.realpath(self.ctx.root))
        for folder in (real_folder, *real_folder.parents):
            if os.path.normcase(str(folder)) == library_text:
                return True
            if library is not None:
                try:
                    if os.path.samestat(folder.stat(), library):
                        return True
                except OSError:
                    continue
        return False

    def _owner_of(self, final: Path) -> str | None:
        """What the library keeps at ``final`` (a symbolic link there is not followed: it is replaced)."""
        try:
            here = os.lstat(final)
        except OSError:
            here = None
        if here is not None and stat.S_ISLNK(here.st_mode):
            return None
        spelled = os.path.normcase(str(final))
        owned: list[tuple[Path, str]] = []
        if self.ctx.location.db_path is not None:
            owned.append((self.ctx.location.db_path, "the library's database"))
        with self.ctx.read() as conn:
            stored = conn.execute(select(t.recordings.c.id, t.recordings.c.path)).all()
        owned += [(self.ctx.location.media_path(path), f"the film of recording {i}") for i, path in stored]
        for path, what in owned:
            if os.path.normcase(os.path.realpath(path)) == spelled:
                return what
            if here is not None:
                try:
                    if os.path.samestat(path.stat(), here):
                        return what
                except OSError:
                    continue
        return None


def resolved(typed: str | os.PathLike[str]) -> Path:
    """Where the system would really write ``typed``: ``~`` expanded, the folder part resolved as the
    system resolves it (symbolic links first, then ``..``), the last part kept as typed (a link there
    is replaced by the new file, not followed)."""
    path = Path(typed).expanduser()
    if path.name in ("", ".."):  # "." or ".." at the end: a folder, resolved whole
        return Path(os.path.realpath(path))
    return Path(os.path.realpath(path.parent)) / path.name


def _sentence(exc: OSError, target: Path) -> BadInput | LibraryError:
    return BadInput(write_sentence(exc, quoted_name(target)))
