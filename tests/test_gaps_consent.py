"""The reel export's consent gate, at the service level (issue 17, section 2).

``lib.exports.reel`` is what the window's export, the session pack and ``vfeedback export reel`` all
call; the gate inside ``new_reel`` or the CLI is not enough. The attack is the clinician's slip: a
reel made for a family that never consented, or whose consent was withdrawn after an earlier export
(whose film is still in the library and must not be handed out again as "already made").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.core.errors import ConsentMissing
from vfeedback.services import Library
from vfeedback.storage import layout


@dataclass
class World:
    lib: Library
    root: Path


@pytest.fixture
def world(tmp_path: Path, media: MediaSet) -> Iterator[World]:
    root = tmp_path / "library"
    with Library.open(root) as lib:
        for code in ("C-1", "C-2"):
            lib.families.add(code)
        lib.consent.give("C-1", "feedback", by="Dr Test")
        yield World(lib, root)


def _files(root: Path) -> dict[str, int]:
    """Every file of the library but the database (whose pages change on a read), with its size."""
    return {
        str(p.relative_to(root)): p.stat().st_size
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(layout.DB_NAME)
    }


def _state(world: World) -> tuple[dict[str, int], list[int], list[int]]:
    lib = world.lib
    return _files(world.root), [h.id for h in lib.exports.all()], [e.id for e in lib.audit.entries()]


def _reel(lib: Library, family: str, media: MediaSet) -> int:
    rec = lib.recordings.import_file(media["cfr25"], family, reference=True)
    moments = [
        lib.moments.add(rec.id, 200_000, 600_000, code="Waiting", caption="You wait for her."),
        lib.moments.add(rec.id, 1_000_000, 1_400_000, code="Waiting", caption="She looks up."),
    ]
    return lib.reels.create("Our moments", [m.id for m in moments]).id


def test_a_reel_for_a_family_without_consent_is_refused_and_nothing_is_made(
    world: World, media: MediaSet
) -> None:
    reel_id = _reel(world.lib, "C-2", media)
    before = _state(world)
    with pytest.raises(ConsentMissing) as refused:
        world.lib.exports.reel(reel_id)
    assert str(refused.value) == (
        "Family C-2 has not given consent for feedback with the family; record it first "
        "(vfeedback consent C-2 --give feedback --by NAME)."
    )
    assert refused.value.exit_status == 4
    # The handout (a parent's paper copy of the same moments) is held to the same gate.
    with pytest.raises(ConsentMissing, match=r"^Family C-2 has not given consent for feedback"):
        world.lib.exports.handout(reel_id)
    assert _state(world) == before


def test_consent_for_feedback_is_not_consent_for_research(world: World, media: MediaSet) -> None:
    reel_id = _reel(world.lib, "C-1", media)
    before = _state(world)
    with pytest.raises(ConsentMissing) as refused:
        world.lib.exports.reel(reel_id, purpose="research")
    assert str(refused.value) == (
        "Family C-1 has not given consent for research; record it first "
        "(vfeedback consent C-1 --give research --by NAME)."
    )
    assert _state(world) == before


def test_after_a_withdrawal_the_reel_already_made_is_not_handed_out_again(
    world: World, media: MediaSet
) -> None:
    lib = world.lib
    reel_id = _reel(lib, "C-1", media)
    made = lib.exports.reel(reel_id)
    assert lib.exports.path(made).is_file()
    # With consent, asking again gives back the same film (nothing new encoded).
    assert lib.exports.reel(reel_id).id == made.id
    lib.consent.withdraw("C-1", "feedback", by="Dr Test")
    before = _state(world)
    with pytest.raises(
        ConsentMissing, match=r"^Family C-1 has not given consent for feedback with the family;"
    ):
        lib.exports.reel(reel_id)
    assert _state(world) == before
