"""Reels as library data: ordered moments of one family, undoable edits, deletion-safe."""

from __future__ import annotations

import pytest
from mediagen import MediaSet

from vfeedback.core.errors import BadInput, NotFound
from vfeedback.core.model import Moment
from vfeedback.services import Library


@pytest.fixture
def two_families(library: Library, media: MediaSet) -> tuple[list[Moment], Moment]:
    library.families.add("F1")
    library.families.add("F2")
    a = library.recordings.import_file(media["cfr25"], "F1")
    b = library.recordings.import_file(media["no_audio"], "F2")
    ma = [
        library.moments.add(a.id, t, t + 1_000_000, code="Waiting", caption=f"a{t}")
        for t in (1_000_000, 4_000_000)
    ]
    mb = library.moments.add(b.id, 1_000_000, code="Waiting")
    return ma, mb


def test_reel_keeps_the_chosen_order_and_can_be_reordered_and_undone(
    library: Library, two_families: tuple[list[Moment], Moment]
) -> None:
    (m1, m2), _ = two_families
    reel = library.reels.create("  Our   moments ", [m2.id, m1.id], date_text="26 November 2026")
    assert reel.title == "Our moments" and reel.moment_ids == (m2.id, m1.id)
    assert library.reels.all("F1") == [reel] and library.reels.all("F2") == []
    reordered = library.reels.set_moments(reel.id, [m1.id, m2.id])
    assert reordered.moment_ids == (m1.id, m2.id)
    library.undo()
    assert library.reels.get(reel.id).moment_ids == (m2.id, m1.id)
    library.undo()
    with pytest.raises(NotFound):
        library.reels.get(reel.id)


def test_reel_refuses_moments_of_two_families_and_empty_titles(
    library: Library, two_families: tuple[list[Moment], Moment]
) -> None:
    (m1, _), mb = two_families
    with pytest.raises(BadInput, match="different families"):
        library.reels.create("Mixed", [m1.id, mb.id])
    with pytest.raises(BadInput, match="title"):
        library.reels.create("   ", [m1.id])
    with pytest.raises(BadInput):
        library.reels.create("Empty", [])
    assert library.reels.all() == []


def test_deleting_a_moment_takes_it_out_of_reels_undoably(
    library: Library, two_families: tuple[list[Moment], Moment]
) -> None:
    (m1, m2), _ = two_families
    reel = library.reels.create("Ours", [m1.id, m2.id])
    library.moments.delete(m1.id)
    assert library.reels.get(reel.id).moment_ids == (m2.id,)
    library.undo()
    assert library.reels.get(reel.id).moment_ids == (m1.id, m2.id)
