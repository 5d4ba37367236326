"""Moments out to other tools' files: spreadsheets, subtitles and video editors' timelines.

The clinician names the file. Each is written all or nothing (a hidden temporary beside it, owner-only,
renamed into place), replaces a file of that name like any save, and leaves an entry in the audit
record naming what was written, and whether it held private notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from vfeedback.core.errors import BadInput, NothingToDo
from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Code, Family, Moment, Recording, Reel
from vfeedback.interchange import subtitles, table
from vfeedback.interchange.links import media_link
from vfeedback.services.base import LibraryBase


class ExchangeMixin(LibraryBase):
    # Provided by the other mixins of Library.
    recording: Callable[..., Recording]
    moments: Callable[..., list[Moment]]
    moment: Callable[..., Moment]
    frame_index: Callable[..., FrameIndex]
    code: Callable[..., Code]
    family: Callable[..., Family]
    reel: Callable[..., Reel]
    media_path: Callable[..., Path]
    require_consent: Callable[..., None]
    _audit_now: Callable[..., None]
    destination: Callable[..., Path]
    save_outside: Callable[..., Path]

    def export_table(
        self,
        recording_id: int,
        out: Path,
        include_notes: bool = False,
        dialect: table.Dialect | None = None,
        *,
        purpose: str = "feedback",
    ) -> Path:
        """The recording's moments as CSV or TSV (``dialect``, else from ``out``'s suffix: ``.tsv``
        and ``.tab`` are TSV, anything else CSV). Private notes only with ``include_notes``."""
        out = self.destination(out)
        rec = self.recording(recording_id)
        # Like every export, it names its purpose and needs that consent (issue: a family's data leaves).
        self.require_consent(rec.family_id, purpose)
        moments = self.moments(recording_id)
        # An empty table (just the header) is a fair answer and needs no frame index.
        index = self.frame_index(recording_id) if moments else FrameIndex([0])
        chosen = dialect or table.dialect_for(out.suffix)
        data = table.table_bytes(
            rec, moments, self._codes(m.code_id for m in moments), index,
            dialect=chosen, include_notes=include_notes,
        )  # fmt: skip
        self.save_outside(out, data)
        notes = ", with private notes" if include_notes else ""
        self._audit_now(
            "export",
            self.family(rec.family_id),
            f"{chosen.upper()} of {_count(len(moments))} of recording {rec.id}{notes} to {out.name}",
            purpose,
            destination=str(out),
            notes=include_notes,
        )
        return out

    def export_subtitles(
        self,
        recording_id: int,
        out: Path,
        fmt: subtitles.SubtitleFormat | None = None,
        *,
        purpose: str = "feedback",
    ) -> Path:
        """The recording's captions as SubRip or WebVTT (``fmt``, else from ``out``'s suffix)."""
        out = self.destination(out)
        chosen = fmt or subtitles.format_for(out.suffix)
        if chosen is None:
            raise BadInput(f"Name the subtitle file .srt or .vtt (not {out.name}), or say which format.")
        rec = self.recording(recording_id)
        self.require_consent(rec.family_id, purpose)
        moments = subtitles.captioned(self.moments(recording_id))
        if not moments:
            raise NothingToDo(
                f"Recording {recording_id} has no moments with a caption, so there are no subtitles to write."
            )
        data = subtitles.subtitles_bytes(moments, self.frame_index(recording_id), chosen)
        self.save_outside(out, data)
        self._audit_now(
            "export",
            self.family(rec.family_id),
            f"{chosen.upper()} subtitles of {_count(len(moments))} of recording {rec.id} to {out.name}",
            purpose,
            destination=str(out),
            notes=False,
        )
        return out

    def export_otio(
        self, reel_id: int, out: Path, *, purpose: str = "feedback", link_original: bool = False
    ) -> Path:
        """The reel as an OpenTimelineIO timeline for a video editor (see ``interchange.otio_reel``);
        each recording linked without naming the family (``interchange.links``) unless
        ``link_original``."""
        from vfeedback.interchange import otio_reel

        out = self.destination(out)
        reel = self.reel(reel_id)
        self.require_consent(reel.family_id, purpose)
        if not reel.moment_ids:
            raise NothingToDo(f"Reel {reel_id} has no moments left; add some before exporting it.")
        moments = [self.moment(i) for i in reel.moment_ids]
        codes = self._codes(m.code_id for m in moments)
        recordings = {rid: self.recording(rid) for rid in {m.recording_id for m in moments}}
        indexes = {rid: self.frame_index(rid) for rid in recordings}
        paths = {}
        for rid, rec in recordings.items():
            path = self.media_path(rec).absolute()
            if not path.exists():
                raise BadInput(f"The file of recording {rid} is missing; relink it first.")
            paths[rid] = media_link(rec, path, out, link_original=link_original).path
        items = [
            otio_reel.ReelClip(m, codes[m.code_id], recordings[r], indexes[r], paths[r])
            for m in moments
            for r in [m.recording_id]
        ]
        family = self.family(reel.family_id)
        timeline = otio_reel.reel_timeline(reel, family.code, items)

        self.save_outside(out, lambda tmp: otio_reel.write_otio(timeline, tmp))
        self._audit_now(
            "export",
            family,
            f"OTIO timeline of reel {reel.id} ({_count(len(moments))}) to {out.name}"
            + (", linking the films by their own paths as asked" if link_original else ""),
            purpose,
            destination=str(out),
            notes=False,
        )
        return out

    def _codes(self, ids: Iterable[int]) -> dict[int, Code]:
        return {i: self.code(i) for i in set(ids)}


def _count(n: int) -> str:
    return f"{n} moment" if n == 1 else f"{n} moments"
