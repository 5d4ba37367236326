"""The decoder's picture cache keeps what is nearest the playhead, within its bytes.

The rule, written out plainly below (``_model``): when full, drop the entry farthest from the frame
last asked for; at the same distance a preview before an exact picture, and the later frame before
the earlier; never the entry just stored. The cache must agree with it after every step of a long
random mix of stores, removals and playhead moves, and never hold more than its limit.
"""

from __future__ import annotations

import random

import numpy as np

from vfeedback.media.picture import DecodedFrame
from vfeedback.media.picture_cache import Key, PictureCache


def _picture(n: int, exact: bool, size: int) -> DecodedFrame:
    image = np.zeros((1, size, 3), np.uint8)
    return DecodedFrame(n, n * 40_000, image, exact, (size, 1))


class _Model:
    """The rule by brute force: every time, a pass over everything held."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.playhead = 0
        self.held: dict[Key, int] = {}

    def put(self, key: Key, size: int) -> None:
        self.held.pop(key, None)
        if size > self.limit:
            return
        self.held[key] = size
        while sum(self.held.values()) > self.limit:
            others = [k for k in self.held if k != key]
            drop = max(others, key=lambda k: (abs(k[1] - self.playhead), not k[0], k[1]))
            del self.held[drop]


def test_the_cache_agrees_with_the_rule_written_out() -> None:
    rng = random.Random(11)
    limit = 3 * 40 * 3  # room for about forty 1x3 pictures, fewer of the larger ones
    cache, model = PictureCache(limit), _Model(limit)
    for _ in range(20_000):
        action = rng.random()
        if action < 0.1:
            cache.playhead = model.playhead = rng.randrange(0, 200)
            continue
        key = (rng.random() < 0.6, rng.randrange(0, 200))
        if action < 0.2:
            cache.discard(key)
            model.held.pop(key, None)
        else:
            size = rng.choice((1, 1, 1, 3, 50))  # 3, 9 or 150 bytes: the last never fits
            cache.put(key, _picture(key[1], key[0], size))
            model.put(key, 3 * size)
        assert {k for k in model.held} == {k for k in _keys(cache)}
        assert cache.used == sum(model.held.values()) <= limit


def test_a_tie_drops_the_frame_after_the_playhead() -> None:
    """Frames 8 and 12 are both 2 away from 10: stepping back to 8 must stay a hit."""
    cache = PictureCache(3 * 3)
    cache.playhead = 10
    for n in (8, 12, 10):
        cache.put((True, n), _picture(n, True, 1))
    cache.put((True, 11), _picture(11, True, 1))
    assert sorted(k[1] for k in _keys(cache)) == [8, 10, 11]


def _keys(cache: PictureCache) -> list[Key]:
    return [(e.exact, e.index) for e in cache.entries() if isinstance(e, DecodedFrame)]
