"""Serve and return from vocalisations (core/turns.py): what counts as a turn, waiting, a chain and
repair, what the clinician reads, and the per-recording figures. Expected values are worked out by
hand in each test from the rule the research gives (answer 0.2-5 s after the serve ends)."""

from __future__ import annotations

from vfeedback.core.turns import (
    Kind,
    Span,
    Vocalisation,
    Voice,
    caption,
    clock,
    explain,
    figures,
    suggest,
    turn_pairs,
)

S = 1_000_000
B, A, C = Voice.INFANT, Voice.ADULT, Voice.CRY


def v(voice: Voice, start: float, end: float) -> Vocalisation:
    return Vocalisation(voice, round(start * S), round(end * S))


def test_a_parent_answering_a_coo_within_the_window_is_one_turn_with_its_latency() -> None:
    found = suggest([v(B, 10.0, 11.0), v(A, 11.5, 13.0)])
    assert [(f.kind, f.latency_us, f.start_us, f.end_us) for f in found] == [
        (Kind.TURN, 500_000, 10 * S, 13 * S)
    ]
    assert found[0].serve == Span("infant", 10 * S, 11 * S)
    assert found[0].answer == Span("adult", 11_500_000, 13 * S)


def test_answers_sooner_than_200_ms_later_than_5_s_or_over_the_serve_are_not_turns() -> None:
    # 0.1 s after: talking together; 5.1 s after: not contingent; starting before the end: overlap.
    assert suggest([v(B, 0, 1), v(A, 1.1, 2)]) == []
    assert suggest([v(B, 0, 1), v(A, 6.1, 7)]) == []
    assert suggest([v(B, 0, 1), v(A, 0.5, 2)]) == []
    # The window's edges count: 0.2 s and 5.0 s.
    assert [f.latency_us for f in suggest([v(B, 0, 1), v(A, 1.2, 2)])] == [200_000]
    assert [f.latency_us for f in suggest([v(A, 0, 1), v(B, 6.0, 7)])] == [5 * S]


def test_the_same_party_again_or_a_third_voice_in_the_gap_is_no_answer() -> None:
    assert suggest([v(A, 0, 1), v(A, 2, 3)]) == []
    # The parent's long talk runs through the baby's coo: the next adult phrase answers nobody.
    assert turn_pairs([v(A, 0, 10), v(B, 2, 3), v(A, 4, 5)]) == []


def test_a_parent_who_leaves_a_second_or_more_before_answering_is_suggested_as_waiting() -> None:
    found = suggest([v(B, 0, 1), v(A, 2.0, 3), v(B, 20, 21), v(A, 21.9, 23)])
    assert [(f.kind, f.latency_us) for f in found] == [(Kind.WAITING, S), (Kind.TURN, 900_000)]
    # The baby answering the parent after a pause is a turn, not the parent waiting.
    assert [f.kind for f in suggest([v(A, 0, 1), v(B, 3, 4)])] == [Kind.TURN]


def test_three_alternating_turns_become_one_chain_and_are_not_repeated_as_turns() -> None:
    vocs = [v(B, 0, 1), v(A, 1.5, 3), v(B, 4, 5), v(A, 6, 7), v(B, 7.5, 8), v(A, 30, 31)]
    found = suggest(vocs)
    assert [(f.kind, f.turns, f.start_us, f.end_us) for f in found] == [(Kind.CHAIN, 5, 0, 8 * S)]
    two = suggest([v(B, 0, 1), v(A, 1.5, 3)])
    assert [f.kind for f in two] == [Kind.TURN]


def test_a_cry_soothed_by_the_parent_is_repair_never_a_turn() -> None:
    # Two cries 1 s apart are one episode (0-6 s); the parent speaks during it at 2.5 s.
    vocs = [v(C, 0, 2), v(A, 2.5, 4), v(C, 3, 6), v(B, 20, 21)]
    found = suggest(vocs)
    assert [(f.kind, f.start_us, f.end_us, f.latency_us) for f in found] == [
        (Kind.REPAIR, 0, 6 * S, 2_500_000 - 6 * S)
    ]
    assert explain(found[0]) == (
        "Baby cried at 00:00.0; you began to soothe baby with your voice while the crying went on, "
        "and the crying stopped."
    )
    # A cry nobody answers is not suggested.
    assert suggest([v(C, 0, 2), v(A, 8, 9)]) == []


def test_the_explanation_names_the_time_and_latency_as_a_clinician_says_them() -> None:
    found = suggest([v(B, 134.3, 135.0), v(A, 136.1, 137.0), v(B, 137.5, 138.0)])
    assert explain(found[0]) == (
        "Baby vocalised at 02:14.3; you answered 1.1 s later, and you kept going together: "
        "a conversation of 3 turns."
    )
    waiting = suggest([v(B, 0, 1), v(A, 2.5, 3)])[0]
    assert explain(waiting) == ("Baby vocalised at 00:00.0; you waited 1.5 s, leaving space, then answered.")
    assert caption(waiting) == "You waited and gave your baby space to say more"
    assert clock(3_725_960_000) == "1:02:06.0"


def test_figures_count_turns_per_minute_who_started_and_the_latency_quartiles() -> None:
    # Turns: I->A 0.5 s, A->I 1.0 s, I->A 3.0 s (a chain of 4 is 3 turns); in 2 minutes.
    vocs = [v(B, 0, 1), v(A, 1.5, 2), v(B, 3, 4), v(A, 7, 8), v(C, 50, 52)]
    fig = figures(vocs, 120 * S)
    assert fig.turns == 3
    assert fig.turns_per_minute == 1.5
    assert fig.infant_started == round(2 / 3, 3)
    # sorted 0.5, 1.0, 3.0 s: p25 at rank 0.5 -> 0.75 s, median 1.0 s, p75 at rank 1.5 -> 2.0 s
    assert (fig.latency_p25_us, fig.latency_median_us, fig.latency_p75_us) == (750_000, S, 2 * S)
    assert figures([], 60 * S).infant_started is None
