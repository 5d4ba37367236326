"""The background work that follows opening a recording: frame index, proxy, filmstrip, waveform.

Each is a job for the TaskRunner that calls the library (``lib.media``), which knows where these
live, when a cached one is still good and how to make one; the workbench only schedules them. Results
that arrive piece by piece (thumbnails, waveform chunks) are handed to the GUI thread through a Qt
signal, never by touching widgets from the worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Recording
from vfeedback.services import Library

THUMB_HEIGHT = 54  # the timeline's filmstrip row
BUCKET_US = 10_000  # the timeline's waveform: one (min, max) per 10 ms


class Pieces(QObject):
    """Carries progressive results from worker threads to the GUI thread."""

    thumbnail = Signal(int, int, object)  # recording id, time µs, RGB ndarray
    waveform = Signal(int, int, object)  # recording id, first bucket, (n, 2) peaks


def index_job(library: Library, recording_id: int) -> Any:
    def job(progress: Progress, should_cancel: ShouldCancel) -> FrameIndex:
        return library.media.frame_index(recording_id, progress=progress, should_cancel=should_cancel)

    return job


def proxy_job(library: Library, recording: Recording, index: FrameIndex) -> Any:
    def job(progress: Progress, should_cancel: ShouldCancel) -> Path:
        return library.media.proxy(recording.id, index, progress=progress, should_cancel=should_cancel)

    return job


def filmstrip_job(library: Library, recording: Recording, index: FrameIndex, pieces: Pieces) -> Any:
    def job(progress: Progress, should_cancel: ShouldCancel) -> list[tuple[int, Any]]:
        duration = max(recording.media.duration_us, 1)

        def on_thumb(time_us: int, image: Any) -> None:
            pieces.thumbnail.emit(recording.id, time_us, image)
            progress(min(time_us / duration, 1.0))

        return library.media.filmstrip(
            recording.id, index, height=THUMB_HEIGHT, on_thumb=on_thumb, should_cancel=should_cancel
        )

    return job


def waveform_job(library: Library, recording: Recording, pieces: Pieces) -> Any:
    def job(progress: Progress, should_cancel: ShouldCancel) -> Any:
        buckets = max(recording.media.duration_us // BUCKET_US, 1)

        def on_chunk(first: int, peaks: Any) -> None:
            pieces.waveform.emit(recording.id, first, peaks)
            progress(min((first + len(peaks)) / buckets, 1.0))

        return library.media.waveform(
            recording.id, bucket_us=BUCKET_US, on_chunk=on_chunk, should_cancel=should_cancel
        )

    return job
