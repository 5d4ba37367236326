"""Domain values handed out by the services: plain, immutable, free of database sessions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from vfeedback.core.errors import BadInput
from vfeedback.core.media_info import MediaInfo


class Actor(enum.StrEnum):
    PARENT = "parent"
    INFANT = "infant"
    CLINICIAN = "clinician"


class CodeKind(enum.StrEnum):
    STRENGTH = "strength"
    CONCERN = "concern"
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class Family:
    id: int
    code: str
    label: str | None
    created_at: datetime
    closed_on: date | None = None
    retention_rule: str | None = None


@dataclass(frozen=True, slots=True)
class Recording:
    id: int
    family_id: int
    family_code: str
    original_name: str
    path: str
    """As stored: relative to the library folder for copied files, absolute for referenced ones."""
    stored: bool
    """True when the library holds its own copy; False when it references the file in place."""
    size_bytes: int
    fingerprint: str
    recorded_on: date | None
    context: str | None
    imported_at: datetime
    media: MediaInfo
    title: str | None = None
    """The clinician's own name for it ("Bath time"); shown in the app, never in a file name."""


@dataclass(frozen=True, slots=True)
class Code:
    id: int
    scheme_id: int
    parent_id: int | None
    name: str
    principle: str
    """The principle's name (the code's own name for a principle)."""
    description: str | None
    colour: str
    key: str | None
    kind: CodeKind
    parent_wording: str | None
    default_actor: Actor | None
    position: int

    @property
    def label(self) -> str:
        return self.name if self.parent_id is None else f"{self.principle} / {self.name}"


@dataclass(frozen=True, slots=True)
class Scheme:
    id: int
    name: str
    version: str | None
    description: str | None
    attribution: str | None
    builtin: bool
    codes: tuple[Code, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Moment:
    id: int
    recording_id: int
    start_us: int
    end_us: int
    code_id: int
    actor: Actor
    caption: str
    note: str
    coder: str
    created_at: datetime
    updated_at: datetime
    picture_us: int | None = None
    """The frame that stands for the moment in a still or a handout; None: its middle frame."""
    family_words: str | None = None
    """What the family said of the moment, for the handout; None: nothing typed."""

    @property
    def is_point(self) -> bool:
        return self.end_us == self.start_us

    @property
    def duration_us(self) -> int:
        return self.end_us - self.start_us


class HighlightKind(enum.StrEnum):
    CLIP = "clip"
    STILL = "still"
    REEL = "reel"
    HANDOUT = "handout"


@dataclass(frozen=True, slots=True)
class Reel:
    """An ordered set of moments for one shared review with a family."""

    id: int
    family_id: int
    title: str
    date_text: str
    moment_ids: tuple[int, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Highlight:
    """An exported file kept in the library: what it was made from and what it is."""

    id: int
    kind: HighlightKind
    family_id: int
    recording_id: int | None
    reel_id: int | None
    path: str
    """Relative to the library folder."""
    settings_key: str
    caption: str
    sha256: str
    size_bytes: int
    duration_us: int
    frame_count: int
    width: int
    height: int
    moment_ids: tuple[int, ...]
    created_at: datetime
    purpose: str = "feedback"
    faces_found: int | None = None
    """For a clip with automatic face blur: in how many looks a face was found (0 means check it)."""
    notes: tuple[str, ...] = ()
    """Sentences about the result (a camera angle with no picture in part of a clip)."""


class Purpose(enum.StrEnum):
    """What a family may consent to, each separately."""

    FEEDBACK = "feedback"
    SUPERVISION = "supervision"
    TRAINING = "training"
    RESEARCH = "research"

    @property
    def wording(self) -> str:
        return {
            "feedback": "feedback with the family",
            "supervision": "supervision",
            "training": "training and teaching",
            "research": "research",
        }[self.value]


def purpose_of(text: str | Purpose) -> Purpose:
    """A purpose as typed (any case, spaces around) or given; one sentence if it is none of them."""
    try:
        return Purpose(str(text).strip().lower())
    except ValueError:
        raise BadInput(
            f"'{text}' is not a purpose: use feedback, supervision, training or research."
        ) from None


@dataclass(frozen=True, slots=True)
class ConsentEntry:
    id: int
    family_id: int
    purpose: Purpose
    given: bool
    on_date: date
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    family_id: int | None
    family_code: str | None
    purpose: str | None
    detail: str
    destination: str | None = None
    """Where an export went: absolute outside the library, library-relative inside it."""
    notes: bool | None = None
    """Whether private notes went into that file (None: not a file, or not recorded)."""
    hash: str | None = None
    """The entry's link in the audit record's hash chain."""
