"""``vfeedback check``: is the database sound, is the record of who did what intact, and is every file
where the library says it is, unchanged, and owned by a row?

- The audit record's and the consent register's hash chains, their guards and tables
  (``storage/chain.py``, ``storage/guards.py``); an entry saying the guards were found removed and
  put back stays a problem for good: it is evidence someone changed the database by hand.
- Recordings: present, same size, same fingerprint (first and last MiB); ``deep`` hashes whole files
  against the SHA-256 stored at import. Exports: present, same size and modification time; ``deep``
  against their SHA-256.
- Files in ``recordings/``, ``clips/``, ``stills/`` and ``cache/recordings/<id>`` that no row owns (a
  crash between copying and recording, a file dropped there by hand): listed; ``repair_orphans``
  removes them. Never a live process's temporary, the database's own files, a known export's
  sidecars, or a file an undone import keeps for redo.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, select, text

from vfeedback.core.errors import BadInput
from vfeedback.core.model import Recording
from vfeedback.core.timecode import format_time
from vfeedback.services.context import Context
from vfeedback.services.recordings import Recordings
from vfeedback.storage import chain, guards, team
from vfeedback.storage import tables as t
from vfeedback.system.files import part_owner, pid_alive

Progress = Callable[[int, int], None]
"""``progress(done, total)``: recordings checked, or bytes hashed with ``deep``."""
# An export renames its file into place just before it writes its row; a file this young may be one
# in another window or process, about to be recorded.
ORPHAN_GRACE_S = 120
_SIDECARS = (".vtt", ".txt")


@dataclass(frozen=True, slots=True)
class Problem:
    what: str
    """One sentence."""
    recording_id: int | None = None
    kind: str = "file"
    """``record`` (the audit record or consent register), ``database``, ``file`` or ``orphan``."""


@dataclass(frozen=True, slots=True)
class CheckReport:
    problems: list[Problem]
    notices: list[str] = field(default_factory=list)
    """Things to know that are not problems (e.g. recordings that cannot be hashed whole)."""

    @property
    def audit_chain_ok(self) -> bool:
        return not any(p.kind == "record" for p in self.problems)


@dataclass(eq=False)
class Integrity:
    ctx: Context
    recordings: Recordings

    def check(self, progress: Progress | None = None, *, deep: bool = False) -> list[Problem]:
        return self.report(progress, deep=deep).problems

    def report(self, progress: Progress | None = None, *, deep: bool = False) -> CheckReport:
        problems = self._check_database() + self._check_record()
        notices: list[str] = []
        if deep:
            problems += self._check_files_deep(progress, notices)
        else:
            problems += self._check_recordings(progress)
            problems += self._check_highlights()
        problems += self._check_moments()
        problems += [
            Problem(
                f"No recording or export owns {rel} (vfeedback check --repair removes it).", kind="orphan"
            )
            for rel in self.orphans()
        ]
        return CheckReport(problems, notices)

    # --- the record ---------------------------------------------------------------------------
    def _check_record(self) -> list[Problem]:
        found: list[Problem] = []
        with self.ctx.read() as conn:
            missing = guards.inspect(conn)
            for name in missing.tables:
                what = "audit record" if name == "audit_log" else "consent register"
                found.append(Problem(f"The {what} is missing from the database.", kind="record"))
            if missing.triggers:
                found.append(
                    Problem(
                        "The database no longer protects the audit record and consent register as "
                        f"vfeedback made it ({', '.join(missing.triggers)} missing or changed).",
                        kind="record",
                    )
                )
            if "audit_log" in missing.tables:
                return found
            broken = chain.verify_audit(conn)
            if broken is not None:
                found.append(Problem(broken.sentence, kind="record"))
            if "consents" not in missing.tables:
                broken = chain.verify_consents(conn)
                if broken is not None:
                    found.append(Problem(broken.sentence, kind="record"))
            a = t.audit_log
            restored = conn.execute(
                select(a.c.id, a.c.at, a.c.detail).where(a.c.action == guards.PROTECTION).order_by(a.c.id)
            ).all()
        found += [
            Problem(f"{row.detail} on {row.at:%Y-%m-%d} (audit entry {row.id}).", kind="record")
            for row in restored
        ]
        return found

    def _check_database(self) -> list[Problem]:
        found: list[Problem] = []
        if not self.ctx.db.is_sqlite:
            return found
        with self.ctx.read() as conn:
            verdict = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            if verdict != ["ok"]:
                found.append(
                    Problem("The database is damaged: " + "; ".join(verdict[:3]) + ".", kind="database")
                )
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                found.append(
                    Problem(f"The database has {len(broken)} broken cross-reference(s).", kind="database")
                )
        return found

    # --- files --------------------------------------------------------------------------------
    def _check_recordings(self, progress: Progress | None) -> list[Problem]:
        from vfeedback.media.fingerprint import fingerprint

        found = []
        recs = self.recordings.all()
        for i, rec in enumerate(recs):
            if progress is not None:
                progress(i, len(recs))
            path, name, problem = self._recording_present(rec)
            if problem is not None:
                found.append(problem)
                continue
            try:
                if fingerprint(path) != rec.fingerprint:
                    found.append(Problem(f"{name}: its file's content has changed.", rec.id))
            except BadInput as exc:
                found.append(Problem(f"{name}: {exc}", rec.id))
        if progress is not None:
            progress(len(recs), len(recs))
        return found

    def _recording_present(self, rec: Recording) -> tuple[Path, str, Problem | None]:
        """(path, name for sentences, the problem if the file is missing or of another size)."""
        path: Path = self.recordings.path(rec)
        name = f"Recording {rec.id} ({rec.family_code}, {rec.original_name})"
        if not path.exists():
            hint = " (relink it with `vfeedback relink FOLDER`)" if not rec.stored else ""
            return path, name, Problem(f"{name}: its file is missing{hint}.", rec.id)
        size = path.stat().st_size
        if size != rec.size_bytes:
            return path, name, Problem(f"{name}: its file is {size} bytes, not {rec.size_bytes}.", rec.id)
        return path, name, None

    def _check_highlights(self) -> list[Problem]:
        found = []
        for row in self._highlight_rows():
            path = self.ctx.root / row.path
            label = f"Exported {row.kind} {row.id} ({row.path})"
            if not path.is_file():
                found.append(Problem(f"{label}: its file is missing."))
                continue
            stat = path.stat()
            if stat.st_size != row.size_bytes or (
                row.mtime_ns is not None and stat.st_mtime_ns != row.mtime_ns
            ):
                found.append(Problem(f"{label}: its file has changed."))
        return found

    def _highlight_rows(self) -> list[Row[Any]]:
        h = t.highlights
        with self.ctx.read() as conn:
            return list(
                conn.execute(
                    select(h.c.id, h.c.kind, h.c.path, h.c.size_bytes, h.c.sha256, h.c.mtime_ns).order_by(
                        h.c.id
                    )
                )
            )

    def _check_files_deep(self, progress: Progress | None, notices: list[str]) -> list[Problem]:
        """Every recording and export hashed whole against the SHA-256 stored when it was made."""
        from vfeedback.media.fingerprint import sha256_file

        found: list[Problem] = []
        with self.ctx.read() as conn:
            stored = dict(conn.execute(select(t.recordings.c.id, t.recordings.c.sha256)).all())
        todo: list[tuple[Path, str, str, int | None]] = []  # path, expected, sentence start, recording
        unhashed = []
        for rec in self.recordings.all():
            path, name, problem = self._recording_present(rec)
            if problem is not None:
                found.append(problem)
            elif stored.get(rec.id) is None:
                unhashed.append(rec.id)
            else:
                todo.append((path, str(stored[rec.id]), name, rec.id))
        for row in self._highlight_rows():
            path = self.ctx.root / row.path
            label = f"Exported {row.kind} {row.id} ({row.path})"
            if not path.is_file():
                found.append(Problem(f"{label}: its file is missing."))
            else:
                todo.append((path, row.sha256, label, None))
        if unhashed:
            ids = ", ".join(map(str, unhashed))
            notices.append(
                f"{len(unhashed)} recording(s) ({ids}) were imported before vfeedback kept a hash of the "
                "whole file: only their size and first and last MiB can be checked."
            )
        sizes = [p.stat().st_size for p, *_ in todo]
        total, done = sum(sizes), 0
        for (path, expected, label, rec_id), size in zip(todo, sizes, strict=True):
            base = done

            def tick(fraction: float, base: int = base, size: int = size) -> None:
                if progress is not None:
                    progress(base + round(fraction * size), total)

            try:
                if sha256_file(path, progress=tick) != expected:
                    found.append(Problem(f"{label}: its file's content has changed.", rec_id))
            except BadInput as exc:
                found.append(Problem(f"{label}: {exc}", rec_id))
            done += size
        if progress is not None:
            progress(total, total)
        return found

    def _check_moments(self) -> list[Problem]:
        m, r = t.moments, t.recordings
        query = (
            select(m.c.id, m.c.start_us, m.c.end_us, r.c.duration_us)
            .join(r, r.c.id == m.c.recording_id)
            .where((m.c.end_us < m.c.start_us) | (m.c.start_us < 0) | (m.c.start_us > r.c.duration_us))
        )
        with self.ctx.read() as conn:
            bad = conn.execute(query).all()
        return [
            Problem(
                f"Moment {row.id} ({format_time(row.start_us)}-{format_time(row.end_us)}) lies outside "
                "its recording."
            )
            for row in bad
        ]

    # --- files no row owns ----------------------------------------------------------------------
    def orphans(self) -> list[str]:
        """Library-relative paths of files (and cache folders) no row owns, sorted."""
        with self.ctx.read() as conn:
            return sorted(self._orphans(conn, time.time()))

    def repair(self) -> list[str]:
        """Remove what ``orphans`` lists, holding the library's write lock (an import renames its copy
        into place inside its transaction, so none is caught half-recorded); returns what went."""
        removed = []
        with self.ctx.write() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("LOCK TABLE recordings, highlights IN SHARE ROW EXCLUSIVE MODE"))
            for rel in sorted(self._orphans(conn, time.time())):
                path = self.ctx.root / rel
                try:
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path)
                    else:
                        path.unlink(missing_ok=True)
                except OSError:
                    continue  # still listed by check
                removed.append(rel)
        return removed

    def _orphans(self, conn: Connection, now: float) -> Iterator[str]:
        if team.is_team(conn) and not team.sees_everything(conn):
            # A team's policies hide colleagues' rows: their files would look unowned (and --repair
            # would delete them). Only the server's administrator looks for orphans there.
            return
        r, h, u = t.recordings, t.highlights, t.undo_log
        owned = {str(p) for p in conn.execute(select(r.c.path).where(r.c.stored)).scalars()}
        for files in conn.execute(select(u.c.files_json)).scalars():
            owned.update(json.loads(files))  # an undone import keeps its copy for redo
        exported = {str(p) for p in conn.execute(select(h.c.path)).scalars()}
        owned |= exported
        owned |= {Path(p).with_suffix(s).as_posix() for p in exported for s in _SIDECARS}
        for folder, young_ok in (("recordings", False), ("clips", True), ("stills", True)):
            for path in _files(self.ctx.root / folder):
                rel = path.relative_to(self.ctx.root).as_posix()
                if rel in owned or _live_temporary(path, now):
                    continue
                if young_ok and _placeholder_or_young(path, now):
                    continue
                yield rel
        cache = self.ctx.location.recording_caches
        if cache.is_dir() and cache.is_relative_to(self.ctx.root):  # a team's caches are local
            ids = {str(i) for i in conn.execute(select(r.c.id)).scalars()}
            for entry in cache.iterdir():
                if entry.name not in ids:
                    yield entry.relative_to(self.ctx.root).as_posix()


def _files(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            yield Path(dirpath) / name


def _live_temporary(path: Path, now: float) -> bool:
    """A temporary of a running vfeedback: its process is alive here, or it is still being written
    (a team's shared folder: the process may run on another computer)."""
    pid = part_owner(path.name)
    return pid is not None and (pid_alive(pid) or _young(path, now))


def _placeholder_or_young(path: Path, now: float) -> bool:
    """An export's empty placeholder (its name reserved), or a file an export may be recording now."""
    try:
        return path.stat().st_size == 0 or _young(path, now)
    except OSError:
        return True


def _young(path: Path, now: float) -> bool:
    try:
        return now - path.stat().st_mtime < ORPHAN_GRACE_S
    except OSError:
        return True
