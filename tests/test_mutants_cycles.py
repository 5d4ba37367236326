"""core.cycles where a slip would mislabel or misplace a family's progress (found by make mutation).
Expected values worked out by hand in each test."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from vfeedback.core.cycles import (
    Cell,
    Counting,
    Cycle,
    Measure,
    Principle,
    Progress,
    build_progress,
    coders_by_weight,
    counted,
)
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.model import Actor, Code, CodeKind, Moment, Recording

WHEN = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
CODE = Code(1, 1, None, "Looking", "Attunement", None, "#112233", None, CodeKind.STRENGTH, None, None, 1)
INFO = MediaInfo("mp4", 60_000_000, "h264", 320, 240, 0, 320, 240, 25.0, False, 1500, 0, False)
REC = Recording(1, 1, "T-1", "r1.mp4", "r1.mp4", True, 1, "x", date(2026, 3, 1), None, WHEN, INFO)


def _cycle(number: int, recording_id: int, length_us: int, moments: int = 0) -> Cycle:
    cells = {"Attunement": Cell(moments, 0, tuple(range(moments)))}
    return Cycle(number, recording_id, date(2026, 3, number), True, None, length_us, cells)


def test_each_way_of_counting_says_what_it_counts() -> None:
    assert Counting().wording == "each film's main coder"
    assert Counting.of("AB").wording == "AB's moments"
    assert Counting.everyone().wording == "everyone's moments, each once"


def test_a_principle_nobody_tagged_covers_no_time() -> None:
    assert (Cell().moments, Cell().duration_us, Cell().moment_ids, Cell().seconds) == (0, 0, (), 0.0)


def test_the_rate_of_a_film_one_microsecond_long() -> None:
    """Absurd but exact: 1 moment in 1 µs is 600,000,000 per 10 minutes (600 s = 6e8 µs); only a
    film of no length has no rate."""
    assert _cycle(1, 1, 1, moments=1).per_ten_minutes(Cell(1)) == 600_000_000.0
    assert _cycle(1, 1, 0, moments=1).per_ten_minutes(Cell(1)) == 0.0


def test_a_cycle_is_found_by_its_recording_whatever_the_filming_order() -> None:
    """Filmed first: recording 3; then recording 2. Asking for recording 2 gives cycle 2."""
    progress = Progress("F1", (), (_cycle(1, 3, 60_000_000), _cycle(2, 2, 60_000_000)))
    assert progress.cycle(2).number == 2
    assert progress.cycle(3).number == 1


def test_a_film_of_negative_length_has_no_rate() -> None:
    """A damaged length (below zero) gives no rate rather than a negative one."""
    assert _cycle(1, 1, -1, moments=1).per_ten_minutes(Cell(1)) == 0.0


def test_minutes_are_sixty_million_microseconds() -> None:
    """90 s covered is 1.5 minutes exactly."""
    cycle = Cycle(1, 1, date(2026, 3, 1), True, None, 60_000_000, {"Attunement": Cell(2, 90_000_000)})
    assert cycle.value("Attunement", Measure.MINUTES) == 1.5


def test_a_progress_says_whether_any_film_is_undated() -> None:
    dated = _cycle(1, 1, 60_000_000)
    undated = Cycle(2, 2, date(2026, 3, 2), False, None, 60_000_000, dated.cells)
    assert Progress("F1", (), (dated,)).any_undated is False
    assert Progress("F1", (), (dated, undated)).any_undated is True


def test_a_principle_cannot_be_changed_after_the_progress_is_built() -> None:
    """The chart, the window and the CSV share one Progress: none of them may recolour it."""
    principle = Principle("Attunement", "#3A7D44")
    with pytest.raises(dataclasses.FrozenInstanceError):
        principle.colour = "#000000"  # type: ignore[misc]
    assert {principle: 1}[Principle("Attunement", "#3A7D44")] == 1


def test_the_note_gives_the_tolerance_to_the_microsecond() -> None:
    """999,999 µs is 0.999999 s, not "1 s"."""
    assert Counting.everyone(999_999).note(()) == (
        "Counted: everyone's moments; one tagged by two people (same code, starting within "
        "0.999999 s) counts once."
    )


def test_with_one_coder_only_a_named_coder_needs_a_note() -> None:
    """Nothing to choose between when one person coded every film: no note for the main coder or
    for everyone, a note when one coder was chosen by name."""
    cycles = (_cycle(1, 1, 60_000_000),)
    assert Progress("F1", (), cycles, Counting()).counting_note is None
    assert Progress("F1", (), cycles, Counting.everyone()).counting_note is None
    named = Progress("F1", (), cycles, Counting.of("AB"))
    assert named.counting_note == "Counted: only the moments AB tagged."


def test_a_moment_of_no_length_covers_no_time_by_its_stored_span() -> None:
    """Without a frame index the stored span counts: a point moment (end = start) covers 0 µs, and a
    2 s one 2,000,000 µs; together 2,000,000."""
    moments = [
        Moment(1, 1, 5_000_000, 5_000_000, 1, Actor.PARENT, "", "", "me", WHEN, WHEN),
        Moment(2, 1, 8_000_000, 10_000_000, 1, Actor.PARENT, "", "", "me", WHEN, WHEN),
    ]
    progress = build_progress("F1", [REC], {1: moments}, [CODE])
    assert progress.cycles[0].cells["Attunement"] == Cell(2, 2_000_000, (1, 2))


def test_seconds_are_a_million_microseconds() -> None:
    assert Cell(1, 1_500_000).seconds == 1.5


def test_a_film_nobody_coded_is_not_coded_by_several() -> None:
    """coded_by counts the people who coded a film: 0 and 1 are not "several"."""
    nobody = Cycle(1, 1, date(2026, 3, 1), True, None, 60_000_000, {}, (), 0)
    one = Cycle(2, 2, date(2026, 3, 2), True, None, 60_000_000, {}, ("AB",), 1)
    assert Progress("F1", (), (nobody, one)).several_coders is False
    assert Progress("F1", (), (nobody, one)).counting_note is None


def test_a_cycle_built_without_coders_was_coded_by_nobody() -> None:
    cycle = Cycle(1, 1, date(2026, 3, 1), True, None, 60_000_000, {})
    assert (cycle.coders, cycle.coded_by) == ((), 0)


def test_a_rate_keeps_its_fraction() -> None:
    """1 moment in 7 minutes of film: 10 / 7 = 1.428571... per ten minutes, not 1."""
    assert _cycle(1, 1, 420_000_000).per_ten_minutes(Cell(1)) == 10 / 7


def _tagged(id_: int, coder: str, minute: int) -> Moment:
    at = datetime(2026, 5, 1, 10, minute, tzinfo=UTC)
    return Moment(id_, 1, id_ * 1_000_000, id_ * 1_000_000, 1, Actor.PARENT, "", "", coder, at, at)


def test_with_equal_counts_whoever_tagged_first_is_the_main_coder() -> None:
    """AB and CD tagged two moments each; AB's earliest is 10:00 (listed second), CD's 10:02: AB
    is the main coder, whatever order the moments come in."""
    moments = [_tagged(1, "AB", 5), _tagged(2, "AB", 0), _tagged(3, "CD", 2), _tagged(4, "CD", 3)]
    assert coders_by_weight(moments) == ["AB", "CD"]


def test_a_measure_below_zero_covers_nothing() -> None:
    """``covered`` from a damaged index saying -5 µs adds nothing (not -1, not -5)."""
    moments = [_tagged(1, "AB", 0), _tagged(2, "AB", 1)]
    covered = {1: -5, 2: 40_000}
    progress = build_progress("F1", [REC], {1: moments}, [CODE], covered=lambda m: covered[m.id])
    assert progress.cycles[0].cells["Attunement"] == Cell(2, 40_000, (1, 2))


def test_the_note_names_each_films_main_coder() -> None:
    """Cycle 1 coded by AB (main) and CD: the note names AB, the first of the film's coders."""
    cycle = Cycle(1, 1, date(2026, 3, 1), True, None, 60_000_000, {}, ("AB", "CD"), 2)
    assert Counting().note((cycle,)) == "Counted: each film's main coder (who tagged most): cycle 1 AB."


def test_cells_cycles_and_progress_cannot_be_changed() -> None:
    """The chart, the window and the CSV share them: none may change what the others show."""
    cell = Cell(1, 40_000, (1,))
    cycle = _cycle(1, 1, 60_000_000)
    progress = Progress("F1", (), (cycle,))
    for thing, field in ((cell, "moments"), (cycle, "number"), (progress, "family")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(thing, field, 2)


def test_an_empty_progress_has_no_largest_bar() -> None:
    assert Progress("F1", (), ()).largest(Measure.COUNT) == 0.0


def test_the_main_coder_counts_only_their_own_moments() -> None:
    """CD tagged two moments, AB one: CD is the main coder, and AB's moment (whose name sorts
    before CD's) is not counted."""
    moments = [_tagged(1, "CD", 0), _tagged(2, "CD", 1), _tagged(3, "AB", 2)]
    chosen, coders = counted(moments, Counting())
    assert ([m.id for m in chosen], coders) == ([1, 2], ("CD",))
