"""What a recording has that can always be made again from its file: the frame index (kept in the
database) and the folder of its caches (preview copy, filmstrip, waveform), which deleting the
recording takes with it."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import delete, insert, select

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Recording
from vfeedback.services.context import Context
from vfeedback.services.recordings import Recordings
from vfeedback.storage import tables as t
from vfeedback.system.files import private_folder


@dataclass(eq=False)
class Media:
    ctx: Context
    recordings: Recordings

    def frame_index(
        self,
        recording_id: int,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> FrameIndex:
        """Every frame's time, from the library's cache or built from the file (then cached)."""
        with self.ctx.read() as conn:
            blob = conn.execute(
                select(t.frame_indexes.c.data).where(t.frame_indexes.c.recording_id == recording_id)
            ).scalar()
        if blob is not None:
            try:
                return FrameIndex.from_bytes(blob)
            except BadInput:
                pass  # an older format: rebuild below
        recording = self.recordings.get(recording_id)
        path = self.recordings.path(recording)
        if not path.exists():
            raise BadInput(
                f"The file of recording {recording_id} ({recording.original_name}) is missing; "
                "relink it first."
            )
        from vfeedback.media.frameindex import build_frame_index

        index = build_frame_index(
            path, progress=progress, should_cancel=should_cancel, shown_as=recording.original_name
        )
        self._store_frame_index(recording, index)
        return index

    def _store_frame_index(self, recording: Recording, index: FrameIndex) -> None:
        # A cache refresh, not a user's edit: written outside the undo log.
        media = replace(
            recording.media,
            frame_count=len(index),
            variable_frame_rate=index.is_variable_rate(),
        )
        with self.ctx.write() as conn:
            conn.execute(delete(t.frame_indexes).where(t.frame_indexes.c.recording_id == recording.id))
            conn.execute(
                insert(t.frame_indexes).values(
                    recording_id=recording.id,
                    frame_count=len(index),
                    built_at=self.ctx.now(),
                    data=index.to_bytes(),
                )
            )
            if media != recording.media:
                conn.execute(
                    t.recordings.update()
                    .where(t.recordings.c.id == recording.id)
                    .values(media_json=json.dumps(media.to_dict()))
                )

    def cache_dir(self, recording_id: int, *, create: bool = True) -> Path:
        """Rebuildable files of one recording (proxy, filmstrip, waveform); owner-only. With
        ``create`` False, only where it is (to delete it)."""
        folder = self.ctx.root / "cache" / "recordings" / str(recording_id)
        return private_folder(folder) if create else folder
