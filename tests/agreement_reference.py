"""The agreement figures as vfeedback computed them before numpy, in plain Python one slice and one
span at a time: kept only as the reference the numpy version must equal (tests/test_agreement.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from vfeedback.core.agreement import (
    NO_CODE,
    Agreement,
    CodeAgreement,
    CodedSpan,
    Disagreement,
    EventCounts,
    _kappa,
    match_events,
)


def reference_compare(
    a: Iterable[CodedSpan], b: Iterable[CodedSpan], duration_us: int, slice_us: int, tolerance_us: int
) -> Agreement:
    """``compare`` as it was before numpy (valid arguments only): one slice, one span at a time."""
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
    confusion = tuple(tuple(row) for row in matrix)
    return Agreement(
        duration_us, slice_us, tolerance_us, n, kappa, observed, expected, categories, confusion,
        per_code, events, tuple(disagreements), spans_a, spans_b,
    )  # fmt: skip


def _span_key(s: CodedSpan) -> tuple[int, int, str]:
    return s.start_us, s.end_us, s.code


def _by_code(spans: Sequence[CodedSpan]) -> dict[str, list[CodedSpan]]:
    out: dict[str, list[CodedSpan]] = {}
    for s in spans:
        out.setdefault(s.code, []).append(s)
    return out


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
