"""Camera angles: adding a recording as an angle of a main recording, its offset on the main clock
(typed, nudged or found from the sound), listing a session's angles, and removing one. Each change is one
undoable action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from vfeedback.core.angles import MAX_ANGLES, METHODS, Angle, Method, nudged_offset, overlap
from vfeedback.core.errors import BadInput, Conflict, NotFound
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Recording
from vfeedback.core.timecode import format_time
from vfeedback.services.context import Context
from vfeedback.services.media import Media
from vfeedback.services.recordings import Recordings
from vfeedback.services.undo import Tx
from vfeedback.storage import tables as t

LIMIT_US = 10**15
"""No offset beyond this (about 31 years) is a time on any film's clock; refused before arithmetic."""


@dataclass(eq=False)
class Angles:
    ctx: Context
    recordings: Recordings
    media: Media

    def of(self, main_id: int) -> list[Angle]:
        """The angles of ``main_id`` (not itself), in the order they were added."""
        self.recordings.get(main_id)
        with self.ctx.read() as conn:
            found = conn.execute(
                select(t.angles).where(t.angles.c.main_id == main_id).order_by(t.angles.c.id)
            )
            return [_angle(r._mapping) for r in found]

    def get(self, recording_id: int) -> Angle | None:
        """The angle ``recording_id`` is, or None when it is not an angle of anything."""
        with self.ctx.read() as conn:
            return _find(conn, recording_id)

    def main_of(self, recording_id: int) -> int:
        """The main recording of ``recording_id``'s session (itself when it is not an angle)."""
        found = self.get(recording_id)
        return found.main_id if found is not None else recording_id

    def add(
        self,
        recording_id: int,
        main_id: int,
        offset_us: int,
        *,
        method: Method = "manual",
        confidence: float | None = None,
    ) -> Angle:
        """Add ``recording_id`` as an angle of ``main_id`` with its time zero at ``offset_us`` on the main
        clock. Refused (one sentence, nothing changed) for itself, another family's film, a film that is
        already an angle or has angles of its own, a fifth angle, or an offset where the films do not
        overlap."""
        if method not in METHODS:
            raise BadInput(f"An angle is found 'auto' or 'manual', not {method!r}.")
        if confidence is not None and not 0.0 <= confidence <= 1.0:
            raise BadInput("A confidence is a number from 0 to 1.")
        angle, main = self._pair(recording_id, main_id)
        _check_offset(offset_us, main, angle)
        with self.ctx.edit(f"Add recording {angle.id} as an angle of recording {main.id}") as tx:
            self._check_free(tx.conn, angle.id, main.id)
            row = tx.insert(
                t.angles,
                {
                    "recording_id": angle.id,
                    "main_id": main.id,
                    "offset_us": offset_us,
                    "method": method,
                    "confidence": confidence if method == "auto" else None,
                },
            )
        return _angle(row)

    def find_offset(
        self,
        recording_id: int,
        main_id: int,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> tuple[int, float]:
        """Where ``recording_id``'s time zero falls on ``main_id``'s clock, found from their sounds, and
        how clearly they matched (0..1). Changes nothing. Refused with one sentence when one has no
        sound or the sounds do not match well enough; ``should_cancel`` raises Cancelled."""
        from vfeedback.media import sync

        self._pair(recording_id, main_id)
        main, main_path = self.media._source(main_id)
        angle, angle_path = self.media._source(recording_id)
        found = sync.find_offset(
            main_path,
            angle_path,
            main_name=f"recording {main.id}",
            angle_name=f"recording {angle.id}",
            main_duration_us=main.media.duration_us,
            angle_duration_us=angle.media.duration_us,
            progress=progress,
            should_cancel=should_cancel,
        )
        return found.offset_us, found.confidence

    def add_auto(
        self,
        recording_id: int,
        main_id: int,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> Angle:
        """``add`` at the offset found from the sounds (``find_offset``), method ``auto`` with its
        confidence. What ``add`` would refuse is refused before the sound is read."""
        self._pair(recording_id, main_id)
        with self.ctx.read() as conn:
            self._check_free(conn, recording_id, main_id)
        offset_us, confidence = self.find_offset(recording_id, main_id, progress, should_cancel)
        return self.add(recording_id, main_id, offset_us, method="auto", confidence=confidence)

    def check_add(self, recording_id: int, main_id: int, offset_us: int, *, also_planned: int = 0) -> None:
        """Refuse, as ``add`` would (one sentence), without changing anything; ``also_planned``: angles
        of ``main_id`` about to be added with it (an ELAN import re-creating several)."""
        angle, main = self._pair(recording_id, main_id)
        _check_offset(offset_us, main, angle)
        with self.ctx.read() as conn:
            self._check_free(conn, angle.id, main.id, also_planned)

    def add_within(self, tx: Tx, recording_id: int, main_id: int, offset_us: int) -> Angle:
        """``add`` (manual) as part of another undoable action ``tx`` (an ELAN import re-creating the
        angles it links), with the same refusals."""
        angle, main = self._pair(recording_id, main_id)
        _check_offset(offset_us, main, angle)
        self._check_free(tx.conn, angle.id, main.id)
        row = tx.insert(
            t.angles,
            {"recording_id": angle.id, "main_id": main.id, "offset_us": offset_us, "method": "manual",
             "confidence": None},
        )  # fmt: skip
        return _angle(row)

    def _pair(self, recording_id: int, main_id: int) -> tuple[Recording, Recording]:
        """The angle and the main recording, refused when one would be an angle of itself or they
        belong to different families."""
        angle, main = self.recordings.get(recording_id), self.recordings.get(main_id)
        if angle.id == main.id:
            raise BadInput(f"Recording {main.id} cannot be an angle of itself.")
        if angle.family_id != main.family_id:
            raise BadInput(
                f"Recording {angle.id} belongs to {angle.family_code} and recording {main.id} to "
                f"{main.family_code}: angles of one session come from the same family."
            )
        return angle, main

    def set_offset(self, recording_id: int, offset_us: int) -> Angle:
        """A typed or nudged offset: the angle is then ``manual`` (one undoable action)."""
        current = self._existing(recording_id)
        _check_offset(offset_us, self.recordings.get(current.main_id), self.recordings.get(recording_id))
        if offset_us == current.offset_us and current.method == "manual":
            return current
        label = f"Set the offset of angle {recording_id} to {format_time(offset_us)}"
        with self.ctx.edit(label) as tx:
            _, after = tx.update(
                t.angles,
                self._row_id(tx.conn, recording_id),
                {"offset_us": offset_us, "method": "manual", "confidence": None},
            )
        return _angle(after)

    def nudge(self, recording_id: int, frames: int, at_us: int) -> Angle:
        """Move the angle by ``frames`` of its own frames (negative: earlier) as seen at ``at_us`` on the
        main clock: the frame it showed there becomes the one ``frames`` later (one undoable action)."""
        current = self._existing(recording_id)
        times = self.media.frame_index(recording_id).times
        return self.set_offset(recording_id, nudged_offset(current.offset_us, times, at_us, frames))

    def remove(self, recording_id: int) -> Angle:
        """The recording becomes a film of its own again (one undoable action); nothing else changes."""
        current = self._existing(recording_id)
        with self.ctx.edit(f"Remove angle {recording_id} from recording {current.main_id}") as tx:
            tx.delete(t.angles, self._row_id(tx.conn, recording_id))
        return current

    def _existing(self, recording_id: int) -> Angle:
        self.recordings.get(recording_id)
        found = self.get(recording_id)
        if found is None:
            raise NotFound(f"Recording {recording_id} is not an angle of another recording.")
        return found

    @staticmethod
    def _row_id(conn: Connection, recording_id: int) -> int:
        return int(
            conn.execute(select(t.angles.c.id).where(t.angles.c.recording_id == recording_id)).scalar_one()
        )

    @staticmethod
    def _check_free(conn: Connection, angle_id: int, main_id: int, also_planned: int = 0) -> None:
        already = _find(conn, angle_id)
        if already is not None:
            raise Conflict(f"Recording {angle_id} is already an angle of recording {already.main_id}.")
        main_is_angle = _find(conn, main_id)
        if main_is_angle is not None:
            raise Conflict(
                f"Recording {main_id} is itself an angle of recording {main_is_angle.main_id}: "
                f"add angles to recording {main_is_angle.main_id}."
            )
        has_own = conn.execute(select(t.angles.c.id).where(t.angles.c.main_id == angle_id)).first()
        if has_own is not None:
            raise Conflict(f"Recording {angle_id} has angles of its own: it can only be a main recording.")
        count = len(list(conn.execute(select(t.angles.c.id).where(t.angles.c.main_id == main_id))))
        if count + also_planned + 1 >= MAX_ANGLES:
            raise Conflict(
                f"Recording {main_id} already has {MAX_ANGLES} angles, the most a session can show."
            )


def _check_offset(offset_us: Any, main: Recording, angle: Recording) -> None:
    if isinstance(offset_us, bool) or not isinstance(offset_us, int) or abs(offset_us) > LIMIT_US:
        raise BadInput("An angle's offset is a time within the films, in microseconds.")
    start, end = overlap(offset_us, main.media.duration_us, angle.media.duration_us)
    if end <= start:
        raise BadInput(
            f"At an offset of {_signed(offset_us)} recording {angle.id} would not overlap recording "
            f"{main.id} at all; check the offset."
        )


def _signed(us: int) -> str:
    return ("-" if us < 0 else "+") + format_time(abs(us))


def _find(conn: Connection, recording_id: int) -> Angle | None:
    row = conn.execute(select(t.angles).where(t.angles.c.recording_id == recording_id)).first()
    return _angle(row._mapping) if row is not None else None


def _angle(row: Any) -> Angle:
    return Angle(
        recording_id=int(row["recording_id"]),
        main_id=int(row["main_id"]),
        offset_us=int(row["offset_us"]),
        method=row["method"],
        confidence=None if row["confidence"] is None else float(row["confidence"]),
    )
