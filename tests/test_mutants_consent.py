"""services.consent where a slip would let one family's consent or exports stand for another's, or
hand back the wrong entry (found by make mutation)."""

from __future__ import annotations

from datetime import date

from mediagen import MediaSet

from vfeedback.core.model import Purpose
from vfeedback.services import Library


def test_another_familys_consent_never_counts(library: Library) -> None:
    """F1 was added first (the lower id), F2 second; only F2 consents. F1's register stays empty
    and F1 may export nothing."""
    library.families.add("F1")
    library.families.add("F2")
    library.consent.give("F2", "feedback", "Dr Lee")
    assert library.consent.register("F1") == []
    assert library.consent.has("F1", "feedback") is False
    assert set(library.consent.state("F1").values()) == {None}
    assert [e.purpose for e in library.consent.register("F2")] == [Purpose.FEEDBACK]


def test_withdrawing_lists_only_this_familys_exports_for_that_purpose(
    library: Library, media: MediaSet
) -> None:
    """Three families each keep a still exported for research; the middle one also keeps one for
    training. Withdrawing the middle one's research consent lists its research still alone: not
    the families before or after it, not its training still."""
    stills = {}
    for code, kind in (("F1", "cfr25"), ("F2", "no_audio"), ("F3", "vfr")):
        library.families.add(code)
        for purpose in ("feedback", "research", "training"):
            library.consent.give(code, purpose, "Dr Lee")
        rec = library.recordings.import_file(media[kind], code)
        moment = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait")
        stills[code] = library.exports.still(moment.id, purpose="research")
        if code == "F2":
            library.exports.still(moment.id, 1_500_000, purpose="training")
    entry, kept = library.consent.withdraw("F2", "research", "Dr Lee")
    assert (entry.purpose, entry.given) == (Purpose.RESEARCH, False)
    assert [h.id for h in kept] == [stills["F2"].id]


def test_the_entry_handed_back_is_the_one_just_recorded(library: Library) -> None:
    library.families.add("F1")
    given = library.consent.give("F1", "research", "Dr Lee", on=date(2026, 1, 5))
    withdrawn, _ = library.consent.withdraw("F1", "research", "Dr Kim", on=date(2026, 2, 9))
    assert (given.given, given.on_date, given.recorded_by) == (True, date(2026, 1, 5), "Dr Lee")
    assert (withdrawn.given, withdrawn.on_date, withdrawn.recorded_by) == (False, date(2026, 2, 9), "Dr Kim")
    assert withdrawn == library.consent.register("F1")[-1] != given
