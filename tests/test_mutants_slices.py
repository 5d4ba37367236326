"""core.slices where a slip would cut a recording into the wrong slices (found by make mutation).
Slices worked out by hand."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vfeedback.core.slices import Grid

ROOT = Path(__file__).resolve().parent.parent


def test_a_grid_holds_each_slice_start_then_the_end() -> None:
    """10 µs in slices of 4: [0, 4), [4, 8), [8, 10); the last one shorter."""
    grid = Grid.of(10, 4, 3)
    assert grid.bounds.tolist() == [0, 4, 8, 10]
    assert grid.begin.tolist() == [0, 4, 8]
    assert grid.length.tolist() == [4, 4, 2]


def test_numpy_is_loaded_by_the_first_call_not_by_the_import() -> None:
    """The command line imports agreement for commands that never compare: numpy (~0.1 s) waits
    for the first comparison, as the module promises."""
    code = "import sys, vfeedback.core.slices; print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert done.stdout == "False\n"


def test_a_grid_cannot_be_changed() -> None:
    grid = Grid.of(10, 4, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        grid.n = 4  # type: ignore[misc]
