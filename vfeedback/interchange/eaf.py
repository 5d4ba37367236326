"""ELAN annotation files (.eaf): what is read and written, and writing EAF 3.0 (``eaf_read`` reads).

Written files follow the element order and keys of the published EAF 3.0 schema (EAFv3.0.xsd, MPI
Nijmegen): HEADER, TIME_ORDER, TIERs, LINGUISTIC_TYPEs, LOCALE, LANGUAGE, CONSTRAINTs, then the
CONTROLLED_VOCABULARY. Each coding tier's annotations take their value from the vocabulary and link to
its entry (CVE_REF), so ELAN shows them as a closed list. Captions (and notes, only when asked) sit on
dependent tiers of the Symbolic_Association kind: one per coded annotation, visible under it in ELAN.
"""

from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

WHAT = "an ELAN file"
SCHEMA_URL = "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"  # named in the file, never fetched
MAX_XML_DEPTH = 64
OLDEST, NEWEST = (2, 7), (3, 0)
LANG_ID = "eng"
CAPTION, NOTE = "caption", "note"
CONSTRAINTS = {
    "Time_Subdivision": "Time subdivision of parent annotation's time interval, no time gaps allowed "
    "within this interval",
    "Symbolic_Subdivision": "Symbolic subdivision of a parent annotation. Annotations refering to the "
    "same parent are ordered",
    "Symbolic_Association": "1-1 association with a parent annotation",
    "Included_In": "Time alignable annotations within the parent annotation's time interval, gaps are "
    "allowed",
}
MIME_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".mpg": "video/mpeg",
    ".mpeg": "video/mpeg",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
    ".avi": "video/x-msvideo",
    ".wmv": "video/x-ms-wmv",
    ".ts": "video/mp2t",
    ".mts": "video/mp2t",
}
# XML 1.0 cannot carry most control characters, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- values shared by writing and reading ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CvEntry:
    cve_id: str
    value: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A controlled vocabulary; written, its id also names the linguistic type of its tiers."""

    cv_id: str
    entries: tuple[CvEntry, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Annotation:
    """One coded interval to write, in milliseconds from the start of the media."""

    begin_ms: int
    end_ms: int
    value: str
    cve_ref: str | None = None
    caption: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Tier:
    """A coding tier to write; ``vocabulary`` is the id of the Vocabulary its values come from."""

    tier_id: str
    participant: str
    annotator: str
    vocabulary: str
    annotations: tuple[Annotation, ...]


@dataclass(frozen=True, slots=True)
class TierInfo:
    """A tier as read. ``kind``: "codes" (top-level, time-aligned: importable), "caption" or "note"
    (dependent tiers read into the coded moments), or "other" (ignored)."""

    tier_id: str
    participant: str
    annotator: str
    kind: str
    parent: str | None
    vocabulary: str | None
    annotations: int


@dataclass(frozen=True, slots=True)
class EafRecord:
    """One annotation of a coding tier as read, with the caption and note attached to it."""

    tier_id: str
    participant: str
    annotator: str
    begin_ms: int
    end_ms: int
    value: str
    cve_ref: str | None
    vocabulary: str | None
    caption: str
    note: str


@dataclass(frozen=True, slots=True)
class LinkedMedia:
    """A MEDIA_DESCRIPTOR as read: where the film is (``url``: absolute, as written; ``relative``: to
    the .eaf's folder), and ELAN's TIME_ORIGIN (ms into this film at which annotation time 0 falls;
    None when not given). ``main``: the film the annotations' times are read against (the first video);
    ``extracted_from``: set on a sound ELAN took out of a video (not a film of its own)."""

    url: str
    relative: str
    mime_type: str
    time_origin: int | None
    main: bool
    extracted_from: str = ""

    @property
    def name(self) -> str:
        """The linked file's name, without its folders."""
        from urllib.parse import unquote

        return unquote((self.url or self.relative).replace("\\", "/").rsplit("/", 1)[-1])


@dataclass(frozen=True, slots=True)
class EafContent:
    version: str
    tiers: tuple[TierInfo, ...]
    records: tuple[EafRecord, ...]
    vocabularies: dict[str, Vocabulary]
    media: tuple[LinkedMedia, ...] = ()


# --- writing ---------------------------------------------------------------------------------


def mime_type(path: Path) -> str:
    return MIME_TYPES.get(path.suffix.lower(), "video/*")


def relative_media_url(media: Path, eaf_path: Path) -> str | None:
    """The media's address relative to the .eaf's folder, as ELAN writes it ("./clip.mp4")."""
    try:
        rel = os.path.relpath(media, eaf_path.parent)
    except ValueError:  # another drive on Windows: no relative path exists
        return None
    url = quote(Path(rel).as_posix())
    return url if url.startswith("../") else f"./{url}"


def write_eaf(
    tiers: Sequence[Tier],
    vocabularies: Sequence[Vocabulary],
    *,
    target: Path,
    media: Path | None,
    author: str,
    date: datetime,
    include_notes: bool = False,
    angles: Sequence[tuple[Path, int]] = (),
) -> bytes:
    """The EAF 3.0 document (UTF-8 bytes) for ``target``; ``media`` (absolute; the caller chooses a
    file that does not name the family, ``interchange.links``) is linked both by absolute URI and
    relative to ``target``'s folder, so the pair can be moved together. ``angles``: more films of the
    same moment, each (path, TIME_ORIGIN in ms: see ``time_origin_ms``), linked after it."""
    ids = [t.tier_id for t in tiers]
    if len(set(ids)) != len(ids):
        raise ValueError("tier ids must be unique")
    known = {v.cv_id for v in vocabularies}
    if any(t.vocabulary not in known for t in tiers):
        raise ValueError("every tier needs one of the vocabularies")

    root = ET.Element(
        "ANNOTATION_DOCUMENT",
        {
            "AUTHOR": _clean(author),
            "DATE": date.isoformat(timespec="seconds"),
            "FORMAT": "3.0",
            "VERSION": "3.0",
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:noNamespaceSchemaLocation": SCHEMA_URL,
        },
    )
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    linked = ([(media, None)] if media is not None else []) + [(p, o) for p, o in angles]
    for path, origin in linked:
        descriptor = {"MEDIA_URL": path.as_uri(), "MIME_TYPE": mime_type(path)}
        relative = relative_media_url(path, target)
        if relative is not None:
            descriptor["RELATIVE_MEDIA_URL"] = relative
        if origin is not None:
            descriptor["TIME_ORIGIN"] = str(origin)
        ET.SubElement(header, "MEDIA_DESCRIPTOR", descriptor)

    # Time slots in time order, two per annotation (unshared, so moving one in ELAN moves one only).
    bounds = sorted(
        [(a.begin_ms, n, 0) for n, a in _numbered(tiers)] + [(a.end_ms, n, 1) for n, a in _numbered(tiers)]
    )
    slot_of: dict[tuple[int, int], str] = {}
    time_order = ET.SubElement(root, "TIME_ORDER")
    for i, (ms, n, side) in enumerate(bounds, 1):
        if ms < 0:
            raise ValueError("times must not be negative")
        slot_of[(n, side)] = f"ts{i}"
        ET.SubElement(time_order, "TIME_SLOT", {"TIME_SLOT_ID": f"ts{i}", "TIME_VALUE": str(ms)})

    total = sum(len(t.annotations) for t in tiers)
    next_ref = total + 1
    n = 0
    for tier in tiers:
        attrs = {"ANNOTATOR": _clean(tier.annotator), "PARTICIPANT": _clean(tier.participant)}
        code_tier = ET.SubElement(
            root, "TIER", {**attrs, "LINGUISTIC_TYPE_REF": tier.vocabulary, "TIER_ID": tier.tier_id}
        )
        dependents = {CAPTION: _dependent(root, tier, CAPTION, attrs)}
        if include_notes:
            dependents[NOTE] = _dependent(root, tier, NOTE, attrs)
        for a in tier.annotations:
            n += 1
            annotation_id = f"a{n}"
            wrapper = ET.SubElement(code_tier, "ANNOTATION")
            aligned = {
                "ANNOTATION_ID": annotation_id,
                "TIME_SLOT_REF1": slot_of[(n, 0)],
                "TIME_SLOT_REF2": slot_of[(n, 1)],
            }
            if a.cve_ref:
                aligned["CVE_REF"] = a.cve_ref
            element = ET.SubElement(wrapper, "ALIGNABLE_ANNOTATION", aligned)
            ET.SubElement(element, "ANNOTATION_VALUE").text = _clean(a.value)
            for kind, text in ((CAPTION, a.caption), (NOTE, a.note)):
                if kind in dependents and text.strip():
                    ref = ET.SubElement(ET.SubElement(dependents[kind], "ANNOTATION"), "REF_ANNOTATION")
                    ref.set("ANNOTATION_ID", f"a{next_ref}")
                    ref.set("ANNOTATION_REF", annotation_id)
                    ET.SubElement(ref, "ANNOTATION_VALUE").text = _clean(text)
                    next_ref += 1
    ET.SubElement(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}).text = str(next_ref - 1)

    for vocabulary in vocabularies:
        ET.SubElement(
            root,
            "LINGUISTIC_TYPE",
            {
                "CONTROLLED_VOCABULARY_REF": vocabulary.cv_id,
                "GRAPHIC_REFERENCES": "false",
                "LINGUISTIC_TYPE_ID": vocabulary.cv_id,
                "TIME_ALIGNABLE": "true",
            },
        )
    for kind in (CAPTION, NOTE) if include_notes else (CAPTION,):
        ET.SubElement(
            root,
            "LINGUISTIC_TYPE",
            {
                "CONSTRAINTS": "Symbolic_Association",
                "GRAPHIC_REFERENCES": "false",
                "LINGUISTIC_TYPE_ID": kind,
                "TIME_ALIGNABLE": "false",
            },
        )
    ET.SubElement(root, "LOCALE", {"LANGUAGE_CODE": "en"})
    ET.SubElement(
        root,
        "LANGUAGE",
        {
            "LANG_DEF": "http://cdb.iso.org/lg/CDB-00138502-001",
            "LANG_ID": LANG_ID,
            "LANG_LABEL": "English (eng)",
        },
    )
    for stereotype, description in CONSTRAINTS.items():
        ET.SubElement(root, "CONSTRAINT", {"DESCRIPTION": description, "STEREOTYPE": stereotype})
    for vocabulary in vocabularies:
        cv = ET.SubElement(root, "CONTROLLED_VOCABULARY", {"CV_ID": vocabulary.cv_id})
        if vocabulary.description:
            ET.SubElement(cv, "DESCRIPTION", {"LANG_REF": LANG_ID}).text = _clean(vocabulary.description)
        for entry in vocabulary.entries:
            ml = ET.SubElement(cv, "CV_ENTRY_ML", {"CVE_ID": entry.cve_id})
            value = ET.SubElement(
                ml, "CVE_VALUE", {"DESCRIPTION": _clean(entry.description), "LANG_REF": LANG_ID}
            )
            value.text = _clean(entry.value)

    ET.indent(root, space="    ")
    buffer = io.BytesIO()
    ET.ElementTree(root).write(buffer, encoding="UTF-8", xml_declaration=True)
    return buffer.getvalue() + b"\n"


def time_origin_ms(offset_us: int) -> int:
    """ELAN's TIME_ORIGIN for an angle whose time zero falls at ``offset_us`` on the main film's clock.

    ELAN reads TIME_ORIGIN as the time (ms) into that media file at which the annotation time line
    (here: the main film's clock) starts: a player with origin 1000 shows its second 1 at annotation
    time 0 (the import of a main film's origin, ``eaf_read``, adds it to every annotation time, and
    tools that trim ELAN's media cut that much off the start). Main time 0 is the angle's own time
    ``-offset``, so the origin is minus the offset: an angle starting 1.37 s after the main film gets
    -1370, one that started 0.6 s before it 600. Read back, ``offset = main origin - angle origin``."""
    return -round(offset_us / 1000)


def _numbered(tiers: Sequence[Tier]) -> Iterable[tuple[int, Annotation]]:
    n = 0
    for tier in tiers:
        for a in tier.annotations:
            n += 1
            yield n, a


def _dependent(root: ET.Element, tier: Tier, kind: str, attrs: dict[str, str]) -> ET.Element:
    return ET.SubElement(
        root,
        "TIER",
        {
            **attrs,
            "LINGUISTIC_TYPE_REF": kind,
            "PARENT_REF": tier.tier_id,
            "TIER_ID": f"{tier.tier_id} {kind}",
        },
    )


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)
