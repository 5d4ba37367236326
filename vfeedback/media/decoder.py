"""Exact frames for the paused picture: frame n of the recording, decoded by us, never by the player.

``FrameDecoder`` is the facade the player and the exporters use. Beneath it:

* ``seeking.SeekingSource``: one kept-open container per file (the original, and the proxy for
  previews), which finds a frame by its time, seeking to the keyframe before it or decoding on;
* ``picture_cache.PictureCache``: frames decoded on the way to a target (the "back window") kept
  as decoded YUV, which costs no conversion time, so stepping back converts one of them (a few
  milliseconds), and a step back past the window decodes the section before it once and keeps it;
  and every picture handed out, as RGB at the display size (``picture.to_rgb``);

``preview(n)`` gives the same frame from the proxy (``vfeedback.media.proxy``: small, short GOP), which
is fast but not exact; the UI shows it at once and replaces it with ``frame(n)``.

Not thread-safe: one worker thread owns a FrameDecoder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import ShouldCancel
from vfeedback.core.text import quoted_name
from vfeedback.media.picture import DecodedFrame, fit, to_rgb, turned
from vfeedback.media.picture_cache import Kept, Key, PictureCache
from vfeedback.media.seeking import NotDecodable, SeekingSource

if TYPE_CHECKING:
    import av.video.frame

log = logging.getLogger(__name__)

# How many frames before a target are kept for stepping back: at most this many, and at most half
# the cache's bytes (decoded YUV, 1.4 MB a frame at 720p, 3.1 MB at 1080p).
MAX_BACK_WINDOW = 100


class FrameDecoder:
    """Frame-exact pictures of one recording, for pausing, stepping and scrubbing.

    ``rotation`` is the clockwise turn a viewer applies (``MediaInfo.rotation``); pictures come out
    upright. ``max_size`` is the display box (width, height): pictures are scaled down to fit it,
    keeping their aspect, and cached at that size. ``proxy`` is a copy made by ``make_proxy`` for
    ``preview``. Damaged or missing input raises BadInput with one sentence; a damaged frame fails
    alone and the decoder goes on working.
    """

    def __init__(
        self,
        path: Path,
        index: FrameIndex,
        rotation: int = 0,
        *,
        max_size: tuple[int, int] | None = None,
        cache_bytes: int = 192 << 20,
        proxy: Path | None = None,
    ) -> None:
        if rotation % 90:
            raise ValueError(f"rotation must be a multiple of 90 degrees, not {rotation}")
        self._index = index
        self._rotation = rotation % 360
        self._max_size = max_size
        self._cache = PictureCache(cache_bytes)
        self._original = SeekingSource(path)
        self._proxy: SeekingSource | None = None
        self._closed = False
        if proxy is not None:
            try:
                self.set_proxy(proxy)
            except BaseException:
                self.close()
                raise

    # --- public API ------------------------------------------------------------------------------

    def frame(self, n: int, should_cancel: ShouldCancel | None = None) -> DecodedFrame:
        """Frame ``n`` decoded from the original (exact). BadInput if it cannot be decoded.

        A cold seek can take a few hundred milliseconds: ``should_cancel`` (asked every few
        frames) returning True, say because the user has moved on, raises Cancelled.
        """
        t_us = self._start(n)
        hit = self._cached((True, n))
        if hit is not None:
            return hit
        keep_from = self._keep_from(n, self._original)
        try:
            decoded = self._original.get(t_us, keep_from, self._keeper(True), should_cancel)
        except NotDecodable as exc:
            raise BadInput(self._cannot(n)) from exc
        return self._picture(True, n, t_us, decoded)

    def preview(self, n: int) -> DecodedFrame | None:
        """The fastest picture of frame ``n``: a cached exact one, else the proxy's (``exact`` False).

        None when neither is at hand (no proxy, or the proxy cannot give this frame).
        """
        t_us = self._start(n)
        hit = self._cached((True, n))
        if hit is not None or self._proxy is None:
            return hit
        hit = self._cached((False, n))
        if hit is not None:
            return hit
        try:
            decoded = self._proxy.get(t_us, self._keep_from(n, self._proxy), self._keeper(False))
        except (NotDecodable, BadInput) as exc:  # a damaged or deleted proxy: frame() still works
            log.warning("%s: no preview of frame %d: %s", self._proxy.path.name, n, exc)
            return None
        return self._picture(False, n, t_us, decoded)

    def cached(self, n: int) -> DecodedFrame | None:
        """Frame ``n`` if it is cached exact, without decoding anything."""
        self._start(n)
        return self._cached((True, n))

    def set_proxy(self, proxy: Path | None) -> None:
        """Use ``proxy`` (made by ``make_proxy`` from this recording) for previews, or none."""
        self._check_open()
        if self._proxy is not None:
            self._proxy.close()
            self._proxy = None
        self._cache.drop(lambda key, _: not key[0])
        if proxy is None:
            return
        source = SeekingSource(proxy)
        frames = source.stream.frames
        if frames and frames != len(self._index):
            source.close()
            raise BadInput(
                f"The preview copy {quoted_name(proxy)} does not match its recording "
                f"({frames} frames instead of {len(self._index)}); it will be made again."
            )
        self._proxy = source

    def set_max_size(self, max_size: tuple[int, int] | None) -> None:
        """A new display box: cached pictures at the old size are dropped."""
        if max_size != self._max_size:
            self._max_size = max_size
            # Pictures at the old size are stale; decoded frames are not.
            self._cache.drop(lambda _, entry: isinstance(entry, DecodedFrame))

    @property
    def has_proxy(self) -> bool:
        return self._proxy is not None

    @property
    def cache_used_bytes(self) -> int:
        return self._cache.used

    @property
    def source_size(self) -> tuple[int, int]:
        """The original's picture size after rotation, before scaling."""
        return turned(self._original.width, self._original.height, self._rotation)

    @property
    def stats(self) -> dict[str, int]:
        """Counters for benchmarks and tests."""
        proxy = self._proxy
        return {
            "seeks": self._original.seeks,
            "decoded": self._original.decoded,
            "proxy_seeks": proxy.seeks if proxy else 0,
            "bad_packets": self._original.bad_packets,
            "cached_frames": len(self._cache),
        }

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._cache.clear()
        self._original.close()
        if self._proxy is not None:
            self._proxy.close()

    def __enter__(self) -> FrameDecoder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- internals -------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this FrameDecoder is closed")

    def _start(self, n: int) -> int:
        self._check_open()
        t_us = self._index.time_of(n)
        self._cache.playhead = n
        return t_us

    def _cannot(self, n: int) -> str:
        path = self._original.path
        if not path.exists():
            from vfeedback.media import probe

            return probe.explain(path, "missing")
        return f"Frame {n} of {quoted_name(path)} cannot be decoded: the file is damaged there."

    def _keep_from(self, n: int, source: SeekingSource) -> int:
        """Where the back window before frame ``n`` starts: as many frames as fit, each as a
        decoded frame and later as a picture, in half the cache."""
        raw = source.width * source.height * 3 // 2
        shown_w, shown_h = fit(source.width, source.height, self._rotation, self._max_size)
        window = min(MAX_BACK_WINDOW, self._cache.limit // 2 // max(raw, shown_w * shown_h * 3, 1))
        return self._index.time_of(max(n - window, 0))

    def _keeper(self, exact: bool) -> Callable[[int, av.video.frame.VideoFrame], None]:
        times = self._index.times

        def keep(us: int, frame: av.video.frame.VideoFrame) -> None:
            n = self._index.frame_at(us)
            if times[n] == us and (exact, n) not in self._cache:
                self._cache.put((exact, n), Kept.of(frame))

        return keep

    def _cached(self, key: Key) -> DecodedFrame | None:
        entry = self._cache.get(key)
        if isinstance(entry, Kept):
            return self._picture(key[0], key[1], self._index.time_of(key[1]), entry.restore())
        return entry

    def _picture(self, exact: bool, n: int, t_us: int, frame: av.video.frame.VideoFrame) -> DecodedFrame:
        image = to_rgb(frame, self._rotation, self._max_size)
        picture = DecodedFrame(n, t_us, image, exact, turned(frame.width, frame.height, self._rotation))
        self._cache.put((exact, n), picture)
        return picture
