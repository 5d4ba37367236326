"""A family's progress over filming cycles, and its export as a spreadsheet (CSV) or a picture (PNG).

Both exports hold counts, durations, dates, contexts, principle names, whose moments were counted and
the library's own clip file names: never a caption or a note. They are written atomically, owner-only,
and recorded in the audit. Whose moments count when several people coded a film: ``Counting``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from vfeedback.core.cycles import Counting, Cycle, Measure, Progress, build_progress, coders_by_weight
from vfeedback.core.errors import BadInput, NotFound
from vfeedback.core.model import Code, Family, Highlight, HighlightKind, Moment, Recording, Scheme
from vfeedback.media.names import quoted_name
from vfeedback.services.base import LibraryBase

if TYPE_CHECKING:
    from vfeedback.core.frames import FrameIndex

CSV_HEADER = (
    "cycle",
    "recording_id",
    "date",
    "date_is_import_date",
    "context",
    "film_seconds",
    "principle",
    "moments",
    "seconds",
    "per_10_min",
    "clips",
    "coders",
)


class CyclesMixin(LibraryBase):
    # Provided by the other mixins of Library.
    family: Callable[..., Family]
    recordings: Callable[..., list[Recording]]
    moments: Callable[..., list[Moment]]
    schemes: Callable[..., list[Scheme]]
    scheme: Callable[..., Scheme]
    frame_index: Callable[..., FrameIndex]
    highlights: Callable[..., list[Highlight]]
    highlight_path: Callable[..., Path]
    _audit_now: Callable[..., None]
    destination: Callable[..., Path]
    save_outside: Callable[..., Path]

    def progress(self, family: str | int, counting: Counting | None = None) -> Progress:
        """Per recording in filming order, per strength principle: moments, time covered, moment ids;
        when several people coded a film, whose moments count is ``counting`` (default: each film's
        main coder)."""
        fam = self._progress_family(family)
        recordings = self.recordings(fam.id)
        if not recordings:
            raise BadInput(f"Family {fam.code} has no recordings yet; import a film first.")
        moments = {r.id: self.moments(r.id) for r in recordings}
        chosen = counting or Counting()
        if chosen.mode == "coder":
            known = _family_coders(moments)
            if chosen.coder not in known:
                raise BadInput(_unknown_coder(str(chosen.coder), fam.code, known))
        default = self.scheme()
        codes: list[Code] = list(default.codes)
        codes += [c for s in self.schemes() if s.id != default.id for c in s.codes]
        covered = self._covered_by_frames(moments)
        return build_progress(
            fam.code, recordings, moments, codes, lambda m: covered.get(m.id, m.duration_us), chosen
        )

    def progress_coders(self, family: str | int) -> list[str]:
        """Everyone who coded any of the family's films, the most moments first."""
        fam = self._progress_family(family)
        return _family_coders({r.id: self.moments(r.id) for r in self.recordings(fam.id)})

    def clips_for_moments(self, family: str | int) -> dict[int, list[Path]]:
        """Moment id -> clips already exported of that moment alone (newest first)."""
        found: dict[int, list[Path]] = {}
        for h in self.highlights(family, kind=HighlightKind.CLIP):
            if len(h.moment_ids) == 1:
                found.setdefault(h.moment_ids[0], []).append(self.highlight_path(h))
        return found

    def progress_csv(self, family: str | int, out: Path, counting: Counting | None = None) -> Path:
        """One row per recording and principle (see ``CSV_HEADER``), atomically, owner-only."""
        progress = self.progress(family, counting)
        clips = self.clips_for_moments(progress.family)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for c in progress.cycles:
            for p in progress.principles:
                cell = c.cells[p.name]
                files = [str(path) for i in cell.moment_ids for path in clips.get(i, [])]
                writer.writerow(
                    [
                        c.number,
                        c.recording_id,
                        c.day.isoformat(),
                        "no" if c.dated else "yes",
                        c.context or "",
                        f"{c.length_us / 1_000_000:.1f}",
                        p.name,
                        cell.moments,
                        f"{cell.seconds:.2f}",
                        f"{c.per_ten_minutes(cell):.2f}",
                        "; ".join(files),
                        _coders_cell(progress, c),
                    ]
                )
        target = self._chart_target(out, ".csv")
        self.save_outside(target, buffer.getvalue().encode("utf-8"))
        fam = self.family(progress.family)
        self._audit_now(
            "export", fam, f"progress chart CSV {target.name}", destination=str(target), notes=False
        )
        return target

    def progress_png(
        self,
        family: str | int,
        out: Path,
        measure: Measure | str = Measure.COUNT,
        size: tuple[int, int] = (1600, 900),
        counting: Counting | None = None,
    ) -> Path:
        """The chart as a picture (needs Qt's painting, loaded only here), atomically, owner-only."""
        from vfeedback.render.cycles_chart import png_bytes

        chosen = _measure(measure)
        progress = self.progress(family, counting)
        target = self._chart_target(out, ".png")
        self.save_outside(target, png_bytes(progress, chosen, size))
        fam = self.family(progress.family)
        self._audit_now(
            "export", fam, f"progress chart PNG {target.name}", destination=str(target), notes=False
        )
        return target

    def _chart_target(self, out: Path, suffix: str) -> Path:
        if Path(out).is_dir():
            kind = suffix[1:].upper()
            raise BadInput(f"{quoted_name(Path(out))} is a folder; name the {kind} file to write.")
        return self.destination(out)

    def _progress_family(self, family: str | int) -> Family:
        try:
            return self.family(family)
        except NotFound:
            raise BadInput(f"There is no family with case code {family}.") from None

    def _covered_by_frames(self, moments: dict[int, list[Moment]]) -> dict[int, int]:
        """Moment id -> the time it covers on screen, to its last frame's end. A recording whose frame
        index cannot be had (its file gone and never indexed) falls back to the stored span."""
        covered: dict[int, int] = {}
        for rec_id, ms in moments.items():
            if not ms:
                continue
            try:
                index = self.frame_index(rec_id)
            except BadInput:
                continue
            for m in ms:
                begin, stop = index.outer_span(m.start_us, m.end_us)
                covered[m.id] = stop - begin
        return covered


def _family_coders(moments: dict[int, list[Moment]]) -> list[str]:
    return coders_by_weight([m for ms in moments.values() for m in ms])


def _unknown_coder(name: str, family: str, known: list[str]) -> str:
    if not known:
        return f"Nobody has coded a film of family {family} yet."
    return f"Nobody called '{name}' has coded a film of family {family}; coders here: {', '.join(known)}."


def _coders_cell(progress: Progress, cycle: Cycle) -> str:
    """Whose moments a row counts: one name, or several joined (everyone, duplicates matched)."""
    coders = cycle.coders
    if progress.counting.mode == "all" and len(coders) > 1:
        return " + ".join(coders)
    return coders[0] if coders else ""


def _measure(value: Measure | str) -> Measure:
    try:
        return Measure(value)
    except ValueError:
        raise BadInput(f"'{value}' is not a measure: use count, minutes or rate.") from None
