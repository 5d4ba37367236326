"""The exact-frame decoder's memory: pictures handed out, and decoded frames kept for stepping back.

Both live in one cache bounded by the bytes of their pixels. Decoded frames (``Kept``) cost no
conversion when decoded on the way to a target; stepping back turns one into a picture in a few
milliseconds. When full, the cache drops what is farthest from the frame last asked for (previews
before exact frames at the same distance), not the least recently used: stepping back through the
kept frames turns them into pictures one by one, and LRU would drop the next ones needed first.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vfeedback.media.picture import DecodedFrame

if TYPE_CHECKING:
    import av.video.frame
    from numpy.typing import NDArray

# Decoded frames in these formats are copied out of the decoder's buffer pool into numpy arrays:
# a pool never gives memory back, so holding its frames would leave the cache's high-water mark
# allocated for good. Other formats keep the decoder's frame: a 10-bit frame rebuilt from an
# array loses its chroma siting and converts to RGB differently (by up to ~110 levels at sharp
# colour edges), so the same frame would look different coming from the cache.
_COPYABLE = {"yuv420p", "yuvj420p"}


@dataclass(slots=True)
class Kept:
    """A decoded frame kept for stepping back, not yet converted to RGB."""

    nbytes: int
    planes: NDArray[Any] | None = None
    pix_fmt: str = ""
    colorspace: int = 0
    color_range: int = 0
    frame: av.video.frame.VideoFrame | None = None

    @classmethod
    def of(cls, frame: av.video.frame.VideoFrame) -> Kept:
        name = frame.format.name
        if name in _COPYABLE and frame.width % 2 == 0 and frame.height % 2 == 0:
            planes = frame.to_ndarray()
            return cls(planes.nbytes, planes, name, frame.colorspace, frame.color_range)
        return cls(sum(plane.buffer_size for plane in frame.planes), frame=frame)

    def restore(self) -> av.video.frame.VideoFrame:
        import av

        if self.frame is not None:
            return self.frame
        assert self.planes is not None
        frame = av.VideoFrame.from_ndarray(self.planes, format=self.pix_fmt)
        # The conversion to RGB follows these (BT.709 phone video, full-range JPEG-style YUV).
        frame.colorspace = self.colorspace
        frame.color_range = self.color_range
        return frame


Entry = DecodedFrame | Kept
Key = tuple[bool, int]  # (exact, frame number)


def nbytes(entry: Entry) -> int:
    return entry.nbytes if isinstance(entry, Kept) else int(entry.image.nbytes)


class PictureCache:
    """Pictures and decoded frames by (exact, frame number), at most ``limit`` bytes of pixels."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.playhead = 0
        self._items: dict[Key, Entry] = {}
        # The keys by (frame number, exact): the farthest from any playhead is at one end or the
        # other, so choosing what to drop costs a look at both ends, not a pass over the cache
        # (which took ~6 ms of a cold seek that fills the back window).
        self._order: list[tuple[int, bool]] = []

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Key) -> bool:
        return key in self._items

    def entries(self) -> list[Entry]:
        return list(self._items.values())

    def get(self, key: Key) -> Entry | None:
        return self._items.get(key)

    def put(self, key: Key, entry: Entry) -> None:
        self.discard(key)
        size = nbytes(entry)
        if size > self.limit:
            return
        self._items[key] = entry
        insort(self._order, (key[1], key[0]))
        self.used += size
        while self.used > self.limit:
            self.discard(self._farthest(sparing=key))

    def discard(self, key: Key) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.used -= nbytes(old)
            del self._order[bisect_left(self._order, (key[1], key[0]))]

    def drop(self, which: Callable[[Key, Entry], bool]) -> None:
        for key in [k for k, v in self._items.items() if which(k, v)]:
            self.discard(key)

    def clear(self) -> None:
        self._items.clear()
        self._order.clear()
        self.used = 0

    def _farthest(self, sparing: Key) -> Key:
        """The entry to drop: the farthest frame from the playhead, a preview before an exact
        picture of the same frame, the later of two as far away, never ``sparing`` (the entry
        just put)."""
        order = self._order
        spared = (sparing[1], sparing[0])
        # Lowest frame: its preview sorts first. Highest frame: its preview sorts just before it.
        low = order[1] if order[0] == spared else order[0]
        top = len(order) - 1
        if order[top] == spared:
            top -= 1
        high = order[top]
        if high[1] and top > 0 and order[top - 1] == (high[0], False) and order[top - 1] != spared:
            high = order[top - 1]

        def rank(k: tuple[int, bool]) -> tuple[int, bool, int]:
            # As far after the playhead as before it: the later one goes, since decoding on to it
            # again is cheaper than the back-fill a frame before the playhead would need.
            return abs(k[0] - self.playhead), not k[1], k[0]

        n, exact = max(low, high, key=rank)
        return exact, n
