"""What a recording has that can always be made again from its file: the frame index (kept in the
database), and in the recording's cache folder the preview copy (proxy), the filmstrip and the
waveform, which deleting the recording takes with it (``cache_dir(..., create=False)``).

The workbench only schedules these calls on its task runner; where the files live, when a cached one
is still good (the recording's fingerprint and each cache's version, see ``media.mediacache``) and how
they are made is decided here and below.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Recording
from vfeedback.services.context import Context
from vfeedback.services.recordings import Recordings
from vfeedback.storage import tables as t
from vfeedback.system.files import private_folder

if TYPE_CHECKING:
    from vfeedback.media.mediacache import Peaks, Thumb

PROXY_FILE = "proxy.mp4"


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
        recording, path = self._source(recording_id)
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
        folder = self.ctx.location.recording_caches / str(recording_id)
        return private_folder(folder) if create else folder

    def proxy_file(self, recording_id: int) -> Path | None:
        """The recording's preview copy if it has been made, else None; never makes it (cheap: the
        GUI asks this while opening a recording)."""
        path = self.cache_dir(recording_id, create=False) / PROXY_FILE
        return path if path.is_file() else None

    def proxy(
        self,
        recording_id: int,
        index: FrameIndex | None = None,
        progress: Progress | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> Path:
        """The recording's preview copy (``media.proxy``), made first if missing: ``progress`` gets
        0..1, ``should_cancel`` returning True stops ffmpeg (Cancelled) and leaves nothing behind.
        ``index`` is the recording's frame index when the caller holds it already."""
        made = self.proxy_file(recording_id)
        if made is not None:
            return made
        from vfeedback.media.proxy import make_proxy

        recording, path = self._source(recording_id)
        frames = index if index is not None else self.frame_index(recording_id)
        target = self.cache_dir(recording.id) / PROXY_FILE
        return make_proxy(path, target, frames, progress=progress, should_cancel=should_cancel)

    def filmstrip(
        self,
        recording_id: int,
        index: FrameIndex | None = None,
        *,
        height: int,
        on_thumb: Callable[[int, Thumb], None] | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> list[tuple[int, Thumb]]:
        """The recording's filmstrip, (frame time, RGB thumbnail ``height`` high) at a nice interval
        for its length (``media.filmstrip.choose_interval``), from the cache or made and cached.
        ``on_thumb`` sees each thumbnail either way, as it comes."""
        from vfeedback.media.filmstrip import choose_interval
        from vfeedback.media.mediacache import cached_filmstrip

        recording, path = self._source(recording_id)
        return cached_filmstrip(
            self.cache_dir(recording.id),
            path,
            recording.media,
            source=recording.fingerprint,
            interval_us=choose_interval(recording.media.duration_us),
            height=height,
            frames=index if index is not None else self.frame_index(recording_id),
            on_thumb=on_thumb,
            should_cancel=should_cancel,
        )

    def waveform(
        self,
        recording_id: int,
        *,
        bucket_us: int,
        on_chunk: Callable[[int, Peaks], None] | None = None,
        should_cancel: ShouldCancel | None = None,
    ) -> Peaks | None:
        """The recording's sound as (min, max) per ``bucket_us`` from its first frame, from the cache
        or read and cached; None when it has no sound. ``on_chunk(first_bucket, peaks)`` sees the
        peaks as they come."""
        from vfeedback.media.mediacache import cached_waveform

        recording, path = self._source(recording_id)
        return cached_waveform(
            self.cache_dir(recording.id),
            path,
            source=recording.fingerprint,
            bucket_us=bucket_us,
            on_chunk=on_chunk,
            should_cancel=should_cancel,
        )

    def _source(self, recording_id: int) -> tuple[Recording, Path]:
        """The recording and its file, or BadInput when the file is not where the library says."""
        recording = self.recordings.get(recording_id)
        path = self.recordings.path(recording)
        if not path.exists():
            raise BadInput(
                f"The file of recording {recording_id} ({recording.original_name}) is missing; "
                "relink it first."
            )
        return recording, path
