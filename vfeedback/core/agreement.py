"""Agreement between two coders of the same recording: the figures a supervisor asks for.

Definitions (each coder's moments are given as the intervals they cover on screen, half-open
``[start_us, end_us)``, clipped to the recording; A is the reference coder, B the one compared):

**Time slices.** The recording is cut into slices ``[k*S, (k+1)*S)``; the last one may be shorter and
counts as a whole slice, like every other. Each slice is one observation.

**Overall kappa.** In each slice each coder gets exactly one category: the one covering the most of
that slice, where *no code* (the time none of the coder's moments covers) is a category like any code
(for one code, overlapping moments count once). So a moment whose last frame reaches 0.04 s into the
next slice does not make that slice coded, and a one-frame (point) moment names a slice only when the
slices are shorter than two frames: points are compared as events (below). Ties go to the category
seen first within the slice (for *no code*: its first uncovered instant), then to the code name
(alphabetical), so the result never depends on input order; a moment exactly one slice long thus
holds exactly one slice wherever it starts. Spans are clipped to the recording; the last, shorter
slice is judged on its own length. Cohen's kappa over the slices is ``(po - pe) / (1 - pe)`` with
``po`` the share of slices where both coders chose the same category and ``pe = sum_c pA(c) * pB(c)``
the agreement expected by chance from each coder's own category shares. When ``pe == 1`` (both coders
put every slice in one and the same category, e.g. neither coded anything) kappa is undefined and is
``None``; ``po`` (then 1.0) is still reported. If one coder coded nothing, every slice of theirs is
*no code*, so ``pe = pA(no code) = po`` and kappa is 0: whatever agreement there is, is exactly what
chance predicts.

**Per-code kappa.** For each code either coder used: present/absent per slice for each coder, by the
same rule with "anything but this code" as the rival (present when the code covers more than half of
the slice, or exactly half from the slice's start), Cohen's kappa over this 2x2 table; ``None`` when
undefined (both coders have the code in every slice, or in none).

**Events.** Every moment is an event at its start. Two events *match* when they have the same code
and their starts differ by at most the tolerance (exactly the tolerance matches). Each event matches
at most one other (one-to-one). Per code we take a matching with the most matches and, among those,
the smallest total time difference. Such a matching can be chosen order-preserving: if ``a1 < a2``,
``b1 < b2`` and ``a1-b2``, ``a2-b1`` are both within the tolerance, so are ``a1-b1`` and ``a2-b2``,
and on a line ``|a1-b1| + |a2-b2| <= |a1-b2| + |a2-b1|``; so swapping a crossing pair never loses a
match nor adds time. An order-preserving matching is found exactly by a dynamic programme over the two
sorted lists (like a longest common subsequence) restricted to each event's tolerance window, linear
in the number of pairs within the tolerance. Counts: ``matched``, ``only_a`` (A's unmatched events),
``only_b``; with A as the reference, ``precision = matched / (matched + only_b)``, ``recall = matched /
(matched + only_a)``, ``F1 = 2 matched / (2 matched + only_a + only_b)``; ``None`` when a denominator
is 0.

**Disagreements** (for the compare view): runs of consecutive slices where the coders' categories
differ (one entry per run of the same pair of categories), and every unmatched event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

NO_CODE: None = None
"""The category of a slice nobody's moment touches (shown as "no code")."""

DisagreementKind = Literal["slices", "only_a", "only_b"]


@dataclass(frozen=True, slots=True)
class CodedSpan:
    """One moment as it covers the screen: ``[start_us, end_us)``; ``code`` is the code's name."""

    start_us: int
    end_us: int
    code: str


@dataclass(frozen=True, slots=True)
class EventCounts:
    matched: int = 0
    only_a: int = 0
    only_b: int = 0

    @property
    def precision(self) -> float | None:
        """Share of B's events that A also has (A as the reference)."""
        return _ratio(self.matched, self.matched + self.only_b)

    @property
    def recall(self) -> float | None:
        """Share of A's events that B also has."""
        return _ratio(self.matched, self.matched + self.only_a)

    @property
    def f1(self) -> float | None:
        return _ratio(2 * self.matched, 2 * self.matched + self.only_a + self.only_b)

    def __add__(self, other: EventCounts) -> EventCounts:
        return EventCounts(
            self.matched + other.matched, self.only_a + other.only_a, self.only_b + other.only_b
        )


@dataclass(frozen=True, slots=True)
class CodeAgreement:
    """One code: slice presence agreement and event counts."""

    code: str
    kappa: float | None
    observed: float | None
    slices_a: int
    """Slices the code holds (covers most of) in A's coding."""
    slices_b: int
    slices_both: int
    events: EventCounts


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Where the coders saw it differently; a label of None means "no code"."""

    start_us: int
    end_us: int
    a_label: str | None
    b_label: str | None
    kind: DisagreementKind


@dataclass(frozen=True, slots=True)
class Agreement:
    duration_us: int
    slice_us: int
    tolerance_us: int
    slices: int
    kappa: float | None
    observed: float | None
    expected: float | None
    categories: tuple[str | None, ...]
    """Rows and columns of ``confusion``: None (no code) first, then codes by name."""
    confusion: tuple[tuple[int, ...], ...]
    """``confusion[i][j]``: slices A put in ``categories[i]`` and B in ``categories[j]``."""
    per_code: dict[str, CodeAgreement]
    events: EventCounts
    disagreements: tuple[Disagreement, ...]
    spans_a: tuple[CodedSpan, ...] = ()
    spans_b: tuple[CodedSpan, ...] = ()
    coders: tuple[str, str] = ("A", "B")
    recording_id: int | None = None
    code_ids: dict[str, int] = field(default_factory=dict)
    """The library's code id behind each code name (filled in by the service)."""


def compare(
    a: Iterable[CodedSpan],
    b: Iterable[CodedSpan],
    duration_us: int,
    slice_us: int = 1_000_000,
    tolerance_us: int = 1_000_000,
) -> Agreement:
    """All the figures for coder A (reference) against coder B over ``duration_us``."""
    if slice_us <= 0:
        raise ValueError("slice_us must be positive")
    if tolerance_us < 0:
        raise ValueError("tolerance_us must not be negative")
    duration_us = max(0, duration_us)
    spans_a = tuple(sorted(a, key=_span_key))
    spans_b = tuple(sorted(b, key=_span_key))
    n = -(-duration_us // slice_us)
    cats_a, present_a = _slice_categories(spans_a, duration_us, slice_us, n)
    cats_b, present_b = _slice_categories(spans_b, duration_us, slice_us, n)

    codes = sorted({s.code for s in spans_a} | {s.code for s in spans_b})
    categories: tuple[str | None, ...] = (NO_CODE, *codes)
    position = {c: i for i, c in enumerate(categories)}
    matrix = [[0] * len(categories) for _ in categories]
    for ca, cb in zip(cats_a, cats_b, strict=True):
        matrix[position[ca]][position[cb]] += 1
    kappa, observed, expected = _kappa(matrix, n)

    by_code_a, by_code_b = _by_code(spans_a), _by_code(spans_b)
    per_code: dict[str, CodeAgreement] = {}
    events = EventCounts()
    unmatched: list[Disagreement] = []
    for code in codes:
        pa, pb = present_a.get(code, set()), present_b.get(code, set())
        both = len(pa & pb)
        binary = [[n - len(pa | pb), len(pb) - both], [len(pa) - both, both]]
        k, po, _ = _kappa(binary, n)
        starts_a = by_code_a.get(code, [])
        starts_b = by_code_b.get(code, [])
        pairs = match_events([s.start_us for s in starts_a], [s.start_us for s in starts_b], tolerance_us)
        used_a = {i for i, _ in pairs}
        used_b = {j for _, j in pairs}
        counts = EventCounts(len(pairs), len(starts_a) - len(used_a), len(starts_b) - len(used_b))
        unmatched += [
            Disagreement(s.start_us, s.end_us, code, None, "only_a")
            for i, s in enumerate(starts_a)
            if i not in used_a
        ]
        unmatched += [
            Disagreement(s.start_us, s.end_us, None, code, "only_b")
            for j, s in enumerate(starts_b)
            if j not in used_b
        ]
        per_code[code] = CodeAgreement(code, k, po, len(pa), len(pb), both, counts)
        events = events + counts

    runs = _differing_runs(cats_a, cats_b, slice_us, duration_us)
    order = {"slices": 0, "only_a": 1, "only_b": 2}
    disagreements = sorted(
        runs + unmatched,
        key=lambda d: (d.start_us, order[d.kind], d.end_us, d.a_label or "", d.b_label or ""),
    )
    return Agreement(
        duration_us=duration_us,
        slice_us=slice_us,
        tolerance_us=tolerance_us,
        slices=n,
        kappa=kappa,
        observed=observed,
        expected=expected,
        categories=categories,
        confusion=tuple(tuple(row) for row in matrix),
        per_code=per_code,
        events=events,
        disagreements=tuple(disagreements),
        spans_a=spans_a,
        spans_b=spans_b,
    )


@dataclass(frozen=True, slots=True)
class Place:
    """Overlapping disagreements as one place to look at (what the compare view lists)."""

    start_us: int
    end_us: int
    a_labels: tuple[str, ...]
    b_labels: tuple[str, ...]
    indices: tuple[int, ...]
    """Into ``Agreement.disagreements``."""


def places(disagreements: Sequence[Disagreement]) -> list[Place]:
    """Group disagreements (sorted by start) whose time ranges overlap. Ranges that only touch stay
    apart, so a long stretch of differing codes still reads as its parts."""
    groups: list[list[int]] = []
    end = -1
    for i, d in enumerate(disagreements):
        if groups and d.start_us < end:
            groups[-1].append(i)
            end = max(end, d.end_us)
        else:
            groups.append([i])
            end = d.end_us
    out = []
    for group in groups:
        ds = [disagreements[i] for i in group]
        out.append(
            Place(
                start_us=min(d.start_us for d in ds),
                end_us=max(d.end_us for d in ds),
                a_labels=tuple(sorted({d.a_label for d in ds if d.a_label is not None})),
                b_labels=tuple(sorted({d.b_label for d in ds if d.b_label is not None})),
                indices=tuple(group),
            )
        )
    return out


def cohen_kappa(matrix: Sequence[Sequence[int]]) -> float | None:
    """Cohen's kappa of a square table of counts (rows: rater A, columns: rater B); None when
    chance agreement is 1 (or the table is empty)."""
    total = sum(sum(row) for row in matrix)
    return _kappa(matrix, total)[0]


def landis_koch(kappa: float | None) -> str:
    """The words Landis and Koch (1977) gave to kappa's bands, for a clinician's reading."""
    if kappa is None:
        return "not defined"
    if kappa < 0:
        return "poor"
    for upper, word in ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial")):
        if kappa <= upper:
            return word
    return "almost perfect"


def match_events(a: Sequence[int], b: Sequence[int], tolerance_us: int) -> list[tuple[int, int]]:
    """Pairs (index in ``a``, index in ``b``), both lists sorted ascending: the most pairs whose
    values differ by at most ``tolerance_us``, and among those the smallest total difference.

    Band-limited dynamic programme (see the module docstring for why order-preserving is enough).
    ``best[i][j]`` is the best (matches, -total difference) using ``a[:i+1]`` and ``b[:j]``; row ``i``
    is kept only for ``j`` in ``[lo_i, hi_i]`` where ``b[lo_i:hi_i]`` is ``a[i]``'s tolerance window:
    left of it ``a[i]`` can match nothing (the row equals the one above), right of it no earlier ``a``
    can match either (the row is flat).
    """
    m = len(b)
    rows: list[tuple[int, list[tuple[int, int]], list[int]]] = []  # (lo, values, choices)
    lo = hi = 0
    prev_lo, prev_vals = 0, [(0, 0)]

    def above(j: int) -> tuple[int, int]:
        # Row i-1 at column j (j >= its lo, which never decreases); flat beyond its window.
        return prev_vals[min(j - prev_lo, len(prev_vals) - 1)]

    for x in a:
        while lo < m and b[lo] < x - tolerance_us:
            lo += 1
        hi = max(hi, lo)
        while hi < m and b[hi] <= x + tolerance_us:
            hi += 1
        vals = [above(lo)]
        choices = [0]  # 0: skip a[i], 1: skip b[j-1], 2: pair a[i] with b[j-1]
        for j in range(lo + 1, hi + 1):
            best, how = above(j), 0
            left = vals[-1]
            if left > best:
                best, how = left, 1
            diag = above(j - 1)
            pair = (diag[0] + 1, diag[1] - abs(x - b[j - 1]))
            if pair > best:
                best, how = pair, 2
            vals.append(best)
            choices.append(how)
        rows.append((lo, vals, choices))
        prev_lo, prev_vals = lo, vals

    pairs: list[tuple[int, int]] = []
    j = m
    for i in range(len(a) - 1, -1, -1):
        row_lo, _, choices = rows[i]
        j = min(j, row_lo + len(choices) - 1)  # flat right of the window: same as its last cell
        while j > row_lo and choices[j - row_lo] == 1:
            j -= 1
        if j > row_lo and choices[j - row_lo] == 2:
            pairs.append((i, j - 1))
            j -= 1
    pairs.reverse()
    return pairs


# --- helpers -------------------------------------------------------------------------------------------


def _span_key(s: CodedSpan) -> tuple[int, int, str]:
    return s.start_us, s.end_us, s.code


def _by_code(spans: Sequence[CodedSpan]) -> dict[str, list[CodedSpan]]:
    out: dict[str, list[CodedSpan]] = {}
    for s in spans:
        out.setdefault(s.code, []).append(s)
    return out


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def _kappa(matrix: Sequence[Sequence[int]], n: int) -> tuple[float | None, float | None, float | None]:
    """(kappa, observed, expected) in exact integer arithmetic until the last division."""
    if n == 0:
        return None, None, None
    k = len(matrix)
    diag = sum(matrix[i][i] for i in range(k))
    rows = [sum(matrix[i]) for i in range(k)]
    cols = [sum(matrix[i][j] for i in range(k)) for j in range(k)]
    chance = sum(r * c for r, c in zip(rows, cols, strict=True))  # pe * n^2
    observed, expected = diag / n, chance / (n * n)
    if chance == n * n:
        return None, observed, expected
    return (n * diag - chance) / (n * n - chance), observed, expected


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _slice_categories(
    spans: Sequence[CodedSpan], duration: int, size: int, n: int
) -> tuple[list[str | None], dict[str, set[int]]]:
    """Each slice's category for one coder, and the slices each code holds (covers most of)."""
    by_code: dict[str, list[tuple[int, int]]] = {}
    for s in spans:
        # A span of no length (a bare instant) still covers the instant it names.
        start, end = max(0, s.start_us), min(duration, max(s.end_us, s.start_us + 1))
        if start < end:
            by_code.setdefault(s.code, []).append((start, end))
    merged = {code: _merged(stretches) for code, stretches in by_code.items()}
    last, last_length = n - 1, duration - (n - 1) * size

    # The leader of each slice so far as (-time covered, first instant), starting with "no code": the
    # time none of the coder's moments covers, seen first at the slice's start or else where the
    # first covered stretch ends. Codes then compete in name order, an equal one keeping the earlier.
    lead = [0] * n
    lead_first = [0] * n
    cats: list[str | None] = [NO_CODE] * n
    union = _coverage(_merged([x for stretches in merged.values() for x in stretches]), size)
    for k, (covered, first, first_end) in union.items():
        begin = k * size
        gap = (size if k != last else last_length) - covered
        if gap > 0:
            lead[k], lead_first[k] = -gap, begin if first > begin else first_end
        else:
            lead[k] = 1  # wholly covered: any code beats "no code"
    present: dict[str, set[int]] = {}
    for code in sorted(merged):
        mine = set()
        for k, (cover, first, _) in _coverage(merged[code], size).items():
            if -cover < lead[k] or (-cover == lead[k] and first < lead_first[k]):
                lead[k], lead_first[k], cats[k] = -cover, first, code
            # Present for the code's own kappa by the same rule, "not this code" being the rival.
            twice, length = 2 * cover, size if k != last else last_length
            if twice > length or (twice == length and first == k * size):
                mine.add(k)
        present[code] = mine
    return cats, present


def _coverage(stretches: Sequence[tuple[int, int]], size: int) -> dict[int, tuple[int, int, int]]:
    """Disjoint, sorted stretches per slice they touch: (time covered, first covered instant, end of
    the first covered piece)."""
    out: dict[int, tuple[int, int, int]] = {}
    for start, end in stretches:
        k0, k1 = start // size, (end - 1) // size
        stop = min(end, (k0 + 1) * size)
        cell = out.get(k0)
        # A later stretch within the same slice adds to it.
        out[k0] = (stop - start, start, stop) if cell is None else (cell[0] + stop - start, cell[1], cell[2])
        if k1 > k0:
            # Slices strictly inside the stretch are wholly covered; its last slice is new to it.
            for k in range(k0 + 1, k1):
                out[k] = (size, k * size, (k + 1) * size)
            out[k1] = (end - k1 * size, k1 * size, end)
    return out


def _differing_runs(
    cats_a: Sequence[str | None], cats_b: Sequence[str | None], size: int, duration: int
) -> list[Disagreement]:
    runs: list[Disagreement] = []
    for k, (ca, cb) in enumerate(zip(cats_a, cats_b, strict=True)):
        if ca == cb:
            continue
        start, end = k * size, min((k + 1) * size, duration)
        last = runs[-1] if runs else None
        if last is not None and last.end_us == start and (last.a_label, last.b_label) == (ca, cb):
            runs[-1] = Disagreement(last.start_us, end, ca, cb, "slices")
        else:
            runs.append(Disagreement(start, end, ca, cb, "slices"))
    return runs
