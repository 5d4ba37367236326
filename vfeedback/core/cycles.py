"""A family's progress over filming cycles: per recording, per principle, how many strength moments were
tagged and for how long.

Pure arithmetic over domain values; the services gather the inputs, the chart and the CSV show them.

Decisions (each shows on the chart or in the CSV, so nobody has to guess):

- Recordings are cycles in the order they were filmed (``recorded_on``); one whose filming date was
  never recorded is placed by the day it was imported, and flagged (``dated`` is False).
  Ties are broken by recording id, i.e. the order of import.
- Only moments whose code is a strength count; concerns and neutral codes never reach this chart.
- A moment's duration is the time it covers on screen: from its first frame's start to its LAST frame's
  end (``FrameIndex.outer_span``), so a point moment (one still frame) counts one frame's duration, and
  a 3-frame moment three frames. The caller supplies that measure (``covered``) because it needs each
  recording's frame index; without it the stored span (``end_us - start_us``) is used.
- Principles are the strength principles this family's moments actually use, in scheme order (a
  principle nobody tagged in any cycle would only add an empty colour to the legend).
- Films differ in length, so beside counts and durations each cell offers a rate: moments per ten
  minutes of film, using the recording's whole length.
- When several people coded a film (a second coder for supervision), counting every moment would count
  one moment once per coder. A ``Counting`` says whose moments count: by default each film's *main
  coder* (the one with the most moments on that film; a tie goes to whoever tagged their first moment
  earliest, then to the name), or one named coder throughout, or everyone with duplicates matched:
  moments of the same code whose starts lie within the tolerance (as in agreement: 1 s) are one
  moment, matched one to one (``agreement.match_events``), the main coder's copy kept. The chart, the
  window and the CSV say which.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from vfeedback.core.agreement import match_events
from vfeedback.core.model import Code, CodeKind, Moment, Recording

TEN_MINUTES_US = 600_000_000
DEFAULT_TOLERANCE_US = 1_000_000
"""Two coders' moments of one code starting this close are one moment (the agreement default)."""
Covered = Callable[[Moment], int]
CountingMode = Literal["main", "coder", "all"]


@dataclass(frozen=True, slots=True)
class Counting:
    """Whose moments a film's bars count when more than one person coded it (see the module's notes)."""

    mode: CountingMode = "main"
    coder: str | None = None
    """With mode "coder": whose."""
    tolerance_us: int = DEFAULT_TOLERANCE_US
    """With mode "all": how far apart two coders' starts of one code may be and be one moment."""

    @classmethod
    def of(cls, coder: str) -> Counting:
        return cls("coder", coder)

    @classmethod
    def everyone(cls, tolerance_us: int = DEFAULT_TOLERANCE_US) -> Counting:
        return cls("all", None, tolerance_us)

    @property
    def wording(self) -> str:
        """What is counted, for a switch or a heading."""
        if self.mode == "coder":
            return f"{self.coder}'s moments"
        if self.mode == "all":
            return "everyone's moments, each once"
        return "each film's main coder"

    def note(self, cycles: Sequence[Cycle]) -> str:
        """One sentence under the chart and in the window: whose moments the bars count."""
        if self.mode == "coder":
            return f"Counted: only the moments {self.coder} tagged."
        if self.mode == "all":
            seconds = f"{self.tolerance_us / 1_000_000:g}"
            return (
                "Counted: everyone's moments; one tagged by two people (same code, starting within "
                f"{seconds} s) counts once."
            )
        who = ", ".join(f"cycle {c.number} {c.coders[0]}" for c in cycles if c.coders)
        return f"Counted: each film's main coder (who tagged most){': ' + who if who else ''}."


class Measure(enum.StrEnum):
    """What the bars show."""

    COUNT = "count"
    MINUTES = "minutes"
    RATE = "rate"

    @property
    def label(self) -> str:
        """The switch's wording."""
        return {"count": "Moments", "minutes": "Minutes", "rate": "Per 10 minutes of film"}[self.value]

    @property
    def axis(self) -> str:
        """What the axis counts, as a sentence fragment under the title."""
        return {
            "count": "Number of strength moments tagged",
            "minutes": "Time covered by strength moments (minutes:seconds)",
            "rate": "Strength moments per 10 minutes of film (films differ in length)",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Principle:
    name: str
    colour: str


@dataclass(frozen=True, slots=True)
class Cell:
    """The strength moments of one principle in one recording."""

    moments: int = 0
    duration_us: int = 0
    moment_ids: tuple[int, ...] = ()

    @property
    def seconds(self) -> float:
        return self.duration_us / 1_000_000


@dataclass(frozen=True, slots=True)
class Cycle:
    """One recording as a filming cycle."""

    number: int
    """1-based, in filming order."""
    recording_id: int
    day: date
    dated: bool
    """False when ``day`` is the import date because the filming date was never recorded."""
    context: str | None
    length_us: int
    cells: Mapping[str, Cell]
    """Principle name -> cell; every principle of the Progress is present."""
    coders: tuple[str, ...] = ()
    """Whose moments were counted on this film (the counted ones first)."""
    coded_by: int = 0
    """How many people coded this film at all."""

    @property
    def total(self) -> Cell:
        """All strength moments of this recording together."""
        cells = list(self.cells.values())
        ids = tuple(sorted(i for c in cells for i in c.moment_ids))
        return Cell(sum(c.moments for c in cells), sum(c.duration_us for c in cells), ids)

    def per_ten_minutes(self, cell: Cell) -> float:
        """Moments per ten minutes of this film (0 for a film of no length)."""
        if self.length_us <= 0:
            return 0.0
        return cell.moments * TEN_MINUTES_US / self.length_us

    def value(self, principle: str, measure: Measure) -> float:
        """The bar's height: a count, minutes, or moments per ten minutes of film."""
        cell = self.cells[principle]
        if measure is Measure.COUNT:
            return float(cell.moments)
        if measure is Measure.MINUTES:
            return cell.duration_us / 60_000_000
        return self.per_ten_minutes(cell)

    @property
    def date_text(self) -> str:
        """``12 Mar 2026`` (no leading zero), as a clinician writes it."""
        return f"{self.day.day} {self.day:%b %Y}"


@dataclass(frozen=True, slots=True)
class Progress:
    family: str
    principles: tuple[Principle, ...]
    cycles: tuple[Cycle, ...]
    counting: Counting = Counting()

    @property
    def several_coders(self) -> bool:
        """Whether any film was coded by more than one person (then whose moments count matters)."""
        return any(c.coded_by > 1 for c in self.cycles)

    @property
    def counting_note(self) -> str | None:
        """The sentence saying whose moments count; None when there is nothing to choose between."""
        if not self.several_coders and self.counting.mode != "coder":
            return None
        return self.counting.note(self.cycles)

    @property
    def empty(self) -> bool:
        """No strength moment in any recording."""
        return not self.principles

    @property
    def any_undated(self) -> bool:
        return any(not c.dated for c in self.cycles)

    def cycle(self, recording_id: int) -> Cycle:
        for c in self.cycles:
            if c.recording_id == recording_id:
                return c
        raise KeyError(recording_id)

    def colour(self, principle: str) -> str:
        for p in self.principles:
            if p.name == principle:
                return p.colour
        raise KeyError(principle)

    def largest(self, measure: Measure) -> float:
        return max((c.value(p.name, measure) for c in self.cycles for p in self.principles), default=0.0)


def build_progress(
    family: str,
    recordings: Sequence[Recording],
    moments: Mapping[int, Sequence[Moment]],
    codes: Sequence[Code],
    covered: Covered | None = None,
    counting: Counting = Counting(),
) -> Progress:
    """The family's progress. ``moments`` maps recording id -> its moments (every coder's);
    ``codes`` are every code the moments may use, in scheme order (the default scheme first);
    ``covered(moment)`` is the time a moment covers on screen; ``counting`` whose moments count (see
    the module's notes)."""
    by_id = {c.id: c for c in codes}
    measure = covered or (lambda m: m.end_us - m.start_us)
    order = _principle_order(codes)
    ordered = sorted(recordings, key=lambda r: (_day(r), r.id))

    found: dict[int, dict[str, list[Moment]]] = {}
    who: dict[int, tuple[tuple[str, ...], int]] = {}
    used: set[str] = set()
    for rec in ordered:
        per: dict[str, list[Moment]] = {}
        everyone = list(moments.get(rec.id, ()))
        chosen, coders = counted(everyone, counting)
        who[rec.id] = (coders, len({m.coder for m in everyone}))
        for m in chosen:
            code = by_id.get(m.code_id)
            if code is None or code.kind is not CodeKind.STRENGTH:
                continue
            per.setdefault(code.principle, []).append(m)
            used.add(code.principle)
        found[rec.id] = per

    principles = tuple(p for p in order if p.name in used)
    # A principle whose code sits outside ``codes`` cannot happen through the services; keep it anyway.
    principles += tuple(Principle(name, "#B8A590") for name in sorted(used - {p.name for p in order}))

    cycles = []
    for number, rec in enumerate(ordered, start=1):
        cells = {}
        for p in principles:
            ms = sorted(found[rec.id].get(p.name, []), key=lambda m: (m.start_us, m.id))
            cells[p.name] = Cell(len(ms), sum(max(0, measure(m)) for m in ms), tuple(m.id for m in ms))
        cycles.append(
            Cycle(
                number=number,
                recording_id=rec.id,
                day=_day(rec),
                dated=rec.recorded_on is not None,
                context=rec.context,
                length_us=rec.media.duration_us,
                cells=cells,
                coders=who[rec.id][0],
                coded_by=who[rec.id][1],
            )
        )
    return Progress(family, principles, tuple(cycles), counting)


def coders_by_weight(moments: Sequence[Moment]) -> list[str]:
    """Who coded these moments (one film), the main coder first: most moments, then whoever tagged
    their first moment earliest, then the name."""
    count = Counter(m.coder for m in moments)
    first: dict[str, tuple[datetime, int]] = {}
    for m in moments:
        mark = (m.created_at, m.id)
        if m.coder not in first or mark < first[m.coder]:
            first[m.coder] = mark
    return sorted(count, key=lambda c: (-count[c], first[c], c))


def counted(moments: Sequence[Moment], counting: Counting) -> tuple[list[Moment], tuple[str, ...]]:
    """The moments of one film that count, and whose they are (see ``Counting``)."""
    if not moments:
        return [], ()
    if counting.mode == "coder":
        mine = [m for m in moments if m.coder == counting.coder]
        return mine, (counting.coder,) if mine and counting.coder else ()
    coders = coders_by_weight(moments)
    if counting.mode == "main":
        return [m for m in moments if m.coder == coders[0]], (coders[0],)
    # Everyone: each coder's moments join the union unless one of the same code already there starts
    # within the tolerance (matched one to one, the most pairs); the main coder's go in first.
    kept: dict[int, list[Moment]] = {}
    for coder in coders:
        by_code: dict[int, list[Moment]] = {}
        for m in sorted((m for m in moments if m.coder == coder), key=lambda m: (m.start_us, m.id)):
            by_code.setdefault(m.code_id, []).append(m)
        for code_id, new in by_code.items():
            have = kept.setdefault(code_id, [])
            pairs = match_events([m.start_us for m in have], [m.start_us for m in new], counting.tolerance_us)
            matched = {j for _, j in pairs}
            have.extend(m for j, m in enumerate(new) if j not in matched)
            have.sort(key=lambda m: (m.start_us, m.id))
    return [m for group in kept.values() for m in group], tuple(coders)


def _day(rec: Recording) -> date:
    return rec.recorded_on if rec.recorded_on is not None else rec.imported_at.date()


def _principle_order(codes: Sequence[Code]) -> list[Principle]:
    """Each principle once, at its first appearance, coloured as the principle itself is."""
    names: list[str] = []
    own: dict[str, str] = {}  # the principle's own colour
    first: dict[str, str] = {}  # else the colour of its first code
    for c in codes:
        if c.principle not in first:
            names.append(c.principle)
            first[c.principle] = c.colour
        if c.parent_id is None:
            own.setdefault(c.principle, c.colour)
    return [Principle(n, own.get(n, first[n])) for n in names]
