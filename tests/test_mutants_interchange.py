"""services.interchange where a slip would miscount what the audit record says left the library, read
another tool's times a frame off, or import a file twice (survivors of make mutation; see
scripts/mutation.py). The linked films an ELAN file brings in: test_mutants_interchange_links.py.

Every ELAN and BORIS file here is written by hand, as the other tool writes it; expected frames are
worked out in the docstrings on the 25 fps test film (250 frames, one every 40 ms, 10 s).
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mediagen import MediaSet

from vfeedback.core.errors import BadInput, Conflict
from vfeedback.core.model import Recording
from vfeedback.interchange.links import beside_name
from vfeedback.services import Library
from vfeedback.services.interchange import Written, count_moments


@pytest.mark.parametrize(
    ("n", "words"), [(0, "0 moments"), (1, "1 moment"), (2, "2 moments"), (12, "12 moments")]
)
def test_the_audit_record_counts_moments_in_words(n: int, words: str) -> None:
    """One moment is singular; none, two and more are plural (not "0 moment", not "2 moment")."""
    assert count_moments(n) == words


# --- helpers -------------------------------------------------------------------------------------


def _recording(lib: Library, path: Path, family: str = "F1") -> Recording:
    if not any(f.code == family for f in lib.families.all()):
        lib.families.add(family)
        lib.consent.give(family, "feedback", by="Dr Test")
    return lib.recordings.import_file(path, family)


def _annotation(n: int, tier: str, begin_ms: int, end_ms: int, value: str) -> tuple[str, str]:
    """A time slot pair and an aligned annotation (ids from ``n``), as ELAN writes them."""
    slots = (
        f'<TIME_SLOT TIME_SLOT_ID="ts{n}a" TIME_VALUE="{begin_ms}"/>'
        f'<TIME_SLOT TIME_SLOT_ID="ts{n}b" TIME_VALUE="{end_ms}"/>'
    )
    annotation = (
        f'<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a{n}" TIME_SLOT_REF1="ts{n}a" '
        f'TIME_SLOT_REF2="ts{n}b"><ANNOTATION_VALUE>{value}</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION>'
        "</ANNOTATION>"
    )
    return slots, annotation


def _foreign_eaf(
    folder: Path, spans: list[tuple[int, int]], *, annotator: str = "rater1", extra_tiers: str = ""
) -> Path:
    """An ELAN file another user made: one tier "Mother" (participant Mum) of Waiting annotations at
    ``spans`` (ms), its film linked where nothing is (vfeedback does not look the main film up)."""
    parts = [_annotation(n, "Mother", b, e, "Waiting") for n, (b, e) in enumerate(spans)]
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-05-01T10:00:00+01:00" FORMAT="3.0" VERSION="3.0">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
    <MEDIA_DESCRIPTOR MEDIA_URL="file:///films/visit.mp4" MIME_TYPE="video/mp4"/>
  </HEADER>
  <TIME_ORDER>{"".join(s for s, _ in parts)}</TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="default-lt" PARTICIPANT="Mum" ANNOTATOR="{annotator}" TIER_ID="Mother">
    {"".join(a for _, a in parts)}
  </TIER>
  {extra_tiers}
  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" LINGUISTIC_TYPE_ID="caption" TIME_ALIGNABLE="false"/>
</ANNOTATION_DOCUMENT>
"""
    path = folder / "foreign.eaf"
    path.write_text(text, encoding="utf-8")
    return path


MOTHER = {"Mother": ("parent", None)}


def _boris(folder: Path, events: list[list[Any]]) -> Path:
    """A BORIS 7 project of one media observation "visit 1" of cfr25.mp4, as BORIS saves one (the
    fields tests/test_boris.py follows from BORIS's source): a state event "gaze", a point "smile"."""
    behaviour = {"description": "", "color": "", "category": "", "modifiers": {}, "excluded": "",
                 "coding map": ""}  # fmt: skip
    project = {
        "time_format": "hh:mm:ss", "project_date": "2024-05-01T09:00:00", "project_name": "visits",
        "project_description": "", "project_format_version": "7.0",
        "subjects_conf": {"0": {"key": "m", "name": "Mother", "description": ""}},
        "behaviors_conf": {
            "0": {"type": "State event", "key": "g", "code": "gaze", **behaviour},
            "1": {"type": "Point event", "key": "s", "code": "smile", **behaviour},
        },
        "observations": {
            "visit 1": {
                "file": {"1": ["cfr25.mp4"], "2": []}, "type": "MEDIA", "date": "2024-05-01T10:00:00",
                "description": "", "time offset": 0.0, "events": events,
                "observation time interval": [0, 0], "independent_variables": {},
                "visualize_spectrogram": False, "visualize_waveform": False,
                "media_creation_date_as_offset": False, "media_scan_sampling_duration": 0,
                "image_display_duration": 1, "close_behaviors_between_videos": False,
                "media_info": {"length": {"cfr25.mp4": 10.0}, "fps": {"cfr25.mp4": 25.0},
                               "hasVideo": {"cfr25.mp4": True}, "hasAudio": {"cfr25.mp4": True},
                               "offset": {"1": 0.0}},
            }
        },
        "behavioral_categories": [], "independent_variables": {}, "coding_map": {},
        "behaviors_coding_map": [], "converters": {},
    }  # fmt: skip
    path = folder / "visits.boris"
    path.write_text(json.dumps(project), encoding="utf-8")
    return path


BORIS_MAP = {"gaze": "Turned towards", "smile": "Waiting"}


# --- what the audit record says of an export ------------------------------------------------------


def test_a_subtitle_export_is_recorded_as_carrying_no_private_notes(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Subtitles hold captions only: the audit entry says no notes went out (notes=False, not True),
    and counts the one moment in the singular."""
    rec = _recording(library, media["cfr25"])
    library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait", note="private")
    library.interchange.export_subtitles(rec.id, tmp_path / "session.srt")
    entry = library.audit.entries()[-1]
    assert (entry.action, entry.notes, entry.destination) == ("export", False, str(tmp_path / "session.srt"))
    assert entry.detail == f"SRT subtitles of 1 moment of recording {rec.id} to session.srt"


def test_tiers_of_a_single_scheme_are_named_without_the_scheme(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Only a recording that mixes schemes gets " · <scheme>" on its tier names (len(used) > 1): with
    the one default scheme the tier is just "parent (anna)" (>= 1 would name the scheme too)."""
    rec = _recording(library, media["cfr25"])
    library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", coder="anna")
    out = library.interchange.export_eaf(rec.id, tmp_path / "one.eaf").path
    root = ET.parse(out).getroot()
    assert [t.get("TIER_ID") for t in root.iter("TIER") if t.get("PARENT_REF") is None] == ["parent (anna)"]


@pytest.mark.parametrize(("angles", "words"), [(1, "with 1 angle"), (2, "with 2 angles")])
def test_the_elan_export_counts_the_angles_it_links_in_words(
    library: Library, media: MediaSet, tmp_path: Path, angles: int, words: str
) -> None:
    """The audit entry of an ELAN export with angles: "with 1 angle" (not "1 angles"), "with 2 angles"
    (not "2 angle"): a comparison other than > 1 gets one of the two wrong."""
    main = _recording(library, media["cfr25"])
    for kind in ("ntsc2997", "vfr")[:angles]:
        library.angles.add(_recording(library, media[kind]).id, main.id, 0)
    library.interchange.export_eaf(main.id, tmp_path / "angles.eaf")
    assert library.audit.entries()[-1].detail == f"ELAN file angles.eaf, {words}"


# --- what an import says, and the times it reads -------------------------------------------------


@pytest.mark.parametrize(
    ("spans", "words"), [([(1000, 2000)], "1 moment"), ([(1000, 2000), (3000, 4000)], "2 moments")]
)
def test_an_import_counts_its_moments_in_words(
    library: Library, media: MediaSet, tmp_path: Path, spans: list[tuple[int, int]], words: str
) -> None:
    """The undo label and the audit entry of an ELAN import: "1 moment", "2 moments" (a count with
    != 0 or != 2 in place of != 1 says "1 moments" or "2 moment")."""
    rec = _recording(library, media["cfr25"])
    library.interchange.import_eaf(_foreign_eaf(tmp_path, spans), rec.id, MOTHER)
    assert library.undo_label() == f"Import {words} from foreign.eaf"
    entry = library.audit.entries()[-1]
    assert (entry.action, entry.detail) == (
        "import",
        f"Imported {words} into recording {rec.id} from ELAN file foreign.eaf",
    )


def test_an_elan_end_time_goes_to_the_nearest_frame_boundary(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """An annotation 2000-6025 ms: 2000 ms is frame 50's start; 6025 ms is 15 ms before the boundary
    at 6040 and 25 after the one at 6000, so the interval stops at 6040 and its last frame is 150
    (6000 ms). Reading the end 0.1 % short (6018.975 ms) would round to 6000: last frame 149. The
    coder is the tier's annotator (rater1)."""
    rec = _recording(library, media["cfr25"])
    [added] = library.interchange.import_eaf(_foreign_eaf(tmp_path, [(2000, 6025)]), rec.id, MOTHER)
    assert (added.start_us, added.end_us, added.coder) == (2_000_000, 6_000_000, "rater1")


def test_a_caption_tier_is_not_a_coding_tier_to_map(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """kind == "codes", not <=: "caption" sorts before "codes", yet a caption tier holds no moments and
    mapping it is refused with the coding tiers listed (only "Mother")."""
    rec = _recording(library, media["cfr25"])
    caption = (
        '<TIER LINGUISTIC_TYPE_REF="caption" PARENT_REF="Mother" TIER_ID="Mother caption">'
        '<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="c0" ANNOTATION_REF="a0">'
        "<ANNOTATION_VALUE>You wait</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION></TIER>"
    )
    path = _foreign_eaf(tmp_path, [(1000, 2000)], extra_tiers=caption)
    assert [(t.tier_id, t.kind) for t in library.interchange.eaf_tiers(path)] == [
        ("Mother", "codes"), ("Mother caption", "caption"),
    ]  # fmt: skip
    with pytest.raises(BadInput) as caught:
        library.interchange.import_eaf(path, rec.id, {**MOTHER, "Mother caption": ("parent", None)})
    assert str(caught.value) == (
        "foreign.eaf has no coding tier 'Mother caption'; its coding tiers are 'Mother'."
    )
    assert library.moments.all(rec.id) == []


def test_boris_times_a_microsecond_either_side_of_a_frame_tie(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Seconds to microseconds is x 1,000,000 exactly; frame boundaries every 40 ms, ties 20 ms past
    each. Gaze 1 from 2.020001 s (1 µs past the tie between 2.00 and 2.04: frame 51, 2.04 s) to
    6.019999 s (1 µs before the tie between 6.00 and 6.04: it stops at 6.00, last frame 149, 5.96 s).
    Gaze 2 from 7.019999 s (before its tie: frame 175, 7.00 s) to 9.820005 s (5 µs past the tie
    between 9.80 and 9.84: it stops at 9.84, last frame 245, 9.80 s). A point smile at 5.020001 s is
    frame 126 (5.04 s). Scaled by 999,999 the times past a tie fall before it (frames 50, 244, 125);
    by 1,000,001 the times before a tie pass it (frames 176, last 150)."""
    rec = _recording(library, media["cfr25"])
    events = [
        [2.020001, "Mother", "gaze", "", "", 51],
        [5.020001, "Mother", "smile", "", "", 126],
        [6.019999, "Mother", "gaze", "", "", 150],
        [7.019999, "Mother", "gaze", "", "", 175],
        [9.820005, "Mother", "gaze", "", "", 246],
    ]
    added = library.interchange.import_boris(_boris(tmp_path, events), rec.id, BORIS_MAP)
    assert [(m.start_us, m.end_us) for m in added] == [
        (2_040_000, 5_960_000), (5_040_000, 5_040_000), (7_000_000, 9_800_000),
    ]  # fmt: skip


# --- the record of files imported ----------------------------------------------------------------


def _between(before: datetime, when: datetime | None) -> bool:
    return when is not None and before <= when <= datetime.now(UTC)


def test_a_boris_project_imported_before_is_refused_unless_asked_again(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """import_boris's ``again`` is False unless given: the same observation of the same project a
    second time is refused in one sentence and adds nothing; with again=True it comes in twice."""
    rec = _recording(library, media["cfr25"])
    path = _boris(tmp_path, [[1.0, "Mother", "smile", "", "", 25]])
    library.interchange.import_boris(path, rec.id, BORIS_MAP)
    with pytest.raises(Conflict) as caught:
        library.interchange.import_boris(path, rec.id, BORIS_MAP)
    today = datetime.now(UTC).date()
    assert str(caught.value) == (
        f"visits.boris was already imported into recording {rec.id} on {today:%Y-%m-%d}; importing it "
        "again would add its moments a second time (use --again to import it anyway)."
    )
    assert len(library.moments.all(rec.id)) == 1
    library.interchange.import_boris(path, rec.id, BORIS_MAP, again=True)
    assert len(library.moments.all(rec.id)) == 2


def test_an_elan_file_asked_again_is_imported_a_second_time(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """With again=True the check under the write lock is skipped too (not only the early one): the
    second import adds the same moment again instead of being refused."""
    rec = _recording(library, media["cfr25"])
    path = _foreign_eaf(tmp_path, [(1000, 2000)])
    library.interchange.import_eaf(path, rec.id, MOTHER)
    with pytest.raises(Conflict):
        library.interchange.import_eaf(path, rec.id, MOTHER)
    [again] = library.interchange.import_eaf(path, rec.id, MOTHER, again=True)
    assert [(m.start_us, m.end_us) for m in library.moments.all(rec.id)] == [(1_000_000, 1_960_000)] * 2
    assert again.start_us == 1_000_000


def test_previous_import_of_an_elan_file_without_saying_boris(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """previous_import(path, rec) is about an ELAN file unless boris=True: None before the import, the
    import's time after it (read as a BORIS project, an .eaf would be refused as broken JSON); a file
    that is not there is None, not an error."""
    rec = _recording(library, media["cfr25"])
    path = _foreign_eaf(tmp_path, [(1000, 2000)])
    assert library.interchange.previous_import(path, rec.id) is None
    before = datetime.now(UTC)
    library.interchange.import_eaf(path, rec.id, MOTHER)
    assert _between(before, library.interchange.previous_import(path, rec.id))
    assert library.interchange.previous_import(tmp_path / "gone.eaf", rec.id) is None
    library.undo()
    assert library.interchange.previous_import(path, rec.id) is None


def test_previous_import_of_a_boris_project_is_of_its_observation(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """A BORIS import is recorded with its observation ("visit 1"), and previous_import(boris=True)
    looks for exactly that (looking for no observation would find nothing)."""
    rec = _recording(library, media["cfr25"])
    path = _boris(tmp_path, [[1.0, "Mother", "smile", "", "", 25]])
    assert library.interchange.previous_import(path, rec.id, boris=True) is None
    before = datetime.now(UTC)
    library.interchange.import_boris(path, rec.id, BORIS_MAP)
    assert _between(before, library.interchange.previous_import(path, rec.id, boris=True))
    named = library.interchange.previous_import(path, rec.id, boris=True, observation="visit 1")
    assert _between(before, named)


def test_an_otio_export_links_a_referenced_film_by_its_neutral_name_unless_asked(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """export_otio's link_original is False unless given: a film imported by reference is linked by
    its neutral name beside the timeline (never its own path), the result carries no notes, and the
    audit entry says exactly that (no "linking the films by their own paths as asked", notes=False).
    Asked, the film's own path is linked and the audit says so."""
    library.families.add("F1")
    library.consent.give("F1", "feedback", by="Dr Test")
    rec = library.recordings.import_file(media["cfr25"], "F1", reference=True)
    moment = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting")
    reel = library.reels.create("Together", [moment.id])
    out = tmp_path / "reel.otio"
    neutral = beside_name(rec)
    assert library.interchange.export_otio(reel.id, out) == Written(out, 1, False, (neutral,))
    assert str(media["cfr25"]) not in out.read_text(encoding="utf-8")
    entry = library.audit.entries()[-1]
    assert (entry.detail, entry.notes) == (f"OTIO timeline of reel {reel.id} (1 moment) to reel.otio", False)
    asked = library.interchange.export_otio(reel.id, out, link_original=True)
    assert asked == Written(out, 1, False, ())
    assert library.audit.entries()[-1].detail == (
        f"OTIO timeline of reel {reel.id} (1 moment) to reel.otio, "
        "linking the films by their own paths as asked"
    )


def test_subtitles_come_back_as_written_without_notes(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """export_subtitles returns what it wrote: the file, 1 moment, no notes (Written's notes default is
    False: subtitles never carry them), nothing to place beside it."""
    rec = _recording(library, media["cfr25"])
    library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait", note="private")
    out = tmp_path / "session.vtt"
    assert library.interchange.export_subtitles(rec.id, out) == Written(out, 1, False, ())


def test_only_other_films_are_angles_not_the_main_one_a_sound_or_an_extracted_track(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """eaf_angles passes over the main film (here linked where nothing is: it is not looked up at
    all), a sound of its own (audio/x-wav, not extracted from anything) and a video ELAN extracted
    from another (EXTRACTED_FROM): none of them is an angle to find, so there is nothing to report."""
    rec = _recording(library, media["cfr25"])
    others = (
        '<MEDIA_DESCRIPTOR MEDIA_URL="file:///films/room.wav" MIME_TYPE="audio/x-wav"/>'
        '<MEDIA_DESCRIPTOR MEDIA_URL="file:///films/part.mp4" MIME_TYPE="video/mp4" '
        'EXTRACTED_FROM="file:///films/visit.mp4"/>'
    )
    path = _foreign_eaf(tmp_path, [(1000, 2000)])
    text = path.read_text(encoding="utf-8").replace("</HEADER>", others + "</HEADER>")
    path.write_text(text, encoding="utf-8")
    assert library.interchange.eaf_angles(path, rec.id) == []


def _tier_ids(out: Path) -> list[str | None]:
    return [t.get("TIER_ID") for t in ET.parse(out).getroot().iter("TIER") if t.get("PARENT_REF") is None]


def test_tiers_of_one_actor_are_ordered_by_coder_then_by_scheme(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Tiers are sorted by actor, then coder (case aside), then scheme id, whatever order the moments
    come in: ben's moment is first in time, yet "anna" comes before "ben"; Marte Meo (scheme 2) is used
    before the VIG (scheme 1), yet VIG's tier comes first. Two schemes are used, so each tier names its
    scheme (with one it would not: see above)."""
    rec = _recording(library, media["cfr25"])
    library.moments.add(rec.id, 1_000_000, 2_000_000, code="Naming", coder="ben")
    library.moments.add(rec.id, 3_000_000, 4_000_000, code="Being attentive", coder="ben")
    library.moments.add(rec.id, 5_000_000, 6_000_000, code="Being attentive", coder="Anna")
    out = library.interchange.export_eaf(rec.id, tmp_path / "two.eaf").path
    assert _tier_ids(out) == [
        "parent (Anna) · Video Interaction Guidance (VIG)",
        "parent (ben) · Video Interaction Guidance (VIG)",
        "parent (ben) · Marte Meo elements",
    ]


def test_an_elan_start_time_goes_to_the_nearest_frame_boundary(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """An annotation 6025-8000 ms: 6025 ms is 15 ms before the boundary at 6040 and 25 after 6000, so
    it starts on frame 151 (6040 ms); 8000 ms is a boundary, so its last frame is 199 (7960 ms). Read
    0.1 % short (6018.975 ms) the start would round to 6000 ms."""
    rec = _recording(library, media["cfr25"])
    [added] = library.interchange.import_eaf(_foreign_eaf(tmp_path, [(6025, 8000)]), rec.id, MOTHER)
    assert (added.start_us, added.end_us) == (6_040_000, 7_960_000)


def test_every_value_that_is_not_a_code_is_named_and_nothing_is_imported(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Three annotations: "Gazing at mum", "Waiting", "Sleeping". The two unknown values are both
    named (sorted), not only the first one met (a break instead of continue), and the schemes'
    NotFound for each is caught and turned into that one sentence."""
    rec = _recording(library, media["cfr25"])
    path = _foreign_eaf(tmp_path, [(1000, 2000), (3000, 4000), (5000, 6000)])
    text = path.read_text(encoding="utf-8").split(">Waiting<")
    assert len(text) == 4
    path.write_text(
        f"{text[0]}>Gazing at mum<{text[1]}>Waiting<{text[2]}>Sleeping<{text[3]}", encoding="utf-8"
    )
    with pytest.raises(BadInput) as caught:
        library.interchange.import_eaf(path, rec.id, MOTHER)
    assert str(caught.value) == (
        "foreign.eaf has annotations that are not codes of any coding scheme here: 'Gazing at mum', "
        "'Sleeping'; nothing was imported."
    )
    assert library.moments.all(rec.id) == []


def test_a_translation_tier_is_not_a_coding_tier_either(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """A dependent "translation" tier is of kind "other", which sorts after "codes": kind >= "codes"
    would list it among the coding tiers in the refusal."""
    rec = _recording(library, media["cfr25"])
    translation = (
        '<TIER LINGUISTIC_TYPE_REF="caption" PARENT_REF="Mother" TIER_ID="Mother translation">'
        '<ANNOTATION><REF_ANNOTATION ANNOTATION_ID="t0" ANNOTATION_REF="a0">'
        "<ANNOTATION_VALUE>Warten</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION></TIER>"
    )
    path = _foreign_eaf(tmp_path, [(1000, 2000)], extra_tiers=translation)
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace('LINGUISTIC_TYPE_ID="caption"', 'LINGUISTIC_TYPE_ID="translation"')
        .replace('LINGUISTIC_TYPE_REF="caption"', 'LINGUISTIC_TYPE_REF="translation"'),
        encoding="utf-8",
    )
    assert [(t.tier_id, t.kind) for t in library.interchange.eaf_tiers(path)] == [
        ("Mother", "codes"), ("Mother translation", "other"),
    ]  # fmt: skip
    with pytest.raises(BadInput) as caught:
        library.interchange.import_eaf(path, rec.id, {**MOTHER, "Nobody": ("parent", None)})
    assert str(caught.value) == "foreign.eaf has no coding tier 'Nobody'; its coding tiers are 'Mother'."


def test_the_service_does_not_load_the_file_formats_until_a_method_needs_them() -> None:
    """The formats are imported only under TYPE_CHECKING at the top (and inside the methods): a
    command that only imports the service loads no ELAN, BORIS, table or subtitle module."""
    probe = (
        "import sys, vfeedback.services.interchange\n"
        "print(sorted(m for m in sys.modules if m.startswith(('vfeedback.interchange', "
        "'vfeedback.services.elan_boris'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def _team_scheme(folder: Path, name: str) -> Path:
    """A scheme file a team imports: one principle, "Cuddling" (a name no built-in scheme has)."""
    path = folder / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nversion = "1"\n\n[[principle]]\nname = "Cuddling"\ncolour = "#77AADD"\n'
        'kind = "strength"\nparent_wording = "You held her close"\n',
        encoding="utf-8",
    )
    return path


def test_a_value_two_imported_schemes_share_is_listed_with_the_unknown_ones(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Two imported schemes both have "Cuddling" and the default one has not, so the value is
    ambiguous: the schemes' BadInput for it is caught like a NotFound, and the one sentence lists it
    with "Sleeping" (not a refusal that stops at the ambiguous value and hides the other). Nothing is
    imported."""
    for name in ("Team A", "Team B"):
        library.schemes.import_file(_team_scheme(tmp_path, name))
    rec = _recording(library, media["cfr25"])
    path = _foreign_eaf(tmp_path, [(1000, 2000), (3000, 4000)])
    text = path.read_text(encoding="utf-8").split(">Waiting<")
    path.write_text(f"{text[0]}>Cuddling<{text[1]}>Sleeping<{text[2]}", encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        library.interchange.import_eaf(path, rec.id, MOTHER)
    assert str(caught.value) == (
        "foreign.eaf has annotations that are not codes of any coding scheme here: 'Cuddling', "
        "'Sleeping'; nothing was imported."
    )
    assert library.moments.all(rec.id) == []


@pytest.mark.parametrize("skip", ["skip", " Skip ", "", None])
def test_a_behaviour_mapped_to_skip_or_nothing_is_left_out(
    library: Library, media: MediaSet, tmp_path: Path, skip: str | None
) -> None:
    """A behaviour mapped to "skip" (any case, spaces around), to an empty name or to None is left out
    of the import, not looked up as a code called "skip" (which would refuse the whole project): only
    the gaze comes in, frames 25 to 49 (1.00 s to 1.96 s: it stops at 2.00 s)."""
    rec = _recording(library, media["cfr25"])
    events = [[1.0, "Mother", "gaze", "", "", 25], [1.5, "Mother", "smile", "", "", 37],
              [2.0, "Mother", "gaze", "", "", 50]]  # fmt: skip
    added = library.interchange.import_boris(
        _boris(tmp_path, events), rec.id, {"gaze": "Turned towards", "smile": skip}
    )
    assert [(m.start_us, m.end_us) for m in added] == [(1_000_000, 1_960_000)]
