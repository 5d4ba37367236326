"""Supervision: how two coders of the same recording agree (see ``vfeedback.core.agreement``), and a
family's strength moments across filming cycles (``vfeedback.core.cycles``), with their spreadsheet
and chart. Both hold counts, durations, dates and names, never a caption or a note."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from vfeedback.core.errors import BadInput, NotFound
from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Code, Family, HighlightKind, Moment, Recording
from vfeedback.core.text import quoted_name, spreadsheet_safe
from vfeedback.services.audit import Audit
from vfeedback.services.context import Context
from vfeedback.services.exports import Exports
from vfeedback.services.families import Families
from vfeedback.services.files import Files
from vfeedback.services.media import Media
from vfeedback.services.moments import Moments
from vfeedback.services.recordings import Recordings
from vfeedback.services.schemes import Schemes
from vfeedback.storage import tables as t

# The figures (core.agreement, core.cycles) are imported by the methods that compute them: commands
# that never compare coders or chart cycles start without them (tests/test_layering.py).
if TYPE_CHECKING:
    from vfeedback.core.agreement import Agreement
    from vfeedback.core.cycles import Counting, Measure, Progress

MIN_SLICE_S = 0.01
MAX_SLICE_S = 600.0
MAX_SLICES = 400_000
"""More slices than this (e.g. 0.01 s over 1 h 7 min) would make the figures slow and no wiser."""
MAX_TOLERANCE_S = 600.0


@dataclass(eq=False)
class Supervision:
    """How two coders of a recording agree, and a family's strengths across filming cycles."""

    ctx: Context
    families: Families
    recordings: Recordings
    media: Media
    schemes: Schemes
    moments: Moments
    exports: Exports
    audit: Audit
    files: Files

    def coder_counts(self, recording_id: int) -> dict[str, int]:
        """Each coder of the recording and how many moments they tagged, most first (then by name)."""
        m = t.moments
        query = select(m.c.coder, func.count()).where(m.c.recording_id == recording_id).group_by(m.c.coder)
        with self.ctx.read() as conn:
            found = [(str(name), int(n)) for name, n in conn.execute(query)]
        found.sort(key=lambda item: (-item[1], item[0].lower(), item[0]))
        return dict(found)

    def coders(self, recording_id: int) -> list[str]:
        """Who has coded the recording, the most prolific first."""
        return list(self.coder_counts(recording_id))

    def agreement(
        self,
        recording_id: int,
        coder_a: str,
        coder_b: str,
        slice_s: float = 1.0,
        tolerance_s: float = 1.0,
    ) -> Agreement:
        """Coder A (the reference) against coder B on one recording: kappa over time slices, per code,
        and event matches within the tolerance."""
        from vfeedback.core.agreement import CodedSpan, compare

        rec = self.recordings.get(recording_id)
        a, b = coder_a.strip(), coder_b.strip()
        counts = self.coder_counts(recording_id)
        for name in (a, b):
            if name not in counts:
                raise BadInput(_unknown_coder(name, recording_id, list(counts)))
        if a == b:
            raise BadInput(f"Choose two different coders to compare; both are '{a}'.")
        index = self._index_or_none(recording_id)
        duration = index.duration_us if index is not None else rec.media.duration_us
        slice_us = _slice_us(slice_s, duration)
        tolerance_us = _tolerance_us(tolerance_s)
        moments = [m for m in self.moments.all(recording_id) if m.coder in (a, b)]
        names = self._code_names({m.code_id for m in moments})
        cover = _coverer(index, rec)
        spans: dict[str, list[CodedSpan]] = {a: [], b: []}
        for m in moments:
            start, end = cover(m)
            spans[m.coder].append(CodedSpan(start, end, names[m.code_id]))
        result = compare(spans[a], spans[b], duration, slice_us, tolerance_us)
        return replace(
            result,
            coders=(a, b),
            recording_id=recording_id,
            code_ids={name: code_id for code_id, name in names.items()},
        )

    def _index_or_none(self, recording_id: int) -> FrameIndex | None:
        # A supervisor may compare codings on a computer where the film itself was moved away: the
        # moments and the stored duration are enough then, only a little less exact at the ends.
        try:
            return self.media.frame_index(recording_id)
        except BadInput:
            return None

    def _code_names(self, code_ids: set[int]) -> dict[int, str]:
        """Each code's name, or its full label (then its id) where two codes share a name."""
        every = {c.id: c for s in self.schemes.all() for c in s.codes}
        codes: dict[int, Code] = {i: every[i] for i in sorted(code_ids)}
        names = {i: c.name for i, c in codes.items()}
        for attempt in (_label, _label_and_id):
            taken = Counter(names.values())
            names = {i: attempt(codes[i]) if taken[n] > 1 else n for i, n in names.items()}
        return names

    # --- progress across filming cycles ------------------------------------------------------------

    def progress(self, family: str | int, counting: Counting | None = None) -> Progress:
        """Per recording in filming order, per strength principle: moments, time covered, moment ids;
        when several people coded a film, whose moments count is ``counting`` (default: each film's
        main coder)."""
        from vfeedback.core.cycles import Counting, build_progress
        from vfeedback.services import cycles

        fam = self._progress_family(family)
        recordings = self.recordings.all(fam.id)
        if not recordings:
            raise BadInput(f"Family {fam.code} has no recordings yet; import a film first.")
        moments = {r.id: self.moments.all(r.id) for r in recordings}
        chosen = counting or Counting()
        if chosen.mode == "coder":
            known = cycles.family_coders(moments)
            if chosen.coder not in known:
                raise BadInput(cycles.unknown_family_coder(str(chosen.coder), fam.code, known))
        default = self.schemes.get()
        codes: list[Code] = list(default.codes)
        codes += [c for s in self.schemes.all() if s.id != default.id for c in s.codes]
        covered = self._covered_by_frames(moments)
        return build_progress(
            fam.code, recordings, moments, codes, lambda m: covered.get(m.id, m.duration_us), chosen
        )

    def progress_coders(self, family: str | int) -> list[str]:
        """Everyone who coded any of the family's films, the most moments first."""
        from vfeedback.services import cycles

        fam = self._progress_family(family)
        return cycles.family_coders({r.id: self.moments.all(r.id) for r in self.recordings.all(fam.id)})

    def clips_for_moments(self, family: str | int) -> dict[int, list[Path]]:
        """Moment id -> clips already exported of that moment alone (newest first)."""
        found: dict[int, list[Path]] = {}
        for h in self.exports.all(family, kind=HighlightKind.CLIP):
            if len(h.moment_ids) == 1:
                found.setdefault(h.moment_ids[0], []).append(self.exports.path(h))
        return found

    def progress_csv(self, family: str | int, out: Path, counting: Counting | None = None) -> Path:
        """One row per recording and principle (see ``cycles.CSV_HEADER``), atomically, owner-only."""
        from vfeedback.services import cycles

        progress = self.progress(family, counting)
        clips = self.clips_for_moments(progress.family)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(cycles.CSV_HEADER)
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
                        spreadsheet_safe(c.context or ""),
                        f"{c.length_us / 1_000_000:.1f}",
                        spreadsheet_safe(p.name),
                        cell.moments,
                        f"{cell.seconds:.2f}",
                        f"{c.per_ten_minutes(cell):.2f}",
                        spreadsheet_safe("; ".join(files)),
                        spreadsheet_safe(cycles.coders_cell(progress, c)),
                    ]
                )
        target = self._chart_target(out, ".csv")
        self.files.save(target, buffer.getvalue().encode("utf-8"))
        fam = self.families.get(progress.family)
        self.audit.record_now(
            "export", fam, f"progress chart CSV {target.name}", destination=str(target), notes=False
        )
        return target

    def progress_png(
        self,
        family: str | int,
        out: Path,
        measure: Measure | str = "count",
        size: tuple[int, int] = (1600, 900),
        counting: Counting | None = None,
    ) -> Path:
        """The chart as a picture (needs Qt's painting, loaded only here), atomically, owner-only."""
        from vfeedback.render.cycles_chart import png_bytes
        from vfeedback.services import cycles

        chosen = cycles.measure_of(measure)
        progress = self.progress(family, counting)
        target = self._chart_target(out, ".png")
        self.files.save(target, png_bytes(progress, chosen, size))
        fam = self.families.get(progress.family)
        self.audit.record_now(
            "export", fam, f"progress chart PNG {target.name}", destination=str(target), notes=False
        )
        return target

    def _chart_target(self, out: Path, suffix: str) -> Path:
        if Path(out).is_dir():
            kind = suffix[1:].upper()
            raise BadInput(f"{quoted_name(Path(out))} is a folder; name the {kind} file to write.")
        return self.files.destination(out)

    def _progress_family(self, family: str | int) -> Family:
        try:
            return self.families.get(family)
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
                index = self.media.frame_index(rec_id)
            except BadInput:
                continue
            for m in ms:
                begin, stop = index.outer_span(m.start_us, m.end_us)
                covered[m.id] = stop - begin
        return covered


def _label(code: Code) -> str:
    return code.label


def _label_and_id(code: Code) -> str:
    return f"{code.label} (id {code.id})"


def _coverer(index: FrameIndex | None, rec: Recording) -> Callable[[Moment], tuple[int, int]]:
    """A moment's on-screen interval: from its first frame's start to its last frame's end."""
    if index is not None:
        return lambda m: index.outer_span(m.start_us, m.end_us)
    frame = round(1_000_000 / rec.media.avg_fps) if rec.media.avg_fps > 0 else 40_000
    return lambda m: (m.start_us, m.end_us + frame)


def _slice_us(slice_s: float, duration_us: int) -> int:
    if not math.isfinite(slice_s) or not MIN_SLICE_S <= slice_s <= MAX_SLICE_S:
        raise BadInput(
            f"The slice length must be between {MIN_SLICE_S:g} and {MAX_SLICE_S:g} seconds, not {slice_s:g}."
        )
    slice_us = round(slice_s * 1_000_000)
    pieces = -(-duration_us // slice_us)
    if pieces > MAX_SLICES:
        shortest = math.ceil(duration_us / MAX_SLICES / 10_000) / 100
        raise BadInput(
            f"Slices of {slice_s:g} s would cut this recording into {pieces:,} pieces; "
            f"use {shortest:g} s or more."
        )
    return slice_us


def _tolerance_us(tolerance_s: float) -> int:
    if not math.isfinite(tolerance_s) or not 0 <= tolerance_s <= MAX_TOLERANCE_S:
        raise BadInput(
            f"The tolerance must be between 0 and {MAX_TOLERANCE_S:g} seconds, not {tolerance_s:g}."
        )
    return round(tolerance_s * 1_000_000)


def _unknown_coder(name: str, recording_id: int, known: Sequence[str]) -> str:
    if not known:
        return f"Nobody has coded recording {recording_id} yet, so there is nothing to compare."
    return f"Nobody called '{name}' has coded recording {recording_id}; coders here: {', '.join(known)}."
