"""core.slices where a slip would cut a recording into the wrong slices (found by make mutation).
Slices worked out by hand."""

from __future__ import annotations

from vfeedback.core.slices import Grid


def test_a_grid_holds_each_slice_start_then_the_end() -> None:
    """10 µs in slices of 4: [0, 4), [4, 8), [8, 10); the last one shorter."""
    grid = Grid.of(10, 4, 3)
    assert grid.bounds.tolist() == [0, 4, 8, 10]
    assert grid.begin.tolist() == [0, 4, 8]
    assert grid.length.tolist() == [4, 4, 2]
