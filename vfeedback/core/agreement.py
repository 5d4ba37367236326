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

The slices are worked a whole column at a time with numpy (``vfeedback.core.slices``), loaded by the
first comparison rather than by importing this module (the command line starts without it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Literal

from vfeedback.core.slices import Grid, confusion, differing_runs, slice_categories

if TYPE_CHECKING:  # numpy itself is loaded by the first comparison, never by importing this module
    from vfeedback.core.slices import Flags, Ints

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
    given_a, given_b = list(a), list(b)
    n = -(-duration_us // slice_us)
    codes = sorted({s.code for s in given_a} | {s.code for s in given_b})
    categories: tuple[str | None, ...] = (NO_CODE, *codes)
    position = {c: i for i, c in enumerate(codes)}
    spans_a, coding_a = _Coding.sort(given_a, position)
    spans_b, coding_b = _Coding.sort(given_b, position)
    grid = Grid.of(duration_us, slice_us, n)
    cats_a, present_a = slice_categories(*coding_a.columns, len(codes), grid)
    cats_b, present_b = slice_categories(*coding_b.columns, len(codes), grid)
    matrix = confusion(cats_a, cats_b, len(categories))
    kappa, observed, expected = _kappa(matrix, n)
    matched_a, matched_b = _match(coding_a, coding_b, tolerance_us)
    per_code = _per_code(codes, n, (coding_a, present_a, matched_a), (coding_b, present_b, matched_b))
    events = sum((c.events for c in per_code.values()), EventCounts())
    runs = differing_runs(cats_a, cats_b, grid)
    lone = (coding_a.take(~matched_a), coding_b.take(~matched_b))
    disagreements = _disagreements(runs, *lone, categories)
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
        disagreements=disagreements,
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


@dataclass(frozen=True, slots=True)
class _Coding:
    """One coder's moments as columns, in the order of their sorted spans: where each starts and ends
    (as given) and its code's place among the codes compared (their names in order)."""

    start: Ints
    end: Ints
    code: Ints

    @staticmethod
    def sort(spans: list[CodedSpan], position: dict[str, int]) -> tuple[tuple[CodedSpan, ...], _Coding]:
        """The spans sorted by start, end and code name (``position`` ranks the names), and their
        columns in that order."""
        import numpy as np

        count = len(spans)
        start = np.fromiter((s.start_us for s in spans), np.int64, count)
        end = np.fromiter((s.end_us for s in spans), np.int64, count)
        code = np.fromiter((position[s.code] for s in spans), np.int64, count)
        order = np.lexsort((code, end, start))
        return tuple(map(spans.__getitem__, order.tolist())), _Coding(start[order], end[order], code[order])

    @property
    def columns(self) -> tuple[Ints, Ints, Ints]:
        return self.start, self.end, self.code

    def take(self, chosen: Flags) -> _Coding:
        return _Coding(self.start[chosen], self.end[chosen], self.code[chosen])


Side = tuple[_Coding, "Flags", "Flags"]
"""One coder's moments, the slices each code holds (a row per code) and which events found a partner."""


def _per_code(codes: Sequence[str], n: int, a: Side, b: Side) -> dict[str, CodeAgreement]:
    import numpy as np

    (coding_a, present_a, matched_a), (coding_b, present_b, _) = a, b
    held_a: list[int] = present_a.sum(axis=1).tolist()
    held_b: list[int] = present_b.sum(axis=1).tolist()
    held_both: list[int] = (present_a & present_b).sum(axis=1).tolist()
    pairs: list[int] = np.bincount(coding_a.code[matched_a], minlength=len(codes)).tolist()
    events_a: list[int] = np.bincount(coding_a.code, minlength=len(codes)).tolist()
    events_b: list[int] = np.bincount(coding_b.code, minlength=len(codes)).tolist()
    out: dict[str, CodeAgreement] = {}
    for i, code in enumerate(codes):
        sa, sb, both = held_a[i], held_b[i], held_both[i]
        k, po, _ = _kappa([[n - (sa + sb - both), sb - both], [sa - both, both]], n)
        counts = EventCounts(pairs[i], events_a[i] - pairs[i], events_b[i] - pairs[i])
        out[code] = CodeAgreement(code, k, po, sa, sb, both, counts)
    return out


def _match(a: _Coding, b: _Coding, tolerance: int) -> tuple[Flags, Flags]:
    """Which of A's and of B's events have a partner in a matching of ``match_events`` per code.

    One code's events (both coders') whose starts follow each other within the tolerance form a
    cluster; no pair can span two clusters, and ``match_events`` restricted to one cluster chooses
    exactly as it does over the whole code (every choice it compares there carries the same
    optimum of the clusters before). So one event of each coder simply pair, one coder's alone
    have none, and only clusters with more go through the dynamic programme.
    """
    import numpy as np

    code = np.concatenate((a.code, b.code))
    start = np.concatenate((a.start, b.start))
    side = np.repeat(np.arange(2), (len(a.code), len(b.code)))  # 0: A, 1: B
    index = np.concatenate((np.arange(len(a.code)), np.arange(len(b.code))))
    order = np.lexsort((side, start, code))  # stable: each coder's events stay in the order of its spans
    code, start, side, index = code[order], start[order], side[order], index[order]
    opens = np.ones(len(order), dtype=np.bool_)
    opens[1:] = (code[1:] != code[:-1]) | (start[1:] - start[:-1] > tolerance)
    cluster = np.cumsum(opens) - 1
    of_b = np.bincount(cluster, weights=side).astype(np.int64)
    of_a = np.bincount(cluster) - of_b
    matched = [np.zeros(len(a.code), np.bool_), np.zeros(len(b.code), np.bool_)]
    simple = ((of_a == 1) & (of_b == 1))[cluster]
    for s in (0, 1):
        matched[s][index[simple & (side == s)]] = True
    crowded = np.flatnonzero((of_a >= 1) & (of_b >= 1) & (of_a + of_b > 2)).tolist()
    if crowded:
        bounds = [*np.flatnonzero(opens).tolist(), len(order)]
        for c in crowded:
            here = slice(bounds[c], bounds[c + 1])
            mine = [index[here][side[here] == s] for s in (0, 1)]
            times = [start[here][side[here] == s].tolist() for s in (0, 1)]
            for i, j in match_events(times[0], times[1], tolerance):
                matched[0][mine[0][i]] = matched[1][mine[1][j]] = True
    return matched[0], matched[1]


_KINDS: tuple[DisagreementKind, ...] = ("slices", "only_a", "only_b")


def _disagreements(
    runs: tuple[Ints, Ints, Ints, Ints],
    only_a: _Coding,
    only_b: _Coding,
    categories: Sequence[str | None],
) -> tuple[Disagreement, ...]:
    """Every disagreement by start, then differing slices before A's lone events before B's, then by
    end and by labels (no code first, then the codes by name)."""
    import numpy as np

    run_start, run_end, run_a, run_b = runs
    sizes = (len(run_start), len(only_a.start), len(only_b.start))
    start = np.concatenate((run_start, only_a.start, only_b.start))
    end = np.concatenate((run_end, only_a.end, only_b.end))
    kind = np.repeat(np.arange(3), sizes)
    label_a = np.concatenate((run_a, only_a.code + 1, np.zeros(sizes[2], np.int64)))
    label_b = np.concatenate((run_b, np.zeros(sizes[1], np.int64), only_b.code + 1))
    order = np.lexsort((label_b, label_a, end, kind, start))
    columns: list[list[int]] = [column[order].tolist() for column in (start, end, kind, label_a, label_b)]
    # A frozen dataclass's __init__ sets each field through object.__setattr__, about 1 us an object,
    # and two codings of an hour can differ in ten thousand places: fill the slots directly, in field
    # order (the same objects as constructed ones, at half the cost; Disagreement has no
    # __post_init__, and a field added to it fails the unpacking below).
    new, (put_start, put_end, put_a, put_b, put_kind) = object.__new__, _DISAGREEMENT_SLOTS
    out = []
    for s, e, k, x, y in zip(*columns, strict=True):
        d = new(Disagreement)
        put_start(d, s)
        put_end(d, e)
        put_a(d, categories[x])
        put_b(d, categories[y])
        put_kind(d, _KINDS[k])
        out.append(d)
    return tuple(out)


_DISAGREEMENT_SLOTS = tuple(getattr(Disagreement, f.name).__set__ for f in fields(Disagreement))
