"""services.cases: the files a deletion removes (found by make mutation). A family's export that no
recording explains any more, and a recording whose own file has already gone."""

from __future__ import annotations

from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.core.errors import NotFound
from vfeedback.services import Library


def test_deleting_a_family_removes_a_reel_whose_moments_were_deleted_since(
    tmp_path: Path, media: MediaSet
) -> None:
    """A reel exported, then its only moment deleted: the reel's file still shows the family, but no
    recording's moments lead to it any more, so only the family's own list of exports finds it.
    Deleting the family must remove it (skipping that list leaves the film on disk)."""
    with Library.open(tmp_path / "library") as lib:
        lib.families.add("F1")
        lib.consent.give("F1", "feedback", "Dr Lee")
        rec = lib.recordings.import_file(media["cfr25"], "F1")
        moment = lib.moments.add(rec.id, 1_000_000, 1_400_000, code="Waiting", caption="You waited")
        reel = lib.exports.reel(lib.reels.create("Ours", [moment.id]).id)
        film = lib.exports.path(reel)
        lib.moments.delete(moment.id)
        assert film.is_file()
        lib.cases.delete_family("F1")
    assert not film.exists()


def test_a_stored_recording_whose_file_is_already_gone_is_still_deleted(
    tmp_path: Path, media: MediaSet
) -> None:
    """The library's copy of the film was lost (a disk error, a folder cleaned by hand): deleting the
    recording still removes everything of it, and says nothing is left behind."""
    with Library.open(tmp_path / "library") as lib:
        lib.families.add("F1")
        rec = lib.recordings.import_file(media["cfr25"], "F1")
        assert rec.stored
        lib.recordings.path(rec).unlink()
        assert lib.cases.delete_recording(rec.id) == []
        with pytest.raises(NotFound):
            lib.recordings.get(rec.id)
