"""Supervision: how two coders of the same recording agree (see ``vfeedback.core.agreement``)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy import func, select

from vfeedback.core.agreement import Agreement, CodedSpan, compare
from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Code, Moment, Recording, Scheme
from vfeedback.services.base import LibraryBase
from vfeedback.storage import tables as t

MIN_SLICE_S = 0.01
MAX_SLICE_S = 600.0
MAX_SLICES = 400_000
"""More slices than this (e.g. 0.01 s over 1 h 7 min) would make the figures slow and no wiser."""
MAX_TOLERANCE_S = 600.0


class SupervisionMixin(LibraryBase):
    # Provided by the other mixins of Library.
    recording: Callable[..., Recording]
    moments: Callable[..., list[Moment]]
    frame_index: Callable[..., FrameIndex]
    schemes: Callable[[], list[Scheme]]

    def coder_counts(self, recording_id: int) -> dict[str, int]:
        """Each coder of the recording and how many moments they tagged, most first (then by name)."""
        m = t.moments
        query = select(m.c.coder, func.count()).where(m.c.recording_id == recording_id).group_by(m.c.coder)
        with self._read() as conn:
            found = [(str(name), int(n)) for name, n in conn.execute(query)]
        found.sort(key=lambda item: (-item[1], item[0].lower(), item[0]))
        return dict(found)

    def coders(self, recording_id: int) -> list[str]:
        """Who has coded the recording, the most prolific first."""
        return list(self.coder_counts(recording_id))

    def agreement(
        self,
        recording_id: int,
        coder_a: str,
        coder_b: str,
        slice_s: float = 1.0,
        tolerance_s: float = 1.0,
    ) -> Agreement:
        """Coder A (the reference) against coder B on one recording: kappa over time slices, per code,
        and event matches within the tolerance."""
        rec = self.recording(recording_id)
        a, b = coder_a.strip(), coder_b.strip()
        counts = self.coder_counts(recording_id)
        for name in (a, b):
            if name not in counts:
                raise BadInput(_unknown_coder(name, recording_id, list(counts)))
        if a == b:
            raise BadInput(f"Choose two different coders to compare; both are '{a}'.")
        index = self._index_or_none(recording_id)
        duration = index.duration_us if index is not None else rec.media.duration_us
        slice_us = _slice_us(slice_s, duration)
        tolerance_us = _tolerance_us(tolerance_s)
        moments = [m for m in self.moments(recording_id) if m.coder in (a, b)]
        names = self._code_names({m.code_id for m in moments})
        cover = _coverer(index, rec)
        spans: dict[str, list[CodedSpan]] = {a: [], b: []}
        for m in moments:
            start, end = cover(m)
            spans[m.coder].append(CodedSpan(start, end, names[m.code_id]))
        result = compare(spans[a], spans[b], duration, slice_us, tolerance_us)
        return replace(
            result,
            coders=(a, b),
            recording_id=recording_id,
            code_ids={name: code_id for code_id, name in names.items()},
        )

    def _index_or_none(self, recording_id: int) -> FrameIndex | None:
        # A supervisor may compare codings on a computer where the film itself was moved away: the
        # moments and the stored duration are enough then, only a little less exact at the ends.
        try:
            return self.frame_index(recording_id)
        except BadInput:
            return None

    def _code_names(self, code_ids: set[int]) -> dict[int, str]:
        """Each code's name, or its full label (then its id) where two codes share a name."""
        every = {c.id: c for s in self.schemes() for c in s.codes}
        codes: dict[int, Code] = {i: every[i] for i in sorted(code_ids)}
        names = {i: c.name for i, c in codes.items()}
        for attempt in (_label, _label_and_id):
            taken = Counter(names.values())
            names = {i: attempt(codes[i]) if taken[n] > 1 else n for i, n in names.items()}
        return names


def _label(code: Code) -> str:
    return code.label


def _label_and_id(code: Code) -> str:
    return f"{code.label} (id {code.id})"


def _coverer(index: FrameIndex | None, rec: Recording) -> Callable[[Moment], tuple[int, int]]:
    """A moment's on-screen interval: from its first frame's start to its last frame's end."""
    if index is not None:
        return lambda m: index.outer_span(m.start_us, m.end_us)
    frame = round(1_000_000 / rec.media.avg_fps) if rec.media.avg_fps > 0 else 40_000
    return lambda m: (m.start_us, m.end_us + frame)


def _slice_us(slice_s: float, duration_us: int) -> int:
    if not math.isfinite(slice_s) or not MIN_SLICE_S <= slice_s <= MAX_SLICE_S:
        raise BadInput(
            f"The slice length must be between {MIN_SLICE_S:g} and {MAX_SLICE_S:g} seconds, not {slice_s:g}."
        )
    slice_us = round(slice_s * 1_000_000)
    pieces = -(-duration_us // slice_us)
    if pieces > MAX_SLICES:
        shortest = math.ceil(duration_us / MAX_SLICES / 10_000) / 100
        raise BadInput(
            f"Slices of {slice_s:g} s would cut this recording into {pieces:,} pieces; "
            f"use {shortest:g} s or more."
        )
    return slice_us


def _tolerance_us(tolerance_s: float) -> int:
    if not math.isfinite(tolerance_s) or not 0 <= tolerance_s <= MAX_TOLERANCE_S:
        raise BadInput(
            f"The tolerance must be between 0 and {MAX_TOLERANCE_S:g} seconds, not {tolerance_s:g}."
        )
    return round(tolerance_s * 1_000_000)


def _unknown_coder(name: str, recording_id: int, known: Sequence[str]) -> str:
    if not known:
        return f"Nobody has coded recording {recording_id} yet, so there is nothing to compare."
    return f"Nobody called '{name}' has coded recording {recording_id}; coders here: {', '.join(known)}."
