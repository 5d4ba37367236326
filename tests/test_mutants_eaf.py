"""interchange.eaf (writing, and the limits reading shares) where a slip would put private notes in a
file nobody asked them for, number annotations so that ELAN reuses an id, read a format we do not
know, or place a camera a millisecond off (survivors of make mutation). Documents are built here,
by hand; nothing but the module and the standard library's XML parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vfeedback.interchange.eaf import Annotation, CvEntry, Tier, Vocabulary, time_origin_ms, write_eaf

NOTE = "PRIVATE: mother tearful"
VOCAB = Vocabulary("vig", (CvEntry("cve1", "Waiting", "waits for the baby"),), "VIG principles")


def _written(**options: object) -> ET.Element:
    tier = Tier("Parent", "parent", "clinician", "vig", (
        Annotation(1000, 2000, "Waiting", "cve1", caption="You waited", note=NOTE),
        Annotation(3000, 4000, "Waiting", "cve1", caption="", note=NOTE),
        Annotation(5000, 6000, "Waiting", "cve1", caption="And again", note=""),
    ))  # fmt: skip
    data = write_eaf(
        [tier], [VOCAB], target=Path("/x/out.eaf"), media=Path("/x/film.mp4"), author="c",
        date=datetime(2026, 12, 7, tzinfo=UTC), **options,  # type: ignore[arg-type]
    )  # fmt: skip
    return ET.fromstring(data)


def test_notes_stay_out_unless_asked_for_by_name() -> None:
    """Called without ``include_notes`` the file has no note tier, no note type and no note's words;
    asked, it has all three."""
    plain = _written()
    text = ET.tostring(plain, encoding="unicode")
    assert NOTE not in text and 'LINGUISTIC_TYPE_ID="note"' not in text
    assert [t.get("TIER_ID") for t in plain.iter("TIER")] == ["Parent", "Parent caption"]
    asked = ET.tostring(_written(include_notes=True), encoding="unicode")
    assert NOTE in asked and 'LINGUISTIC_TYPE_ID="note"' in asked


def test_annotation_ids_run_on_without_a_gap_and_the_header_names_the_last() -> None:
    """Three coded annotations a1..a3, then the two captions a4, a5 (the empty one makes none), and
    with notes a6, a7: ELAN gives its next annotation lastUsedAnnotationId + 1, so that must be the
    highest id written, 5 and 7."""
    for options, last in (({}, 5), ({"include_notes": True}, 7)):
        root = _written(**options)
        ids = sorted(int(e.get("ANNOTATION_ID", "")[1:]) for e in root.iter() if e.get("ANNOTATION_ID"))
        assert ids == list(range(1, last + 1))
        (prop,) = root.iter("PROPERTY")
        assert (prop.get("NAME"), prop.text) == ("lastUsedAnnotationId", str(last))


def test_a_vocabulary_with_a_description_writes_it_and_one_without_writes_none() -> None:
    root = _written()
    (cv,) = root.iter("CONTROLLED_VOCABULARY")
    assert [(d.get("LANG_REF"), d.text) for d in cv.findall("DESCRIPTION")] == [("eng", "VIG principles")]
    bare = Vocabulary("vig", VOCAB.entries)
    data = write_eaf(
        [Tier("P", "", "", "vig", ())], [bare], target=Path("/x/o.eaf"), media=None, author="",
        date=datetime(2026, 12, 7, tzinfo=UTC),
    )  # fmt: skip
    (cv,) = ET.fromstring(data).iter("CONTROLLED_VOCABULARY")
    assert cv.findall("DESCRIPTION") == []


@pytest.mark.parametrize(
    ("offset_us", "origin"),
    [(1_370_000, -1370), (1_700, -2), (1_400, -1), (-600_400, 600), (-600_600, 601), (0, 0)],
)
def test_a_cameras_time_origin_is_its_offset_rounded_to_the_nearest_millisecond(
    offset_us: int, origin: int
) -> None:
    """1.7 ms rounds to 2 (not down to 1); −600.4 ms to −600 and −600.6 to −601 (not both to −601)."""
    assert time_origin_ms(offset_us) == origin


def test_time_slots_are_numbered_from_ts1_in_time_order() -> None:
    """Six bounds of three annotations: ts1..ts6 at 1000, 2000, ..., 6000 ms."""
    slots = [(s.get("TIME_SLOT_ID"), s.get("TIME_VALUE")) for s in _written().iter("TIME_SLOT")]
    assert slots == [(f"ts{i}", str(i * 1000)) for i in range(1, 7)]


def test_two_tiers_of_one_id_are_refused() -> None:
    tier = Tier("Parent", "", "", "vig", ())
    with pytest.raises(ValueError, match="tier ids must be unique"):
        write_eaf(
            [tier, tier], [VOCAB], target=Path("/x/o.eaf"), media=None, author="",
            date=datetime(2026, 12, 7, tzinfo=UTC),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("url", "relative", "name"),
    [
        ("file:///C:/films/visit%201.mp4", "", "visit 1.mp4"),
        ("", "./sub/clip.mp4", "clip.mp4"),
        ("C:\\films\\old.mpg", "", "old.mpg"),
        ("", "clip.mp4", "clip.mp4"),  # no folder at all
    ],
)
def test_a_linked_films_name_is_its_last_part_unquoted(url: str, relative: str, name: str) -> None:
    from vfeedback.interchange.eaf import LinkedMedia

    assert LinkedMedia(url, relative, "video/mp4", None, True).name == name


def test_a_film_on_another_windows_drive_is_linked_by_its_absolute_address_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On Windows ``os.path.relpath`` raises ValueError for a film on another drive than the .eaf;
    there is no relative address then. (POSIX never raises it: the platform is what is faked.)"""
    import os

    from vfeedback.interchange.eaf import relative_media_url

    assert relative_media_url(Path("/x/film.mp4"), Path("/x/y/out.eaf")) == "../film.mp4"

    def other_drive(path: object, start: object = None) -> str:
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    monkeypatch.setattr(os.path, "relpath", other_drive)
    assert relative_media_url(Path("/x/film.mp4"), Path("/x/out.eaf")) is None


def test_the_file_declares_itself_utf8_xml_and_refuses_a_time_before_zero() -> None:
    """ELAN reads the declaration's encoding; a time of −1 ms (not only −2) is refused."""
    kwargs: dict[str, object] = {
        "target": Path("/x/o.eaf"), "media": None, "author": "", "date": datetime(2026, 12, 7, tzinfo=UTC),
    }  # fmt: skip
    data = write_eaf([Tier("P", "", "", "vig", ())], [VOCAB], **kwargs)  # type: ignore[arg-type]
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<ANNOTATION_DOCUMENT ")
    early = Tier("P", "", "", "vig", (Annotation(-1, 40, "Waiting", "cve1"),))
    with pytest.raises(ValueError, match="times must not be negative"):
        write_eaf([early], [VOCAB], **kwargs)  # type: ignore[arg-type]
