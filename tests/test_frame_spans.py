"""Moments as other tools' intervals and back: ``outer_span`` / ``inner_span`` round-trip through
millisecond rounding on constant, NTSC and variable frame rates."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from vfeedback.core.frames import FrameIndex


def _ntsc() -> FrameIndex:
    return FrameIndex([round(k * 1001 / 30000 * 1e6) for k in range(300)])


def _vfr() -> FrameIndex:
    rng = random.Random(7)
    times, t = [], 0
    for _ in range(300):
        times.append(t)
        t += rng.choice((16_667, 33_333, 41_708, 66_667))
    return FrameIndex(times)


@pytest.mark.parametrize("make", [lambda: FrameIndex([k * 40_000 for k in range(300)]), _ntsc, _vfr])
def test_every_span_survives_millisecond_rounding(make: Callable[[], FrameIndex]) -> None:
    index = make()
    for first in range(0, 300, 7):
        for last in (first, first + 1, min(first + 25, 299), 299):
            start, end = index.time_of(first), index.time_of(last)
            begin, stop = index.outer_span(start, end)
            ms = (round(begin / 1000) * 1000, round(stop / 1000) * 1000)
            assert index.inner_span(*ms) == (start, end)


def test_a_point_moment_covers_its_one_frame() -> None:
    index = FrameIndex([k * 40_000 for k in range(10)])
    assert index.outer_span(80_000, 80_000) == (80_000, 120_000)
    assert index.outer_span(360_000, 360_000) == (360_000, 400_000)  # the last frame ends the recording
    assert index.inner_span(80_000, 100_000) == (80_000, 80_000)  # shorter than a frame: a point


def test_nearest_prefers_the_earlier_frame_on_a_tie() -> None:
    index = FrameIndex([0, 40_000, 80_000])
    assert index.nearest(19_999) == 0
    assert index.nearest(20_000) == 0
    assert index.nearest(20_001) == 1
    assert index.nearest(10_000_000) == 2
