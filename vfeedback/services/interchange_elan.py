"""Moments to and from ELAN (.eaf) and from BORIS projects.

Export writes one coding tier per actor and coder (per scheme, when a recording mixes schemes), the
scheme as a controlled vocabulary, captions on dependent tiers, and notes only when asked. Intervals
are written as other tools see them (from a moment's first frame's start to its last frame's end,
``FrameIndex.outer_span``) and read back through ``inner_span``, so an export imported again gives the
same frames. Imports are all or nothing: everything is read and checked (mapping, codes, times) before
one transaction adds every moment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, select

from vfeedback.core.errors import BadInput, Conflict, NotFound, NothingToDo
from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Actor, Code, Family, Moment, Recording, Scheme
from vfeedback.core.timecode import format_time
from vfeedback.interchange import boris as boris_format
from vfeedback.interchange import eaf as eaf_format
from vfeedback.interchange import eaf_read
from vfeedback.interchange.eaf import TierInfo
from vfeedback.interchange.links import media_link
from vfeedback.services.base import LibraryBase
from vfeedback.services.moments import NewMoment
from vfeedback.services.rows import utc
from vfeedback.services.undo import Tx
from vfeedback.storage import tables as t

TierMapping = Mapping[str, tuple[Actor | str, str | None] | None]
"""ELAN tier id -> (actor, coder or None for the tier's annotator); None leaves the tier out."""
SKIP = "skip"
ELAN, BORIS = "elan", "boris"
# Another tool's end time may pass our last frame's end a little (ms rounding, a longer audio track).
_END_SLACK_US = 500_000
_ACTOR_ORDER = {a: n for n, a in enumerate(Actor)}
_ACTOR_NAMES = {a.value for a in Actor}
# Words BORIS users give their subjects, read as our actors.
_SUBJECT_ACTORS = {
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
        if tier.kind == "codes" and actor in _ACTOR_NAMES:
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


class ElanBorisMixin(LibraryBase):
    # Provided by the other mixins of Library.
    recording: Callable[..., Recording]
    frame_index: Callable[..., FrameIndex]
    moments: Callable[..., list[Moment]]
    add_moments: Callable[..., list[Moment]]
    schemes: Callable[..., list[Scheme]]
    scheme: Callable[..., Scheme]
    code: Callable[..., Code]
    family: Callable[..., Family]
    media_path: Callable[..., Path]
    require_consent: Callable[..., None]
    _audit_now: Callable[..., None]
    destination: Callable[..., Path]
    save_outside: Callable[..., Path]

    # --- ELAN export ----------------------------------------------------------------------------
    def export_eaf(
        self,
        recording_id: int,
        out: Path,
        include_notes: bool = False,
        *,
        purpose: str = "feedback",
        link_original: bool = False,
    ) -> Path:
        """Write the recording's moments as an ELAN file at ``out`` (a folder gets a file named after
        the case code); atomic and owner-only. Private notes only with ``include_notes``. The film is
        linked without naming the family (``interchange.links``) unless ``link_original``."""
        rec = self.recording(recording_id)
        self.require_consent(rec.family_id, purpose)
        target = self.destination(out, default_name=f"{rec.family_code}-recording-{rec.id}.eaf")
        index = self.frame_index(recording_id)
        moments = self.moments(recording_id)
        every = self.schemes()
        schemes = {s.id: s for s in every}
        owner = {c.id: (s, c) for s in every for c in s.codes}
        # The schemes the moments use, in order of first use; with no moments, the default one.
        used = list(dict.fromkeys(owner[m.code_id][0].id for m in moments)) or [self.scheme().id]
        vocabularies = {sid: _vocabulary(schemes[sid]) for sid in used}
        values = {e.cve_id: e.value for v in vocabularies.values() for e in v.entries}

        groups: dict[tuple[Actor, str, int], list[eaf_format.Annotation]] = {}
        for m in moments:
            scheme, code = owner[m.code_id]
            begin, stop = index.outer_span(m.start_us, m.end_us)
            cve = _cve_id(code)
            groups.setdefault((m.actor, m.coder, scheme.id), []).append(
                eaf_format.Annotation(_ms(begin), _ms(stop), values[cve], cve, m.caption, m.note)
            )
        tiers = []
        for actor, coder, scheme_id in sorted(groups, key=lambda k: (_ACTOR_ORDER[k[0]], k[1].lower(), k[2])):
            tier_id = f"{actor.value} ({coder})"
            if len(used) > 1:
                tier_id += f" · {schemes[scheme_id].name}"
            tiers.append(
                eaf_format.Tier(
                    tier_id,
                    actor.value,
                    coder,
                    vocabularies[scheme_id].cv_id,
                    tuple(groups[(actor, coder, scheme_id)]),
                )
            )
        link = media_link(rec, self.media_path(rec).resolve(), target, link_original=link_original)
        data = eaf_format.write_eaf(
            tiers,
            list(vocabularies.values()),
            target=target,
            media=link.path,
            author=self.user,
            date=self.now().astimezone(),
            include_notes=include_notes,
        )
        self.save_outside(target, data)
        notes = ", with private notes" if include_notes else ""
        linked = ", linking the film by its own path as asked" if link_original else ""
        self._audit_now(
            "export", self.family(rec.family_id), f"ELAN file {target.name}{notes}{linked}", purpose,
            destination=str(target.absolute()), notes=include_notes,
        )  # fmt: skip
        return target

    # --- ELAN import ----------------------------------------------------------------------------
    def eaf_tiers(self, path: Path) -> list[TierInfo]:
        """Every tier of an ELAN file, so the user can say which actor (and coder) each stands for."""
        return list(eaf_read.read_eaf(Path(path)).tiers)

    def import_eaf(
        self, path: Path, recording_id: int, mapping: TierMapping | None = None, *, again: bool = False
    ) -> list[Moment]:
        """Add the annotations of an ELAN file's coding tiers as moments: all, or none.

        Tiers vfeedback wrote map back by themselves; any other tier with annotations needs a mapping
        entry (or None to leave it out). Every value must be a code of a scheme in the library. The
        same file imported into the same recording before (and not undone) is refused unless
        ``again``.
        """
        path = Path(path)
        content = eaf_read.read_eaf(path)
        self.recording(recording_id)
        source = self._source(path, recording_id, ELAN, None, again)
        chosen = self._tier_choices(path.name, content.tiers, mapping)
        index = self.frame_index(recording_id)
        scheme_names = {s.name for s in self.schemes()}
        codes: dict[tuple[str | None, str], Code | None] = {}
        items = []
        for record in content.records:
            target = chosen.get(record.tier_id)
            if target is None:
                continue
            actor, coder = target
            key = (record.vocabulary, record.value)
            if key not in codes:
                codes[key] = self._code_for(record.value, record.vocabulary, scheme_names)
            found = codes[key]
            if found is None:
                continue  # listed below, before anything is added
            begin_us, stop_us = record.begin_ms * 1000, record.end_ms * 1000
            start_us, end_us = _fit(index, begin_us, stop_us, path.name, recording_id)
            items.append(
                NewMoment(
                    start_us,
                    end_us,
                    found.id,
                    actor,
                    record.caption,
                    record.note,
                    coder or record.annotator or None,
                )
            )
        unknown = sorted({value for (_, value), code in codes.items() if code is None}, key=str.lower)
        if unknown:
            raise BadInput(
                f"{path.name} has annotations that are not codes of any coding scheme here: "
                f"{_quoted(unknown)}; nothing was imported."
            )
        return self._add_imported(recording_id, items, source, "ELAN file")

    def _tier_choices(
        self, name: str, tiers: Sequence[TierInfo], mapping: TierMapping | None
    ) -> dict[str, tuple[Actor, str | None]]:
        coding = {t.tier_id: t for t in tiers if t.kind == "codes"}
        given = dict(mapping or {})
        strange = [tier for tier in given if tier not in coding]
        if strange:
            raise BadInput(
                f"{name} has no coding tier {_quoted(strange)}; its coding tiers are {_quoted(list(coding))}."
            )
        missing = unmapped_tiers(tiers, given)
        if missing:
            raise BadInput(
                f"Say which actor the tiers {_quoted([t.tier_id for t in missing])} of {name} stand for "
                "(parent, infant or clinician); nothing was imported."
            )
        chosen: dict[str, tuple[Actor, str | None]] = dict(default_tier_mapping(tiers))
        for tier, target in given.items():
            if target is None:
                chosen.pop(tier, None)
                continue
            actor, coder = target
            try:
                who = Actor(str(actor).strip().lower())
            except ValueError:
                raise BadInput(f"'{actor}' is not an actor: use parent, infant or clinician.") from None
            chosen[tier] = (who, (coder or "").strip() or coding[tier].annotator or None)
        return chosen

    def _code_for(self, value: str, vocabulary: str | None, scheme_names: set[str]) -> Code | None:
        if not value:
            return None
        try:
            if vocabulary in scheme_names:
                return self.code(value, scheme=vocabulary)
            return self.code(value)
        except (NotFound, BadInput):
            return None

    # --- BORIS ----------------------------------------------------------------------------------
    def boris_behaviours(
        self, path: Path, observation: str | None = None, *, recording_id: int | None = None
    ) -> list[str]:
        """The behaviours an observation of a BORIS project uses: what needs mapping to codes.
        With ``recording_id``, a project of several observations may pick the one of that video."""
        project = boris_format.read_project(Path(path))
        obs_id = boris_format.choose_observation(project, observation, self._media_name(recording_id))
        return boris_format.behaviours(project, obs_id)

    def import_boris(
        self,
        path: Path,
        recording_id: int,
        mapping: Mapping[str, str | None],
        observation: str | None = None,
        *,
        again: bool = False,
    ) -> list[Moment]:
        """Add an observation's events as moments (state events as intervals, point events as points),
        each behaviour becoming the code ``mapping`` gives it (None leaves it out): all, or none. The
        same observation of the same file imported before is refused unless ``again``."""
        path = Path(path)
        project = boris_format.read_project(path)
        self.recording(recording_id)
        obs_id = boris_format.choose_observation(project, observation, self._media_name(recording_id))
        source = self._source(path, recording_id, BORIS, obs_id, again)
        events = boris_format.observation_events(project, obs_id)
        missing = [b for b in boris_format.behaviours(project, obs_id) if b not in mapping]
        if missing:
            raise BadInput(
                f"Say which code each behaviour of {path.name} stands for: {_quoted(missing)}; "
                "nothing was imported."
            )
        codes: dict[str, Code] = {}
        for behaviour, ref in mapping.items():
            if ref is None or not str(ref).strip() or str(ref).strip().lower() == SKIP:
                continue
            try:
                codes[behaviour] = self.code(ref)
            except (NotFound, BadInput) as exc:
                raise BadInput(f"The behaviour '{behaviour}' cannot become '{ref}': {exc}") from None
        index = self.frame_index(recording_id)
        items = []
        for event in events:
            code = codes.get(event.behaviour)
            if code is None:
                continue
            begin = round(event.start_s * 1_000_000)
            stop = begin if event.stop_s is None else round(event.stop_s * 1_000_000)
            start_us, end_us = _fit(index, begin, stop, path.name, recording_id)
            if event.stop_s is None:
                end_us = start_us  # a point event is a point moment, whatever inner_span makes of it
            note = "\n".join(
                part
                for part in (event.comment, f"BORIS modifier: {event.modifier}" if event.modifier else "")
                if part
            )
            actor = _SUBJECT_ACTORS.get(event.subject.lower())
            items.append(NewMoment(start_us, end_us, code.id, actor, "", note, None))
        return self._add_imported(recording_id, items, source, "BORIS project")

    def _media_name(self, recording_id: int | None) -> str | None:
        return None if recording_id is None else self.recording(recording_id).original_name

    # --- the record of files imported --------------------------------------------------------------
    def previous_import(
        self, path: Path, recording_id: int, *, boris: bool = False, observation: str | None = None
    ) -> datetime | None:
        """When this file's content was imported into the recording (for a BORIS project: the
        observation ``import_boris`` would take), if it was and the import was not undone."""
        from vfeedback.media.fingerprint import sha256_file

        path = Path(path)
        if not path.is_file():
            return None  # the import itself says what is wrong (and a FIFO would block a read)
        if boris:
            project = boris_format.read_project(path)
            observation = boris_format.choose_observation(
                project, observation, self._media_name(recording_id)
            )
        with self._read() as conn:
            return _previous(conn, recording_id, sha256_file(path), observation if boris else None)

    def _source(
        self, path: Path, recording_id: int, fmt: str, observation: str | None, again: bool
    ) -> _Source:
        """The file being imported, by content; refused at once if it was imported before."""
        from vfeedback.media.fingerprint import sha256_file

        source = _Source(path.name, sha256_file(path), fmt, observation, again)
        if not again:
            with self._read() as conn:
                source.refuse_repeat(conn, recording_id)
        return source

    # --- shared -----------------------------------------------------------------------------------
    def _add_imported(
        self, recording_id: int, items: list[NewMoment], source: _Source, kind: str
    ) -> list[Moment]:
        name = source.name
        if not items:
            raise NothingToDo(f"{name} has no annotations to import into recording {recording_id}.")
        items.sort(key=lambda i: (i.start_us, i.end_us))
        count = f"{len(items)} moment{'s' if len(items) != 1 else ''}"

        def record(tx: Tx) -> None:
            if not source.again:
                source.refuse_repeat(tx.conn, recording_id)  # again, under the write lock
            tx.insert(
                t.interchange_imports,
                {
                    "recording_id": recording_id,
                    "sha256": source.sha256,
                    "format": source.fmt,
                    "observation": source.observation,
                    "at": self.now(),
                },
            )

        return self.add_moments(
            recording_id,
            items,
            f"Import {count} from {name}",
            audit=f"Imported {count} into recording {recording_id} from {kind} {name}",
            also=record,
        )


@dataclass(frozen=True, slots=True)
class _Source:
    name: str
    sha256: str
    fmt: str
    observation: str | None
    again: bool

    def refuse_repeat(self, conn: Connection, recording_id: int) -> None:
        when = _previous(conn, recording_id, self.sha256, self.observation)
        if when is not None:
            raise Conflict(repeat_sentence(self.name, recording_id, when))


def repeat_sentence(name: str, recording_id: int, when: datetime) -> str:
    return (
        f"{name} was already imported into recording {recording_id} on {utc(when):%Y-%m-%d}; importing "
        "it again would add its moments a second time (use --again to import it anyway)."
    )


def _previous(conn: Connection, recording_id: int, sha256: str, observation: str | None) -> datetime | None:
    i = t.interchange_imports
    query = select(i.c.at).where(i.c.recording_id == recording_id, i.c.sha256 == sha256)
    query = query.where(i.c.observation.is_(None) if observation is None else i.c.observation == observation)
    when = conn.execute(query.order_by(i.c.id.desc()).limit(1)).scalar()
    return None if when is None else utc(when)


def _vocabulary(scheme: Scheme) -> eaf_format.Vocabulary:
    """The scheme's codes, each by its name, or by ``Principle / Name`` where a name repeats."""
    counts: dict[str, int] = {}
    for c in scheme.codes:
        counts[c.name.lower()] = counts.get(c.name.lower(), 0) + 1
    entries = tuple(
        eaf_format.CvEntry(
            _cve_id(c), c.name if counts[c.name.lower()] == 1 else c.label, c.description or ""
        )
        for c in scheme.codes
    )
    return eaf_format.Vocabulary(scheme.name, entries, scheme.description or "")


def _cve_id(code: Code) -> str:
    return f"cveid_{code.id}"


def _ms(us: int) -> int:
    return (us + 500) // 1000


def _fit(index: FrameIndex, begin_us: int, stop_us: int, name: str, recording_id: int) -> tuple[int, int]:
    """Another tool's interval as our frames, refusing times outside the recording."""
    end = index.duration_us
    if begin_us < 0 or begin_us >= end or stop_us > end + _END_SLACK_US:
        beyond = begin_us if begin_us < 0 or begin_us >= end else stop_us
        raise BadInput(
            f"{name} has a moment at {format_time(beyond)}, outside recording {recording_id}, which runs "
            f"to {format_time(end)}; is it the right recording? Nothing was imported."
        )
    return index.inner_span(begin_us, stop_us)


def _quoted(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(f"'{i}'" for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
