"""``vfeedback check``: is the database sound, and is every file where the library says it is?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from vfeedback.core.errors import BadInput
from vfeedback.core.timecode import format_time
from vfeedback.services.base import LibraryBase
from vfeedback.storage import tables as t


@dataclass(frozen=True, slots=True)
class Problem:
    what: str
    """One sentence."""
    recording_id: int | None = None


class IntegrityMixin(LibraryBase):
    def check(self, progress: Callable[[int, int], None] | None = None) -> list[Problem]:
        from vfeedback.media.fingerprint import fingerprint

        problems = self._check_database()
        recs = self.recordings()  # type: ignore[attr-defined]
        for i, rec in enumerate(recs):
            if progress is not None:
                progress(i, len(recs))
            path = self.media_path(rec)  # type: ignore[attr-defined]
            name = f"Recording {rec.id} ({rec.family_code}, {rec.original_name})"
            if not path.exists():
                hint = " (relink it with `vfeedback relink FOLDER`)" if not rec.stored else ""
                problems.append(Problem(f"{name}: its file is missing{hint}.", rec.id))
                continue
            size = path.stat().st_size
            if size != rec.size_bytes:
                problems.append(Problem(f"{name}: its file is {size} bytes, not {rec.size_bytes}.", rec.id))
                continue
            try:
                if fingerprint(path) != rec.fingerprint:
                    problems.append(Problem(f"{name}: its file's content has changed.", rec.id))
            except BadInput as exc:
                problems.append(Problem(f"{name}: {exc}", rec.id))
        problems.extend(self._check_moments())
        problems.extend(self._check_highlights())
        if progress is not None:
            progress(len(recs), len(recs))
        return problems

    def _check_database(self) -> list[Problem]:
        found: list[Problem] = []
        if not self.db.is_sqlite:
            return found
        with self._read() as conn:
            verdict = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            if verdict != ["ok"]:
                found.append(Problem("The database is damaged: " + "; ".join(verdict[:3]) + "."))
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                found.append(Problem(f"The database has {len(broken)} broken cross-reference(s)."))
        return found

    def _check_highlights(self) -> list[Problem]:
        h = t.highlights
        with self._read() as conn:
            rows = conn.execute(select(h.c.id, h.c.kind, h.c.path, h.c.size_bytes)).all()
        found = []
        for row in rows:
            path = self.root / row.path
            if not path.is_file():
                found.append(Problem(f"Exported {row.kind} {row.id} ({row.path}): its file is missing."))
            elif path.stat().st_size != row.size_bytes:
                found.append(Problem(f"Exported {row.kind} {row.id} ({row.path}): its file has changed."))
        return found

    def _check_moments(self) -> list[Problem]:
        m, r = t.moments, t.recordings
        query = (
            select(m.c.id, m.c.start_us, m.c.end_us, r.c.duration_us)
            .join(r, r.c.id == m.c.recording_id)
            .where((m.c.end_us < m.c.start_us) | (m.c.start_us < 0) | (m.c.start_us > r.c.duration_us))
        )
        with self._read() as conn:
            bad = conn.execute(query).all()
        return [
            Problem(
                f"Moment {row.id} ({format_time(row.start_us)}-{format_time(row.end_us)}) lies outside "
                "its recording."
            )
            for row in bad
        ]
