"""interchange.eaf_read where a slip would read a timecode file as milliseconds, shift every moment,
lose a vocabulary's words, take a note tier for captions, or let a hostile file past a limit
(survivors of make mutation). Documents are written here by hand and read with ``parse_eaf``."""

from __future__ import annotations

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.interchange.eaf import CvEntry
from vfeedback.interchange.eaf_read import parse_eaf

TYPES = (
    '<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="codes" TIME_ALIGNABLE="true" CONTROLLED_VOCABULARY_REF="vig"/>'
    '<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="translation" TIME_ALIGNABLE="false"/>'
)
SLOTS = (
    '<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="100"/>'
    '<TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="200"/></TIME_ORDER>'
)


MS_HEADER = '<HEADER TIME_UNITS="milliseconds"/>'


def _doc(body: str = "", header: str | None = MS_HEADER, version: str = "3.0") -> bytes:
    return (
        f'<ANNOTATION_DOCUMENT FORMAT="{version}" VERSION="{version}">{header or ""}{body}'
        "</ANNOTATION_DOCUMENT>"
    ).encode()


def _refusal(data: bytes, name: str = "r.eaf") -> str:
    with pytest.raises(BadInput) as caught:
        parse_eaf(data, name)
    return str(caught.value)


def _tier(value: str = "Waiting", cve: str | None = "cve1", tier: str = "Parent") -> str:
    ref = f' CVE_REF="{cve}"' if cve else ""
    return (
        f'<TIER TIER_ID="{tier}" LINGUISTIC_TYPE_REF="codes"><ANNOTATION>'
        '<ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" '
        f'TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2"{ref}><ANNOTATION_VALUE>{value}</ANNOTATION_VALUE>'
        "</ALIGNABLE_ANNOTATION></ANNOTATION></TIER>"
    )


VOCABULARY = (
    '<CONTROLLED_VOCABULARY CV_ID="vig"><DESCRIPTION LANG_REF="eng">VIG principles</DESCRIPTION>'
    '<CV_ENTRY_ML CVE_ID="cve1"><CVE_VALUE DESCRIPTION="waits" LANG_REF="eng">Waiting</CVE_VALUE>'
    "</CV_ENTRY_ML>"
    '<CV_ENTRY_ML CVE_ID="cve2"><CVE_VALUE LANG_REF="eng">Turned towards</CVE_VALUE></CV_ENTRY_ML>'
    "</CONTROLLED_VOCABULARY>"
)


@pytest.mark.parametrize("units", ["PAL-timecode", "NTSC-timecode", "seconds"])
def test_time_counted_in_anything_but_milliseconds_is_refused(units: str) -> None:
    """ELAN's other units sort both before ("NTSC-…", "PAL-…") and after ("seconds") "milliseconds"."""
    message = _refusal(_doc(header=f'<HEADER TIME_UNITS="{units}"/>'))
    assert message == f"r.eaf counts time in {units}; only milliseconds can be read."


def test_nesting_is_counted_back_down_after_each_element_closes() -> None:
    """Five closed siblings and then 64 levels inside the document: 65 deep, refused. Closing an
    element by more than one level would have let it through."""
    nested = "<Y/>" * 5 + "<X>" * 64 + "</X>" * 64
    assert _refusal(_doc(nested), "d.eaf") == "d.eaf is nested too deeply to be an ELAN file."


@pytest.mark.parametrize(
    ("tag", "shown"),
    [
        ("html", "html"), ("ABC", "ABC"),  # sorting after and before ANNOTATION_DOCUMENT
        ('svg xmlns="http://www.w3.org/2000/svg"', "svg"), ("T" * 45, "T" * 40),
    ],
)
def test_xml_of_another_kind_is_named_by_its_tag_without_namespace_to_forty_characters(
    tag: str, shown: str
) -> None:
    name = tag.split()[0]
    message = _refusal(f"<{tag}></{name}>".encode())
    assert message == f"r.eaf is not an ELAN file: it is XML of another kind ({shown})."


def test_a_document_without_a_header_keeps_its_times_as_written() -> None:
    """No HEADER, so no media and no TIME_ORIGIN: the annotation runs 100..200 ms, not shifted."""
    content = parse_eaf(_doc(SLOTS + _tier() + TYPES + VOCABULARY, header=None), "r.eaf")
    (record,) = content.records
    assert (record.begin_ms, record.end_ms) == (100, 200) and content.media == ()


def test_the_main_film_is_the_first_video_even_after_a_sound() -> None:
    """A sound linked before the film: the film is the main one, and its origin (300 ms) shifts the
    annotation; the sound's origin does not."""
    header = (
        '<HEADER TIME_UNITS="milliseconds">'
        '<MEDIA_DESCRIPTOR MEDIA_URL="file:///x/a.wav" MIME_TYPE="audio/x-wav" TIME_ORIGIN="50"/>'
        '<MEDIA_DESCRIPTOR MEDIA_URL="file:///x/f.mp4" MIME_TYPE="video/mp4" TIME_ORIGIN="300"/></HEADER>'
    )
    content = parse_eaf(_doc(SLOTS + _tier() + TYPES + VOCABULARY, header=header), "r.eaf")
    linked = [(m.name, m.main, m.time_origin) for m in content.media]
    assert linked == [("a.wav", False, 50), ("f.mp4", True, 300)]
    assert (content.records[0].begin_ms, content.records[0].end_ms) == (400, 500)


def test_a_second_films_origin_that_is_no_number_is_quoted_to_twenty_characters() -> None:
    header = (
        '<HEADER TIME_UNITS="milliseconds">'
        '<MEDIA_DESCRIPTOR MEDIA_URL="file:///x/f.mp4" MIME_TYPE="video/mp4"/>'
        '<MEDIA_DESCRIPTOR MEDIA_URL="file:///x/g.mp4" MIME_TYPE="video/mp4" '
        'TIME_ORIGIN="abcdefghijklmnopqrstuvwxyz"/></HEADER>'
    )
    assert _refusal(_doc(header=header)) == (
        "r.eaf has a media time origin that is not a number ('abcdefghijklmnopqrst')."
    )


@pytest.mark.parametrize(
    ("value", "ok"), [("999999999999", True), ("1000000000000", False), ("12a", False), ("-5", False)]
)
def test_a_time_is_whole_milliseconds_of_at_most_twelve_digits(value: str, ok: bool) -> None:
    slots = f'<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="{value}"/></TIME_ORDER>'
    if ok:
        parse_eaf(_doc(slots), "r.eaf")
    else:
        assert _refusal(_doc(slots)) == (
            f"r.eaf has a time that is not a whole number of milliseconds ('{value}')."
        )


def test_a_vocabulary_is_read_in_both_forms_with_its_description() -> None:
    """EAF 2.8+: CV_ENTRY_ML with a CVE_VALUE (value and description); EAF 2.7: CV_ENTRY with the value as
    its text. The description from a DESCRIPTION element or, in 2.7, an attribute."""
    new = parse_eaf(_doc(VOCABULARY), "r.eaf").vocabularies["vig"]
    assert new.entries == (CvEntry("cve1", "Waiting", "waits"), CvEntry("cve2", "Turned towards", ""))
    assert new.description == "VIG principles"
    old = parse_eaf(_doc(
        '<CONTROLLED_VOCABULARY CV_ID="v" DESCRIPTION="old style">'
        '<CV_ENTRY CVE_ID="e1" DESCRIPTION="d1"> Smiling </CV_ENTRY></CONTROLLED_VOCABULARY>', version="2.7",
    ), "r.eaf").vocabularies["v"]  # fmt: skip
    assert old.entries == (CvEntry("e1", "Smiling", "d1"),) and old.description == "old style"


def test_an_annotation_takes_its_words_from_its_vocabulary_entry_only_when_it_has_none() -> None:
    """Empty value, CVE_REF cve2: "Turned towards" (cve2's, not the entry after or before it). Words of
    its own stay, whatever the entry says."""
    (bare,) = parse_eaf(_doc(SLOTS + _tier("", "cve2") + TYPES + VOCABULARY), "r.eaf").records
    assert bare.value == "Turned towards" and bare.cve_ref == "cve2"
    (first,) = parse_eaf(_doc(SLOTS + _tier("", "cve1") + TYPES + VOCABULARY), "r.eaf").records
    assert first.value == "Waiting"
    (own,) = parse_eaf(_doc(SLOTS + _tier("In her words", "cve1") + TYPES + VOCABULARY), "r.eaf").records
    assert own.value == "In her words"


def _dependent(tier_id: str, type_id: str) -> str:
    return (
        f'<TIER TIER_ID="{tier_id}" LINGUISTIC_TYPE_REF="{type_id}" PARENT_REF="Parent"><ANNOTATION>'
        '<REF_ANNOTATION ANNOTATION_ID="a9" ANNOTATION_REF="a1"><ANNOTATION_VALUE>words</ANNOTATION_VALUE>'
        "</REF_ANNOTATION></ANNOTATION></TIER>"
    )


def test_a_caption_tier_is_known_by_its_name_alone_and_only_true_means_time_aligned() -> None:
    """"Parent caption" of type "translation": a caption tier by its name. A type whose TIME_ALIGNABLE
    is "yes" (not ELAN's "true") is not time-aligned, so "x caption" of it is a caption tier too."""
    odd_type = '<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="odd" TIME_ALIGNABLE="yes"/>'
    body = SLOTS + _tier() + _dependent("Parent caption", "translation") + _dependent("x caption", "odd")
    content = parse_eaf(_doc(body + TYPES + odd_type + VOCABULARY), "r.eaf")
    assert {t.tier_id: t.kind for t in content.tiers} == {
        "Parent": "codes", "Parent caption": "caption", "x caption": "caption",
    }  # fmt: skip
    assert content.records[0].caption == "words words"


def _document(version: str = "3.0", inside: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ANNOTATION_DOCUMENT FORMAT="{version}" VERSION="{version}">'
        f'<HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/><TIME_ORDER/>{inside}</ANNOTATION_DOCUMENT>'
    ).encode()


@pytest.mark.parametrize("version", ["2.7", "2.8", "3.0"])
def test_formats_2_7_to_3_0_are_read(version: str) -> None:
    assert parse_eaf(_document(version), "v.eaf").version == version


@pytest.mark.parametrize(
    ("version", "why"),
    [
        ("2.6", "is in the old ELAN format 2.6; open it in a current ELAN and save it again"),
        ("3.1", "is in ELAN format 3.1, newer than this version of vfeedback reads (up to 3.0)."),
        ("4.0", "is in ELAN format 4.0, newer than this version of vfeedback reads (up to 3.0)."),
    ],
)
def test_formats_outside_2_7_to_3_0_are_refused(version: str, why: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_eaf(_document(version), "v.eaf")
    assert str(caught.value).startswith(f"v.eaf {why}")


def test_nesting_64_deep_is_read_and_65_is_refused() -> None:
    """The document element is depth 1; 63 nested unknown elements inside it make 64."""

    def nested(levels: int) -> str:
        return "<X>" * levels + "</X>" * levels

    assert parse_eaf(_document(inside=nested(63)), "d.eaf").version == "3.0"
    with pytest.raises(BadInput) as caught:
        parse_eaf(_document(inside=nested(64)), "d.eaf")
    assert str(caught.value) == "d.eaf is nested too deeply to be an ELAN file."


def test_a_time_aligned_subdivision_is_neither_moments_nor_captions() -> None:
    """A dependent tier of a time-aligned type, even one called "x caption", is "other": its own
    aligned annotations are not moments. A dependent tier whose type is not in the file is judged by
    its name ("y note": notes), and so is "Parent note" of the type "translation"."""
    sub = (
        '<TIER TIER_ID="x caption" LINGUISTIC_TYPE_REF="codes" PARENT_REF="Parent"><ANNOTATION>'
        '<ALIGNABLE_ANNOTATION ANNOTATION_ID="a5" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">'
        "<ANNOTATION_VALUE>part</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>"
    )
    body = SLOTS + _tier() + sub + _dependent("y note", "missing") + _dependent("Parent note", "translation")
    content = parse_eaf(_doc(body + TYPES + VOCABULARY), "r.eaf")
    assert {t.tier_id: t.kind for t in content.tiers} == {
        "Parent": "codes", "x caption": "other", "y note": "note", "Parent note": "note",
    }  # fmt: skip
    (record,) = content.records
    read = (record.tier_id, record.value, record.caption, record.note)
    assert read == ("Parent", "Waiting", "", "words\nwords")


@pytest.mark.parametrize(("attributes", "version"), [('VERSION="2.7"', "2.7"), ('FORMAT="3.0"', "3.0")])
def test_the_format_is_read_from_either_attribute(attributes: str, version: str) -> None:
    data = f"<ANNOTATION_DOCUMENT {attributes}>{MS_HEADER}</ANNOTATION_DOCUMENT>".encode()
    assert parse_eaf(data, "r.eaf").version == version


def test_long_strange_values_are_quoted_to_twenty_characters() -> None:
    """A format, a main film's TIME_ORIGIN and a time slot's value that are not what they should be:
    each sentence quotes the first 20 characters."""
    long = "abcdefghijklmnopqrstuvwxyz"
    shown = long[:20]
    assert _refusal(_doc(version=long)) == f"r.eaf does not say which ELAN format it is in (found '{shown}')."
    header = (
        f'<HEADER TIME_UNITS="milliseconds"><MEDIA_DESCRIPTOR MEDIA_URL="file:///x/f.mp4" '
        f'MIME_TYPE="video/mp4" TIME_ORIGIN="{long}"/></HEADER>'
    )
    assert _refusal(_doc(header=header)) == f"r.eaf has a media time origin that is not a number ('{shown}')."
    slots = f'<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="{long}"/></TIME_ORDER>'
    assert _refusal(_doc(slots)) == (
        f"r.eaf has a time that is not a whole number of milliseconds ('{shown}')."
    )


def test_a_point_annotation_is_read_and_one_without_an_id_is_named_so() -> None:
    """Begin and end on one time (a point) is a moment, not "ends before it begins". An annotation
    without an id that refers to no slot is named "(without id)"; one with an id by its id."""
    point = (
        '<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="100"/>'
        '<TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="100"/></TIME_ORDER>'
    )
    (record,) = parse_eaf(_doc(point + _tier() + TYPES + VOCABULARY), "r.eaf").records
    assert (record.begin_ms, record.end_ms) == (100, 100)
    for annotation_id, named in (('ANNOTATION_ID="a7" ', "a7"), ("", "(without id)")):
        tier = (
            '<TIER TIER_ID="Parent" LINGUISTIC_TYPE_REF="codes"><ANNOTATION>'
            f'<ALIGNABLE_ANNOTATION {annotation_id}TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts9">'
            "<ANNOTATION_VALUE>x</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>"
        )
        assert _refusal(_doc(SLOTS + tier + TYPES)) == (
            f"r.eaf is damaged: annotation {named} on tier 'Parent' refers to a time slot that "
            "does not exist."
        )


def test_only_coding_tiers_give_moments_and_an_unknown_entry_gives_no_words() -> None:
    """A caption tier holding an aligned annotation (ELAN would not write one; a hand-edited file
    might) gives no moment. An annotation without words whose CVE_REF names no entry ("cve0", which
    sorts before every entry) gets no words, not the first entry's."""
    odd = (
        '<TIER TIER_ID="Parent caption" LINGUISTIC_TYPE_REF="translation" PARENT_REF="Parent"><ANNOTATION>'
        '<ALIGNABLE_ANNOTATION ANNOTATION_ID="a5" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">'
        "<ANNOTATION_VALUE>x</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>"
    )
    content = parse_eaf(_doc(SLOTS + _tier("", "cve0") + odd + TYPES + VOCABULARY), "r.eaf")
    assert [(r.tier_id, r.value, r.cve_ref) for r in content.records] == [("Parent", "", "cve0")]
