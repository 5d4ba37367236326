"""Exports: the clips, stills, reels and handouts made from moments, kept in the library (its
"highlights"), and copies of them delivered elsewhere.

An export is written atomically by ``vfeedback.export`` (temporary file, verified, renamed); only then
is its row written, so a crash leaves either nothing or a complete, recorded file. Exporting the same
moment with the same settings and caption again returns the stored file instead of making another.
File names carry only the case code, the recording date and a sequence number.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput, NotFound
from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel
from vfeedback.core.marks import Mark, checked, marks_from, marks_key
from vfeedback.core.model import Highlight, HighlightKind, Moment, Recording, Reel
from vfeedback.services import export_files, rows
from vfeedback.services.angles import Angles
from vfeedback.services.audit import Audit
from vfeedback.services.consent import Consent
from vfeedback.services.context import Context
from vfeedback.services.families import Families
from vfeedback.services.files import Files
from vfeedback.services.media import Media
from vfeedback.services.moments import Moments
from vfeedback.services.recordings import Recordings
from vfeedback.services.reels import Reels, clean_title
from vfeedback.storage import tables as t
from vfeedback.storage.files import save_private
from vfeedback.system.files import ByteProgress

if TYPE_CHECKING:
    from vfeedback.export.blur import Region
    from vfeedback.export.layout import AngleSource
    from vfeedback.export.options import ClipOptions, Layout
    from vfeedback.export.plan import ClipSource
    from vfeedback.render.handout import HandoutPicture


CLIP_JOBS = 2
"""Clips of a session pack encoded at once."""


@dataclass(eq=False)
class Exports:
    ctx: Context
    families: Families
    recordings: Recordings
    media: Media
    moments: Moments
    reels: Reels
    consent: Consent
    audit: Audit
    files: Files
    angles: Angles

    # --- exporting ------------------------------------------------------------------------------
    def clip(
        self,
        moment_id: int,
        options: ClipOptions | None = None,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        *,
        purpose: str = "feedback",
    ) -> Highlight:
        """A frame-exact clip of the moment with its caption (never its note), kept in the library."""
        from vfeedback.export.options import ClipOptions
        from vfeedback.export.plan import ClipSource, clip_plan
        from vfeedback.export.runner import run_export

        options = options or ClipOptions()
        m = self.moments.get(moment_id)
        rec = self.recordings.get(m.recording_id)
        self.consent.require(rec.family_id, purpose)
        if not m.caption.strip() and options.captions != "none":
            options = replace(options, captions="none")  # nothing to show: a clip without a caption
        options, angles, key = self._layout(rec, options)
        found = self._reusable(HighlightKind.CLIP, [m.id], key, m.caption, purpose)
        if found is not None:
            return found
        source = ClipSource(self._source_path(rec), rec.media, self.media.frame_index(rec.id))
        settings = options.to_dict()
        if angles:
            settings["angles"] = {str(a.recording_id): a.offset_us for a in angles}
        encoding = progress
        if options.blur_faces:
            from vfeedback.export.blur import find_clip_faces, progress_part

            # Found before a name is reserved, so a cancelled search leaves nothing behind.
            faces = find_clip_faces(
                source, m.start_us, m.end_us, options.padding_us,
                progress_part(progress, 0.0, 0.4), should_cancel,
            )  # fmt: skip
            source = replace(source, faces=faces)
            settings["faces_found"] = sum(bool(sample.boxes) for sample in faces)
            encoding = progress_part(progress, 0.4, 1.0)
        with self._reserved(HighlightKind.CLIP, rec.family_code, rec.recorded_on, ".mp4") as target:
            plan = clip_plan(
                source, m.start_us, m.end_us, m.caption, options, target, self._workdir(), angles=angles
            )
            result = run_export(plan, encoding, should_cancel)
        if plan.notes:
            settings["notes"] = list(plan.notes)
        return self._record_moment(HighlightKind.CLIP, m, rec, target, key, settings, result, purpose)

    def _layout(self, rec: Recording, options: ClipOptions) -> tuple[ClipOptions, list[AngleSource], str]:
        """``options.layout`` checked against ``rec``'s session (``_angles_for``): the options as
        exported, the angles and the reuse key, which holds each angle's offset (an angle moved by
        a frame makes a new clip). The default layout keeps today's key and needs no angles."""
        layout, sources = self._angles_for(rec, options.layout)
        options = replace(options, layout=layout)
        return options, sources, options.key() + _offsets_key(sources)

    def _angles_for(self, rec: Recording, layout: Layout) -> tuple[Layout, list[AngleSource]]:
        """``layout`` checked against ``rec``'s session: the layout as exported (the main recording
        named as the chosen angle is the default) and the angles it needs, the main first (none
        for the default: the export is made exactly as before angles existed). One sentence for a
        layout the session cannot show."""
        from vfeedback.export.layout import AngleSource, no_angles_sentence

        if layout.angle == rec.id:
            layout = replace(layout, angle=None)
        if layout.is_default:
            return layout, []
        main_of = self.angles.main_of(rec.id)
        if main_of != rec.id:
            raise BadInput(
                f"Recording {rec.id} is an angle of recording {main_of}: a layout of angles is made from a "
                f"moment on recording {main_of}, whose clock the session keeps."
            )
        found = self.angles.of(rec.id)
        if layout.kind != "single" and not found:
            raise BadInput(no_angles_sentence(rec.id, layout.kind))
        if layout.angle is not None and layout.angle not in {a.recording_id for a in found}:
            ids = ", ".join(str(a.recording_id) for a in found)
            which = f"its angles are {ids}" if found else "it has none"
            raise BadInput(f"Recording {layout.angle} is not an angle of recording {rec.id} ({which}).")
        if layout.kind == "single":
            found = [a for a in found if a.recording_id == layout.angle]
        sources = [AngleSource(rec.id, self._clip_source(rec), 0, True)]
        for angle in found:
            other = self.recordings.get(angle.recording_id)
            sources.append(AngleSource(other.id, self._clip_source(other), angle.offset_us))
        return layout, sources

    def _clip_source(self, rec: Recording) -> ClipSource:
        from vfeedback.export.plan import ClipSource

        return ClipSource(self._source_path(rec), rec.media, self.media.frame_index(rec.id))

    def still(
        self,
        moment_id: int,
        at_us: int | None = None,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        *,
        purpose: str = "feedback",
        marks: Sequence[Mark] = (),
        layout: Layout | None = None,
    ) -> Highlight:
        """The exact frame (the moment's start, or ``at_us`` snapped to a frame) as a full-size PNG,
        with the clinician's ``marks`` drawn on it and the caption stored beside it. With a
        ``layout`` of the session's angles, each angle's own frame at that time in its cell (the
        marks on the main recording's picture)."""
        from vfeedback.export.layout_still import layout_still_plan
        from vfeedback.export.options import Layout
        from vfeedback.export.plan import ClipSource, still_plan
        from vfeedback.export.runner import run_export

        m = self.moments.get(moment_id)
        rec = self.recordings.get(m.recording_id)
        self.consent.require(rec.family_id, purpose)
        index = self.media.frame_index(rec.id)
        wanted = m.start_us if at_us is None else at_us
        if not 0 <= wanted < index.duration_us:
            raise BadInput("That time is outside the recording.")
        at = index.snap(wanted)
        marks = checked(marks)
        chosen, angles = self._angles_for(rec, layout or Layout())
        key = f"still-{at}" + (f"-marks-{marks_key(marks)}" if marks else "")
        if angles:
            shown = chosen.to_dict()
            key += f"-{shown['kind']}-{shown['angle']}-{shown['corner']}{_offsets_key(angles)}"
        found = self._reusable(HighlightKind.STILL, [m.id], key, m.caption, purpose)
        if found is not None:
            return found
        source = ClipSource(self._source_path(rec), rec.media, index)
        with self._reserved(HighlightKind.STILL, rec.family_code, rec.recorded_on, ".png") as target:
            if angles:
                plan = layout_still_plan(chosen, angles, at, target, marks=marks)
            else:
                plan = still_plan(source, at, target, self._workdir(), marks=marks)
            result = run_export(plan, progress, should_cancel)
            save_private(target.with_suffix(".txt"), (m.caption + "\n").encode("utf-8"))
        settings: dict[str, Any] = {"at_us": at}
        if marks:
            settings["marks"] = [mark.to_list() for mark in marks]
        if angles:
            settings["layout"] = chosen.to_dict()
            settings["angles"] = {str(a.recording_id): a.offset_us for a in angles}
        if plan.notes:
            settings["notes"] = list(plan.notes)
        return self._record_moment(HighlightKind.STILL, m, rec, target, key, settings, result, purpose)

    def new_reel(
        self,
        title: str,
        moment_ids: Sequence[int],
        date_text: str | None = None,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        *,
        max_height: int | None = None,
        purpose: str = "feedback",
        layout: Layout | None = None,
    ) -> tuple[Reel, Highlight]:
        """Make a reel of these moments and export it, in one call: the consent for ``purpose`` is
        checked first, so a refused export leaves no reel behind (nor does a layout the moments'
        films cannot show)."""
        moments = [self.moments.get(i) for i in moment_ids]
        if not moments:
            raise BadInput("A reel needs at least one moment.")
        self.consent.require(self.reels.family_of(moments), purpose)
        if layout is not None:
            self._reel_layouts(moments, layout)
        reel = self.reels.create(title, moment_ids, date_text)
        made = self.reel(
            reel.id, progress, should_cancel, max_height=max_height, purpose=purpose, layout=layout
        )
        return reel, made

    def _reel_layouts(
        self, moments: Sequence[Moment], layout: Layout
    ) -> list[tuple[Layout, list[AngleSource]]]:
        """Each moment's layout in a reel: ``layout`` where its film has angles, its one picture where
        it has none (a reel may join sessions filmed with one camera and with two); refused in one
        sentence when no moment's film has angles for a layout that needs them, or for an angle that
        is not one of the session's."""
        from vfeedback.export.layout import no_angles_sentence
        from vfeedback.export.options import Layout

        chosen = []
        for m in moments:
            rec = self.recordings.get(m.recording_id)
            alone = (
                layout.kind != "single"
                and not self.angles.of(rec.id)
                and self.angles.main_of(rec.id) == rec.id
            )
            chosen.append(self._angles_for(rec, Layout() if alone else layout))
        if not layout.is_default and all(not angles for _, angles in chosen):
            raise BadInput(no_angles_sentence(moments[0].recording_id, layout.kind))
        return chosen

    def reel(
        self,
        reel_id: int,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        *,
        max_height: int | None = None,
        purpose: str = "feedback",
        layout: Layout | None = None,
    ) -> Highlight:
        """The reel as one film: a calm title card, then each moment with its caption, gently faded.
        16:9, as sharp as its sharpest recording up to 1080 lines (``max_height`` lowers that).
        ``layout``: each moment filmed by several cameras shown in it (``_reel_layouts``)."""
        from vfeedback.export.reel import LAYOUT_VERSION, ReelPart, reel_plan, run_reel

        reel = self.reels.get(reel_id)
        self.consent.require(reel.family_id, purpose)
        if not reel.moment_ids:
            raise BadInput(f"Reel {reel_id} has no moments left; add some first.")
        moments = [self.moments.get(i) for i in reel.moment_ids]
        captions = "\n".join(m.caption for m in moments)
        from vfeedback.export.options import RECIPE_VERSION

        key = f"reel-v{RECIPE_VERSION}.{LAYOUT_VERSION}-{reel.title}-{reel.date_text}-{max_height}"
        shown: Sequence[tuple[Layout | None, list[AngleSource]]] = [(None, [])] * len(moments)
        if layout is not None:
            shown = self._reel_layouts(moments, layout)
        angled = any(angles for _, angles in shown)
        if angled:
            assert layout is not None
            every = [a for _, angles in shown for a in angles]
            key += f"-{layout.kind}-{layout.angle}-{layout.corner}{_offsets_key(every)}"
        found = self._reusable(HighlightKind.REEL, reel.moment_ids, key, captions, purpose)
        if found is not None:
            return found
        parts, filmed = [], []
        for m, (chosen, angles) in zip(moments, shown, strict=True):
            rec = self.recordings.get(m.recording_id)
            filmed.append(rec.recorded_on)
            parts.append(
                ReelPart(
                    self._source_path(rec),
                    rec.media,
                    self.media.frame_index(rec.id),
                    m.start_us,
                    m.end_us,
                    m.caption,
                    chosen if angles else None,
                    tuple(angles),
                )
            )
        family = self.families.get(reel.family_id)
        # Named by the filming date like its clips (the latest session it shows), not today's.
        day = max((d for d in filmed if d is not None), default=None)
        with self._reserved(HighlightKind.REEL, family.code, day, ".mp4") as target:
            plan = reel_plan(
                parts, reel.title, reel.date_text, target, self._workdir(), max_height=max_height
            )
            result = run_reel(plan, progress, should_cancel)
        return self._record(
            HighlightKind.REEL,
            family_id=reel.family_id,
            recording_id=None,
            reel_id=reel.id,
            path=target,
            key=key,
            settings={
                "title": reel.title,
                "date_text": reel.date_text,
                "max_height": max_height,
                **({"layout": layout.to_dict()} if layout is not None and angled else {}),
            },
            caption=captions,
            result=result,
            moment_ids=reel.moment_ids,
            purpose=purpose,
        )

    def picture_of(self, moment: Moment) -> int:
        """The frame that stands for ``moment`` (its start time): the one chosen for it, else its
        middle frame (of an even count, the earlier of the two in the middle)."""
        if moment.picture_us is not None:
            return moment.picture_us
        index = self.media.frame_index(moment.recording_id)
        first, last = index.frame_at(moment.start_us), index.frame_at(moment.end_us)
        return index.time_of((first + last) // 2)

    def handout(
        self,
        reel_id: int,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        *,
        purpose: str = "feedback",
        marks: Mapping[int, Sequence[Mark]] | None = None,
        layout: Layout | None = None,
    ) -> Highlight:
        """An A4 PDF of the reel's moments, four a page: the exact frame chosen for each (else its
        middle frame) with the clinician's marks on it, its caption and the family's own words where
        typed. It replaces the reel's previous handout (file and row): a handout made again is the
        same sheet, corrected. ``marks`` by moment id; None keeps those of the previous handout
        (for the moments whose picture is still the same). ``layout`` (e.g. ``Layout("side-by-side")``):
        for a moment filmed by several cameras, both faces side by side (each angle's own frame at
        that time); a moment filmed by one camera keeps its one picture."""
        from vfeedback.media.fingerprint import sha256_file
        from vfeedback.render.handout import render_handout

        reel = self.reels.get(reel_id)
        self.consent.require(reel.family_id, purpose)
        if not reel.moment_ids:
            raise BadInput(f"Reel {reel_id} has no moments left; add some first.")
        moments = [self.moments.get(i) for i in reel.moment_ids]
        if marks is None:
            drawn = self._kept_marks(reel.id, purpose, moments)
        else:
            drawn = {i: checked(found) for i, found in marks.items() if found}
        pictures = self._pictures(moments, progress, should_cancel, purpose, drawn, layout)
        before = [h.id for h in self.all(reel.family_id, kind=HighlightKind.HANDOUT) if h.reel_id == reel.id]
        family = self.families.get(reel.family_id)
        with self._reserved(HighlightKind.HANDOUT, family.code, None, ".pdf") as target:
            render_handout(target, reel.title, reel.date_text, pictures)
            target.chmod(0o600)
        size = target.stat().st_size
        made = self._record(
            HighlightKind.HANDOUT,
            family_id=reel.family_id,
            recording_id=None,
            reel_id=reel.id,
            path=target,
            key=f"handout-{reel.title}-{reel.date_text}",
            settings={
                "title": reel.title,
                "date_text": reel.date_text,
                "pictures_us": [self.picture_of(m) for m in moments],
                "marks": {str(i): [mark.to_list() for mark in found] for i, found in drawn.items()},
                **({"layout": layout.to_dict()} if layout is not None and not layout.is_default else {}),
            },
            caption="\n".join(m.caption for m in moments),
            result=_Measured(sha256_file(target), size, 0, len(pictures), 595, 842),
            moment_ids=reel.moment_ids,
            purpose=purpose,
        )
        # Only now the old one goes: a crash in between leaves two handouts, never none.
        for old in before:
            if self.get(old).purpose == purpose:
                self.delete(old)
        return made

    def handout_pictures(self, reel_id: int, *, purpose: str = "feedback") -> list[HandoutPicture]:
        """What the reel's handout shows, for printing it (``render.handout.paint_handout``): the
        stills already made are reused, so this is quick after ``handout``."""
        reel = self.reels.get(reel_id)
        self.consent.require(reel.family_id, purpose)
        moments = [self.moments.get(i) for i in reel.moment_ids]
        kept = self._kept_marks(reel.id, purpose, moments)
        return self._pictures(moments, None, None, purpose, kept, self._kept_layout(reel.id, purpose))

    def _last_handout_settings(self, reel_id: int, purpose: str) -> str | None:
        """The stored settings (JSON) of the reel's newest handout for ``purpose``, if it has one."""
        h = t.highlights
        query = (
            select(h.c.settings_json)
            .where(h.c.kind == HighlightKind.HANDOUT.value, h.c.reel_id == reel_id, h.c.purpose == purpose)
            .order_by(h.c.id.desc())
        )
        with self.ctx.read() as conn:
            stored = conn.execute(query).scalar()
        return None if stored is None else str(stored)

    def _kept_layout(self, reel_id: int, purpose: str) -> Layout | None:
        """The layout of the reel's newest handout (None: one picture a moment)."""
        from vfeedback.export.options import Layout

        stored = self._last_handout_settings(reel_id, purpose)
        try:
            return Layout.from_value(json.loads(stored)["layout"]) if stored else None
        except (ValueError, TypeError, KeyError, BadInput):
            return None

    def _kept_marks(self, reel_id: int, purpose: str, moments: list[Moment]) -> dict[int, tuple[Mark, ...]]:
        """The marks of the reel's newest handout, for the moments whose picture has not changed."""
        stored = self._last_handout_settings(reel_id, purpose)
        if stored is None:
            return {}
        try:
            settings = json.loads(stored)
            at = dict(zip([m.id for m in moments], settings.get("pictures_us", []), strict=False))
            found = {int(k): marks_from(v) for k, v in settings.get("marks", {}).items()}
        except (ValueError, TypeError, AttributeError, BadInput):
            return {}  # a handout from before marks, or damaged settings: no marks, the handout still made
        return {m.id: found[m.id] for m in moments if found.get(m.id) and at.get(m.id) == self.picture_of(m)}

    def _pictures(
        self,
        moments: list[Moment],
        progress: Progress | None,
        should_cancel: ShouldCancel | None,
        purpose: str,
        marks: Mapping[int, Sequence[Mark]],
        layout: Layout | None = None,
    ) -> list[HandoutPicture]:
        from vfeedback.render.handout import HandoutPicture

        pictures = []
        for i, m in enumerate(moments):
            if should_cancel is not None and should_cancel():
                raise Cancelled
            # Several cameras where the moment's film has angles; one picture where it has none.
            shown = layout if layout is not None and self.angles.of(m.recording_id) else None
            at = self.picture_of(m)
            still = self.still(m.id, at, purpose=purpose, marks=marks.get(m.id, ()), layout=shown)
            pictures.append(HandoutPicture(self.path(still), m.caption, m.family_words or ""))
            if progress is not None:
                progress((i + 1) / (len(moments) + 1))
        return pictures

    def session_pack(
        self,
        moment_ids: Sequence[int],
        title: str,
        date_text: str | None = None,
        *,
        purpose: str = "feedback",
        options: ClipOptions | None = None,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
        step: Callable[[str], None] | None = None,
        marks: Mapping[int, Sequence[Mark]] | None = None,
        crops: Mapping[int, Region] | None = None,
        handout_layout: Layout | None = None,
    ) -> SessionPack:
        """Everything a session with the family needs, in one call: a clip of each moment, the reel
        (its title and date, the moments in this order) as one film, and its handout.

        The consent for ``purpose`` is checked once, before anything is written. ``step(words)`` says
        what is being made ("Clip 2 of 3: 'You waited for her'"). ``marks`` (by moment id) are drawn
        on the handout's pictures (None: those of the reel's previous handout); ``crops`` (by moment
        id) frame a moment's clip closer (``ClipOptions.crop``); ``handout_layout`` shows a
        moment filmed by several cameras side by side on the handout (``handout``). Cancelled or failed,
        nothing this call made is kept: its new clips, stills, reel film, handout and the reel itself
        are removed (files it found already made, and an existing reel of these moments, stay)."""
        moments = [self.moments.get(i) for i in moment_ids]
        if not moments:
            raise BadInput("Choose at least one moment for the session pack.")
        if len(set(moment_ids)) != len(moment_ids):
            raise BadInput("A moment is chosen twice; each moment goes into the session pack once.")
        family_id = self.reels.family_of(moments)
        self.consent.require(family_id, purpose)
        clean_title(title)  # refused now, before any clip is made, not after
        texts.optional(date_text, texts.DATE_TEXT)
        known = {h.id for h in self.all(family_id)}
        total = 2.3 * len(moments)  # a clip each, the reel re-encodes each, stills and paper
        created_reel: int | None = None

        meter = _Meter(progress, total)

        def part(done: float, weight: float) -> Progress | None:
            if progress is None:
                return None
            return meter.part(done, weight)

        def say(words: str) -> None:
            if step is not None:
                step(words)
            if should_cancel is not None and should_cancel():
                raise Cancelled

        try:
            from vfeedback.export.options import ClipOptions

            chosen = options or ClipOptions()
            per_moment = {m.id: replace(chosen, crop=(crops or {}).get(m.id, chosen.crop)) for m in moments}
            clips = self._pack_clips(moments, per_moment, purpose, part, should_cancel, say)
            reel = self._pack_reel(family_id, title, date_text, [m.id for m in moments])
            if reel is None:
                reel = self.reels.create(title, [m.id for m in moments], date_text)
                created_reel = reel.id
            say(f"The reel: {_quoted(reel.title)}")
            n = len(moments)
            film = self.reel(reel.id, part(n, 1.0 * n), should_cancel, purpose=purpose)
            say("The handout")
            handout = self.handout(
                reel.id,
                part(2 * n, 0.3 * n),
                should_cancel,
                purpose=purpose,
                marks=marks,
                layout=handout_layout,
            )
        except BaseException:
            self._unmake(known, family_id, created_reel)
            raise
        if progress is not None:
            progress(1.0)
        return SessionPack(tuple(clips), reel, film, handout)

    def _pack_clips(
        self,
        moments: list[Moment],
        options: Mapping[int, ClipOptions],
        purpose: str,
        part: Callable[[float, float], Progress | None],
        should_cancel: ShouldCancel | None,
        say: Callable[[str], None],
    ) -> list[Highlight]:
        """A clip of each moment, two encoding at once (one ffmpeg leaves part of two cores idle, as
        ``run_reel`` measured); the first failure stops the others. ``say`` names each clip, in
        order, as it becomes the one waited for."""
        from concurrent.futures import ThreadPoolExecutor

        stop = threading.Event()

        def stopping() -> bool:
            return stop.is_set() or (should_cancel is not None and should_cancel())

        def one(n: int, m: Moment) -> Highlight:
            return self.clip(m.id, options[m.id], part(n, 1.0), stopping, purpose=purpose)

        with ThreadPoolExecutor(max_workers=max(1, min(CLIP_JOBS, os.cpu_count() or 1))) as pool:
            futures = [pool.submit(one, n, m) for n, m in enumerate(moments)]
            try:
                clips = []
                for n, (m, future) in enumerate(zip(moments, futures, strict=True), start=1):
                    say(f"Clip {n} of {len(moments)}: {_quoted(m.caption)}")
                    clips.append(future.result())
            except BaseException:
                stop.set()  # the others stop at once; leaving ``with`` waits for them
                for future in futures:
                    future.cancel()
                raise
        return clips

    def _pack_reel(self, family_id: int, title: str, date_text: str | None, ids: list[int]) -> Reel | None:
        """The family's reel of exactly these moments with this title (and date, if given): made
        again, a session pack reuses it rather than piling up reels."""
        wanted = clean_title(title)
        day = texts.optional(date_text, texts.DATE_TEXT)
        for reel in self.reels.all(family_id):
            if reel.title == wanted and list(reel.moment_ids) == ids and day in (None, reel.date_text):
                return reel
        return None

    def _unmake(self, known: set[int], family_id: int, reel_id: int | None) -> None:
        """What a cancelled or failed session pack made, removed: its new files and rows, and the reel
        it created with the undo entry that made it (undoing it later would find nothing)."""
        for found in self.all(family_id):
            if found.id not in known and (reel_id is None or found.reel_id in (None, reel_id)):
                self.delete(found.id)
        if reel_id is None:
            return
        from vfeedback.services import undo

        with self.ctx.write() as conn:
            conn.execute(delete(t.reel_items).where(t.reel_items.c.reel_id == reel_id))
            conn.execute(delete(t.reels).where(t.reels.c.id == reel_id))
            undo.forget(
                conn,
                lambda table, row: (
                    (table == "reels" and row.get("id") == reel_id)
                    or (table == "reel_items" and row.get("reel_id") == reel_id)
                ),
            )
        self.ctx.announce(undo.Changes("Remove the unfinished reel", {"reels": frozenset({reel_id})}))

    def _source_path(self, rec: Recording) -> Path:
        path = self.recordings.path(rec)
        if not path.exists():
            raise BadInput(f"The file of recording {rec.id} is missing; relink it first.")
        return path

    def sweep_leftovers(self) -> None:
        """At open: what exports whose process died (a crash, a kill) left behind."""
        where = self.ctx.location
        export_files.sweep(where.root, where.scratch, self._known_paths, shared=where.team_files)

    def _reserved(
        self, kind: HighlightKind, family_code: str, day: date | None, suffix: str
    ) -> AbstractContextManager[Path]:
        return export_files.reserved(self.ctx.root, kind, family_code, day, suffix)

    def _workdir(self) -> Path:
        return export_files.workdir(self.ctx.location.scratch)

    def _known_paths(self) -> set[str]:
        with self.ctx.read() as conn:
            return set(conn.execute(select(t.highlights.c.path)).scalars())

    # --- listing and deleting -------------------------------------------------------------------
    def all(
        self,
        family: str | int | None = None,
        *,
        kind: HighlightKind | None = None,
        recording_id: int | None = None,
        text: str | None = None,
    ) -> list[Highlight]:
        h = t.highlights
        query = select(h).order_by(h.c.id.desc())
        if family is not None:
            query = query.where(h.c.family_id == self.families.get(family).id)
        if kind is not None:
            query = query.where(h.c.kind == kind.value)
        if recording_id is not None:
            query = query.where(h.c.recording_id == recording_id)
        if text:
            escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(h.c.caption.ilike(f"%{escaped}%", escape="\\"))
        with self.ctx.read() as conn:
            return [rows.highlight(conn, r) for r in conn.execute(query).mappings().all()]

    def get(self, highlight_id: int) -> Highlight:
        with self.ctx.read() as conn:
            row = (
                conn.execute(select(t.highlights).where(t.highlights.c.id == highlight_id)).mappings().first()
            )
            if row is None:
                raise NotFound(f"There is no exported item {highlight_id} in this library.")
            return rows.highlight(conn, row)

    def path(self, highlight: Highlight) -> Path:
        return self.ctx.root / highlight.path

    def delete(self, highlight_id: int) -> None:
        """The file and its row together. The file goes first: a crash in between leaves a row
        whose file is missing (``check`` reports it), never a family's video nobody knows about."""
        found = self.get(highlight_id)
        for rel in (found.path, *export_files.sidecars(self.ctx.root, found.path)):
            (self.ctx.root / rel).unlink(missing_ok=True)
        with self.ctx.write() as conn:
            conn.execute(
                delete(t.highlight_moments).where(t.highlight_moments.c.highlight_id == highlight_id)
            )
            conn.execute(delete(t.highlights).where(t.highlights.c.id == highlight_id))
            family = self.families.get(found.family_id)
            detail = f"Deleted {found.kind.value} {found.path}"
            self.audit.record(conn, "delete", family, detail, found.purpose)

    def deliver(self, highlight: Highlight, target: Path, progress: ByteProgress | None = None) -> Path:
        """Copy an export out of the library to ``target`` (a path ``destination`` returned), all or
        nothing, and record in the audit where it went: a withdrawal of consent must be able to list
        every copy."""
        self.files.copy(self.path(highlight), target, progress)
        self.audit.record_now(
            "export",
            self.families.get(highlight.family_id),
            f"Copied {highlight.kind.value} {highlight.id} ({highlight.path}) to {target.name}",
            highlight.purpose,
            destination=str(target),
            notes=False,  # an export never holds a private note
        )
        return target

    def start_review(self, reel_id: int) -> Reel:
        """Before showing a reel to its family: consent for feedback, and an entry in the record."""
        reel = self.reels.get(reel_id)
        self.consent.require(reel.family_id, "feedback")
        family = self.families.get(reel.family_id)
        with self.ctx.write() as conn:
            detail = f"Reviewed reel {reel.id} with the family ({len(reel.moment_ids)} moments)"
            self.audit.record(conn, "review", family, detail, "feedback")
        return reel

    # --- shared by the export calls -------------------------------------------------------------
    def _reusable(
        self, kind: HighlightKind, moment_ids: Sequence[int], key: str, caption: str, purpose: str
    ) -> Highlight | None:
        h, hm = t.highlights, t.highlight_moments
        with self.ctx.read() as conn:
            candidates = (
                conn.execute(
                    select(h).where(
                        h.c.kind == kind.value,
                        h.c.settings_key == key,
                        h.c.caption == caption,
                        h.c.purpose == purpose,
                    )
                )
                .mappings()
                .all()
            )
            for row in candidates:
                ids = tuple(
                    conn.execute(
                        select(hm.c.moment_id).where(hm.c.highlight_id == row["id"]).order_by(hm.c.position)
                    ).scalars()
                )
                if ids == tuple(moment_ids) and self._unchanged(row):
                    return rows.highlight(conn, row)
        return None

    def _unchanged(self, row: Any) -> bool:
        """The stored file is still the one exported: same size and modification time (a file
        recorded before times were kept is hashed whole once, and its time recorded)."""
        path = self.ctx.root / row["path"]
        try:
            stat = path.stat()
        except OSError:
            return False
        if stat.st_size != row["size_bytes"]:
            return False
        if row["mtime_ns"] is not None:
            return bool(stat.st_mtime_ns == row["mtime_ns"])
        from vfeedback.media.fingerprint import sha256_file

        try:
            if sha256_file(path) != row["sha256"]:
                return False
        except BadInput:
            return False
        with self.ctx.write() as conn:
            h = t.highlights
            conn.execute(h.update().where(h.c.id == row["id"]).values(mtime_ns=stat.st_mtime_ns))
        return True

    def _record_moment(
        self,
        kind: HighlightKind,
        m: Moment,
        rec: Recording,
        target: Path,
        key: str,
        settings: dict[str, Any],
        result: Any,
        purpose: str,
    ) -> Highlight:
        """``_record`` for an export of one moment (a clip or a still)."""
        return self._record(
            kind,
            family_id=rec.family_id,
            recording_id=rec.id,
            reel_id=None,
            path=target,
            key=key,
            settings=settings,
            caption=m.caption,
            result=result,
            moment_ids=[m.id],
            purpose=purpose,
        )

    def _record(
        self,
        kind: HighlightKind,
        *,
        family_id: int,
        recording_id: int | None,
        reel_id: int | None,
        path: Path,
        key: str,
        settings: dict[str, Any],
        caption: str,
        result: Any,
        moment_ids: Sequence[int],
        purpose: str,
    ) -> Highlight:
        values = {
            "kind": kind.value,
            "family_id": family_id,
            "recording_id": recording_id,
            "reel_id": reel_id,
            "path": path.relative_to(self.ctx.root).as_posix(),
            "settings_key": key,
            "settings_json": json.dumps(settings, sort_keys=True, default=str),
            "caption": caption,
            "sha256": result.sha256,
            "size_bytes": result.size_bytes,
            "duration_us": result.duration_us,
            "frame_count": result.frame_count,
            "width": result.width,
            "height": result.height,
            "thumbnail": None,
            "created_at": self.ctx.now(),
            "purpose": purpose,
            "mtime_ns": path.stat().st_mtime_ns,
        }
        with self.ctx.write() as conn:
            pk = conn.execute(insert(t.highlights).values(**values)).inserted_primary_key
            assert pk is not None
            highlight_id = int(pk[0])
            for position, moment_id in enumerate(moment_ids):
                conn.execute(
                    insert(t.highlight_moments).values(
                        highlight_id=highlight_id, position=position, moment_id=moment_id
                    )
                )
            self.audit.record(
                conn,
                "export",
                self.families.get(family_id),
                f"Exported {kind.value} {values['path']} (moments {', '.join(map(str, moment_ids))})",
                purpose,
                destination=str(values["path"]),
                notes=False,  # clips, stills, reels and handouts never carry a private note
            )
        return self.get(highlight_id)


@dataclass(frozen=True, slots=True)
class SessionPack:
    """What ``session_pack`` made: a clip of each moment, the reel and its film, and the handout."""

    clips: tuple[Highlight, ...]
    reel: Reel
    film: Highlight
    handout: Highlight

    def summary(self) -> str:
        """The sentence the clinician reads at the end: "3 clips, a reel and a handout are ready"."""
        clips = "1 clip" if len(self.clips) == 1 else f"{len(self.clips)} clips"
        return f"{clips}, a reel and a handout are ready"


def _offsets_key(sources: Sequence[AngleSource]) -> str:
    """The part of a reuse key that says which angles, at which offsets, an export shows."""
    if not sources:
        return ""
    import hashlib

    offsets = ",".join(f"{a.recording_id}:{a.offset_us}" for a in sources)
    return "-" + hashlib.sha256(offsets.encode()).hexdigest()[:8]


def _quoted(caption: str) -> str:
    line = " ".join(caption.split())
    if not line:
        return "(no caption)"
    return f"\u2018{line[:60]}\u2026\u2019" if len(line) > 60 else f"\u2018{line}\u2019"


class _Meter:
    """Progress over the pack's steps, two clips at a time: the sum of each step's share, never
    going backwards."""

    def __init__(self, progress: Progress | None, total: float) -> None:
        self._progress, self._total = progress, total
        self._lock = threading.Lock()
        self._shares: dict[float, float] = {}
        self._last = 0.0

    def part(self, start: float, weight: float) -> Progress:
        def call(fraction: float) -> None:
            with self._lock:
                self._shares[start] = weight * min(max(fraction, 0.0), 1.0)
                value = min(sum(self._shares.values()) / self._total, 1.0)
                if self._progress is not None and value > self._last:
                    self._last = value
                    self._progress(value)  # under the lock: two clips never report out of order

        return call


@dataclass(frozen=True, slots=True)
class _Measured:
    """What a row records of a finished export (the export modules' results have these fields too)."""

    sha256: str
    size_bytes: int
    duration_us: int
    frame_count: int
    width: int
    height: int
