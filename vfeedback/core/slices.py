"""Slices of a recording, a whole column at a time (numpy): which category each coder's moments give
each slice, and where two codings differ. The rules are ``vfeedback.core.agreement``'s; this is
their arithmetic, thousands of moments over an hour in a few milliseconds. Every time is an int64 of
microseconds, so the arithmetic stays exact. numpy is loaded by the first call, not by the import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Ints = NDArray[np.int64]
    Flags = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Grid:
    """The slices of one comparison: ``bounds`` holds every slice's start, then the recording's end,
    so slice ``k`` is ``[bounds[k], bounds[k + 1])`` and the last one may be shorter."""

    duration: int
    size: int
    n: int
    bounds: Ints
    begin: Ints
    length: Ints

    @classmethod
    def of(cls, duration: int, size: int, n: int) -> Grid:
        import numpy as np

        bounds = np.minimum(np.arange(n + 1, dtype=np.int64) * size, duration)
        return cls(duration, size, n, bounds, bounds[:-1], np.diff(bounds))


def slice_categories(starts: Ints, ends: Ints, which: Ints, codes: int, grid: Grid) -> tuple[Ints, Flags]:
    """One coder's moments (start, end, code ``0 <= i < codes``; sorted by start) -> each slice's
    category (0 for no code, ``i + 1`` for code ``i``), and per code (row ``i``) the slices it holds
    by its own present/absent rule."""
    import numpy as np

    cats = np.zeros(grid.n, dtype=np.int64)
    present = np.zeros((codes, grid.n), dtype=np.bool_)
    # A span of no length (a bare instant) still covers the instant it names.
    ends = np.minimum(grid.duration, np.maximum(ends, starts + 1))
    starts = np.maximum(starts, 0)
    kept = starts < ends
    starts, ends, which = starts[kept], ends[kept], which[kept]
    if grid.n == 0 or len(starts) == 0:
        return cats, present

    # The leader of each slice so far as (time covered, first instant), starting with "no code": the
    # time none of the coder's moments covers, seen first at the slice's start or else where the
    # stretch covering that start ends (nothing, in a slice covered wholly: any code there beats it).
    # Codes then compete in name order, an equal one keeping the earlier; each only in the slices it
    # touches (a few hundred of an hour's thousands).
    union_s, union_e = _merged(starts, ends)
    lead = grid.length - np.diff(_covered_upto(union_s, union_e, grid.bounds))
    piece = _first_piece(union_e, grid.begin)
    start_covered = (union_s[piece] <= grid.begin) & (union_e[piece] > grid.begin)
    lead_first = np.where(start_covered, union_e[piece], grid.begin)
    for i in np.unique(which).tolist():
        mine = which == i
        code_s, code_e = _merged(starts[mine], ends[mine])
        cells = _touched(code_s, code_e, grid)
        begin, length = grid.begin[cells], grid.length[cells]
        cover = _covered_upto(code_s, code_e, grid.bounds[cells + 1]) - _covered_upto(code_s, code_e, begin)
        first = np.maximum(code_s[_first_piece(code_e, begin)], begin)
        held, held_first = lead[cells], lead_first[cells]
        wins = (cover > held) | ((cover == held) & (first < held_first))
        won = cells[wins]
        lead[won], lead_first[won], cats[won] = cover[wins], first[wins], i + 1
        # Present for the code's own kappa by the same rule, "not this code" being the rival.
        twice = 2 * cover
        present[i, cells] = (twice > length) | ((twice == length) & (first == begin))
    return cats, present


def _touched(starts: Ints, ends: Ints, grid: Grid) -> Ints:
    """The slices disjoint, sorted stretches reach into, ascending, each once."""
    import numpy as np

    first, last = starts // grid.size, (ends - 1) // grid.size
    counts = last - first + 1
    steps = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    cells: Ints = np.repeat(first, counts) + steps
    once: Ints = cells[np.append(True, cells[1:] != cells[:-1])]
    return once


def _merged(starts: Ints, ends: Ints) -> tuple[Ints, Ints]:
    """The union of half-open stretches, given sorted by start, as disjoint ones (touching ones
    joined)."""
    import numpy as np

    reach = np.maximum.accumulate(ends)
    opens = np.ones(len(starts), dtype=np.bool_)
    opens[1:] = starts[1:] > reach[:-1]
    return starts[opens], reach[run_ends(opens)]


def run_ends(opens: Flags) -> Ints:
    """Where each run ends, for runs that begin where ``opens`` is set (``opens[0]`` is)."""
    import numpy as np

    return np.append(np.flatnonzero(opens)[1:] - 1, len(opens) - 1) if len(opens) else np.flatnonzero(opens)


def _covered_upto(starts: Ints, ends: Ints, points: Ints) -> Ints:
    """Time the disjoint, sorted stretches cover from 0 up to each point."""
    import numpy as np

    lengths = ends - starts
    before = np.cumsum(lengths) - lengths  # covered before each stretch begins
    last = np.searchsorted(starts, points, side="right") - 1  # the last stretch begun by each point
    at = np.maximum(last, 0)
    return np.where(last >= 0, before[at] + np.minimum(points - starts[at], lengths[at]), 0)


def _first_piece(ends: Ints, begins: Ints) -> Ints:
    """Per slice, the first stretch that ends after the slice begins (the last one if none does)."""
    import numpy as np

    return np.minimum(np.searchsorted(ends, begins, side="right"), len(ends) - 1)


def confusion(cats_a: Ints, cats_b: Ints, size: int) -> list[list[int]]:
    import numpy as np

    counts = np.bincount(cats_a * size + cats_b, minlength=size * size)
    table: list[list[int]] = counts.reshape(size, size).tolist()
    return table


def differing_runs(cats_a: Ints, cats_b: Ints, grid: Grid) -> tuple[Ints, Ints, Ints, Ints]:
    """Runs of consecutive slices where the coders' categories differ, one per run of the same pair:
    (start, end, A's category, B's category) as columns."""
    import numpy as np

    differ = np.flatnonzero(cats_a != cats_b)
    opens = np.ones(len(differ), dtype=np.bool_)
    opens[1:] = (np.diff(differ) != 1) | (cats_a[differ[1:]] != cats_a[differ[:-1]])
    opens[1:] |= cats_b[differ[1:]] != cats_b[differ[:-1]]
    firsts, lasts = differ[opens], differ[run_ends(opens)]
    return grid.bounds[firsts], grid.bounds[lasts + 1], cats_a[firsts], cats_b[firsts]
