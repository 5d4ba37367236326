"""Reading ELAN annotation files (.eaf), EAF 2.7 to 3.0, into the records of ``eaf``.

Reading never trusts the file: the size is capped, DTDs and entities are refused (defusedxml), the
nesting depth is bounded, and every time reference is checked.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import defusedxml
import defusedxml.ElementTree as SafeET

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput
from vfeedback.interchange.eaf import (
    CAPTION,
    MAX_XML_DEPTH,
    NEWEST,
    NOTE,
    OLDEST,
    WHAT,
    CvEntry,
    EafContent,
    EafRecord,
    LinkedMedia,
    TierInfo,
    Vocabulary,
)
from vfeedback.interchange.limits import MAX_BYTES, check_markup_runs, clean_text, read_bytes


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

    tiers = [(element, _tier_info(element, types, name)) for element in root.iterfind("TIER")]
    infos: dict[str, TierInfo] = {}
    for _, info in tiers:
        if info.tier_id in infos:
            raise BadInput(f"{name} is damaged: two tiers are called '{info.tier_id}'.")
        infos[info.tier_id] = info

    attached: dict[str, dict[str, list[str]]] = {CAPTION: {}, NOTE: {}}
    for element, info in tiers:
        if info.kind in (CAPTION, NOTE):
            for ref in element.iterfind("ANNOTATION/REF_ANNOTATION"):
                target = ref.get("ANNOTATION_REF", "")
                text = (ref.findtext("ANNOTATION_VALUE") or "").strip()
                if text:
                    attached[info.kind].setdefault(target, []).append(text)

    records: list[EafRecord] = []
    for element, info in tiers:
        if info.kind != "codes":
            continue
        for aligned in element.iterfind("ANNOTATION/ALIGNABLE_ANNOTATION"):
            records.append(_record(aligned, info, slots, vocabularies, attached, origin, name))
    records.sort(key=lambda r: (r.begin_ms, r.end_ms, r.tier_id))
    return EafContent(version, tuple(infos.values()), tuple(records), vocabularies, _media(header, name))


def _parse_xml(data: bytes, name: str) -> ET.Element:
    # expat takes time quadratic in the length of one attribute (16 MB: 77 s): refuse such files
    # before parsing, by a linear scan.
    check_markup_runs(data, name, WHAT)
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


def _media(header: ET.Element | None, name: str) -> tuple[LinkedMedia, ...]:
    """Every MEDIA_DESCRIPTOR, the main one (as ``_time_origin`` chooses it) marked."""
    if header is None:
        return ()
    descriptors = list(header.iterfind("MEDIA_DESCRIPTOR"))
    videos = [d for d in descriptors if d.get("MIME_TYPE", "").startswith("video")] or descriptors
    found = []
    for d in descriptors:
        raw = d.get("TIME_ORIGIN")
        origin = None
        if raw is not None:
            text = raw.strip()
            if not re.fullmatch(r"-?\d{1,12}", text):
                raise BadInput(f"{name} has a media time origin that is not a number ('{raw[:20]}').")
            origin = int(text)
        found.append(
            LinkedMedia(
                url=d.get("MEDIA_URL", ""),
                relative=d.get("RELATIVE_MEDIA_URL", ""),
                mime_type=d.get("MIME_TYPE", ""),
                time_origin=origin,
                main=d is videos[0],
                extracted_from=d.get("EXTRACTED_FROM", ""),
            )
        )
    return tuple(found)


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
    tier_id = clean_text(element.get("TIER_ID") or "", texts.TIER_NAME, "name of a tier", name)
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
        participant=clean_text(
            element.get("PARTICIPANT", ""), texts.PERSON, f"participant of tier '{tier_id}'", name
        ),
        annotator=clean_text(
            element.get("ANNOTATOR", ""), texts.PERSON, f"annotator of tier '{tier_id}'", name
        ),
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
