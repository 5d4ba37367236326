"""Highlights: reels of moments for a shared review, and the clips, stills, reels and handouts exported
from them into the library.

An export is written atomically by ``vfeedback.export`` (temporary file, verified, renamed); only then
is its row written, so a crash leaves either nothing or a complete, recorded file. Exporting the same
moment with the same settings and caption again returns the stored file instead of making another.
File names carry only the case code, the recording date and a sequence number.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, insert, select

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput, NotFound
from vfeedback.core.model import Family, Highlight, HighlightKind, Moment, Recording, Reel
from vfeedback.services.base import LibraryBase
from vfeedback.services.rows import utc
from vfeedback.storage import tables as t
from vfeedback.storage.files import save_private

if TYPE_CHECKING:
    from vfeedback.core.frames import FrameIndex
    from vfeedback.export.options import ClipOptions

FOLDERS = {
    HighlightKind.CLIP: "clips",
    HighlightKind.STILL: "stills",
    HighlightKind.REEL: "clips",
    HighlightKind.HANDOUT: "stills",
}
Progress = Callable[[float], None]
ShouldCancel = Callable[[], bool]


class HighlightsMixin(LibraryBase):
    # Provided by the other mixins of Library.
    require_consent: Callable[..., None]
    moment: Callable[..., Moment]
    recording: Callable[..., Recording]
    family: Callable[..., Family]
    frame_index: Callable[..., FrameIndex]
    media_path: Callable[..., Path]

    # --- reels ----------------------------------------------------------------------------------
    def create_reel(self, title: str, moment_ids: Sequence[int], date_text: str | None = None) -> Reel:
        """A reel of these moments in this order; they must all belong to one family."""
        moments = [self.moment(i) for i in moment_ids]
        if not moments:
            raise BadInput("A reel needs at least one moment.")
        family_id = self._one_family(moments)
        title = _clean_title(title)
        today = date.today()
        when = texts.optional(date_text, texts.DATE_TEXT) or f"{today.day} {today:%B %Y}"
        with self._edit(f"Create reel '{title}'") as tx:
            row = tx.insert(
                t.reels, {"family_id": family_id, "title": title, "date_text": when, "created_at": self.now()}
            )
            for position, m in enumerate(moments):
                tx.insert(t.reel_items, {"reel_id": row["id"], "moment_id": m.id, "position": position})
        return self.reel(int(row["id"]))

    def set_reel_moments(self, reel_id: int, moment_ids: Sequence[int]) -> Reel:
        """Reorder, add or remove the reel's moments: one undoable step."""
        reel = self.reel(reel_id)
        moments = [self.moment(i) for i in moment_ids]
        if moments and self._one_family(moments) != reel.family_id:
            raise BadInput("A reel can only hold moments of its own family.")
        with self._edit(f"Change reel '{reel.title}'") as tx:
            for item_id in list(
                tx.conn.execute(select(t.reel_items.c.id).where(t.reel_items.c.reel_id == reel_id)).scalars()
            ):
                tx.delete(t.reel_items, item_id)
            for position, m in enumerate(moments):
                tx.insert(t.reel_items, {"reel_id": reel_id, "moment_id": m.id, "position": position})
        return self.reel(reel_id)

    def reel(self, reel_id: int) -> Reel:
        with self._read() as conn:
            row = conn.execute(select(t.reels).where(t.reels.c.id == reel_id)).mappings().first()
            if row is None:
                raise NotFound(f"There is no reel {reel_id} in this library.")
            return _reel(conn, row)

    def reels(self, family: str | int | None = None) -> list[Reel]:
        query = select(t.reels).order_by(t.reels.c.id)
        if family is not None:
            query = query.where(t.reels.c.family_id == self.family(family).id)
        with self._read() as conn:
            return [_reel(conn, r) for r in conn.execute(query).mappings().all()]

    # --- exporting ------------------------------------------------------------------------------
    def export_clip(
        self,
        moment_id: int,
        options: ClipOptions | None = None,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        *,
        purpose: str = "feedback",
    ) -> Highlight:
        """A frame-exact clip of the moment with its caption (never its note), kept in the library."""
        from vfeedback.export.options import ClipOptions
        from vfeedback.export.plan import ClipSource, clip_plan
        from vfeedback.export.runner import run_export

        options = options or ClipOptions()
        m = self.moment(moment_id)
        rec = self.recording(m.recording_id)
        self.require_consent(rec.family_id, purpose)
        if not m.caption.strip() and options.captions != "none":
            options = replace(options, captions="none")  # nothing to show: a clip without a caption
        found = self._reusable(HighlightKind.CLIP, [m.id], options.key(), m.caption, purpose)
        if found is not None:
            return found
        source = ClipSource(self._source_path(rec), rec.media, self.frame_index(rec.id))
        settings = options.to_dict()
        encoding = progress
        if options.blur_faces:
            from vfeedback.export.blur import find_clip_faces, progress_part

            # Found before a name is reserved, so a cancelled search leaves nothing behind.
            faces = find_clip_faces(
                source, m.start_us, m.end_us, options.padding_us,
                progress_part(progress, 0.0, 0.4), should_cancel,
            )  # fmt: skip
            source = replace(source, faces=faces)
            settings["faces_found"] = sum(bool(sample.boxes) for sample in faces)
            encoding = progress_part(progress, 0.4, 1.0)
        with self._reserved(HighlightKind.CLIP, rec.family_code, rec.recorded_on, ".mp4") as target:
            plan = clip_plan(source, m.start_us, m.end_us, m.caption, options, target, self._workdir())
            result = run_export(plan, encoding, should_cancel)
        return self._record_moment(
            HighlightKind.CLIP, m, rec, target, options.key(), settings, result, purpose
        )

    def export_still(
        self,
        moment_id: int,
        at_us: int | None = None,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        *,
        purpose: str = "feedback",
    ) -> Highlight:
        """The exact frame (the moment's start, or ``at_us`` snapped to a frame) as a full-size PNG,
        with the caption stored beside it."""
        from vfeedback.export.plan import ClipSource, still_plan
        from vfeedback.export.runner import run_export

        m = self.moment(moment_id)
        rec = self.recording(m.recording_id)
        self.require_consent(rec.family_id, purpose)
        index = self.frame_index(rec.id)
        wanted = m.start_us if at_us is None else at_us
        if not 0 <= wanted < index.duration_us:
            raise BadInput("That time is outside the recording.")
        at = index.snap(wanted)
        key = f"still-{at}"
        found = self._reusable(HighlightKind.STILL, [m.id], key, m.caption, purpose)
        if found is not None:
            return found
        source = ClipSource(self._source_path(rec), rec.media, index)
        with self._reserved(HighlightKind.STILL, rec.family_code, rec.recorded_on, ".png") as target:
            result = run_export(still_plan(source, at, target, self._workdir()), progress, should_cancel)
            save_private(target.with_suffix(".txt"), (m.caption + "\n").encode("utf-8"))
        return self._record_moment(HighlightKind.STILL, m, rec, target, key, {"at_us": at}, result, purpose)

    def export_reel(
        self,
        reel_id: int,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        *,
        max_height: int | None = 720,
        purpose: str = "feedback",
    ) -> Highlight:
        """The reel as one film: a calm title card, then each moment with its caption, gently faded."""
        from vfeedback.export.reel import ReelPart, reel_plan, run_reel

        reel = self.reel(reel_id)
        self.require_consent(reel.family_id, purpose)
        if not reel.moment_ids:
            raise BadInput(f"Reel {reel_id} has no moments left; add some first.")
        moments = [self.moment(i) for i in reel.moment_ids]
        captions = "\n".join(m.caption for m in moments)
        from vfeedback.export.options import RECIPE_VERSION

        key = f"reel-v{RECIPE_VERSION}-{reel.title}-{reel.date_text}-{max_height}"
        found = self._reusable(HighlightKind.REEL, reel.moment_ids, key, captions, purpose)
        if found is not None:
            return found
        parts = []
        for m in moments:
            rec = self.recording(m.recording_id)
            parts.append(
                ReelPart(
                    self._source_path(rec),
                    rec.media,
                    self.frame_index(rec.id),
                    m.start_us,
                    m.end_us,
                    m.caption,
                )
            )
        family = self.family(reel.family_id)
        with self._reserved(HighlightKind.REEL, family.code, None, ".mp4") as target:
            plan = reel_plan(
                parts, reel.title, reel.date_text, target, self._workdir(), max_height=max_height
            )
            result = run_reel(plan, progress, should_cancel)
        return self._record(
            HighlightKind.REEL,
            family_id=reel.family_id,
            recording_id=None,
            reel_id=reel.id,
            path=target,
            key=key,
            settings={"title": reel.title, "date_text": reel.date_text, "max_height": max_height},
            caption=captions,
            result=result,
            moment_ids=reel.moment_ids,
            purpose=purpose,
        )

    def export_handout(
        self,
        reel_id: int,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        *,
        purpose: str = "feedback",
    ) -> Highlight:
        """An A4 PDF of the reel's moments: a still of each (its first frame) with its caption."""
        from vfeedback.media.fingerprint import sha256_file
        from vfeedback.render.handout import render_handout

        reel = self.reel(reel_id)
        self.require_consent(reel.family_id, purpose)
        if not reel.moment_ids:
            raise BadInput(f"Reel {reel_id} has no moments left; add some first.")
        stills = []
        for i, moment_id in enumerate(reel.moment_ids):
            if should_cancel is not None and should_cancel():
                from vfeedback.media.frameindex import Cancelled

                raise Cancelled
            stills.append(self.export_still(moment_id, purpose=purpose))
            if progress is not None:
                progress((i + 1) / (len(reel.moment_ids) + 1))
        family = self.family(reel.family_id)
        with self._reserved(HighlightKind.HANDOUT, family.code, None, ".pdf") as target:
            render_handout(
                target, reel.title, reel.date_text, [(self.highlight_path(s), s.caption) for s in stills]
            )
            target.chmod(0o600)
        size = target.stat().st_size
        return self._record(
            HighlightKind.HANDOUT,
            family_id=reel.family_id,
            recording_id=None,
            reel_id=reel.id,
            path=target,
            key=f"handout-{reel.title}-{reel.date_text}",
            settings={"title": reel.title, "date_text": reel.date_text},
            caption="\n".join(s.caption for s in stills),
            result=_Measured(sha256_file(target), size, 0, len(stills), 595, 842),
            moment_ids=reel.moment_ids,
            purpose=purpose,
        )

    def _source_path(self, rec: Recording) -> Path:
        path = self.media_path(rec)
        if not path.exists():
            raise BadInput(f"The file of recording {rec.id} is missing; relink it first.")
        return path

    def _workdir(self) -> Path:
        folder = self.root / "cache" / "export"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder

    def _sweep_export_leftovers(self) -> None:
        """At open: what exports whose process died (a crash, a kill) left behind — temporaries, and
        the empty placeholder that reserved a name. The export module is loaded only when there is
        something to look at."""
        workdir = self.root / "cache" / "export"
        places = [p for p in (self.root / "clips", self.root / "stills") if p.is_dir()]
        entries = [e for p in places for e in p.iterdir()]
        placeholders = [e for e in entries if not e.name.startswith(".") and _empty(e)]
        if placeholders:
            with self._read() as conn:
                known = set(conn.execute(select(t.highlights.c.path)).scalars())
            for e in placeholders:
                if e.relative_to(self.root).as_posix() not in known:
                    e.unlink(missing_ok=True)
        hidden = any(e.name.startswith(".") for e in entries)
        if hidden or (workdir.is_dir() and any(workdir.iterdir())):
            from vfeedback.export.runner import remove_stale_exports

            for place in [workdir, *places]:
                if place.is_dir():
                    remove_stale_exports(place)

    # --- listing and deleting -------------------------------------------------------------------
    def highlights(
        self,
        family: str | int | None = None,
        *,
        kind: HighlightKind | None = None,
        recording_id: int | None = None,
        text: str | None = None,
    ) -> list[Highlight]:
        h = t.highlights
        query = select(h).order_by(h.c.id.desc())
        if family is not None:
            query = query.where(h.c.family_id == self.family(family).id)
        if kind is not None:
            query = query.where(h.c.kind == kind.value)
        if recording_id is not None:
            query = query.where(h.c.recording_id == recording_id)
        if text:
            escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(h.c.caption.ilike(f"%{escaped}%", escape="\\"))
        with self._read() as conn:
            return [_highlight(conn, r) for r in conn.execute(query).mappings().all()]

    def highlight(self, highlight_id: int) -> Highlight:
        with self._read() as conn:
            row = (
                conn.execute(select(t.highlights).where(t.highlights.c.id == highlight_id)).mappings().first()
            )
            if row is None:
                raise NotFound(f"There is no exported item {highlight_id} in this library.")
            return _highlight(conn, row)

    def highlight_path(self, highlight: Highlight) -> Path:
        return self.root / highlight.path

    def delete_highlight(self, highlight_id: int) -> None:
        """The file and its row together. The file goes first: a crash in between leaves a row
        whose file is missing (``check`` reports it), never a family's video nobody knows about."""
        found = self.highlight(highlight_id)
        for rel in (found.path, *self._sidecars(found)):
            (self.root / rel).unlink(missing_ok=True)
        with self.db.write() as conn:
            conn.execute(
                delete(t.highlight_moments).where(t.highlight_moments.c.highlight_id == highlight_id)
            )
            conn.execute(delete(t.highlights).where(t.highlights.c.id == highlight_id))
            family = self.family(found.family_id)
            detail = f"Deleted {found.kind.value} {found.path}"
            self._audit(conn, "delete", family, detail, found.purpose)  # type: ignore[attr-defined]

    def start_review(self, reel_id: int) -> Reel:
        """Before showing a reel to its family: consent for feedback, and an entry in the record."""
        reel = self.reel(reel_id)
        self.require_consent(reel.family_id, "feedback")
        family = self.family(reel.family_id)
        with self.db.write() as conn:
            detail = f"Reviewed reel {reel.id} with the family ({len(reel.moment_ids)} moments)"
            self._audit(conn, "review", family, detail, "feedback")  # type: ignore[attr-defined]
        return reel

    # --- shared by the export calls -------------------------------------------------------------
    def _reusable(
        self, kind: HighlightKind, moment_ids: Sequence[int], key: str, caption: str, purpose: str
    ) -> Highlight | None:
        h, hm = t.highlights, t.highlight_moments
        with self._read() as conn:
            rows = (
                conn.execute(
                    select(h).where(
                        h.c.kind == kind.value,
                        h.c.settings_key == key,
                        h.c.caption == caption,
                        h.c.purpose == purpose,
                    )
                )
                .mappings()
                .all()
            )
            for row in rows:
                ids = tuple(
                    conn.execute(
                        select(hm.c.moment_id).where(hm.c.highlight_id == row["id"]).order_by(hm.c.position)
                    ).scalars()
                )
                if ids == tuple(moment_ids) and self._unchanged(row):
                    return _highlight(conn, row)
        return None

    def _unchanged(self, row: Any) -> bool:
        """The stored file is still the one exported: same size and modification time (a file
        recorded before times were kept is hashed whole once, and its time recorded)."""
        path = self.root / row["path"]
        try:
            stat = path.stat()
        except OSError:
            return False
        if stat.st_size != row["size_bytes"]:
            return False
        if row["mtime_ns"] is not None:
            return bool(stat.st_mtime_ns == row["mtime_ns"])
        from vfeedback.media.fingerprint import sha256_file

        try:
            if sha256_file(path) != row["sha256"]:
                return False
        except BadInput:
            return False
        with self.db.write() as conn:
            h = t.highlights
            conn.execute(h.update().where(h.c.id == row["id"]).values(mtime_ns=stat.st_mtime_ns))
        return True

    def _target(self, kind: HighlightKind, family_code: str, day: date | None, suffix: str) -> Path:
        """``<folder>/<CASE>_<YYYYMMDD>_<NNN><suffix>``, the next free sequence number, reserved by
        creating it empty (exclusively), so exports running at once, in threads or in processes,
        never pick the same name. The export's atomic rename then replaces the placeholder."""
        folder = self.root / FOLDERS[kind]
        folder.mkdir(mode=0o700, exist_ok=True)
        stem = f"{family_code}_{(day or date.today()).strftime('%Y%m%d')}_"
        taken = {
            int(m.group(1))
            for p in folder.iterdir()
            if (m := re.match(re.escape(stem) + r"(\d{3,})", p.name.lstrip(".")))
        }
        number = max(taken, default=0) + 1
        while True:
            target = folder / f"{stem}{number:03d}{suffix}"
            try:
                os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                number += 1
                continue
            return target

    @contextmanager
    def _reserved(
        self, kind: HighlightKind, family_code: str, day: date | None, suffix: str
    ) -> Iterator[Path]:
        """A reserved target that is removed again if the export does not complete."""
        target = self._target(kind, family_code, day, suffix)
        try:
            yield target
        except BaseException:
            target.unlink(missing_ok=True)
            raise

    def _record_moment(
        self,
        kind: HighlightKind,
        m: Moment,
        rec: Recording,
        target: Path,
        key: str,
        settings: dict[str, Any],
        result: Any,
        purpose: str,
    ) -> Highlight:
        """``_record`` for an export of one moment (a clip or a still)."""
        return self._record(
            kind,
            family_id=rec.family_id,
            recording_id=rec.id,
            reel_id=None,
            path=target,
            key=key,
            settings=settings,
            caption=m.caption,
            result=result,
            moment_ids=[m.id],
            purpose=purpose,
        )

    def _record(
        self,
        kind: HighlightKind,
        *,
        family_id: int,
        recording_id: int | None,
        reel_id: int | None,
        path: Path,
        key: str,
        settings: dict[str, Any],
        caption: str,
        result: Any,
        moment_ids: Sequence[int],
        purpose: str,
    ) -> Highlight:
        values = {
            "kind": kind.value,
            "family_id": family_id,
            "recording_id": recording_id,
            "reel_id": reel_id,
            "path": path.relative_to(self.root).as_posix(),
            "settings_key": key,
            "settings_json": json.dumps(settings, sort_keys=True, default=str),
            "caption": caption,
            "sha256": result.sha256,
            "size_bytes": result.size_bytes,
            "duration_us": result.duration_us,
            "frame_count": result.frame_count,
            "width": result.width,
            "height": result.height,
            "thumbnail": None,
            "created_at": self.now(),
            "purpose": purpose,
            "mtime_ns": path.stat().st_mtime_ns,
        }
        with self.db.write() as conn:
            pk = conn.execute(insert(t.highlights).values(**values)).inserted_primary_key
            assert pk is not None
            highlight_id = int(pk[0])
            for position, moment_id in enumerate(moment_ids):
                conn.execute(
                    insert(t.highlight_moments).values(
                        highlight_id=highlight_id, position=position, moment_id=moment_id
                    )
                )
            self._audit(  # type: ignore[attr-defined]
                conn,
                "export",
                self.family(family_id),
                f"Exported {kind.value} {values['path']} (moments {', '.join(map(str, moment_ids))})",
                purpose,
                destination=str(values["path"]),
                notes=False,  # clips, stills, reels and handouts never carry a private note
            )
        return self.highlight(highlight_id)

    def _sidecars(self, found: Highlight) -> list[str]:
        base = Path(found.path)
        return [
            base.with_suffix(s).as_posix()
            for s in (".vtt", ".txt")
            if (self.root / base.with_suffix(s)).exists()
        ]

    def _one_family(self, moments: Sequence[Moment]) -> int:
        families = {self.recording(m.recording_id).family_id for m in moments}
        if len(families) != 1:
            raise BadInput("Those moments belong to different families; a highlight is for one family.")
        return families.pop()


@dataclass(frozen=True, slots=True)
class _Measured:
    """What a row records of a finished export (the export modules' results have these fields too)."""

    sha256: str
    size_bytes: int
    duration_us: int
    frame_count: int
    width: int
    height: int


def _empty(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size == 0
    except OSError:
        return False


def _clean_title(title: str) -> str:
    title = texts.clean(title, texts.REEL_TITLE)
    if not title:
        raise BadInput("Give the reel a title, e.g. 'Our moments together'.")
    return title


def _reel(conn: Connection, row: Any) -> Reel:
    items = conn.execute(
        select(t.reel_items.c.moment_id)
        .where(t.reel_items.c.reel_id == row["id"])
        .order_by(t.reel_items.c.position)
    ).scalars()
    return Reel(
        id=row["id"],
        family_id=row["family_id"],
        title=row["title"],
        date_text=row["date_text"],
        moment_ids=tuple(items),
        created_at=utc(row["created_at"]),
    )


def _highlight(conn: Connection, row: Any) -> Highlight:
    hm = t.highlight_moments
    ids = conn.execute(select(hm.c.moment_id).where(hm.c.highlight_id == row["id"]).order_by(hm.c.position))
    return Highlight(
        id=row["id"],
        kind=HighlightKind(row["kind"]),
        family_id=row["family_id"],
        recording_id=row["recording_id"],
        reel_id=row["reel_id"],
        path=row["path"],
        settings_key=row["settings_key"],
        caption=row["caption"],
        sha256=row["sha256"],
        size_bytes=row["size_bytes"],
        duration_us=row["duration_us"],
        frame_count=row["frame_count"],
        width=row["width"],
        height=row["height"],
        moment_ids=tuple(ids.scalars()),
        created_at=utc(row["created_at"]),
        purpose=row["purpose"],
        faces_found=json.loads(row["settings_json"]).get("faces_found"),
    )
