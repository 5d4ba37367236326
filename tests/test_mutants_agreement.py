"""core.agreement where a slip changed a figure a supervisor reads and no test noticed (found by make
mutation). The figures are worked out by hand in the comments."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vfeedback.core.agreement import CodedSpan, Disagreement, EventCounts, compare, match_events, places

S = 1_000_000


def test_precision_recall_and_f1_when_both_coders_have_events_of_their_own() -> None:
    counts = EventCounts(matched=3, only_a=1, only_b=2)
    # precision 3 / (3 + 2), recall 3 / (3 + 1), F1 2*3 / (2*3 + 1 + 2).
    assert counts.precision == float(Fraction(3, 5))
    assert counts.recall == float(Fraction(3, 4))
    assert counts.f1 == float(Fraction(6, 9))


def test_event_figures_from_a_comparison_are_fractions_not_whole_numbers() -> None:
    """A has events at 0, 5 and 9 s, B at 0.5 and 20 s (tolerance 1 s): one match (0 with 0.5),
    A's 5 and 9 alone, B's 20 alone. precision 1/2, recall 1/3, F1 2/(2+2+1) = 0.4."""
    a = [CodedSpan(0, S, "X"), CodedSpan(5 * S, 6 * S, "X"), CodedSpan(9 * S, 10 * S, "X")]
    b = [CodedSpan(S // 2, S, "X"), CodedSpan(20 * S, 21 * S, "X")]
    events = compare(a, b, 30 * S).events
    assert events == EventCounts(matched=1, only_a=2, only_b=1)
    assert (events.precision, events.recall, events.f1) == (0.5, float(Fraction(1, 3)), 0.4)


def test_a_later_overlap_joins_the_latest_place_not_the_first() -> None:
    """0-1 s stands alone; 2-4 s and 3-5 s overlap: two places, the second holding both."""
    ds = [
        Disagreement(0, S, "X", None, "slices"),
        Disagreement(2 * S, 4 * S, "X", "Y", "slices"),
        Disagreement(3 * S, 5 * S, None, "Y", "only_b"),
    ]
    found = places(ds)
    assert [(p.start_us, p.end_us, p.a_labels, p.b_labels, p.indices) for p in found] == [
        (0, S, ("X",), (), (0,)),
        (2 * S, 5 * S, ("X",), ("Y",), (1, 2)),
    ]


def test_a_negative_length_is_an_empty_recording() -> None:
    """A recording of -5 s (damaged metadata) is compared as 0 s long: no slices, nothing defined."""
    r = compare([], [], -5 * S)
    assert (r.duration_us, r.slices, r.kappa, r.observed) == (0, 0, None, None)


def test_the_default_tolerance_is_one_second_exactly() -> None:
    """Events 1 s apart match; 1 s and a microsecond apart do not."""
    a = [CodedSpan(0, S, "X")]
    assert compare(a, [CodedSpan(S, 2 * S, "X")], 10 * S).events.matched == 1
    assert compare(a, [CodedSpan(S + 1, 2 * S, "X")], 10 * S).events.matched == 0


def test_a_slice_of_one_microsecond_is_allowed_and_none_or_less_is_refused() -> None:
    assert compare([], [], 3, slice_us=1).slices == 3
    for bad in (0, -1, -1_000_000):
        with pytest.raises(ValueError) as caught:
            compare([], [], 10 * S, slice_us=bad)
        assert str(caught.value) == "slice_us must be positive"


@pytest.mark.parametrize(
    ("a", "b", "pairs"),
    [
        ([0], [-5, 5], [(0, 0)]),  # B's -5 and 5 are as near as each other: the earlier pairs
        ([0, 10], [5], [(0, 0)]),  # A's 0 and 10 are as near to 5: the earlier pairs
        ([0], [0, 0], [(0, 0)]),
        ([0, 10], [-5, 5, 15], [(0, 0), (1, 1)]),  # two matches, 10 in all either way: the earlier ones
    ],
)
def test_on_an_exact_tie_the_earlier_events_pair(
    a: list[int], b: list[int], pairs: list[tuple[int, int]]
) -> None:
    """Which event is left alone (and listed in the compare view) must not be a matter of chance:
    among matchings equally good (as many matches, the same total difference) the earliest wins."""
    assert match_events(a, b, 10) == pairs
