"""Exact frames off the GUI thread.

The GUI asks for frame n as often as it likes (every step, every scrub move); the worker always serves
the newest request and drops the ones overtaken by it, so scrubbing never queues up stale decodes.
With a proxy it first sends the fast preview of frame n, then the exact frame from the original.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage

from vfeedback.core.errors import VfeedbackError
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Cancelled

if TYPE_CHECKING:
    from vfeedback.media.decoder import FrameDecoder


_Config = tuple[Path, FrameIndex, int, tuple[int, int], Path | None]


def to_qimage(image: Any) -> QImage:
    """An RGB24 ndarray (H x W x 3) as a QImage that owns its memory."""
    height, width = image.shape[:2]
    return QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class FrameWorker(QObject):
    """Lives on its own thread; owns the decoder (which is not thread-safe)."""

    frameReady = Signal(int, QImage, bool)  # frame number, picture, exact
    failed = Signal(str)
    _wake = Signal()

    def __init__(self, cache_bytes: int | None = None) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._cache_bytes = cache_bytes  # None: the decoder's own default
        self._wanted: int | None = None
        self._with_preview = True
        self._pending_config: _Config | None = None
        self._decoder: FrameDecoder | None = None
        self._opened: tuple[Path, FrameIndex] | None = None
        self._wake.connect(self._serve)

    def configure(
        self,
        path: Path,
        index: FrameIndex,
        rotation: int,
        max_size: tuple[int, int],
        proxy: Path | None,
    ) -> None:
        """Called from the GUI thread; the decoder is built lazily on the worker thread."""
        with self._lock:
            self._pending_config = (path, index, rotation, max_size, proxy)

    def request(self, frame: int, *, preview: bool = True) -> None:
        """``preview`` False: the exact frame only (following playback, where decoding on from the
        last frame is cheaper than a proxy's preview first)."""
        with self._lock:
            self._wanted = frame
            self._with_preview = preview
        self._wake.emit()

    @Slot()
    def close(self) -> None:
        """Runs on the worker thread (see FrameThread.stop): the decoder is only touched there."""
        with self._lock:
            self._wanted = None
            self._pending_config = None
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None
        self._opened = None

    @Slot()
    def _serve(self) -> None:
        with self._lock:
            wanted, self._wanted = self._wanted, None
            config, self._pending_config = self._pending_config, None
            with_preview = self._with_preview
        if config is not None:
            self._reopen(*config)
        if wanted is None or self._decoder is None:
            return
        try:
            preview = self._decoder.preview(wanted) if with_preview else self._decoder.cached(wanted)
            if preview is not None and not self._overtaken():
                self.frameReady.emit(wanted, to_qimage(preview.image), preview.exact)
            if preview is not None and preview.exact:
                return
            if self._overtaken():
                return
            exact = self._decoder.frame(wanted, should_cancel=self._overtaken)
            self.frameReady.emit(wanted, to_qimage(exact.image), True)
        except Cancelled:
            pass  # a newer request came in; it is served next
        except VfeedbackError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            self.failed.emit(f"Frame {wanted} could not be decoded ({type(exc).__name__}).")

    def _overtaken(self) -> bool:
        with self._lock:
            return self._wanted is not None

    def _reopen(
        self, path: Path, index: FrameIndex, rotation: int, max_size: tuple[int, int], proxy: Path | None
    ) -> None:
        from vfeedback.media.decoder import FrameDecoder

        if self._decoder is not None and self._opened == (path, index):
            # Same recording: keep the decoder and its cache, take the new proxy and size.
            try:
                self._decoder.set_max_size(max_size)
                self._decoder.set_proxy(proxy)
            except VfeedbackError as exc:
                self.failed.emit(str(exc))
            return
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None
        try:
            if self._cache_bytes is None:
                self._decoder = FrameDecoder(path, index, rotation, max_size=max_size, proxy=proxy)
            else:
                self._decoder = FrameDecoder(
                    path, index, rotation, max_size=max_size, proxy=proxy, cache_bytes=self._cache_bytes
                )
            self._opened = (path, index)
        except VfeedbackError as exc:
            self.failed.emit(str(exc))


class FrameThread:
    """A FrameWorker on its own QThread, started and stopped with its owner."""

    def __init__(self, name: str = "exact-frames", cache_bytes: int | None = None) -> None:
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.worker = FrameWorker(cache_bytes)
        self.worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self) -> None:
        QMetaObject.invokeMethod(self.worker, "close", Qt.ConnectionType.BlockingQueuedConnection)
        self.thread.quit()
        self.thread.wait(5000)
