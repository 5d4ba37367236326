"""Agreement maths against figures worked out by hand (comments show the working)."""

from __future__ import annotations

import itertools
import random

import pytest
from agreement_reference import reference_compare

from vfeedback.core.agreement import (
    CodedSpan,
    Disagreement,
    EventCounts,
    cohen_kappa,
    compare,
    landis_koch,
    match_events,
    places,
)

S = 1_000_000


def span(start_s: float, end_s: float, code: str = "X") -> CodedSpan:
    return CodedSpan(round(start_s * S), round(end_s * S), code)


def test_perfect_agreement_is_kappa_one() -> None:
    coding = [span(0, 2), span(5, 6, "Y")]
    r = compare(coding, list(reversed(coding)), 10 * S)
    # Slices: X X . . . Y . . . . for both: po = 1, pe = .2² + .1² + .7² = .54, kappa = 1.
    assert r.slices == 10
    assert r.kappa == pytest.approx(1.0)
    assert r.observed == pytest.approx(1.0)
    assert r.expected == pytest.approx(0.54)
    assert r.per_code["X"].kappa == pytest.approx(1.0)
    assert r.events == EventCounts(matched=2, only_a=0, only_b=0)
    assert (r.events.precision, r.events.recall, r.events.f1) == (1.0, 1.0, 1.0)
    assert r.disagreements == ()


def test_nobody_coded_anything_kappa_undefined_but_observed_is_one() -> None:
    r = compare([], [], 5 * S)
    # Every slice is "no code" for both: pe = 1, so kappa = 0/0.
    assert r.slices == 5
    assert r.kappa is None
    assert r.observed == 1.0
    assert r.expected == 1.0
    assert r.per_code == {}
    assert r.events == EventCounts()
    assert (r.events.precision, r.events.recall, r.events.f1) == (None, None, None)
    assert r.confusion == ((5,),)


def test_one_coder_empty_gives_kappa_zero() -> None:
    r = compare([span(0, 3)], [], 10 * S)
    # A: 3 slices X, 7 none; B: 10 none. po = .7; pe = pA(none)·pB(none) + pA(X)·pB(X) = .7·1 + .3·0 = .7
    # so kappa = (.7 - .7) / (1 - .7) = 0: all the agreement there is, chance predicts.
    assert r.observed == pytest.approx(0.7)
    assert r.expected == pytest.approx(0.7)
    assert r.kappa == 0.0
    assert r.per_code["X"].kappa == 0.0
    assert r.events == EventCounts(matched=0, only_a=1, only_b=0)
    # B found nothing, so precision is 0/0; recall 0/1; F1 0/(0+1+0).
    assert (r.events.precision, r.events.recall, r.events.f1) == (None, 0.0, 0.0)


def test_classic_two_by_two() -> None:
    # The textbook table (50 items): both yes 20, A yes B no 5, A no B yes 10, both no 15.
    # po = 35/50 = .7; pA(yes) = .5, pB(yes) = .6; pe = .5·.6 + .5·.4 = .5; kappa = (.7-.5)/(1-.5) = .4
    assert cohen_kappa([[20, 5], [10, 15]]) == pytest.approx(0.4)
    a = [span(0, 25)]  # slices 0-24: 20 shared with B + 5 A only
    b = [span(0, 20), span(25, 35)]  # 10 B only; slices 35-49: neither
    r = compare(a, b, 50 * S)
    assert r.kappa == pytest.approx(0.4)
    assert r.observed == pytest.approx(0.7)
    assert r.expected == pytest.approx(0.5)
    assert r.categories == (None, "X")
    assert r.confusion == ((15, 10), (5, 20))
    code = r.per_code["X"]
    assert code.kappa == pytest.approx(0.4)
    assert (code.slices_a, code.slices_b, code.slices_both) == (25, 30, 20)
    assert r.events == EventCounts(matched=1, only_a=0, only_b=1)
    assert r.disagreements == (
        Disagreement(20 * S, 25 * S, "X", None, "slices"),
        Disagreement(25 * S, 35 * S, None, "X", "slices"),
        Disagreement(25 * S, 35 * S, None, "X", "only_b"),
    )


def test_partial_last_slice_counts_as_a_slice() -> None:
    a = [span(0, 1), span(2.0, 2.5)]
    b = [span(0, 1)]
    r = compare(a, b, 2_500_000)
    # Slices [0,1) [1,2) [2,2.5): A = X . X, B = X . .; po = 2/3; pA(X) = 2/3, pB(X) = 1/3;
    # pe = 2/3·1/3 + 1/3·2/3 = 4/9; kappa = (2/3 - 4/9) / (5/9) = .4
    assert r.slices == 3
    assert r.kappa == pytest.approx(0.4)
    slices = [d for d in r.disagreements if d.kind == "slices"]
    assert slices == [Disagreement(2 * S, 2_500_000, "X", None, "slices")]


def _one_slice(a: list[CodedSpan], b: list[CodedSpan]) -> bool:
    """Whether both coders' single slice got the same category."""
    r = compare(a, b, S)
    return r.observed == 1.0


def test_a_slice_goes_to_the_code_covering_most_of_it() -> None:
    assert _one_slice([span(0, 0.3, "X"), span(0.3, 1, "Y")], [span(0, 1, "Y")])
    # Overlapping moments of one code count once: X covers 0.35 s (not 0.55), Y 0.4 s.
    assert _one_slice([span(0, 0.3, "X"), span(0.05, 0.35, "X"), span(0.5, 0.9, "Y")], [span(0, 1, "Y")])
    # A tie goes to the code on screen first, then to the name.
    assert _one_slice([span(0.5, 1, "A"), span(0, 0.5, "B")], [span(0, 1, "B")])
    assert _one_slice([span(0, 0.5, "B"), span(0, 0.5, "A")], [span(0, 1, "A")])
    # "No code" is a category like any code: a 40 ms frame touching the slice leaves it uncoded.
    assert _one_slice([span(0.5, 0.54, "X")], [])
    assert not _one_slice([span(0.5, 0.54, "X")], [span(0, 1, "X")])
    # Two codes of 0.3 s each lose to the 0.4 s nobody coded: the most-covering category wins.
    assert _one_slice([span(0, 0.3, "X"), span(0.6, 0.9, "Y")], [])
    # X's 0.4 s ties with the 0.4 s uncovered; X is seen first (0.2 s), "no code" only at 0.6 s, where
    # Y and then X, back to back, stop covering.
    assert _one_slice([span(0, 0.2, "Y"), span(0.2, 0.6, "X")], [span(0, 1, "X")])
    # Half and half: the category seen first in the slice holds it ("no code" from 0 here).
    assert _one_slice([span(0.5, 1, "X")], [])
    assert _one_slice([span(0, 0.5, "X")], [span(0, 1, "X")])


def test_whole_second_moments_as_worked_by_hand() -> None:
    """Alice tags Waiting from 0 to 8 s; Bob sees Turned towards from 0 to 2 s, then Waiting from 2 to
    8 s. As stored, each moment runs to the end of its last frame, 40 ms past the whole second.

    Ten 1-second slices (. = no code, W = Waiting, T = Turned towards):

        Alice  W W W W W W W W . .
        Bob    T T W W W W W W . .

    Table (rows Alice, columns Bob):

                    .   T   W  | Alice
            .       2   0   0  |  2
            T       0   0   0  |  0
            W       0   2   6  |  8
            Bob     2   2   6  | 10

    po = (2 + 0 + 6) / 10 = 0.8
    pe = (2·2 + 0·2 + 8·6) / 10² = 52 / 100 = 0.52
    kappa = (0.8 - 0.52) / (1 - 0.52) = 0.28 / 0.48 = 7/12 = 0.583

    (Letting the 40 ms that each last frame reaches into slice 8, and Bob's T into slice 2, name those
    slices gives Alice W×9, Bob T×2 W×7: po = 0.8, pe = 0.1² + 0.9·0.7 = 0.64, kappa = 0.444: wrong.)
    """
    frame = 40_000
    alice = [CodedSpan(0, 8 * S + frame, "Waiting")]
    bob = [CodedSpan(0, 2 * S + frame, "Turned towards"), CodedSpan(2 * S, 8 * S + frame, "Waiting")]
    r = compare(alice, bob, 10 * S)
    assert r.categories == (None, "Turned towards", "Waiting")
    assert r.confusion == ((2, 0, 0), (0, 0, 0), (0, 2, 6))
    assert r.observed == pytest.approx(0.8)
    assert r.expected == pytest.approx(0.52)
    assert r.kappa == pytest.approx(7 / 12)
    assert r.kappa is not None
    assert round(r.kappa, 3) == 0.583
    # Waiting present: Alice 0-7, Bob 2-7 -> both 6, Alice only 2, neither 2: po = .8,
    # pe = .8·.6 + .2·.4 = .56, kappa = .24/.44 = 6/11. Turned towards: Alice 0, Bob 0-1:
    # po = .8, pe = 0·.2 + 1·.8 = .8, kappa = 0.
    waiting, turned = r.per_code["Waiting"], r.per_code["Turned towards"]
    assert (waiting.slices_a, waiting.slices_b, waiting.slices_both) == (8, 6, 6)
    assert waiting.kappa == pytest.approx(6 / 11)
    assert (turned.slices_a, turned.slices_b, turned.kappa) == (0, 2, 0.0)
    # The only differing slices are 0-2; nothing is said about 8-9, where both lanes are empty.
    assert [d for d in r.disagreements if d.kind == "slices"] == [
        Disagreement(0, 2 * S, "Waiting", "Turned towards", "slices")
    ]


def test_spans_before_zero_count_only_from_zero() -> None:
    # From -2 s to 0.6 s holds 0.6 s of slice 0, so slice 0 is X; to 0.4 s it holds 0.4 s: no code.
    # Counted from -2 s, either would be 2.4 s or more of "coverage" and always win.
    r = compare([span(-2, 0.6)], [span(0, 1)], 3 * S)
    assert r.confusion == ((2, 0), (0, 1))
    r = compare([span(-2, 0.4)], [span(0, 1)], 3 * S)
    assert r.confusion == ((2, 1), (0, 0))
    assert r.per_code["X"].slices_a == 0
    # Wholly before the recording: nothing at all.
    r = compare([span(-3, -1)], [], 3 * S)
    assert r.confusion == ((3, 0), (0, 0)) and r.per_code["X"].slices_a == 0


def test_a_span_from_before_zero_holds_no_slice_it_does_not_cover() -> None:
    """Three 1 s slices. A codes X from -2 s to 0.5 s, Y from 1 s to 1.3 s, X from 2 s to 3 s; B the
    same but its first X starts at 0. Slice 0: X 0.5 s against no code 0.5 s, X seen first (at 0):
    X for both. Slice 1: no code 0.7 s against Y 0.3 s: no code. Slice 2: X. The codings agree in
    every slice: po = 1, pe = (1/3)² + (2/3)² = 5/9, kappa = 1; X holds 2 slices for each coder.
    (Counted from -2 s, the span reaches "slices" -2 and -1, which must not stand for slices 1 and 2.)
    With a 3 s tolerance the first events (-2 s and 0 s) match too: no disagreement at all."""
    a = [span(-2, 0.5), span(1, 1.3, "Y"), span(2, 3)]
    b = [span(0, 0.5), span(1, 1.3, "Y"), span(2, 3)]
    r = compare(a, b, 3 * S, tolerance_us=3 * S)
    assert r.categories == (None, "X", "Y")
    assert r.confusion == ((1, 0, 0), (0, 2, 0), (0, 0, 0))
    assert r.kappa == pytest.approx(1.0)
    assert r.expected == pytest.approx(5 / 9)
    assert (r.per_code["X"].slices_a, r.per_code["X"].slices_b, r.per_code["X"].slices_both) == (2, 2, 2)
    assert (r.per_code["Y"].slices_a, r.per_code["Y"].slices_b) == (0, 0)
    assert r.events == EventCounts(matched=3, only_a=0, only_b=0)
    assert r.disagreements == ()


def test_the_last_shorter_slice_is_judged_on_its_own_length() -> None:
    # 2.5 s: slices [0,1) [1,2) [2,2.5). In the last one 0.3 s of 0.5 s is most of it;
    # 0.2 s is not, even though 0.2 s would be a lot of a whole 1 s slice's "no code" too.
    held = compare([span(2.2, 2.5)], [span(2.0, 2.3)], 2_500_000)
    assert held.confusion == ((2, 0), (0, 1))
    assert held.kappa == pytest.approx(1.0)
    # A span running past the end is clipped to it: 2.2 to 3 holds 0.3 s of the last slice.
    past = compare([span(2.2, 3.0)], [], 2_500_000)
    assert past.per_code["X"].slices_a == 1
    short = compare([span(2.3, 2.5)], [], 2_500_000)
    assert short.per_code["X"].slices_a == 0 and short.confusion == ((3, 0), (0, 0))
    # A moment up to the recording's very end holds the last slice (and not slice 1, half of which it
    # holds from the middle: a tie, which the "no code" seen first wins).
    assert compare([span(1.5, 2.5)], [span(2, 2.5)], 2_500_000).confusion == ((2, 0), (0, 1))


def test_a_code_both_have_everywhere_has_no_kappa() -> None:
    r = compare([span(0, 3)], [span(0, 3)], 3 * S)
    assert r.kappa is None and r.per_code["X"].kappa is None
    assert r.per_code["X"].observed == 1.0


def test_per_code_kappa_is_presence_per_slice() -> None:
    a = [span(0, 2, "X"), span(4, 5, "Y")]
    b = [span(1, 2, "X"), span(4, 5, "Y"), span(4.5, 5, "X")]
    r = compare(a, b, 5 * S)
    # X present: A = 1 1 0 0 0, B = 0 1 0 0 0 (B's X holds the second half of slice 4: a tie, and
    # "not X" came first) -> both 1, A only 1, neither 3.
    # po = 4/5; pA = 2/5, pB = 1/5; pe = .4·.2 + .6·.8 = .56; kappa = (.8 - .56) / .44 = 6/11
    assert r.per_code["X"].kappa == pytest.approx(6 / 11)
    assert (r.per_code["X"].slices_a, r.per_code["X"].slices_b) == (2, 1)
    assert r.per_code["Y"].kappa == pytest.approx(1.0)
    # Overall: A = X X . . Y, B = . X . . Y (Y covers more of slice 4 than X); po = 4/5;
    # pA: X .4, none .4, Y .2; pB: X .2, none .6, Y .2; pe = .08 + .24 + .04 = .36;
    # kappa = (.8 - .36) / .64 = .6875
    assert r.kappa == pytest.approx(0.6875)
    # X events: A at 0; B at 1 (exactly the 1 s tolerance away: a match) and 4.5 (alone).
    assert r.per_code["X"].events == EventCounts(matched=1, only_a=0, only_b=1)


def test_event_tolerance_boundary_is_inclusive() -> None:
    assert match_events([0], [S], S) == [(0, 0)]
    assert match_events([0], [S + 1], S) == []
    assert match_events([S + 1], [0], S) == []
    assert match_events([5], [5], 0) == [(0, 0)]
    r = compare([span(0, 1)], [span(1, 2)], 3 * S, tolerance_us=S)
    assert r.events == EventCounts(matched=1, only_a=0, only_b=0)
    r = compare([span(0, 1)], [span(1, 2)], 3 * S, tolerance_us=S - 1)
    assert r.events == EventCounts(matched=0, only_a=1, only_b=1)


def test_events_only_match_the_same_code() -> None:
    r = compare([span(0, 1, "X")], [span(0, 1, "Y")], 2 * S)
    assert r.events == EventCounts(matched=0, only_a=1, only_b=1)
    assert r.per_code["X"].events == EventCounts(0, 1, 0)
    assert r.per_code["Y"].events == EventCounts(0, 0, 1)


def test_matching_is_maximal_where_nearest_first_is_not() -> None:
    # Nearest pair first would take 1.2-1.0 (0.2 s) and strand both others (0 and 2.1 are 2.1 s apart).
    # The maximum is two: 0-1.0 and 1.2-2.1, each within 1 s.
    assert match_events([0, 1_200_000], [1_000_000, 2_100_000], S) == [(0, 0), (1, 1)]


def test_matching_prefers_the_nearest_among_maximal_ones() -> None:
    # One match either way; 0.9-0.8 is nearer than 0-0.8, so A's event at 0 is the unmatched one.
    # (A left-to-right greedy pass would pair 0 with 0.8.)
    assert match_events([0, 900_000], [800_000], S) == [(1, 0)]
    r = compare([span(0, 0.1), span(0.9, 1)], [span(0.8, 0.9)], 2 * S)
    only = [d for d in r.disagreements if d.kind != "slices"]
    assert only == [Disagreement(0, 100_000, "X", None, "only_a")]


def _brute_force(a: list[int], b: list[int], tol: int) -> tuple[int, int]:
    """(most matches, least total difference) by trying every set of pairs."""
    edges = [(i, j) for i in range(len(a)) for j in range(len(b)) if abs(a[i] - b[j]) <= tol]
    for size in range(min(len(a), len(b)), 0, -1):
        costs = [
            sum(abs(a[i] - b[j]) for i, j in chosen)
            for chosen in itertools.combinations(edges, size)
            if len({i for i, _ in chosen}) == size and len({j for _, j in chosen}) == size
        ]
        if costs:
            return size, min(costs)
    return 0, 0


def test_matching_equals_brute_force_on_random_small_cases() -> None:
    rng = random.Random(2024)
    for _ in range(300):
        a = sorted(rng.randrange(0, 12) for _ in range(rng.randrange(0, 6)))
        b = sorted(rng.randrange(0, 12) for _ in range(rng.randrange(0, 6)))
        tol = rng.randrange(0, 4)
        pairs = match_events(a, b, tol)
        assert len({i for i, _ in pairs}) == len(pairs) == len({j for _, j in pairs})
        assert all(abs(a[i] - b[j]) <= tol for i, j in pairs)
        got = (len(pairs), sum(abs(a[i] - b[j]) for i, j in pairs))
        assert got == _brute_force(a, b, tol), (a, b, tol)


def _random_coding(rng: random.Random, duration: int, step: int, codes: str, count: int) -> list[CodedSpan]:
    """Moments on a grid of ``step`` (a coarse one makes ties of coverage and of event times common),
    some reaching before 0 or past the end, some instants, some given backwards, some repeated."""
    out = []
    for _ in range(count):
        start = rng.randrange(-2, duration // step + 3) * step
        length = rng.choice((0, 0, 1, 1, 2, 3, 5, 8, 20, -1)) * step + rng.choice((0, 0, 0, 1))
        out.append(CodedSpan(start, start + length, rng.choice(codes)))
    if out and rng.random() < 0.3:
        out.append(rng.choice(out))
    return out


@pytest.mark.parametrize(
    ("seed", "cases", "slice_us", "step", "codes", "count"),
    [
        (1, 400, S, S // 4, "XY", 6),  # quarters of a slice: halves and exact ties everywhere
        (7, 1500, S, S // 5, "XY", 5),  # fifths: a code ties with the uncovered rest behind another
        (2, 400, S, S // 2, "XYZ", 10),
        (3, 300, 300_000, 40_000, "ABCDE", 25),  # frames against slices they do not divide
        (4, 300, S, 1, "XY", 8),  # microsecond grid near 0: spans of a few microseconds
        (5, 200, 7, 3, "XYZ", 12),  # slices of 7 us: long films in small numbers
        (6, 60, 500_000, 40_000, "ABCDEFGHIJ", 150),  # crowded: clusters of events of one code
    ],
)  # fmt: skip
def test_numpy_slices_equal_the_plain_reference_on_random_codings(
    seed: int, cases: int, slice_us: int, step: int, codes: str, count: int
) -> None:
    """The numpy version must say exactly what the one-slice-at-a-time version said: every figure,
    the confusion table, per code, the events and every disagreement in the same order."""
    rng = random.Random(seed)
    for case in range(cases):
        duration = rng.randrange(0, 40) * rng.choice((step, slice_us)) + rng.choice((0, 0, 1, step // 2))
        a = _random_coding(rng, duration, step, codes, rng.randrange(0, count + 1))
        b = _random_coding(rng, duration, step, codes, rng.randrange(0, count + 1))
        tolerance = rng.choice((0, step, 2 * step, slice_us, 3 * slice_us))
        expected = reference_compare(a, b, duration, slice_us, tolerance)
        assert compare(a, b, duration, slice_us, tolerance) == expected, (seed, case)


def test_differing_slices_merge_into_runs_of_the_same_pair() -> None:
    r = compare([span(0, 3, "X")], [span(0, 1, "Y"), span(1, 3, "Z")], 4 * S)
    runs = [d for d in r.disagreements if d.kind == "slices"]
    assert runs == [
        Disagreement(0, S, "X", "Y", "slices"),
        Disagreement(S, 3 * S, "X", "Z", "slices"),
    ]
    assert [d.start_us for d in r.disagreements] == sorted(d.start_us for d in r.disagreements)


def test_input_order_does_not_matter_and_spans_are_clipped() -> None:
    a = [span(3, 9, "Y"), span(0, 1, "X"), span(-1, 0.5, "Y")]
    b = [span(0, 1, "X"), span(3, 5, "Y")]
    one = compare(a, b, 5 * S)
    two = compare(list(reversed(a)), b, 5 * S)
    assert one.kappa == two.kappa and one.confusion == two.confusion
    assert sum(map(sum, one.confusion)) == 5


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        compare([], [], S, slice_us=0)
    with pytest.raises(ValueError):
        compare([], [], S, tolerance_us=-1)


@pytest.mark.parametrize(
    ("kappa", "word"),
    [(None, "not defined"), (-0.1, "poor"), (0.0, "slight"), (0.2, "slight"), (0.21, "fair"),
     (0.5, "moderate"), (0.72, "substantial"), (0.8, "substantial"), (0.81, "almost perfect"),
     (1.0, "almost perfect")],
)  # fmt: skip
def test_landis_koch_words(kappa: float | None, word: str) -> None:
    assert landis_koch(kappa) == word


def test_places_group_overlapping_disagreements_but_not_touching_ones() -> None:
    r = compare([span(0, 3, "X"), span(5, 5.04, "Y")], [span(0, 1, "Y"), span(1, 3, "Z")], 6 * S)
    found = places(r.disagreements)
    # 0-1 X/Y (slices) and X's lone event 0-3 overlap; 1-3 X/Z touches 0-1 but overlaps the event;
    # Y's one frame at 5 s stands alone (an event only: too short to hold its slice).
    assert [(p.start_us, p.end_us, p.a_labels, p.b_labels) for p in found] == [
        (0, 3 * S, ("X",), ("Y", "Z")),
        (5 * S, 5_040_000, ("Y",), ()),
    ]
    assert sorted(i for p in found for i in p.indices) == list(range(len(r.disagreements)))
    touching = [
        Disagreement(0, S, "X", None, "slices"),
        Disagreement(S, 2 * S, "X", "Y", "slices"),
    ]
    assert len(places(touching)) == 2
