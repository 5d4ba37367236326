"""Moments to and from ELAN (.eaf) and from BORIS projects.

Export writes one coding tier per actor and coder (per scheme, when a recording mixes schemes), the
scheme as a controlled vocabulary, captions on dependent tiers, and notes only when asked. Intervals
are written as other tools see them (from a moment's first frame's start to its last frame's end,
``FrameIndex.outer_span``) and read back through ``inner_span``, so an export imported again gives the
same frames. Imports are all or nothing: everything is read and checked (mapping, codes, times) before
one transaction adds every moment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from vfeedback.core.errors import BadInput, Conflict
from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Actor, Code, Scheme
from vfeedback.core.timecode import format_time
from vfeedback.interchange import eaf as eaf_format
from vfeedback.interchange.eaf import TierInfo
from vfeedback.services.rows import utc
from vfeedback.storage import tables as t

TierMapping = Mapping[str, tuple[Actor | str, str | None] | None]
"""ELAN tier id -> (actor, coder or None for the tier's annotator); None leaves the tier out."""
SKIP = "skip"
ELAN, BORIS = "elan", "boris"
# Another tool's end time may pass our last frame's end a little (ms rounding, a longer audio track).
END_SLACK_US = 500_000
ACTOR_ORDER = {a: n for n, a in enumerate(Actor)}
ACTOR_NAMES = {a.value for a in Actor}
# Words BORIS users give their subjects, read as our actors.
SUBJECT_ACTORS = {
    **{w: Actor.PARENT for w in ("parent", "mother", "father", "mum", "mom", "dad", "carer", "caregiver")},
    **{w: Actor.INFANT for w in ("infant", "baby", "child")},
    **{w: Actor.CLINICIAN for w in ("clinician", "therapist", "guider")},
}


def default_tier_mapping(tiers: Sequence[TierInfo]) -> dict[str, tuple[Actor, str | None]]:
    """What each coding tier maps to without being asked: a tier whose participant is one of our
    actors (as vfeedback writes them) maps to that actor and its annotator."""
    found: dict[str, tuple[Actor, str | None]] = {}
    for tier in tiers:
        actor = tier.participant.lower()
        if tier.kind == "codes" and actor in ACTOR_NAMES:
            found[tier.tier_id] = (Actor(actor), tier.annotator or None)
    return found


def unmapped_tiers(tiers: Sequence[TierInfo], mapping: TierMapping | None) -> list[TierInfo]:
    """The coding tiers with annotations that neither the mapping nor the defaults cover."""
    given = mapping or {}
    defaults = default_tier_mapping(tiers)
    return [
        t
        for t in tiers
        if t.kind == "codes" and t.annotations and t.tier_id not in given and t.tier_id not in defaults
    ]


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    sha256: str
    fmt: str
    observation: str | None
    again: bool

    def refuse_repeat(self, conn: Connection, recording_id: int) -> None:
        when = previous(conn, recording_id, self.sha256, self.observation)
        if when is not None:
            raise Conflict(repeat_sentence(self.name, recording_id, when))


def repeat_sentence(name: str, recording_id: int, when: datetime) -> str:
    return (
        f"{name} was already imported into recording {recording_id} on {utc(when):%Y-%m-%d}; importing "
        "it again would add its moments a second time (use --again to import it anyway)."
    )


def previous(conn: Connection, recording_id: int, sha256: str, observation: str | None) -> datetime | None:
    i = t.interchange_imports
    query = select(i.c.at).where(i.c.recording_id == recording_id, i.c.sha256 == sha256)
    query = query.where(i.c.observation.is_(None) if observation is None else i.c.observation == observation)
    when = conn.execute(query.order_by(i.c.id.desc()).limit(1)).scalar()
    return None if when is None else utc(when)


def vocabulary(scheme: Scheme) -> eaf_format.Vocabulary:
    """The scheme's codes, each by its name, or by ``Principle / Name`` where a name repeats."""
    counts: dict[str, int] = {}
    for c in scheme.codes:
        counts[c.name.lower()] = counts.get(c.name.lower(), 0) + 1
    entries = tuple(
        eaf_format.CvEntry(cve_id(c), c.name if counts[c.name.lower()] == 1 else c.label, c.description or "")
        for c in scheme.codes
    )
    return eaf_format.Vocabulary(scheme.name, entries, scheme.description or "")


def cve_id(code: Code) -> str:
    return f"cveid_{code.id}"


def ms(us: int) -> int:
    return (us + 500) // 1000


def fit(index: FrameIndex, begin_us: int, stop_us: int, name: str, recording_id: int) -> tuple[int, int]:
    """Another tool's interval as our frames, refusing times outside the recording."""
    end = index.duration_us
    if begin_us < 0 or begin_us >= end or stop_us > end + END_SLACK_US:
        beyond = begin_us if begin_us < 0 or begin_us >= end else stop_us
        raise BadInput(
            f"{name} has a moment at {format_time(beyond)}, outside recording {recording_id}, which runs "
            f"to {format_time(end)}; is it the right recording? Nothing was imported."
        )
    return index.inner_span(begin_us, stop_us)


def quoted(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(f"'{i}'" for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
