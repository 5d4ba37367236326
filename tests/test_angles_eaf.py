"""Camera angles in ELAN files (issue 15): an export links every angle as a MEDIA_DESCRIPTOR with ELAN's
TIME_ORIGIN, an import re-creates the angles whose films are in the library (one undoable action with
the moments) and says which it cannot find; a foreign file written by hand is read the way ELAN means it.

ELAN's TIME_ORIGIN is the time (ms) into a media file at which annotation time 0 falls (see
``eaf.time_origin_ms`` and test_eaf's time-origin test). Our annotation time is the main film's clock,
so an angle whose zero is at +1.37 s on it has main time 0 at its own -1.37 s: TIME_ORIGIN="-1370".
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import anglegen
import pytest
from mediagen import MediaSet

from vfeedback.cli.main import run
from vfeedback.core.angles import Angle
from vfeedback.core.errors import BadInput
from vfeedback.core.model import Recording
from vfeedback.interchange.links import beside_name
from vfeedback.services.interchange import LinkedAngle
from vfeedback.services.library import Library


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "library") as opened:
        yield opened


def _recording(lib: Library, path: Path, family: str = "F1", *, reference: bool = False) -> Recording:
    if not any(f.code == family for f in lib.families.all()):
        lib.families.add(family)
        lib.consent.give(family, "feedback", by="Dr Test")
    return lib.recordings.import_file(path, family, reference=reference)


def _descriptors(eaf: Path) -> list[dict[str, str]]:
    root = ET.parse(eaf).getroot()
    return [dict(d.attrib) for d in root.iterfind("HEADER/MEDIA_DESCRIPTOR")]


def test_angles_go_out_with_their_time_origins_and_come_back(
    lib: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Offsets +1.37 s and -0.599667 s: TIME_ORIGINs -1370 and 600 (rounded to ELAN's milliseconds),
    read back as +1.370 s and -0.600 s."""
    three = anglegen.make_three(media.folder)
    main, ntsc, vfr = (_recording(lib, p) for p in three.paths)
    lib.angles.add(ntsc.id, main.id, 1_370_000)
    lib.angles.add(vfr.id, main.id, -599_667)
    moment = lib.moments.add(main.id, 1_000_000, 2_000_000, code="Waiting", coder="anna")
    out = tmp_path / "exchange" / "session.eaf"
    out.parent.mkdir()
    written = lib.interchange.export_eaf(main.id, out)
    assert written.place_beside == ()
    described = _descriptors(out)
    assert [d.get("TIME_ORIGIN") for d in described] == [None, "-1370", "600"]
    assert [d["MEDIA_URL"] for d in described] == [
        lib.recordings.path(r).resolve().as_uri() for r in (main, ntsc, vfr)
    ]
    assert all(d["MIME_TYPE"] == "video/mp4" and d["RELATIVE_MEDIA_URL"].startswith("../") for d in described)

    lib.moments.delete(moment.id)
    lib.angles.remove(ntsc.id)
    lib.angles.remove(vfr.id)
    assert lib.interchange.eaf_angles(out, main.id) == [
        LinkedAngle(lib.recordings.path(ntsc).name, 1_370_000, ntsc.id),
        LinkedAngle(lib.recordings.path(vfr).name, -600_000, vfr.id),
    ]
    [back] = lib.interchange.import_eaf(out, main.id)
    assert (back.start_us, back.end_us) == (moment.start_us, moment.end_us)
    assert lib.angles.of(main.id) == [
        Angle(ntsc.id, main.id, 1_370_000, "manual"),
        Angle(vfr.id, main.id, -600_000, "manual"),
    ]
    assert [a.already for a in lib.interchange.eaf_angles(out, main.id)] == [True, True]
    lib.undo()  # one action: the moments and the angles
    assert lib.angles.of(main.id) == [] and lib.moments.all(main.id) == []


def _foreign(folder: Path, main: Path, descriptors: str, slots: tuple[int, int] = (1010, 2010)) -> Path:
    """A file as another ELAN user would send it: the main film with an origin, more films after."""
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-05-01T10:00:00+01:00" FORMAT="3.0" VERSION="3.0">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
    <MEDIA_DESCRIPTOR MEDIA_URL="{main.as_uri()}" MIME_TYPE="video/mp4" TIME_ORIGIN="500"/>
    {descriptors}
  </HEADER>
  <TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="{slots[0]}"/>
    <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="{slots[1]}"/></TIME_ORDER>
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


def test_a_foreign_file_with_two_films_and_time_origins(
    lib: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Main TIME_ORIGIN 500, the angle's 2000: annotation time 0 is the main film's 0.5 s and the
    angle's 2.0 s, so the angle's zero is at main time 0.5 - 2.0 = -1.5 s. The annotation 1010-2010 ms
    is main time 1510-2510 ms: at 25 fps it starts on frame 38 (1520 ms, the nearest start) and its
    last frame is 62 (2480 ms; 2520 is the nearest end). The angle is found by its content through its
    relative link (its absolute one leads nowhere); the sound ELAN extracted and a film that is not in
    the library are left out, the latter reported."""
    pair = anglegen.make_pair(media.folder, "ntsc")
    main, angle = _recording(lib, pair.paths[0]), _recording(lib, pair.paths[1])
    shutil.copy(pair.paths[1], tmp_path / "camera 2.mp4")
    path = _foreign(
        tmp_path,
        pair.paths[0],
        '<MEDIA_DESCRIPTOR MEDIA_URL="file:///nowhere/camera%202.mp4" RELATIVE_MEDIA_URL="./camera%202.mp4" '
        'MIME_TYPE="video/mp4" TIME_ORIGIN="2000"/>'
        f'<MEDIA_DESCRIPTOR MEDIA_URL="{pair.paths[0].with_suffix(".wav").as_uri()}" MIME_TYPE="audio/x-wav" '
        f'EXTRACTED_FROM="{pair.paths[0].as_uri()}" TIME_ORIGIN="77"/>'
        '<MEDIA_DESCRIPTOR MEDIA_URL="file:///films/unknown%20camera.mp4" MIME_TYPE="video/mp4"/>',
    )
    missing = (
        f"The film unknown camera.mp4 linked in foreign.eaf is not in this library; import it, then add it "
        f"as an angle of recording {main.id}."
    )
    assert lib.interchange.eaf_angles(path, main.id) == [
        LinkedAngle("camera 2.mp4", -1_500_000, angle.id),
        LinkedAngle("unknown camera.mp4", 500_000, None, missing),
    ]
    [added] = lib.interchange.import_eaf(path, main.id, {"Mother": ("parent", None)})
    assert (added.start_us, added.end_us) == (1_520_000, 2_480_000)
    assert lib.angles.of(main.id) == [Angle(angle.id, main.id, -1_500_000, "manual")]


def test_a_linked_film_that_cannot_be_an_angle_is_said_and_the_moments_still_come(
    lib: Library, media: MediaSet, tmp_path: Path
) -> None:
    pair = anglegen.make_pair(media.folder, "ntsc")
    main, other = _recording(lib, pair.paths[0]), _recording(lib, pair.paths[1], "F2")
    path = _foreign(
        tmp_path,
        pair.paths[0],
        f'<MEDIA_DESCRIPTOR MEDIA_URL="{pair.paths[1].as_uri()}" MIME_TYPE="video/mp4"/>',
    )
    why = (
        f"Recording {other.id} belongs to F2 and recording {main.id} to F1: angles of one session come from "
        "the same family."
    )
    assert lib.interchange.eaf_angles(path, main.id) == [
        LinkedAngle(pair.paths[1].name, 500_000, other.id, why)
    ]
    assert len(lib.interchange.import_eaf(path, main.id, {"Mother": ("parent", None)})) == 1
    assert lib.angles.of(main.id) == [] and lib.angles.get(other.id) is None


def test_a_referenced_angle_is_linked_by_its_neutral_name_and_found_by_it(
    lib: Library, media: MediaSet, tmp_path: Path
) -> None:
    """A film imported by reference keeps its own (possibly identifying) path: the export links
    ``<case>_<date>_rec<id>.mp4`` beside the file instead, and an import finds the recording by that
    name even when no copy was put there."""
    pair = anglegen.make_pair(media.folder, "vfr_early")
    main = _recording(lib, pair.paths[0])
    angle = _recording(lib, pair.paths[1], reference=True)
    lib.angles.add(angle.id, main.id, -900_000)
    lib.moments.add(main.id, 3_000_000, None, code="Waiting", coder="anna")
    out = tmp_path / "out.eaf"
    written = lib.interchange.export_eaf(main.id, out)
    neutral = beside_name(angle)
    assert written.place_beside == (neutral,)
    assert _descriptors(out)[1] == {
        "MEDIA_URL": (tmp_path / neutral).as_uri(), "MIME_TYPE": "video/mp4",
        "RELATIVE_MEDIA_URL": f"./{neutral}", "TIME_ORIGIN": "900",
    }  # fmt: skip
    assert str(pair.paths[1].parent) not in out.read_text(encoding="utf-8")
    lib.angles.remove(angle.id)
    lib.interchange.import_eaf(out, main.id, again=True)
    assert lib.angles.of(main.id) == [Angle(angle.id, main.id, -900_000, "manual")]


@pytest.mark.parametrize("origin", ["1e5", "99999999999999", "", "-", "12ms"])
def test_a_bad_time_origin_on_another_film_is_refused(
    lib: Library, media: MediaSet, tmp_path: Path, origin: str
) -> None:
    pair = anglegen.make_pair(media.folder, "ntsc")
    main = _recording(lib, pair.paths[0])
    path = _foreign(
        tmp_path,
        pair.paths[0],
        f'<MEDIA_DESCRIPTOR MEDIA_URL="file:///x.mp4" MIME_TYPE="video/mp4" TIME_ORIGIN="{origin}"/>',
    )
    with pytest.raises(BadInput) as caught:
        lib.interchange.import_eaf(path, main.id, {"Mother": ("parent", None)})
    assert str(caught.value) == f"foreign.eaf has a media time origin that is not a number ('{origin}')."
    assert lib.moments.all(main.id) == [] and lib.angles.of(main.id) == []


def test_the_command_line_says_which_angles_came_back_and_which_did_not(
    media: MediaSet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = anglegen.make_pair(media.folder, "ntsc")
    root = str(tmp_path / "library")
    with Library.open(Path(root)) as lib:
        main, angle = _recording(lib, pair.paths[0]), _recording(lib, pair.paths[1])
    path = _foreign(
        tmp_path,
        pair.paths[0],
        f'<MEDIA_DESCRIPTOR MEDIA_URL="{pair.paths[1].as_uri()}" MIME_TYPE="video/mp4" TIME_ORIGIN="-870"/>'
        '<MEDIA_DESCRIPTOR MEDIA_URL="file:///films/gone.mp4" MIME_TYPE="video/mp4"/>',
    )
    capsys.readouterr()
    status = run(["--library", root, "import", "eaf", str(path), "--recording", str(main.id),
                  "--map", "Mother=parent"])  # fmt: skip
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert out.splitlines()[-2:] == [
        f"Recording {angle.id} is an angle of recording {main.id} again, at +00:00:01.370.",
        f"The film gone.mp4 linked in foreign.eaf is not in this library; import it, then add it as an "
        f"angle of recording {main.id}.",
    ]
