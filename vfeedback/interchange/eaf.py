"""ELAN annotation files (.eaf): writing EAF 3.0, reading EAF 2.7 to 3.0.

Written files follow the element order and keys of the published EAF 3.0 schema (EAFv3.0.xsd, MPI
Nijmegen): HEADER, TIME_ORDER, TIERs, LINGUISTIC_TYPEs, LOCALE, LANGUAGE, CONSTRAINTs, then the
CONTROLLED_VOCABULARY. Each coding tier's annotations take their value from the vocabulary and link to
its entry (CVE_REF), so ELAN shows them as a closed list. Captions (and notes, only when asked) sit on
dependent tiers of the Symbolic_Association kind: one per coded annotation, visible under it in ELAN.

Reading never trusts the file: the size is capped, DTDs and entities are refused (defusedxml), the
nesting depth is bounded, and every time reference is checked.
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

import defusedxml
import defusedxml.ElementTree as SafeET

from vfeedback.core.errors import BadInput
from vfeedback.interchange.limits import MAX_BYTES, read_bytes

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
class EafContent:
    version: str
    tiers: tuple[TierInfo, ...]
    records: tuple[EafRecord, ...]
    vocabularies: dict[str, Vocabulary]


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
) -> bytes:
    """The EAF 3.0 document (UTF-8 bytes) for ``target``; ``media`` (absolute) is linked both by
    absolute URI and relative to ``target``'s folder, so the pair can be moved together."""
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
    if media is not None:
        descriptor = {"MEDIA_URL": media.as_uri(), "MIME_TYPE": mime_type(media)}
        relative = relative_media_url(media, target)
        if relative is not None:
            descriptor["RELATIVE_MEDIA_URL"] = relative
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


# --- reading ---------------------------------------------------------------------------------


def read_eaf(path: Path, limit: int = MAX_BYTES) -> EafContent:
    """Read an ELAN file's tiers and the annotations of its coding tiers; BadInput for anything that
    is not a sound EAF 2.7-3.0 document."""
    path = Path(path)
    return parse_eaf(read_bytes(path, WHAT, limit), path.name)


def parse_eaf(data: bytes, name: str) -> EafContent:
    root = _parse_xml(data, name)
    if root.tag != "ANNOTATION_DOCUMENT":
        raise BadInput(f"{name} is not an ELAN file: it is XML of another kind ({_short(root.tag)}).")
    version = _version(root, name)
    header = root.find("HEADER")
    if header is not None and header.get("TIME_UNITS", "milliseconds") != "milliseconds":
        raise BadInput(f"{name} counts time in {header.get('TIME_UNITS')}; only milliseconds can be read.")
    origin = _time_origin(header, name)

    slots: dict[str, int | None] = {}
    for slot in root.iterfind("TIME_ORDER/TIME_SLOT"):
        slot_id = slot.get("TIME_SLOT_ID")
        if not slot_id:
            raise BadInput(f"{name} is damaged: a time slot has no id.")
        raw = slot.get("TIME_VALUE")
        slots[slot_id] = None if raw is None else _ms(raw, name)

    types = {t.get("LINGUISTIC_TYPE_ID", ""): t for t in root.iterfind("LINGUISTIC_TYPE")}
    vocabularies = {v.cv_id: v for v in (_vocabulary(cv) for cv in root.iterfind("CONTROLLED_VOCABULARY"))}

    tier_elements = list(root.iterfind("TIER"))
    infos: dict[str, TierInfo] = {}
    for element in tier_elements:
        info = _tier_info(element, types, name)
        if info.tier_id in infos:
            raise BadInput(f"{name} is damaged: two tiers are called '{info.tier_id}'.")
        infos[info.tier_id] = info

    attached: dict[str, dict[str, list[str]]] = {CAPTION: {}, NOTE: {}}
    for element in tier_elements:
        info = infos[element.get("TIER_ID", "")]
        if info.kind in (CAPTION, NOTE):
            for ref in element.iterfind("ANNOTATION/REF_ANNOTATION"):
                target = ref.get("ANNOTATION_REF", "")
                text = (ref.findtext("ANNOTATION_VALUE") or "").strip()
                if text:
                    attached[info.kind].setdefault(target, []).append(text)

    records: list[EafRecord] = []
    for element in tier_elements:
        info = infos[element.get("TIER_ID", "")]
        if info.kind != "codes":
            continue
        for aligned in element.iterfind("ANNOTATION/ALIGNABLE_ANNOTATION"):
            records.append(_record(aligned, info, slots, vocabularies, attached, origin, name))
    records.sort(key=lambda r: (r.begin_ms, r.end_ms, r.tier_id))
    return EafContent(version, tuple(infos.values()), tuple(records), vocabularies)


def _parse_xml(data: bytes, name: str) -> ET.Element:
    depth = 0
    try:
        events = SafeET.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True)
        for event, _ in events:
            depth += 1 if event == "start" else -1
            if depth > MAX_XML_DEPTH:
                raise BadInput(f"{name} is nested too deeply to be {WHAT}.")
        root = events.root
    except defusedxml.DTDForbidden:
        raise BadInput(
            f"{name} declares a document type (DTD), which ELAN files never do; it was not read for safety."
        ) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise BadInput(
            f"{name} defines entities or external references; it was not read for safety."
        ) from None
    except defusedxml.DefusedXmlException:
        raise BadInput(f"{name} uses XML features that are not read, for safety.") from None
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise BadInput(
            f"{name} is not readable XML (broken or cut short at line {line}, column {column})."
        ) from None
    if not isinstance(root, ET.Element):
        raise BadInput(f"{name} is not readable XML.")
    return root


def _short(tag: str) -> str:
    return tag.rsplit("}", 1)[-1][:40]


def _version(root: ET.Element, name: str) -> str:
    text = (root.get("FORMAT") or root.get("VERSION") or "").strip()
    match = re.fullmatch(r"(\d{1,3})\.(\d{1,3})", text)
    if match is None:
        raise BadInput(f"{name} does not say which ELAN format it is in (found '{text[:20]}').")
    found = (int(match[1]), int(match[2]))
    if found < OLDEST:
        raise BadInput(
            f"{name} is in the old ELAN format {text}; open it in a current ELAN and save it again "
            "(formats 2.7 to 3.0 can be read)."
        )
    if found > NEWEST:
        raise BadInput(
            f"{name} is in ELAN format {text}, newer than this version of vfeedback reads (up to 3.0)."
        )
    return text


def _time_origin(header: ET.Element | None, name: str) -> int:
    """ELAN's TIME_ORIGIN: the media time (ms) at which the annotation time line starts."""
    if header is None:
        return 0
    descriptors = list(header.iterfind("MEDIA_DESCRIPTOR"))
    videos = [d for d in descriptors if d.get("MIME_TYPE", "").startswith("video")] or descriptors
    raw = videos[0].get("TIME_ORIGIN") if videos else None
    if raw is None:
        return 0
    try:
        return int(raw.strip())
    except ValueError:
        raise BadInput(f"{name} has a media time origin that is not a number ('{raw[:20]}').") from None


def _ms(raw: str, name: str) -> int:
    text = raw.strip()
    if not text.isdigit() or len(text) > 12:
        raise BadInput(f"{name} has a time that is not a whole number of milliseconds ('{text[:20]}').")
    return int(text)


def _vocabulary(cv: ET.Element) -> Vocabulary:
    entries = []
    for ml in cv.iterfind("CV_ENTRY_ML"):  # EAF 2.8 and later
        value = ml.find("CVE_VALUE")
        entries.append(
            CvEntry(
                ml.get("CVE_ID", ""),
                (value.text or "").strip() if value is not None else "",
                value.get("DESCRIPTION", "") if value is not None else "",
            )
        )
    for old in cv.iterfind("CV_ENTRY"):  # EAF 2.7
        entries.append(CvEntry(old.get("CVE_ID", ""), (old.text or "").strip(), old.get("DESCRIPTION", "")))
    description = cv.findtext("DESCRIPTION") or cv.get("DESCRIPTION") or ""
    return Vocabulary(cv.get("CV_ID", ""), tuple(entries), description)


def _tier_info(element: ET.Element, types: dict[str, ET.Element], name: str) -> TierInfo:
    tier_id = element.get("TIER_ID")
    if not tier_id:
        raise BadInput(f"{name} is damaged: a tier has no name.")
    type_id = element.get("LINGUISTIC_TYPE_REF", "")
    ling = types.get(type_id)
    parent = element.get("PARENT_REF") or None
    if parent is None:
        kind = "codes"
    elif ling is not None and ling.get("TIME_ALIGNABLE", "true").lower() == "true":
        kind = "other"  # time-aligned subdivisions of another tier: not a tier of moments or captions
    else:
        lowered = (type_id.lower(), tier_id.lower())
        if CAPTION in lowered or tier_id.lower().endswith(f" {CAPTION}"):
            kind = CAPTION
        elif NOTE in lowered or tier_id.lower().endswith(f" {NOTE}"):
            kind = NOTE
        else:
            kind = "other"
    return TierInfo(
        tier_id=tier_id,
        participant=element.get("PARTICIPANT", "").strip(),
        annotator=element.get("ANNOTATOR", "").strip(),
        kind=kind,
        parent=parent,
        vocabulary=(ling.get("CONTROLLED_VOCABULARY_REF") or None) if ling is not None else None,
        annotations=len(element.findall("ANNOTATION")),
    )


def _record(
    aligned: ET.Element,
    info: TierInfo,
    slots: dict[str, int | None],
    vocabularies: dict[str, Vocabulary],
    attached: dict[str, dict[str, list[str]]],
    origin: int,
    name: str,
) -> EafRecord:
    annotation_id = aligned.get("ANNOTATION_ID", "")
    where = f"annotation {annotation_id or '(without id)'} on tier '{info.tier_id}'"
    times = []
    for ref in (aligned.get("TIME_SLOT_REF1", ""), aligned.get("TIME_SLOT_REF2", "")):
        if ref not in slots:
            raise BadInput(f"{name} is damaged: {where} refers to a time slot that does not exist.")
        at = slots[ref]
        if at is None:
            raise BadInput(
                f"{name}: {where} has no time of its own (an unaligned slot); align it in ELAN first."
            )
        times.append(at + origin)
    begin, end = times
    if end < begin:
        raise BadInput(f"{name} is damaged: {where} ends before it begins.")
    value = (aligned.findtext("ANNOTATION_VALUE") or "").strip()
    cve_ref = aligned.get("CVE_REF") or None
    if not value and cve_ref and info.vocabulary in vocabularies:
        value = next((e.value for e in vocabularies[info.vocabulary].entries if e.cve_id == cve_ref), "")
    return EafRecord(
        tier_id=info.tier_id,
        participant=info.participant,
        annotator=info.annotator,
        begin_ms=begin,
        end_ms=end,
        value=value,
        cve_ref=cve_ref,
        vocabulary=info.vocabulary,
        caption=" ".join(attached[CAPTION].get(annotation_id, [])),
        note="\n".join(attached[NOTE].get(annotation_id, [])),
    )
