"""Moments to and from other tools: ELAN files and BORIS projects in and out, and spreadsheets,
subtitles and video editors' timelines out.

Every file is written where the clinician says (checked by ``files.destination``), all or nothing,
and recorded in the audit with its destination and whether private notes went into it; the film is
linked without naming the family (``interchange.links``). Imports are all or nothing, one undoable
action, and a file already imported into the recording is refused unless asked again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from vfeedback.core.errors import BadInput, Conflict, NotFound, NothingToDo
from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Actor, Code, Moment
from vfeedback.services.angles import Angles
from vfeedback.services.audit import Audit
from vfeedback.services.consent import Consent
from vfeedback.services.context import Context
from vfeedback.services.families import Families
from vfeedback.services.files import Files
from vfeedback.services.media import Media
from vfeedback.services.moments import Moments, NewMoment
from vfeedback.services.recordings import Recordings
from vfeedback.services.reels import Reels
from vfeedback.services.schemes import Schemes
from vfeedback.services.undo import Tx
from vfeedback.storage import tables as t

# The file formats are imported by the methods that read or write them: the many commands that never
# touch another tool's files start without them (tests/test_layering.py).
if TYPE_CHECKING:
    from vfeedback.interchange import eaf as eaf_format
    from vfeedback.interchange import subtitles, table
    from vfeedback.interchange.eaf import TierInfo
    from vfeedback.services import elan_boris


@dataclass(frozen=True, slots=True)
class Written:
    """What an export to another tool wrote: the file, how many moments went into it, whether their
    private notes did, and the neutral names copies of referenced films need beside it."""

    path: Path
    moments: int
    notes: bool = False
    place_beside: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LinkedAngle:
    """A film an ELAN file links beside its main one, as found (or not) in this library."""

    name: str
    """The linked file's name, without its folders."""
    offset_us: int
    """Where its time zero falls on the main film's clock, from the files' TIME_ORIGINs."""
    recording_id: int | None
    """The library's recording of that film; None when it is not in the library."""
    problem: str | None = None
    """Why it is not (re)made an angle, in one sentence; None when it is (or already was)."""
    already: bool = False
    """It already is that angle, at that offset."""


@dataclass(eq=False)
class Interchange:
    ctx: Context
    families: Families
    recordings: Recordings
    media: Media
    schemes: Schemes
    moments: Moments
    reels: Reels
    consent: Consent
    audit: Audit
    files: Files

    # --- spreadsheets, subtitles, video editors -------------------------------------------------

    def export_table(
        self,
        recording_id: int,
        out: Path,
        include_notes: bool = False,
        dialect: table.Dialect | None = None,
        *,
        purpose: str = "feedback",
    ) -> Written:
        """The recording's moments as CSV or TSV (``dialect``, else from ``out``'s suffix: ``.tsv``
        and ``.tab`` are TSV, anything else CSV). Private notes only with ``include_notes``."""
        from vfeedback.interchange import table

        out = self.files.destination(out)
        rec = self.recordings.get(recording_id)
        # Like every export, it names its purpose and needs that consent (issue: a family's data leaves).
        self.consent.require(rec.family_id, purpose)
        moments = self.moments.all(recording_id)
        # An empty table (just the header) is a fair answer and needs no frame index.
        index = self.media.frame_index(recording_id) if moments else FrameIndex([0])
        chosen = dialect or table.dialect_for(out.suffix)
        data = table.table_bytes(
            rec, moments, self._codes(m.code_id for m in moments), index,
            dialect=chosen, include_notes=include_notes,
        )  # fmt: skip
        self.files.save(out, data)
        notes = ", with private notes" if include_notes else ""
        self.audit.record_now(
            "export",
            self.families.get(rec.family_id),
            f"{chosen.upper()} of {count_moments(len(moments))} of recording {rec.id}{notes} to {out.name}",
            purpose,
            destination=str(out),
            notes=include_notes,
        )
        return Written(out, len(moments), include_notes)

    def export_subtitles(
        self,
        recording_id: int,
        out: Path,
        fmt: subtitles.SubtitleFormat | None = None,
        *,
        purpose: str = "feedback",
    ) -> Written:
        """The recording's captions as SubRip or WebVTT (``fmt``, else from ``out``'s suffix)."""
        from vfeedback.interchange import subtitles

        out = self.files.destination(out)
        chosen = fmt or subtitles.format_for(out.suffix)
        if chosen is None:
            raise BadInput(f"Name the subtitle file .srt or .vtt (not {out.name}), or say which format.")
        rec = self.recordings.get(recording_id)
        self.consent.require(rec.family_id, purpose)
        moments = subtitles.captioned(self.moments.all(recording_id))
        if not moments:
            raise NothingToDo(
                f"Recording {recording_id} has no moments with a caption, so there are no subtitles to write."
            )
        data = subtitles.subtitles_bytes(moments, self.media.frame_index(recording_id), chosen)
        self.files.save(out, data)
        self.audit.record_now(
            "export",
            self.families.get(rec.family_id),
            f"{chosen.upper()} subtitles of {count_moments(len(moments))} of recording {rec.id} "
            f"to {out.name}",
            purpose,
            destination=str(out),
            notes=False,
        )
        return Written(out, len(moments))

    def export_otio(
        self, reel_id: int, out: Path, *, purpose: str = "feedback", link_original: bool = False
    ) -> Written:
        """The reel as an OpenTimelineIO timeline for a video editor (see ``interchange.otio_reel``);
        each recording linked without naming the family (``interchange.links``) unless
        ``link_original``."""
        from vfeedback.interchange import otio_reel
        from vfeedback.interchange.links import media_link

        out = self.files.destination(out)
        reel = self.reels.get(reel_id)
        self.consent.require(reel.family_id, purpose)
        if not reel.moment_ids:
            raise NothingToDo(f"Reel {reel_id} has no moments left; add some before exporting it.")
        moments = [self.moments.get(i) for i in reel.moment_ids]
        codes = self._codes(m.code_id for m in moments)
        recordings = {rid: self.recordings.get(rid) for rid in {m.recording_id for m in moments}}
        indexes = {rid: self.media.frame_index(rid) for rid in recordings}
        paths, beside = {}, []
        for rid, rec in recordings.items():
            path = self.recordings.path(rec).absolute()
            if not path.exists():
                raise BadInput(f"The file of recording {rid} is missing; relink it first.")
            link = media_link(rec, path, out, link_original=link_original)
            paths[rid] = link.path
            if link.beside is not None:
                beside.append(link.beside)
        items = [
            otio_reel.ReelClip(m, codes[m.code_id], recordings[r], indexes[r], paths[r])
            for m in moments
            for r in [m.recording_id]
        ]
        family = self.families.get(reel.family_id)
        timeline = otio_reel.reel_timeline(reel, family.code, items)

        self.files.save(out, otio_reel.otio_bytes(timeline))
        self.audit.record_now(
            "export",
            family,
            f"OTIO timeline of reel {reel.id} ({count_moments(len(moments))}) to {out.name}"
            + (", linking the films by their own paths as asked" if link_original else ""),
            purpose,
            destination=str(out),
            notes=False,
        )
        return Written(out, len(moments), place_beside=tuple(beside))

    def _codes(self, ids: Iterable[int]) -> dict[int, Code]:
        return {i: self.schemes.code(i) for i in set(ids)}

    # --- ELAN export ----------------------------------------------------------------------------
    def export_eaf(
        self,
        recording_id: int,
        out: Path,
        include_notes: bool = False,
        *,
        purpose: str = "feedback",
        link_original: bool = False,
    ) -> Written:
        """Write the recording's moments as an ELAN file at ``out`` (a folder gets a file named after
        the case code); atomic and owner-only. Private notes only with ``include_notes``. The film is
        linked without naming the family (``interchange.links``) unless ``link_original``."""
        from vfeedback.interchange import eaf as eaf_format
        from vfeedback.interchange.links import media_link
        from vfeedback.services import elan_boris

        rec = self.recordings.get(recording_id)
        self.consent.require(rec.family_id, purpose)
        target = self.files.destination(out, default_name=f"{rec.family_code}-recording-{rec.id}.eaf")
        index = self.media.frame_index(recording_id)
        moments = self.moments.all(recording_id)
        every = self.schemes.all()
        schemes = {s.id: s for s in every}
        owner = {c.id: (s, c) for s in every for c in s.codes}
        # The schemes the moments use, in order of first use; with no moments, the default one.
        used = list(dict.fromkeys(owner[m.code_id][0].id for m in moments)) or [self.schemes.get().id]
        vocabularies = {sid: elan_boris.vocabulary(schemes[sid]) for sid in used}
        values = {e.cve_id: e.value for v in vocabularies.values() for e in v.entries}

        groups: dict[tuple[Actor, str, int], list[eaf_format.Annotation]] = {}
        for m in moments:
            scheme, code = owner[m.code_id]
            begin, stop = index.outer_span(m.start_us, m.end_us)
            cve = elan_boris.cve_id(code)
            groups.setdefault((m.actor, m.coder, scheme.id), []).append(
                eaf_format.Annotation(
                    elan_boris.ms(begin), elan_boris.ms(stop), values[cve], cve, m.caption, m.note
                )
            )
        tiers = []
        for actor, coder, scheme_id in sorted(
            groups, key=lambda k: (elan_boris.ACTOR_ORDER[k[0]], k[1].lower(), k[2])
        ):
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
        link = media_link(rec, self.recordings.path(rec).resolve(), target, link_original=link_original)
        # Every angle of the recording is linked too, at its TIME_ORIGIN, by the same rules.
        angle_links = []
        for angle in self._angles.of(rec.id):
            other = self.recordings.get(angle.recording_id)
            film = self.recordings.path(other).resolve()
            found = media_link(other, film, target, link_original=link_original)
            angle_links.append((found, eaf_format.time_origin_ms(angle.offset_us)))
        data = eaf_format.write_eaf(
            tiers,
            list(vocabularies.values()),
            target=target,
            media=link.path,
            author=self.ctx.user,
            date=self.ctx.now().astimezone(),
            include_notes=include_notes,
            angles=[(a.path, origin) for a, origin in angle_links],
        )
        self.files.save(target, data)
        notes = ", with private notes" if include_notes else ""
        linked = ", linking the film by its own path as asked" if link_original else ""
        if angle_links:
            linked += f", with {len(angle_links)} angle{'s' if len(angle_links) > 1 else ''}"
        self.audit.record_now(
            "export", self.families.get(rec.family_id), f"ELAN file {target.name}{notes}{linked}", purpose,
            destination=str(target.absolute()), notes=include_notes,
        )  # fmt: skip
        beside = [x.beside for x in (link, *(a for a, _ in angle_links)) if x.beside]
        return Written(target, len(moments), include_notes, tuple(beside))

    @property
    def _angles(self) -> Angles:
        return Angles(self.ctx, self.recordings, self.media)

    # --- ELAN import ----------------------------------------------------------------------------
    def eaf_tiers(self, path: Path) -> list[TierInfo]:
        """Every tier of an ELAN file, so the user can say which actor (and coder) each stands for."""
        from vfeedback.interchange import eaf_read

        return list(eaf_read.read_eaf(Path(path)).tiers)

    def eaf_angles(self, path: Path, recording_id: int) -> list[LinkedAngle]:
        """The other films an ELAN file links beside its main one (taken to be ``recording_id``), each
        with its offset from the TIME_ORIGINs, the library's recording of it, and whether importing
        the file makes it an angle of ``recording_id`` (or why not). Changes nothing.

        A film is found as the library knows it: by the neutral name a referenced film is linked by
        (``links.beside_name``), by the library's own file of a recording, or by its content
        (``fingerprint``, as ``relink`` finds moved films) when the linked file is there."""
        from vfeedback.interchange import eaf_read

        path = Path(path)
        content = eaf_read.read_eaf(path)
        self.recordings.get(recording_id)
        main = next((m for m in content.media if m.main), None)
        main_origin = (main.time_origin or 0) if main is not None else 0
        found: list[LinkedAngle] = []
        planned = 0
        for media in content.media:
            if media.main or media.extracted_from or not media.mime_type.startswith("video"):
                continue
            # Annotation time 0 is main time ``main_origin`` and this film's time ``origin``, so
            # this film's zero is at main time main_origin - origin (see eaf.time_origin_ms).
            offset_us = (main_origin - (media.time_origin or 0)) * 1000
            rec_id = self._linked_recording(media, path)
            if rec_id == recording_id:
                continue  # the main film linked twice
            if rec_id is None:
                problem = (
                    f"The film {media.name} linked in {path.name} is not in this library; import it, then "
                    f"add it as an angle of recording {recording_id}."
                )
                found.append(LinkedAngle(media.name, offset_us, None, problem))
                continue
            current = self._angles.get(rec_id)
            if current is not None and (current.main_id, current.offset_us) == (recording_id, offset_us):
                found.append(LinkedAngle(media.name, offset_us, rec_id, already=True))
                continue
            try:
                self._angles.check_add(rec_id, recording_id, offset_us, also_planned=planned)
            except (BadInput, NotFound, Conflict) as exc:
                found.append(LinkedAngle(media.name, offset_us, rec_id, str(exc)))
                continue
            planned += 1
            found.append(LinkedAngle(media.name, offset_us, rec_id))
        return found

    def _linked_recording(self, media: eaf_format.LinkedMedia, eaf_path: Path) -> int | None:
        from urllib.parse import unquote, urlparse
        from urllib.request import url2pathname

        from vfeedback.interchange.links import beside_name
        from vfeedback.media.fingerprint import fingerprint

        named = re.search(r"_rec(\d{1,18})\.[A-Za-z0-9]{1,5}$", media.name)
        if named is not None:
            try:
                rec = self.recordings.get(int(named[1]))
            except NotFound:
                rec = None
            if rec is not None and beside_name(rec) == media.name:
                return rec.id
        candidates: list[Path] = []
        try:
            if urlparse(media.url).scheme == "file":
                candidates.append(Path(url2pathname(unquote(urlparse(media.url).path))))
            if media.relative and not urlparse(media.relative).scheme:
                candidates.append(eaf_path.parent / url2pathname(unquote(media.relative)))
            files = {self.recordings.path(r).resolve(): r.id for r in self.recordings.all()}
            for candidate in candidates:
                if candidate.resolve() in files:
                    return files[candidate.resolve()]
            for candidate in candidates:
                if candidate.is_file():  # never a FIFO or a device
                    rec = self.recordings.by_fingerprint(fingerprint(candidate))
                    if rec is not None:
                        return rec.id
        except (OSError, ValueError, RuntimeError, BadInput):  # RuntimeError: a symlink loop (3.11)
            return None  # a link that leads nowhere readable: not found
        return None

    def import_eaf(
        self,
        path: Path,
        recording_id: int,
        mapping: elan_boris.TierMapping | None = None,
        *,
        again: bool = False,
    ) -> list[Moment]:
        """Add the annotations of an ELAN file's coding tiers as moments: all, or none.

        Tiers vfeedback wrote map back by themselves; any other tier with annotations needs a mapping
        entry (or None to leave it out). Every value must be a code of a scheme in the library. The
        same file imported into the same recording before (and not undone) is refused unless
        ``again``. The other films it links that are in the library become angles of the recording
        at their TIME_ORIGINs, in the same undoable action (``eaf_angles`` says which, and why not).
        """
        from vfeedback.interchange import eaf_read
        from vfeedback.services import elan_boris

        path = Path(path)
        content = eaf_read.read_eaf(path)
        self.recordings.get(recording_id)
        source = self._source(path, recording_id, elan_boris.ELAN, None, again)
        chosen = self._tier_choices(path.name, content.tiers, mapping)
        index = self.media.frame_index(recording_id)
        scheme_names = {s.name for s in self.schemes.all()}
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
            start_us, end_us = elan_boris.fit(index, begin_us, stop_us, path.name, recording_id)
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
                f"{elan_boris.quoted(unknown)}; nothing was imported."
            )
        linked = [a for a in self.eaf_angles(path, recording_id) if a.problem is None and not a.already]

        def make_angles(tx: Tx) -> None:
            for angle in linked:
                assert angle.recording_id is not None
                self._angles.add_within(tx, angle.recording_id, recording_id, angle.offset_us)

        return self._add_imported(recording_id, items, source, "ELAN file", make_angles)

    def _tier_choices(
        self, name: str, tiers: Sequence[TierInfo], mapping: elan_boris.TierMapping | None
    ) -> dict[str, tuple[Actor, str | None]]:
        from vfeedback.services import elan_boris

        coding = {t.tier_id: t for t in tiers if t.kind == "codes"}
        given = dict(mapping or {})
        strange = [tier for tier in given if tier not in coding]
        if strange:
            raise BadInput(
                f"{name} has no coding tier {elan_boris.quoted(strange)}; "
                f"its coding tiers are {elan_boris.quoted(list(coding))}."
            )
        missing = elan_boris.unmapped_tiers(tiers, given)
        if missing:
            raise BadInput(
                f"Say which actor the tiers {elan_boris.quoted([t.tier_id for t in missing])} of {name} "
                "stand for "
                "(parent, infant or clinician); nothing was imported."
            )
        chosen: dict[str, tuple[Actor, str | None]] = dict(elan_boris.default_tier_mapping(tiers))
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
                return self.schemes.code(value, scheme=vocabulary)
            return self.schemes.code(value)
        except (NotFound, BadInput):
            return None

    # --- BORIS ----------------------------------------------------------------------------------
    def boris_behaviours(
        self, path: Path, observation: str | None = None, *, recording_id: int | None = None
    ) -> list[str]:
        """The behaviours an observation of a BORIS project uses: what needs mapping to codes.
        With ``recording_id``, a project of several observations may pick the one of that video."""
        from vfeedback.interchange import boris as boris_format

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
        from vfeedback.interchange import boris as boris_format
        from vfeedback.services import elan_boris

        path = Path(path)
        project = boris_format.read_project(path)
        self.recordings.get(recording_id)
        obs_id = boris_format.choose_observation(project, observation, self._media_name(recording_id))
        source = self._source(path, recording_id, elan_boris.BORIS, obs_id, again)
        events = boris_format.observation_events(project, obs_id)
        missing = [b for b in boris_format.behaviours(project, obs_id) if b not in mapping]
        if missing:
            raise BadInput(
                f"Say which code each behaviour of {path.name} stands for: {elan_boris.quoted(missing)}; "
                "nothing was imported."
            )
        codes: dict[str, Code] = {}
        for behaviour, ref in mapping.items():
            if ref is None or not str(ref).strip() or str(ref).strip().lower() == elan_boris.SKIP:
                continue
            try:
                codes[behaviour] = self.schemes.code(ref)
            except (NotFound, BadInput) as exc:
                raise BadInput(f"The behaviour '{behaviour}' cannot become '{ref}': {exc}") from None
        index = self.media.frame_index(recording_id)
        items = []
        for event in events:
            code = codes.get(event.behaviour)
            if code is None:
                continue
            begin = round(event.start_s * 1_000_000)
            stop = begin if event.stop_s is None else round(event.stop_s * 1_000_000)
            start_us, end_us = elan_boris.fit(index, begin, stop, path.name, recording_id)
            if event.stop_s is None:
                end_us = start_us  # a point event is a point moment, whatever inner_span makes of it
            note = "\n".join(
                part
                for part in (
                    event.comment,
                    f"BORIS modifier: {event.modifier}" if event.modifier else "",
                )
                if part
            )
            actor = elan_boris.SUBJECT_ACTORS.get(event.subject.lower())
            items.append(NewMoment(start_us, end_us, code.id, actor, "", note, None))
        return self._add_imported(recording_id, items, source, "BORIS project")

    def _media_name(self, recording_id: int | None) -> str | None:
        return None if recording_id is None else self.recordings.get(recording_id).original_name

    # --- the record of files imported --------------------------------------------------------------
    def previous_import(
        self, path: Path, recording_id: int, *, boris: bool = False, observation: str | None = None
    ) -> datetime | None:
        """When this file's content was imported into the recording (for a BORIS project: the
        observation ``import_boris`` would take), if it was and the import was not undone."""
        from vfeedback.interchange import boris as boris_format
        from vfeedback.media.fingerprint import sha256_file
        from vfeedback.services import elan_boris

        path = Path(path)
        if not path.is_file():
            return None  # the import itself says what is wrong (and a FIFO would block a read)
        if boris:
            project = boris_format.read_project(path)
            observation = boris_format.choose_observation(
                project, observation, self._media_name(recording_id)
            )
        with self.ctx.read() as conn:
            return elan_boris.previous(conn, recording_id, sha256_file(path), observation if boris else None)

    def _source(
        self, path: Path, recording_id: int, fmt: str, observation: str | None, again: bool
    ) -> elan_boris.Source:
        """The file being imported, by content; refused at once if it was imported before."""
        from vfeedback.media.fingerprint import sha256_file
        from vfeedback.services import elan_boris

        source = elan_boris.Source(path.name, sha256_file(path), fmt, observation, again)
        if not again:
            with self.ctx.read() as conn:
                source.refuse_repeat(conn, recording_id)
        return source

    # --- shared -----------------------------------------------------------------------------------
    def _add_imported(
        self,
        recording_id: int,
        items: list[NewMoment],
        source: elan_boris.Source,
        kind: str,
        more: Callable[[Tx], None] | None = None,
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
                    "at": self.ctx.now(),
                },
            )
            if more is not None:
                more(tx)

        return self.moments.add_many(
            recording_id,
            items,
            f"Import {count} from {name}",
            audit=f"Imported {count} into recording {recording_id} from {kind} {name}",
            also=record,
        )


def count_moments(n: int) -> str:
    return f"{n} moment" if n == 1 else f"{n} moments"
