"""ELAN (.eaf) export and import: the EAF 3.0 structure, round trips on real media, mapping foreign
tiers, and hostile files refused with one sentence and nothing imported.

The structure checks follow the published EAF 3.0 schema (EAFv3.0.xsd by MPI Nijmegen, read for this
test; not vendored): element order of ANNOTATION_DOCUMENT and HEADER, required attributes, xsd:ID
uniqueness and every key/keyref pair (time slots, linguistic types, vocabularies, constraints,
languages, parent tiers and annotations).
"""

from __future__ import annotations

import argparse
import os
import stat
import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from mediagen import MediaSet

from vfeedback.cli import cmd_elan_boris as cli
from vfeedback.core.errors import BadInput, ConsentMissing
from vfeedback.core.model import Recording
from vfeedback.interchange.eaf_read import read_eaf
from vfeedback.services import Library

ROOT_ORDER = [
    "LICENSE", "HEADER", "TIME_ORDER", "TIER", "LINGUISTIC_TYPE", "LOCALE", "LANGUAGE", "CONSTRAINT",
    "CONTROLLED_VOCABULARY", "LEXICON_REF", "REF_LINK_SET", "EXTERNAL_REF",
]  # fmt: skip
HEADER_ORDER = ["MEDIA_DESCRIPTOR", "LINKED_FILE_DESCRIPTOR", "PROPERTY"]
REQUIRED = {
    "ANNOTATION_DOCUMENT": {"DATE", "AUTHOR", "VERSION"},
    "MEDIA_DESCRIPTOR": {"MEDIA_URL", "MIME_TYPE"},
    "TIME_SLOT": {"TIME_SLOT_ID"},
    "TIER": {"TIER_ID", "LINGUISTIC_TYPE_REF"},
    "ALIGNABLE_ANNOTATION": {"ANNOTATION_ID", "TIME_SLOT_REF1", "TIME_SLOT_REF2"},
    "REF_ANNOTATION": {"ANNOTATION_ID", "ANNOTATION_REF"},
    "LINGUISTIC_TYPE": {"LINGUISTIC_TYPE_ID"},
    "LOCALE": {"LANGUAGE_CODE"},
    "LANGUAGE": {"LANG_ID"},
    "CONSTRAINT": {"STEREOTYPE"},
    "CONTROLLED_VOCABULARY": {"CV_ID"},
    "CV_ENTRY_ML": {"CVE_ID"},
    "CVE_VALUE": {"LANG_REF"},
}
# Attributes of type xsd:ID: unique across the whole document.
ID_ATTRIBUTES = {
    "TIME_SLOT": "TIME_SLOT_ID", "ALIGNABLE_ANNOTATION": "ANNOTATION_ID", "REF_ANNOTATION": "ANNOTATION_ID",
    "LOCALE": "LANGUAGE_CODE", "CONSTRAINT": "STEREOTYPE", "LANGUAGE": "LANG_ID",
}  # fmt: skip


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    yield from _open(tmp_path / "library")


def _open(folder: Path) -> Generator[Library, None, None]:
    with Library.open(folder) as opened:
        yield opened


def _recording(lib: Library, path: Path, family: str = "F1") -> Recording:
    if not any(f.code == family for f in lib.families.all()):
        lib.families.add(family)
        lib.consent.give(family, "feedback", by="Dr Test")
    return lib.recordings.import_file(path, family)


def _tag(lib: Library, rec: Recording) -> None:
    """Moments that test the edges: the first frame, a point, overlapping intervals, the last frame,
    two coders, three actors, two schemes (one code name in both), captions and notes."""
    t = lib.media.frame_index(rec.id).times
    n = len(t)
    lib.moments.add(
        rec.id, t[0], t[4], code="Waiting", caption="You waited for her", note="calm", coder="anna"
    )
    lib.moments.add(rec.id, t[3], None, code="Turned towards", actor="infant", coder="anna")
    lib.moments.add(rec.id, t[5], t[n // 2], code="Having fun together", actor="parent", coder="ben")
    lib.moments.add(
        rec.id, t[n // 3], t[n - 1], code="Following the child's initiative/Waiting", coder="anna",
        caption="Sie schaut dich an — und du wartest", note="private: mother tired",
    )  # fmt: skip
    lib.moments.add(rec.id, t[n - 1], None, code="Guiding", actor="clinician", coder="ben")


def _key(lib: Library, rec_id: int, notes: bool = True) -> list[tuple[object, ...]]:
    codes = {c.id: c.label for s in lib.schemes.all() for c in s.codes}
    return [
        (m.start_us, m.end_us, codes[m.code_id], m.actor, m.coder, m.caption, m.note if notes else "")
        for m in lib.moments.all(rec_id)
    ]


def refused(call: Callable[[], object]) -> str:
    """The call raises BadInput with one plain sentence, which it returns."""
    with pytest.raises(BadInput) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and message.endswith((".", "?")), message
    assert "Traceback" not in message and len(message) < 400, message
    return message


# --- the written structure ---------------------------------------------------------------------


def test_written_file_follows_the_eaf_3_0_structure(lib: Library, media: MediaSet, tmp_path: Path) -> None:
    rec = _recording(lib, media["cfr25"])
    _tag(lib, rec)
    out = lib.interchange.export_eaf(rec.id, tmp_path / "session one.eaf").path
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*.part"))
    root = ET.parse(out).getroot()

    assert root.tag == "ANNOTATION_DOCUMENT"
    assert (root.get("FORMAT"), root.get("VERSION")) == ("3.0", "3.0")
    assert root.get("xsi:noNamespaceSchemaLocation") is None  # written literally, read as namespaced
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation") == (
        "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"
    )
    datetime.fromisoformat(root.get("DATE", ""))
    order = [ROOT_ORDER.index(child.tag) for child in root]
    assert order == sorted(order), [c.tag for c in root]
    header = root.find("HEADER")
    assert header is not None
    order = [HEADER_ORDER.index(child.tag) for child in header]
    assert order == sorted(order)
    for element in root.iter():
        assert REQUIRED.get(element.tag, set()) <= set(element.attrib), element.tag

    # xsd:ID values are unique across the document.
    ids = [e.get(a) for tag, a in ID_ATTRIBUTES.items() for e in root.iter(tag)]
    assert len(ids) == len(set(ids))

    # The media, linked absolutely and relative to the .eaf's folder, is the recording's file.
    descriptor = header.find("MEDIA_DESCRIPTOR")
    assert descriptor is not None and descriptor.get("MIME_TYPE") == "video/mp4"
    media_file = lib.recordings.path(rec).resolve()
    assert Path(unquote(urlparse(descriptor.get("MEDIA_URL", "")).path)) == media_file
    relative = unquote(descriptor.get("RELATIVE_MEDIA_URL", ""))
    assert relative.startswith(("./", "../"))
    assert (out.parent / relative).resolve() == media_file

    # Time slots: integer milliseconds in time order; every reference resolves.
    slots = {s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE", "-1")) for s in root.iter("TIME_SLOT")}
    assert list(slots.values()) == sorted(slots.values())
    types = {t.get("LINGUISTIC_TYPE_ID"): t for t in root.iter("LINGUISTIC_TYPE")}
    tiers = {t.get("TIER_ID"): t for t in root.iter("TIER")}
    vocabularies = {cv.get("CV_ID"): cv for cv in root.iter("CONTROLLED_VOCABULARY")}
    stereotypes = {c.get("STEREOTYPE") for c in root.iter("CONSTRAINT")}
    languages = {lang.get("LANG_ID") for lang in root.iter("LANGUAGE")}
    for ling in types.values():
        assert ling.get("CONTROLLED_VOCABULARY_REF", next(iter(vocabularies))) in vocabularies
        assert ling.get("CONSTRAINTS", "Included_In") in stereotypes
    for value in root.iter("CVE_VALUE"):
        assert value.get("LANG_REF") in languages
    # By hand, from _tag on 250 frames every 40 ms (10 s): each moment from its first frame's start
    # to its last frame's end. Frames 0-4: 0-200 ms; the point on frame 3: 120-160; frames 5-125:
    # 200-5040; frames 83-249: 3320-10000 (the last frame ends with the recording); the point on
    # frame 249: 9960-10000.
    assert list(lib.media.frame_index(rec.id).times) == [k * 40_000 for k in range(250)]
    spans = {(0, 200), (120, 160), (200, 5040), (3320, 10000), (9960, 10000)}
    written = set()
    for tier_id, tier in tiers.items():
        ling = types[tier.get("LINGUISTIC_TYPE_REF")]
        parent = tier.get("PARENT_REF")
        if parent is None:
            assert tier_id is not None
            assert tier.get("PARTICIPANT") in {"parent", "infant", "clinician"}
            assert tier_id.startswith(f"{tier.get('PARTICIPANT')} ({tier.get('ANNOTATOR')})")
            cv = vocabularies[ling.get("CONTROLLED_VOCABULARY_REF")]
            entries = {e.get("CVE_ID"): e.findtext("CVE_VALUE") for e in cv.iter("CV_ENTRY_ML")}
            for a in tier.iter("ALIGNABLE_ANNOTATION"):
                begin, end = slots[a.get("TIME_SLOT_REF1")], slots[a.get("TIME_SLOT_REF2")]
                assert begin < end
                written.add((begin, end))
                assert entries[a.get("CVE_REF")] == a.findtext("ANNOTATION_VALUE")
        else:
            assert parent in tiers and ling.get("CONSTRAINTS") == "Symbolic_Association"
            assert ling.get("TIME_ALIGNABLE") == "false"
            own = {a.get("ANNOTATION_ID") for a in tiers[parent].iter("ALIGNABLE_ANNOTATION")}
            for ref in tier.iter("REF_ANNOTATION"):
                assert ref.get("ANNOTATION_REF") in own
    assert written == spans

    # Captions on the caption tiers; notes nowhere unless asked.
    captions = {r.findtext("ANNOTATION_VALUE") for r in root.iter("REF_ANNOTATION")}
    assert captions == {"You waited for her", "Sie schaut dich an — und du wartest"}
    assert b"private: mother tired" not in out.read_bytes() and "note" not in types
    assert (
        lib.audit.entries()[-1].action == "export"
        and lib.audit.entries()[-1].detail == "ELAN file session one.eaf"
    )


def test_export_needs_consent_and_an_existing_folder(lib: Library, media: MediaSet, tmp_path: Path) -> None:
    rec = _recording(lib, media["cfr25"])
    lib.consent.withdraw("F1", "feedback", by="Dr Test")
    with pytest.raises(ConsentMissing):
        lib.interchange.export_eaf(rec.id, tmp_path / "x.eaf")
    lib.consent.give("F1", "feedback", by="Dr Test")
    assert "does not exist" in refused(
        lambda: lib.interchange.export_eaf(rec.id, tmp_path / "nowhere" / "x.eaf")
    )
    written = lib.interchange.export_eaf(
        rec.id, tmp_path
    ).path  # a folder: named after the case code, not a person
    assert written.name == f"F1-recording-{rec.id}.eaf"
    assert read_eaf(written).records == ()


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["cfr25", "ntsc2997", "vfr"])
def test_export_then_import_gives_the_same_moments(
    lib: Library, media: MediaSet, tmp_path: Path, kind: str
) -> None:
    rec = _recording(lib, media[kind])
    _tag(lib, rec)
    before = _key(lib, rec.id)
    out = lib.interchange.export_eaf(rec.id, tmp_path / "coded.eaf", include_notes=True).path
    lib.moments.delete_many([m.id for m in lib.moments.all(rec.id)])
    added = lib.interchange.import_eaf(out, rec.id)
    assert len(added) == len(before)
    assert _key(lib, rec.id) == before
    assert lib.undo_label() == f"Import {len(before)} moments from coded.eaf"
    assert lib.audit.entries()[-1].action == "import"


def test_round_trip_into_another_library_without_notes(media: MediaSet, tmp_path: Path) -> None:
    first = _open(tmp_path / "one")
    lib = next(first)
    rec = _recording(lib, media["ntsc2997"])
    _tag(lib, rec)
    before = _key(lib, rec.id, notes=False)
    out = lib.interchange.export_eaf(rec.id, tmp_path / "shared.eaf").path
    second = _open(tmp_path / "two")
    other = next(second)
    fresh = _recording(other, media["ntsc2997"], family="G7")
    other.interchange.import_eaf(out, fresh.id)
    assert _key(other, fresh.id) == before  # notes were not exported, so none came back
    for gen in (first, second):
        gen.close()


# --- foreign files and mapping ------------------------------------------------------------------


def _foreign(tmp_path: Path, body: str, version: str = "3.0", slots: str = "") -> Path:
    """A file as ELAN itself writes one (a tier per person, no vfeedback vocabulary)."""
    slots = slots or (
        '<TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="120"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="900"/>'
        '<TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="1500"/><TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="2000"/>'
    )
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-05-01T10:00:00+01:00" FORMAT="{version}" VERSION="{version}">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
    <MEDIA_DESCRIPTOR MEDIA_URL="file:///C:/films/visit.mp4" MIME_TYPE="video/mp4"/>
  </HEADER>
  <TIME_ORDER>{slots}</TIME_ORDER>
  {body}
  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" LINGUISTIC_TYPE_ID="translation"
     TIME_ALIGNABLE="false"/>
</ANNOTATION_DOCUMENT>"""
    path = tmp_path / "foreign.eaf"
    path.write_text(text, encoding="utf-8")
    return path


FOREIGN_TIERS = """
  <TIER LINGUISTIC_TYPE_REF="default-lt" PARTICIPANT="Mum" ANNOTATOR="rater1" TIER_ID="Mother">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
      <ANNOTATION_VALUE>Waiting</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="translation" PARENT_REF="Mother" TIER_ID="Mother translation">
    <ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a3" ANNOTATION_REF="a1">
      <ANNOTATION_VALUE>Warten</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="default-lt" PARTICIPANT="Baby" TIER_ID="Child">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
      <ANNOTATION_VALUE>Turned towards</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="Empty"/>"""


def test_foreign_tiers_need_a_mapping_and_then_import(lib: Library, media: MediaSet, tmp_path: Path) -> None:
    rec = _recording(lib, media["cfr25"])
    path = _foreign(tmp_path, FOREIGN_TIERS)
    tiers = {t.tier_id: t for t in lib.interchange.eaf_tiers(path)}
    assert {k: t.kind for k, t in tiers.items()} == {
        "Mother": "codes", "Mother translation": "other", "Child": "codes", "Empty": "codes",
    }  # fmt: skip
    assert (tiers["Mother"].participant, tiers["Mother"].annotator, tiers["Mother"].annotations) == (
        "Mum", "rater1", 1,
    )  # fmt: skip
    message = refused(lambda: lib.interchange.import_eaf(path, rec.id))
    assert "'Mother', 'Child'" in message and "Empty" not in message and str(tmp_path) not in message
    assert "'Child'" in refused(
        lambda: lib.interchange.import_eaf(path, rec.id, {"Mother": ("parent", None)})
    )
    assert lib.moments.all(rec.id) == []

    added = lib.interchange.import_eaf(
        path, rec.id, {"Mother": ("parent", None), "Child": ("infant", "dora")}
    )
    assert list(lib.media.frame_index(rec.id).times) == [k * 40_000 for k in range(250)]
    got = [(m.start_us, m.end_us, m.actor.value, m.coder) for m in added]
    # By hand, frames every 40 ms: each end goes to the nearest frame boundary (the earlier on a tie).
    # 120-900 ms: first frame 3 (120 ms); 900 ms lies halfway between 880 and 920, so the interval
    # stops at 880 ms and its last frame is 21 (840 ms). 1500-2000 ms: 1500 lies halfway between
    # 1480 and 1520: frame 37 (1480 ms); it stops at frame 50, so its last frame is 49 (1960 ms).
    assert got == [
        (120_000, 840_000, "parent", "rater1"),  # the tier's annotator
        (1_480_000, 1_960_000, "infant", "dora"),
    ]
    lib.undo()
    assert (
        lib.interchange.import_eaf(path, rec.id, {"Mother": None, "Child": ("infant", None)})[0].actor.value
        == "infant"
    )


def test_a_time_origin_on_the_media_shifts_every_annotation_by_it(
    lib: Library, media: MediaSet, tmp_path: Path
) -> None:
    """ELAN's TIME_ORIGIN (on the media descriptor): annotation time 0 is that far into the video.
    A file written by hand with TIME_ORIGIN="1000" (ms) and annotations at 2130-2910 ms and
    3013-3029 ms, i.e. 3130-3910 ms and 4013-4029 ms of the video (25 fps: frames every 40 ms).
    3130 ms: nearest frame 78 (3120 ms); 3910: nearest boundary 3920 (frame 98), so the last frame is
    97 (3880 ms). 4013-4029 ms is shorter than a frame: a point on the nearest frame, 100 (4000 ms).
    Ignoring the origin would give 2120-2880 ms; subtracting it, 1120-1880 ms."""
    rec = _recording(lib, media["cfr25"])
    slots = (
        '<TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="2130"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="2910"/>'
        '<TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="3013"/><TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="3029"/>'
    )
    path = _foreign(tmp_path, FOREIGN_TIERS, slots=slots)
    text = path.read_text(encoding="utf-8").replace(
        'MIME_TYPE="video/mp4"/>', 'MIME_TYPE="video/mp4" TIME_ORIGIN="1000"/>'
    )
    path.write_text(text, encoding="utf-8")
    assert list(lib.media.frame_index(rec.id).times) == [k * 40_000 for k in range(250)]
    added = lib.interchange.import_eaf(path, rec.id, {"Mother": ("parent", None), "Child": ("infant", None)})
    assert [(m.start_us, m.end_us) for m in added] == [(3_120_000, 3_880_000), (4_000_000, 4_000_000)]


def test_exported_times_are_rounded_to_the_millisecond_not_cut(
    lib: Library, media: MediaSet, tmp_path: Path
) -> None:
    """NTSC 29.97 fps: frame k starts at k x 1001/30 ms, stored to the microsecond: frame 1 at
    33,367 µs, 2 at 66,733, 4 at 133,467, 5 at 166,833, 6 at 200,200. A point on frame 1 covers
    33.367-66.733 ms: written 33-67 (66.733 rounds up; cut to the millisecond it would be 66).
    Frames 2-5 cover 66.733-200.200 ms: written 67-200."""
    rec = _recording(lib, media["ntsc2997"])
    times = lib.media.frame_index(rec.id).times
    assert list(times[:7]) == [0, 33_367, 66_733, 100_100, 133_467, 166_833, 200_200]
    lib.moments.add(rec.id, 33_367, None, code="Waiting", coder="anna")
    lib.moments.add(rec.id, 66_733, 166_833, code="Waiting", coder="anna")
    out = lib.interchange.export_eaf(rec.id, tmp_path / "rounded.eaf").path
    root = ET.parse(out).getroot()
    slot_ms = {s.get("TIME_SLOT_ID"): s.get("TIME_VALUE") for s in root.iter("TIME_SLOT")}
    written = sorted(
        (int(slot_ms[a.get("TIME_SLOT_REF1")] or ""), int(slot_ms[a.get("TIME_SLOT_REF2")] or ""))
        for a in root.iter("ALIGNABLE_ANNOTATION")
    )
    assert written == [(33, 67), (67, 200)]


def test_bad_mappings_and_unknown_codes_import_nothing(lib: Library, media: MediaSet, tmp_path: Path) -> None:
    rec = _recording(lib, media["cfr25"])
    path = _foreign(tmp_path, FOREIGN_TIERS.replace(">Turned towards<", ">Gazing at mum<"))
    both = {"Mother": ("parent", None), "Child": ("infant", None)}
    assert "'Gazing at mum'" in refused(lambda: lib.interchange.import_eaf(path, rec.id, both))
    assert "not an actor" in refused(
        lambda: lib.interchange.import_eaf(path, rec.id, {**both, "Child": ("dog", None)})
    )
    assert "'Nobody'" in refused(
        lambda: lib.interchange.import_eaf(path, rec.id, {**both, "Nobody": ("parent", None)})
    )
    assert lib.moments.all(rec.id) == [] and all(
        e.action != "import" or "ELAN" not in e.detail for e in lib.audit.entries()
    )


# --- hostile and broken files ---------------------------------------------------------------------

LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' if i else '<!ENTITY lol0 "lol">' for i in range(10)
)
HOSTILE = {
    "billion laughs": f'<?xml version="1.0"?><!DOCTYPE ANNOTATION_DOCUMENT [{LAUGHS}]>'
    '<ANNOTATION_DOCUMENT VERSION="3.0">&lol9;</ANNOTATION_DOCUMENT>',
    "external entity": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<ANNOTATION_DOCUMENT VERSION="3.0"><HEADER>&x;</HEADER></ANNOTATION_DOCUMENT>',
    "external DTD": '<?xml version="1.0"?><!DOCTYPE ANNOTATION_DOCUMENT SYSTEM "http://example.org/eaf.dtd">'
    '<ANNOTATION_DOCUMENT VERSION="3.0"/>',
    "deep nesting": '<ANNOTATION_DOCUMENT VERSION="3.0">' + "<a>" * 100_000 + "</a>" * 100_000
    + "</ANNOTATION_DOCUMENT>",
    "truncated": '<?xml version="1.0"?><ANNOTATION_DOCUMENT VERSION="3.0"><HEADER><MEDIA_DESC',
    "not xml": "Begin time\tEnd time\tCode\n0.1\t0.5\tWaiting\n",
    "not eaf": '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>',
    "old version": '<ANNOTATION_DOCUMENT FORMAT="2.6" VERSION="2.6"><HEADER/></ANNOTATION_DOCUMENT>',
    "newer version": '<ANNOTATION_DOCUMENT FORMAT="4.1" VERSION="4.1"><HEADER/></ANNOTATION_DOCUMENT>',
    "no version": "<ANNOTATION_DOCUMENT><HEADER/><TIME_ORDER/></ANNOTATION_DOCUMENT>",
}  # fmt: skip


def test_hostile_and_broken_files_are_refused(lib: Library, media: MediaSet, tmp_path: Path) -> None:
    rec = _recording(lib, media["cfr25"])
    label = lib.undo_label()
    path = tmp_path / "from a stranger.eaf"
    sentences = {}
    for case, text in HOSTILE.items():  # one library for all: each case is cheap, a library is not
        path.write_text(text, encoding="utf-8")
        message = refused(lambda: lib.interchange.import_eaf(path, rec.id, {}))
        assert message.startswith("from a stranger.eaf") and str(tmp_path) not in message, case
        assert "root:" not in message  # nothing of /etc/passwd
        assert refused(lambda: lib.interchange.eaf_tiers(path)) == message
        sentences[case] = message
    assert lib.moments.all(rec.id) == [] and lib.undo_label() == label
    assert "for safety" in sentences["billion laughs"] and "for safety" in sentences["external entity"]
    assert "nested too deeply" in sentences["deep nesting"]
    assert "cut short" in sentences["truncated"] and "not an ELAN file" in sentences["not eaf"]
    assert "2.6" in sentences["old version"] and "newer" in sentences["newer version"]


def test_damaged_times_are_refused(lib: Library, media: MediaSet, tmp_path: Path) -> None:
    rec = _recording(lib, media["cfr25"])
    cases = {
        "a time slot that does not exist": FOREIGN_TIERS.replace('REF2="ts4"', 'REF2="ts9"'),
        "unaligned": None,
        "ends before it begins": FOREIGN_TIERS.replace(
            'TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4"', 'TIME_SLOT_REF1="ts4" TIME_SLOT_REF2="ts3"'
        ),
    }  # fmt: skip
    mapping = {"Mother": ("parent", None), "Child": ("infant", None)}
    for expected, body in cases.items():
        slots = ""
        if body is None:
            body = FOREIGN_TIERS
            slots = (
                '<TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="120"/><TIME_SLOT TIME_SLOT_ID="ts2"/>'
                '<TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="1500"/>'
                '<TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="2000"/>'
            )
            expected = "align it in ELAN"
        path = _foreign(tmp_path, body, slots=slots)
        assert expected in refused(partial(lib.interchange.import_eaf, path, rec.id, mapping))
    far = (
        '<TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="120"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="900"/>'
        '<TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="1500"/><TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="60000"/>'
    )
    beyond = _foreign(tmp_path, FOREIGN_TIERS, slots=far)
    assert "outside recording" in refused(lambda: lib.interchange.import_eaf(beyond, rec.id, mapping))
    older = _foreign(tmp_path, FOREIGN_TIERS, version="2.7")
    assert len(lib.interchange.import_eaf(older, rec.id, mapping)) == 2  # 2.7 is still read
    lib.undo()
    assert lib.moments.all(rec.id) == []


def test_huge_empty_binary_and_missing_files_are_refused(
    lib: Library, media: MediaSet, tmp_path: Path
) -> None:
    rec = _recording(lib, media["cfr25"])
    huge = tmp_path / "huge.eaf"
    with huge.open("wb") as f:
        f.truncate(60 * 1024 * 1024)  # sparse: refused by its size before any byte is read
    assert "too large" in refused(lambda: lib.interchange.import_eaf(huge, rec.id))
    empty = tmp_path / "empty.eaf"
    empty.write_bytes(b"")
    assert "empty" in refused(lambda: lib.interchange.import_eaf(empty, rec.id))
    binary = tmp_path / "binary.eaf"
    binary.write_bytes(bytes(range(256)) * 10)
    refused(lambda: lib.interchange.import_eaf(binary, rec.id))
    assert "does not exist" in refused(lambda: lib.interchange.import_eaf(tmp_path / "gone.eaf", rec.id))
    assert "not a file" in refused(lambda: lib.interchange.import_eaf(tmp_path, rec.id))
    fifo = tmp_path / "pipe.eaf"
    os.mkfifo(fifo)
    assert "not a file" in refused(lambda: lib.interchange.import_eaf(fifo, rec.id))  # would block if read
    assert lib.moments.all(rec.id) == []


# --- the command line ------------------------------------------------------------------------------


def test_cli_exports_and_imports_with_mapping(
    lib: Library, media: MediaSet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = _recording(lib, media["cfr25"])
    _tag(lib, rec)
    parser = argparse.ArgumentParser()
    cli.add_export_parsers(parser.add_subparsers(dest="action"))
    args = parser.parse_args(["eaf", str(rec.id), "--out", str(tmp_path / "cli.eaf"), "--json"])
    assert cli.export_eaf(lib, args) == 0
    assert '"moments": 5' in capsys.readouterr().out

    foreign = _foreign(tmp_path, FOREIGN_TIERS)
    ask = argparse.Namespace(file=str(foreign), recording=rec.id, map=["Child=infant"], json=False)
    count = len(lib.moments.all(rec.id))
    assert cli.import_eaf(lib, ask) == 1
    printed = capsys.readouterr().out
    assert "--map TIER=ACTOR[:CODER]" in printed and "  Mother  (1 annotation, participant Mum)" in printed
    assert "Child" not in printed and len(lib.moments.all(rec.id)) == count

    ask.map = ["Child=infant", "Mother=parent:rater2"]
    assert cli.import_eaf(lib, ask) == 0
    assert "Imported 2 moments" in capsys.readouterr().out
    assert {m.coder for m in lib.moments.all(rec.id)} >= {"rater2"}
    ask.map = ["Mother"]
    assert "not of that form" in refused(lambda: cli.import_eaf(lib, ask))
