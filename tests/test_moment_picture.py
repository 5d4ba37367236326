"""The picture that stands for a moment (a still, the handout) and the family's own words about it:
kept with the moment, always one of its own frames, undoable, and carried by a library from before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.core.errors import BadInput
from vfeedback.services import Library

S = 1_000_000
FRAME = 40_000  # cfr25


def test_the_frame_on_screen_when_tagging_is_kept_when_it_is_the_moments_own(
    library: Library, media: MediaSet
) -> None:
    library.families.add("P1")
    rec = library.recordings.import_file(media["cfr25"], "P1")
    # 1.51 s lies inside frame 37 (1.48 s to 1.52 s): the picture is that frame's start.
    m = library.moments.add(rec.id, 1 * S, 2 * S, code="Waiting", picture=1_510_000)
    assert m.picture_us == 37 * FRAME
    # The playhead elsewhere while tagging (after "mark out" moved on): no picture, the middle serves.
    far = library.moments.add(rec.id, 3 * S, 4 * S, code="Waiting", picture=5 * S)
    assert far.picture_us is None
    assert library.moments.get(m.id).picture_us == 37 * FRAME


def test_choosing_another_frame_is_one_undoable_edit_and_stays_inside_the_moment(
    library: Library, media: MediaSet
) -> None:
    library.families.add("P2")
    rec = library.recordings.import_file(media["cfr25"], "P2")
    m = library.moments.add(rec.id, 1 * S, 2 * S, code="Waiting")
    assert m.picture_us is None
    moved = library.moments.edit(m.id, picture=1_800_000)
    assert moved.picture_us == 45 * FRAME
    with pytest.raises(BadInput, match="is not one of the moment's own frames"):
        library.moments.edit(m.id, picture=2_500_000)
    assert library.moments.get(m.id).picture_us == 45 * FRAME
    library.undo()
    assert library.moments.get(m.id).picture_us is None
    # Moving the moment away from its picture lets the picture go (the middle serves again).
    library.moments.edit(m.id, picture=1_800_000)
    shifted = library.moments.retime([(m.id, 3 * S, 4 * S)])[0]
    assert (shifted.start_us, shifted.picture_us) == (3 * S, None)


def test_the_familys_words_are_kept_cleaned_and_removable(library: Library, media: MediaSet) -> None:
    library.families.add("P3")
    rec = library.recordings.import_file(media["cfr25"], "P3")
    m = library.moments.add(rec.id, 1 * S, code="Waiting", caption="You waited")
    said = library.moments.edit(m.id, family_words="  “I didn't know\u202e she was looking at me”  ")
    assert said.family_words == "“I didn't know she was looking at me”"
    with pytest.raises(BadInput):
        library.moments.edit(m.id, family_words="x" * 301)
    assert library.moments.edit(m.id, family_words="").family_words is None


def test_a_moment_starts_with_no_picture_and_no_words_of_the_family(tmp_path: Path, media: MediaSet) -> None:
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("P4")
        rec = lib.recordings.import_file(media["cfr25"], "P4")
        m = lib.moments.add(rec.id, 1 * S, code="Waiting")
    with sqlite3.connect(root / "vfeedback.db") as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(moments)")}
    assert {"picture_us", "family_words"} <= columns
    with Library.open(root) as lib:
        again = lib.moments.get(m.id)
        assert (again.picture_us, again.family_words) == (None, None)
        assert lib.recordings.get(rec.id).title is None
