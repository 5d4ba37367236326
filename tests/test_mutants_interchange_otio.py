"""services.interchange's OTIO export where a slip passed every other test (found by make mutation):
what a timeline links when the caller does not say, and what the audit record says when the
clinician chose to link the films by their own paths.

A real library, a real reel and a real OTIO file read back with OpenTimelineIO; the film is
referenced in place from a folder that names the family, as a clinician's own folders do.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import opentimelineio as otio
from mediagen import MediaSet

from vfeedback.services import Library


def _reel(library: Library, media: MediaSet, tmp_path: Path) -> tuple[int, Path]:
    """Reel 1 of family F01: one moment of a film referenced from ".../Smith baby/visit one.mp4"."""
    own = tmp_path / "clinic" / "Smith baby"
    own.mkdir(parents=True)
    film = own / "visit one.mp4"
    shutil.copy(media["cfr25"], film)
    library.families.add("F01")
    library.consent.give("F01", "feedback", by="Dr Test")
    rec = library.recordings.import_file(film, "F01", reference=True)
    moment = library.moments.add(rec.id, 1_000_000, code="Waiting")
    reel = library.reels.create("Together", [moment.id])
    return reel.id, film


def _linked(timeline_file: Path) -> list[Path]:
    timeline = otio.adapters.read_from_file(str(timeline_file))
    return sorted(
        {Path(unquote(urlparse(clip.media_reference.target_url).path)) for clip in timeline.find_clips()}
    )


def test_a_timeline_links_a_neutral_name_unless_the_caller_asks_otherwise(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Slip: ``link_original`` defaulting to True. A caller that does not say (a script, a future
    window) then wrote the family's folder and file name into a file that goes to a video editor,
    and maybe a colleague's machine."""
    reel_id, _film = _reel(library, media, tmp_path)
    out = tmp_path / "out" / "reel.otio"
    out.parent.mkdir()
    written = library.interchange.export_otio(reel_id, out)
    assert b"Smith" not in out.read_bytes() and b"visit" not in out.read_bytes()
    assert [p.parent for p in _linked(out)] == [out.parent]
    assert list(written.place_beside) == [_linked(out)[0].name]
    assert library.audit.entries("F01")[-1].detail == "OTIO timeline of reel 1 (1 moment) to reel.otio"


def test_the_audit_says_when_the_films_were_linked_by_their_own_paths(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Slip: the audit's "as asked" clause written when the clinician did not ask, and left out
    when they did: the record is how a data protection officer learns that a family's folder name
    left the library."""
    reel_id, film = _reel(library, media, tmp_path)
    out = tmp_path / "out" / "reel.otio"
    out.parent.mkdir()
    written = library.interchange.export_otio(reel_id, out, link_original=True)
    assert _linked(out) == [film.resolve()]
    assert written.place_beside == ()
    assert library.audit.entries("F01")[-1].detail == (
        "OTIO timeline of reel 1 (1 moment) to reel.otio, linking the films by their own paths as asked"
    )
