"""Recordings: import (copy or reference), listing, relinking moved files."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, func, select

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput, Conflict, NotFound
from vfeedback.core.jobs import Progress
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.model import Family, Recording
from vfeedback.services import rows
from vfeedback.services.audit import Audit
from vfeedback.services.context import Context
from vfeedback.services.families import Families
from vfeedback.services.undo import Tx
from vfeedback.storage import tables as t
from vfeedback.storage.files import copy_into, move_into_place
from vfeedback.system.files import ByteProgress, part_path

UNFILED = "Unfiled"


@dataclass(eq=False)
class Recordings:
    ctx: Context
    families: Families
    audit: Audit

    def import_file(
        self,
        path: Path,
        family: str | int,
        *,
        recorded_on: date | None = None,
        context: str | None = None,
        title: str | None = None,
        reference: bool = False,
        progress: ByteProgress | None = None,
        new_family: bool = False,
    ) -> Recording:
        """Probe, fingerprint and copy (or reference) a video into a family. ``title``: the
        clinician's own name for it ("Bath time"), shown in the app and never in a file name.
        ``new_family``: a family of that case code is made if there is none, in the same undoable
        action (a failed or cancelled import makes no family either).

        Refuses anything that is not a playable video, and a file already in the library, leaving
        nothing behind either way.
        """
        from vfeedback.media.fingerprint import fingerprint
        from vfeedback.media.probe import probe

        path = Path(path).expanduser()
        name = texts.file_name(path.name)
        context = texts.optional(context, texts.CONTEXT)
        title = _title(title)
        info = probe(path)
        print_ = fingerprint(path)
        fam: Family | None
        try:
            fam = self.families.get(family)
        except NotFound:
            if not new_family or not isinstance(family, str):
                raise
            fam, family = None, texts.case_code(family)
        existing = self.by_fingerprint(print_)
        if existing is not None:
            raise Conflict(
                f"{path.name} is already in the library as recording {existing.id} "
                f"of family {existing.family_code}."
            )
        size = path.stat().st_size
        if reference:
            from vfeedback.media.fingerprint import sha256_file

            stored_path, part, final = str(path.resolve()), None, None
            sha256 = sha256_file(path, _fraction_to_bytes(progress, size))
        else:
            # Copied under a temporary name that the next open sweeps if this process dies, and
            # renamed into place only as the rows commit: a crash never leaves a copy no row owns.
            rel = Path("recordings") / f"{uuid.uuid4().hex}{_safe_suffix(path)}"
            final = self.ctx.root / rel
            part = part_path(final)
            stored_path = rel.as_posix()
        try:
            if part is not None:
                sha256 = copy_into(path, part, progress)
            with self.ctx.edit(f"Import {name}") as tx:
                if _by_fingerprint(tx.conn, print_) is not None:
                    raise Conflict(f"{path.name} was imported by someone else just now.")
                if fam is None:
                    fam = self._make_family(tx, str(family))
                row = tx.insert(
                    t.recordings,
                    {
                        "family_id": fam.id,
                        "original_name": name,
                        "path": stored_path,
                        "stored": not reference,
                        "size_bytes": size,
                        "fingerprint": print_,
                        "recorded_on": recorded_on or filmed_on(info),
                        "context": context,
                        "title": title,
                        "imported_at": self.ctx.now(),
                        "duration_us": info.duration_us,
                        "media_json": json.dumps(info.to_dict()),
                        "sha256": sha256,
                    },
                )
                how = "referenced in place" if reference else "copied into the library"
                self.audit.record(tx.conn, "import", fam, f"Imported recording {row['id']} ({how})")
                if part is not None and final is not None:
                    tx.files.append(stored_path)
                    move_into_place(part, final)  # the body's last step; the commit follows at once
        except BaseException:
            if part is not None and final is not None:
                part.unlink(missing_ok=True)
                if final.exists() and not self._committed(stored_path):
                    final.unlink(missing_ok=True)
            raise
        return rows.recording(row, fam.code)

    def _make_family(self, tx: Tx, code: str) -> Family:
        """The new family of an import, inside its transaction (someone may have made it meanwhile)."""
        found = tx.conn.execute(select(t.families).where(func.lower(t.families.c.code) == code.lower()))
        row = found.mappings().first()
        if row is not None:
            return rows.family(dict(row))
        return rows.family(tx.insert(t.families, {"code": code, "label": None, "created_at": self.ctx.now()}))

    def _committed(self, stored_path: str) -> bool:
        """After a failure: did the import's rows commit after all (a listener failed later)? When
        the library cannot even be read, say yes: keeping a file ``check`` lists beats losing one."""
        try:
            with self.ctx.read() as conn:
                found = conn.execute(select(t.recordings.c.id).where(t.recordings.c.path == stored_path))
                return found.first() is not None
        except Exception:
            return True

    def open_file(
        self, path: Path, family: str | None = None, progress: ByteProgress | None = None
    ) -> Recording:
        """The recording for ``path``: the existing import of the same content if there is one
        (wherever it came from), else a new import into ``family`` (made first when there is no
        family of that code yet) or into "Unfiled"."""
        from vfeedback.media.fingerprint import fingerprint
        from vfeedback.media.probe import check_file

        path = Path(path).expanduser()
        check_file(path)
        existing = self.by_fingerprint(fingerprint(path))
        if existing is not None:
            return existing
        if family is None:
            if not any(f.code == UNFILED for f in self.families.all()):
                self.families.add(UNFILED, "Recordings opened without a family")
            return self.import_file(path, UNFILED, progress=progress)
        return self.import_file(path, family, progress=progress, new_family=True)

    def edit(
        self,
        recording_id: int,
        *,
        recorded_on: date | None = None,
        context: str | None = None,
        title: str | None = None,
    ) -> Recording:
        """Change what is given (one undoable action); ``context`` or ``title`` "" removes it. The
        file, its name on disk and everything cut from it stay as they are."""
        current = self.get(recording_id)
        values: dict[str, object] = {}
        if recorded_on is not None and recorded_on != current.recorded_on:
            values["recorded_on"] = recorded_on
        if context is not None and (cleaned := texts.optional(context, texts.CONTEXT)) != current.context:
            values["context"] = cleaned
        if title is not None and (named := _title(title)) != current.title:
            values["title"] = named
        if not values:
            return current
        with self.ctx.edit(f"Edit recording {current.id}") as tx:
            _, after = tx.update(t.recordings, current.id, values)
        return rows.recording(after, current.family_code)

    def contexts(self) -> list[str]:
        """The contexts recordings were filmed in so far, most used first (suggestions for the next)."""
        col = t.recordings.c.context
        query = select(col).where(col.is_not(None)).group_by(col).order_by(func.count().desc(), col)
        with self.ctx.read() as conn:
            return [str(c) for c in conn.execute(query).scalars() if c]

    def all(self, family: str | int | None = None) -> list[Recording]:
        rec, fam = t.recordings, t.families
        query = (
            select(rec, fam.c.code.label("family_code"))
            .join(fam, fam.c.id == rec.c.family_id)
            .order_by(fam.c.code, rec.c.recorded_on, rec.c.id)
        )
        if family is not None:
            query = query.where(rec.c.family_id == self.families.get(family).id)
        with self.ctx.read() as conn:
            return [rows.recording(r, r["family_code"]) for r in conn.execute(query).mappings()]

    def get(self, recording_id: int) -> Recording:
        rec, fam = t.recordings, t.families
        query = (
            select(rec, fam.c.code.label("family_code"))
            .join(fam, fam.c.id == rec.c.family_id)
            .where(rec.c.id == recording_id)
        )
        with self.ctx.read() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"There is no recording {recording_id} in this library.")
        return rows.recording(row, row["family_code"])

    def by_fingerprint(self, print_: str) -> Recording | None:
        with self.ctx.read() as conn:
            rec_id = _by_fingerprint(conn, print_)
        return None if rec_id is None else self.get(rec_id)

    def path(self, recording: Recording) -> Path:
        """Where the file is on disk now (it may be missing: see ``check`` and ``relink``)."""
        return self.ctx.location.media_path(recording.path)

    def openable(self, recording: Recording) -> Path:
        """The file to open for ``recording``, refused in one sentence when it is not where the library
        expects it, or, in a team's media folder (a network share others write to), when it is no longer
        the film that was imported (its fingerprint, 2 MiB read, differs): moments cut from another
        film would show the wrong frames."""
        path = self.path(recording)
        if not path.is_file():
            raise NotFound(
                f"The file of this recording ({recording.original_name}) is not where the library "
                "expects it. If it was moved, `vfeedback relink FOLDER` finds it again."
            )
        if self.ctx.location.team_files:
            from vfeedback.media.fingerprint import fingerprint

            if fingerprint(path) != recording.fingerprint:
                raise Conflict(
                    f"The file of recording {recording.id} ({recording.original_name}) in the team's media "
                    "folder is not the film that was imported: it was changed or replaced there; nothing "
                    "was opened."
                )
        return path

    def relink(self, folder: Path, progress: ByteProgress | None = None) -> list[tuple[Recording, Path]]:
        """Find referenced recordings whose file is missing among the files under ``folder``, by
        fingerprint (so a renamed file is found too), and point them there. One undoable action."""
        from vfeedback.media.fingerprint import fingerprint

        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise BadInput(f"{folder} is not a folder.")
        missing = {r.fingerprint: r for r in self.all() if not self.path(r).exists()}
        if not missing:
            return []
        candidates = [p for p in folder.rglob("*") if p.is_file()]
        found: list[tuple[Recording, Path]] = []
        for i, candidate in enumerate(candidates):
            if progress is not None:
                progress(i, len(candidates))
            try:
                print_ = fingerprint(candidate)
            except BadInput:
                continue
            if print_ in missing:
                found.append((missing.pop(print_), candidate.resolve()))
            if not missing:
                break
        if not found:
            return []
        with self.ctx.edit(f"Relink {len(found)} recording(s)") as tx:
            for rec, new_path in found:
                stored = rec.stored and new_path.is_relative_to(self.ctx.root)
                value = new_path.relative_to(self.ctx.root).as_posix() if stored else str(new_path)
                tx.update(t.recordings, rec.id, {"path": value, "stored": stored})
        return [(self.get(rec.id), p) for rec, p in found]


def _title(value: str | None) -> str | None:
    return texts.optional(value, texts.REEL_TITLE, "name of the recording")


def _fraction_to_bytes(progress: ByteProgress | None, size: int) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction: progress(round(fraction * size), size)


def _by_fingerprint(conn: Connection, print_: str) -> int | None:
    value = conn.execute(select(t.recordings.c.id).where(t.recordings.c.fingerprint == print_)).scalar()
    return None if value is None else int(value)


def _safe_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    return suffix if suffix.isascii() and len(suffix) <= 6 and suffix[1:].isalnum() else ".video"


def filmed_on(info: MediaInfo) -> date | None:
    """The day a film says it was made (its ``creation_time``, which phones and cameras write in
    UTC), on this computer's calendar: a bath filmed at 00:30 in London in summer is that day, not
    the evening before. None when the film does not say."""
    stamp = info.tags.get("creation_time")
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when.astimezone() if when.tzinfo is not None else when).date()
