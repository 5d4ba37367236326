"""services.interchange: the other films an ELAN file links (``eaf_angles``, ``_linked_recording``),
where a slip would make the wrong film an angle, skip a film, or turn a link that leads nowhere into
a traceback (survivors of make mutation; see scripts/mutation.py).

Each file is written by hand as another ELAN user sends one: the main film first with TIME_ORIGIN 500
(annotation time 0 is its 0.5 s), then the films under test with no TIME_ORIGIN (their time 0 is
annotation time 0), so each lies at +0.5 s on the main film's clock: offset_us 500_000.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, UnreadableFile
from mediagen import MediaSet

from vfeedback.core.angles import Angle
from vfeedback.core.model import Recording
from vfeedback.interchange.links import beside_name
from vfeedback.services import Library
from vfeedback.services.interchange import LinkedAngle

OFFSET = 500_000
MOTHER = {"Mother": ("parent", None)}


def _recording(lib: Library, path: Path, family: str = "F1") -> Recording:
    if not any(f.code == family for f in lib.families.all()):
        lib.families.add(family)
        lib.consent.give(family, "feedback", by="Dr Test")
    return lib.recordings.import_file(path, family)


def _film(url: str, relative: str = "") -> str:
    rel = f' RELATIVE_MEDIA_URL="{relative}"' if relative else ""
    return f'<MEDIA_DESCRIPTOR MEDIA_URL="{url}"{rel} MIME_TYPE="video/mp4"/>'


def _eaf(folder: Path, main: Path, *films: str) -> Path:
    """The file, with one annotation (1000-2000 ms, Waiting) on the tier "Mother"."""
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-05-01T10:00:00+01:00" FORMAT="3.0" VERSION="3.0">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
    <MEDIA_DESCRIPTOR MEDIA_URL="{main.as_uri()}" MIME_TYPE="video/mp4" TIME_ORIGIN="500"/>
    {"".join(films)}
  </HEADER>
  <TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="1000"/>
    <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="2000"/></TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="default-lt" PARTICIPANT="Mum" ANNOTATOR="rater1" TIER_ID="Mother">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
      <ANNOTATION_VALUE>Waiting</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>
</ANNOTATION_DOCUMENT>
"""
    path = folder / "foreign.eaf"
    path.write_text(text, encoding="utf-8")
    return path


def _not_here(name: str, main: Recording) -> LinkedAngle:
    return LinkedAngle(
        name,
        OFFSET,
        None,
        f"The film {name} linked in foreign.eaf is not in this library; import it, then add it as an "
        f"angle of recording {main.id}.",
    )


# --- which films become angles ---------------------------------------------------------------------


def test_the_main_film_linked_again_and_a_film_not_here_are_passed_over_for_the_films_after_them(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """A second descriptor of the main film is skipped, and a film not in the library is reported
    (each a continue, not the end of the list: a break): the angle linked after both is still found
    and made an angle by the import."""
    main, angle = _recording(library, media["cfr25"]), _recording(library, media["ntsc2997"])
    films = [media["cfr25"].as_uri(), "file:///films/gone.mp4", media["ntsc2997"].as_uri()]
    path = _eaf(tmp_path, media["cfr25"], *(_film(url) for url in films))
    assert library.interchange.eaf_angles(path, main.id) == [
        _not_here("gone.mp4", main),
        LinkedAngle("ntsc2997.mp4", OFFSET, angle.id),
    ]
    library.interchange.import_eaf(path, main.id, MOTHER)
    assert library.angles.of(main.id) == [Angle(angle.id, main.id, OFFSET, "manual")]


def test_a_fourth_linked_angle_is_one_more_than_a_session_can_show(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """MAX_ANGLES is 4 films, the main one included: of four linked films, the first three are
    planned (0, 1, 2 already planned before each) and the fourth is refused, because the three planned
    count (starting the count at -1, or not counting, would let all four through)."""
    kinds = ["ntsc2997", "vfr", "no_audio", "portrait"]
    main = _recording(library, media["cfr25"])
    others = [_recording(library, media[k]) for k in kinds]
    path = _eaf(tmp_path, media["cfr25"], *(_film(media[k].as_uri()) for k in kinds))
    full = f"Recording {main.id} already has 4 angles, the most a session can show."
    assert library.interchange.eaf_angles(path, main.id) == [
        LinkedAngle(f"{k}.mp4", OFFSET, r.id, full if k == "portrait" else None)
        for k, r in zip(kinds, others, strict=True)
    ]
    library.interchange.import_eaf(path, main.id, MOTHER)
    assert [a.recording_id for a in library.angles.of(main.id)] == [r.id for r in others[:3]]


@pytest.mark.parametrize("offset_us", [2_000_000, -1_000_000])
def test_an_angle_already_there_at_another_offset_is_not_already_that_angle(
    library: Library, media: MediaSet, tmp_path: Path, offset_us: int
) -> None:
    """The film is an angle of this recording at +2.0 s (or -1.0 s) and the file says +0.5 s: not
    "already" (only the same main and the same offset are: an offset later or earlier is not), but
    refused as an angle of it already; the import leaves the angle where it was."""
    main, angle = _recording(library, media["cfr25"]), _recording(library, media["ntsc2997"])
    library.angles.add(angle.id, main.id, offset_us)
    path = _eaf(tmp_path, media["cfr25"], _film(media["ntsc2997"].as_uri()))
    why = f"Recording {angle.id} is already an angle of recording {main.id}."
    assert library.interchange.eaf_angles(path, main.id) == [
        LinkedAngle("ntsc2997.mp4", OFFSET, angle.id, why)
    ]
    library.interchange.import_eaf(path, main.id, MOTHER)
    assert library.angles.of(main.id) == [Angle(angle.id, main.id, offset_us, "manual")]


def test_a_film_that_cannot_be_an_angle_is_passed_over_for_the_films_after_it(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """A film of another family is refused as an angle (continue, not break): the same family's film
    linked after it is still planned and made an angle."""
    main, stranger = _recording(library, media["cfr25"]), _recording(library, media["vfr"], "F2")
    angle = _recording(library, media["ntsc2997"])
    path = _eaf(tmp_path, media["cfr25"], _film(media["vfr"].as_uri()), _film(media["ntsc2997"].as_uri()))
    why = (
        f"Recording {stranger.id} belongs to F2 and recording {main.id} to F1: angles of one session come "
        "from the same family."
    )
    assert library.interchange.eaf_angles(path, main.id) == [
        LinkedAngle("vfr.mp4", OFFSET, stranger.id, why),
        LinkedAngle("ntsc2997.mp4", OFFSET, angle.id),
    ]
    library.interchange.import_eaf(path, main.id, MOTHER)
    assert library.angles.of(main.id) == [Angle(angle.id, main.id, OFFSET, "manual")]


# --- how a linked film is found ------------------------------------------------------------------


def test_a_neutral_name_of_a_recording_that_does_not_exist_is_not_found(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """``F1_20240501_rec999.mp4`` has the form of a neutral name, but there is no recording 999: the
    NotFound is caught and the film is reported as not in the library (not raised)."""
    main = _recording(library, media["cfr25"])
    path = _eaf(tmp_path, media["cfr25"], _film("file:///films/F1_20240501_rec999.mp4"))
    assert library.interchange.eaf_angles(path, main.id) == [_not_here("F1_20240501_rec999.mp4", main)]


def test_a_name_that_only_looks_neutral_is_not_that_recording(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """``A_20200101_rec<id>.mp4`` and ``Z_...`` end like the recording's neutral name but are not it
    (that is ``F1_<date>_rec<id>.mp4``, which sorts between them): only the exact name finds it, so
    each film, linked where nothing is, is not in the library; the exact name is."""
    main, angle = _recording(library, media["cfr25"]), _recording(library, media["ntsc2997"])
    for lookalike in (f"A_20200101_rec{angle.id}.mp4", f"Z_20200101_rec{angle.id}.mp4"):
        path = _eaf(tmp_path, media["cfr25"], _film(f"file:///films/{lookalike}"))
        assert library.interchange.eaf_angles(path, main.id) == [_not_here(lookalike, main)]
    assert f"A_20200101_rec{angle.id}.mp4" < beside_name(angle) < f"Z_20200101_rec{angle.id}.mp4"
    exact = _eaf(tmp_path, media["cfr25"], _film(f"file:///films/{beside_name(angle)}"))
    assert library.interchange.eaf_angles(exact, main.id) == [
        LinkedAngle(beside_name(angle), OFFSET, angle.id)
    ]


def test_the_librarys_own_file_of_a_recording_is_found_by_its_path_even_when_changed(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """A link to the very file the library keeps for a recording is that recording, by its path,
    before any content is compared: even when bytes were added to the file since (its fingerprint no
    longer matches, so a look-up by content alone would not find it)."""
    main, angle = _recording(library, media["cfr25"]), _recording(library, media["ntsc2997"])
    film = library.recordings.path(angle).resolve()
    film.chmod(0o600)
    with film.open("ab") as grown:
        grown.write(b"\0" * 4096)
    path = _eaf(tmp_path, media["cfr25"], _film(film.as_uri()))
    assert library.interchange.eaf_angles(path, main.id) == [LinkedAngle(film.name, OFFSET, angle.id)]


@pytest.mark.parametrize("prefix", ["http://films.example", "C:"])
def test_only_a_file_url_is_followed_to_a_path_on_this_computer(
    library: Library, media: MediaSet, tmp_path: Path, prefix: str
) -> None:
    """A web address (scheme "http", after "file") or a Windows drive path (scheme "c", before it)
    whose path part happens to be the angle's path here is not a file on this computer: not followed,
    so the film is not found (a file:// URL to the same path is)."""
    main, angle = _recording(library, media["cfr25"]), _recording(library, media["ntsc2997"])
    film = library.recordings.path(angle).resolve()
    path = _eaf(tmp_path, media["cfr25"], _film(prefix + film.as_posix()))
    assert library.interchange.eaf_angles(path, main.id) == [_not_here(film.name, main)]
    by_file = _eaf(tmp_path, media["cfr25"], _film(film.as_uri()))
    assert library.interchange.eaf_angles(by_file, main.id) == [LinkedAngle(film.name, OFFSET, angle.id)]


def test_a_relative_link_that_is_a_url_is_not_a_path_beside_the_file(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """RELATIVE_MEDIA_URL "http://films/camera.mp4" has a scheme: it is not read as the path
    ``http:/films/camera.mp4`` beside the .eaf, even where a copy of the angle lies at exactly that
    path; a relative link without a scheme ("./camera.mp4") is, and finds the film by its content."""
    main, angle = _recording(library, media["cfr25"]), _recording(library, media["ntsc2997"])
    beside = tmp_path / "http:" / "films"
    beside.mkdir(parents=True)
    shutil.copy(media["ntsc2997"], beside / "camera.mp4")
    shutil.copy(media["ntsc2997"], tmp_path / "camera.mp4")
    path = _eaf(tmp_path, media["cfr25"], _film("file:///nowhere/camera.mp4", "http://films/camera.mp4"))
    assert library.interchange.eaf_angles(path, main.id) == [_not_here("camera.mp4", main)]
    plain = _eaf(tmp_path, media["cfr25"], _film("file:///nowhere/camera.mp4", "./camera.mp4"))
    assert library.interchange.eaf_angles(plain, main.id) == [LinkedAngle("camera.mp4", OFFSET, angle.id)]


# --- links that lead nowhere readable ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("{here}/" + "a" * 300 + ".mp4", "a" * 300 + ".mp4"),  # OSError: file name too long
        ("file:///films/a%00b.mp4", "a\x00b.mp4"),  # ValueError: a NUL byte in a path
        ("file://[films/c.mp4", "c.mp4"),  # ValueError: not a URL (an unclosed IPv6 host)
    ],
    ids=["name too long", "NUL byte", "broken URL"],
)
def test_a_link_whose_path_cannot_be_looked_at_is_a_film_not_in_the_library(
    library: Library, media: MediaSet, tmp_path: Path, url: str, name: str
) -> None:
    """Each link makes the look-up itself fail: is_file raises OSError ENAMETOOLONG (in a folder that
    exists, so the kernel gets as far as the name), resolve raises ValueError "embedded null byte",
    urlparse raises ValueError "Invalid IPv6 URL". The film is reported as not in the library, and the
    import brings the moments in, instead of a traceback."""
    main = _recording(library, media["cfr25"])
    path = _eaf(tmp_path, media["cfr25"], _film(url.format(here=tmp_path.as_uri())))
    assert library.interchange.eaf_angles(path, main.id) == [_not_here(name, main)]
    assert len(library.interchange.import_eaf(path, main.id, MOTHER)) == 1


def test_a_link_into_a_symlink_loop_is_a_film_not_in_the_library(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """A linked path that is a symlink to itself: Path.resolve raises RuntimeError ("Symlink loop") on
    Python 3.11 (OSError on later ones). It leads nowhere: not in the library, and the import works."""
    main = _recording(library, media["cfr25"])
    loop = tmp_path / "loop.mp4"
    loop.symlink_to(loop)
    path = _eaf(tmp_path, media["cfr25"], _film(loop.as_uri()))
    assert library.interchange.eaf_angles(path, main.id) == [_not_here("loop.mp4", main)]
    assert len(library.interchange.import_eaf(path, main.id, MOTHER)) == 1


_ANGLES = """
import sys
from pathlib import Path
from vfeedback.services import Library
with Library.open(Path(sys.argv[1])) as lib:
    for a in lib.interchange.eaf_angles(Path(sys.argv[2]), int(sys.argv[3])):
        print(a.recording_id, a.problem)
"""


def test_a_linked_film_that_cannot_be_read_is_not_in_the_library(
    library: Library, media: MediaSet, tmp_path: Path, unreadable_file: UnreadableFile
) -> None:
    """The link leads to a file its reader may not open (chmod 000, read without the right to bypass
    that): fingerprinting it raises BadInput, which means the film is not found, not a refusal of
    the whole file. Run in a child process that cannot read it (see conftest's unreadable_file)."""
    main = _recording(library, media["cfr25"])
    path = _eaf(tmp_path, media["cfr25"], _film(unreadable_file.path.as_uri()))
    done = subprocess.run(
        [*unreadable_file.prefix, sys.executable, "-c", _ANGLES, str(tmp_path / "library"), str(path),
         str(main.id)],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"None {_not_here('locked clip.mp4', main).problem}\n"
