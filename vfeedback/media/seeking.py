"""The seeking source: one kept-open container and its video decoder, which finds a frame by its time.

A frame is found by its presentation time (``pts_to_us`` against the frame index), never by counting
frames from a seek. A cold seek lands on the keyframe before the target and decodes forward; when the
decoder already stands before the target and no keyframe lies between, decoding on is cheaper, so the
source carries on instead. Demuxers that land after the target (B-frame reordering, edit lists,
negative times, MPEG-TS without an index) are handled by aiming further back, and in the end by
decoding from the start of the file, which every player can do.

Not thread-safe: one worker thread owns a source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from vfeedback.core.frames import pts_to_us
from vfeedback.core.jobs import Cancelled, ShouldCancel
from vfeedback.media.container import open_video, origin_pts

if TYPE_CHECKING:
    import av.video.frame

log = logging.getLogger(__name__)

# Without an index of keyframes, decode on rather than seek when the target is this close (µs).
FORWARD_GUESS_US = 2_000_000
# Seeks, each aiming further back, before decoding from the start of the file instead.
SEEK_TRIES = 8
# Frames decoded between looks at should_cancel (~10 ms of 720p).
CANCEL_EVERY = 8
# Slice threads only. Frame threads add a frame of delay per thread after every seek and fight over
# the cores: measured again (issue 11) on 240-frame runs of the decoder benchmark's 720p on this
# 2-core machine, two frame threads took 53-68 ms while the other core was free but 105-115 ms once
# another process held it, against 80 ms for one thread either way, and 35-40% more CPU; a cold
# seek's p95 is made in exactly those busy moments. Slices cost nothing and help phone encoders that
# write several per frame.
THREAD_TYPE = "SLICE"


class NotDecodable(Exception):
    """The frame asked for did not come out of the decoder (damaged data, or the file changed)."""


class SeekingSource:
    """One kept-open container and its video decoder, positioned somewhere in the stream."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seeks = 0
        self.bad_packets = 0
        self.decoded = 0  # frames out of the decoder: what a request cost
        self._skip_before_us = 0
        self._broken = False
        self._should_cancel: ShouldCancel | None = None
        self._open()

    def _open(self) -> None:
        container, stream = open_video(self.path)
        stream.thread_type = THREAD_TYPE
        base = stream.time_base
        assert base is not None  # open_video refuses a stream without one
        self._container = container
        self.stream = stream
        self.time_base: Fraction = base
        self.origin = origin_pts(stream)
        self.width = stream.codec_context.width
        self.height = stream.codec_context.height
        self._frames: Iterator[tuple[int, av.video.frame.VideoFrame]] | None = None
        self._pos_us: int | None = None  # the last frame taken from self._frames
        self._landing: int | None = None  # lowest timestamp of the keyframe packet a seek found

    def close(self) -> None:
        self._frames = None
        self._container.close()

    def _us(self, pts: int) -> int:
        return pts_to_us(pts, self.time_base, self.origin)

    def _pts(self, us: int) -> int:
        """A pts in [the frame at ``us``, the next frame): ``us`` is rounded, so aim half a µs late."""
        num, den = self.time_base.numerator, self.time_base.denominator
        return self.origin + -((-(2 * us + 1) * den) // (2 * num * 1_000_000))

    def get(
        self,
        t_us: int,
        keep_from_us: int,
        keep: Callable[[int, av.video.frame.VideoFrame], None],
        should_cancel: ShouldCancel | None = None,
    ) -> av.video.frame.VideoFrame:
        """The frame presented at ``t_us``; frames from ``keep_from_us`` up to it go to ``keep``.

        Frames before ``keep_from_us`` that no other frame refers to (most B-frames) are not
        decoded at all. ``should_cancel`` is asked every few frames; True raises Cancelled, leaving
        the decoder where it got to (what it decoded on the way is kept), ready for the next request.
        """
        import av

        self._should_cancel = should_cancel
        self._skip_before_us = keep_from_us
        if self._broken:
            self._rewind()  # the file was gone or unreadable: BadInput again unless it is back
        try:
            if self._worth_continuing(t_us):
                found = self._run(t_us, keep_from_us, keep, after_seek=False)
                if isinstance(found, _Found):
                    return found.frame
            wanted = self._pts(t_us)
            target = wanted
            for attempt in range(SEEK_TRIES):
                self._seek(target, wanted)
                found = self._run(t_us, keep_from_us, keep, after_seek=True)
                if isinstance(found, _Found):
                    return found.frame
                if not isinstance(found, _Late):
                    raise NotDecodable
                # The demuxer landed after the target's keyframe (B-frame reordering, an edit list,
                # negative times, MPEG-TS without an index): aim before where it landed, then
                # further back each time (1 s, 2 s, 4 s...) to cover long GOPs.
                back = round(1 / self.time_base) << attempt
                if self._landing is None:  # no keyframe before the target's time at all
                    target -= back
                else:
                    target = min(self._landing, target) - 1 - (back if attempt else 0)
            self._rewind()
            found = self._run(t_us, keep_from_us, keep, after_seek=True)
            if isinstance(found, _Found):
                return found.frame
        except (av.FFmpegError, OSError) as exc:
            # A read error ends the demuxer's iterator: the next request seeks afresh.
            self._frames = None
            raise NotDecodable from exc
        raise NotDecodable

    def _worth_continuing(self, t_us: int) -> bool:
        """True when decoding on from here is no more work than seeking to the target's keyframe."""
        if self._frames is None or self._pos_us is None or t_us <= self._pos_us:
            return False
        key_us = self._keyframe_before(t_us)
        if key_us is None:
            return t_us - self._pos_us <= FORWARD_GUESS_US
        return key_us <= self._pos_us

    def _keyframe_before(self, t_us: int) -> int | None:
        # Index entries (the MP4 sample table, Matroska cues) carry decode times, a frame or two
        # before presentation: close enough to choose between decoding on and seeking.
        entries = self.stream.index_entries
        if len(entries) < 2:
            return None
        at = entries.search_timestamp(self._pts(t_us), backward=True, any_frame=False)
        if at < 0:
            return None
        return self._us(entries[at].timestamp)

    def _seek(self, target_pts: int, wanted_pts: int) -> None:
        import av

        self.seeks += 1
        self._frames = None
        try:
            self._container.seek(target_pts, stream=self.stream, backward=True, any_frame=False)
        except av.FFmpegError:
            # Before the first keyframe some demuxers refuse a backward seek: start from the top.
            self._rewind()
            return
        self._frames = self._decode(give_up_after=wanted_pts + round(1 / self.time_base))

    def _rewind(self) -> None:
        """Decode from the very start of the file, which every player can do."""
        self.seeks += 1
        self.close()
        self._broken = True
        self._open()
        self._broken = False
        self._frames = self._decode(give_up_after=None)

    def _decode(self, *, give_up_after: int | None) -> Iterator[tuple[int, av.video.frame.VideoFrame]]:
        """(time, frame) in presentation order from the current demuxer position.

        After a seek (``give_up_after`` set) frames count from the first keyframe; if the packets
        pass ``give_up_after`` before one comes, the target's keyframe is behind us: stop.
        """
        import av

        self._landing = None
        self._pos_us = None
        codec = self.stream.codec_context
        skipping: bool | None = None  # as a previous run left the decoder: set on the first packet
        # After a seek only frames from the first keyframe on are whole: leading pictures of an
        # open GOP reference frames before the seek point. Nothing earlier is ever handed out.
        floor: int | None = None if give_up_after is not None else -(1 << 62)
        for packet in self._container.demux(self.stream):
            if floor is None and packet.size:
                if not packet.is_keyframe or packet.pts is None:
                    # Before the first keyframe: MPEG-TS seeks land anywhere.
                    stamp = packet.dts if packet.dts is not None else packet.pts
                    if give_up_after is not None and stamp is not None and stamp > give_up_after:
                        return
                    continue
                floor = packet.pts
                self._landing = packet.pts if packet.dts is None else min(packet.pts, packet.dts)
            # A picture nothing refers to and nobody will see need not be decoded: skipping the
            # non-reference B-frames before the back window took 27% off a 240-frame run of 720p
            # x264 (veryfast, 3 B-frames). What is decoded is bit for bit what it was.
            skip = packet.pts is not None and self._us(packet.pts) < self._skip_before_us
            if skip != skipping:
                codec.skip_frame = "NONREF" if skip else "DEFAULT"
                skipping = skip
            try:
                frames = codec.decode(packet)
            except av.FFmpegError as exc:
                # A damaged packet: its frame is missing (and frames referencing it may be
                # concealed, exactly as ffmpeg shows them); the rest of the file decodes on.
                self.bad_packets += 1
                log.warning("%s: skipped a damaged packet at pts %s: %s", self.path.name, packet.pts, exc)
                continue
            self.decoded += len(frames)
            for frame in frames:
                if frame.pts is None or floor is None or frame.pts < floor:
                    continue
                yield self._us(frame.pts), frame

    def _run(
        self,
        t_us: int,
        keep_from_us: int,
        keep: Callable[[int, av.video.frame.VideoFrame], None],
        *,
        after_seek: bool,
    ) -> _Found | _Late | None:
        frames = self._frames
        if frames is None:
            return None
        first = after_seek
        should_cancel = self._should_cancel
        for count, (us, frame) in enumerate(frames, 1):
            if should_cancel is not None and count % CANCEL_EVERY == 0 and should_cancel():
                raise Cancelled
            if first and us > t_us:
                return _Late()
            first = False
            self._pos_us = us
            if us < t_us:
                if us >= keep_from_us:
                    keep(us, frame)
                continue
            if us == t_us:
                return _Found(frame)
            return None  # stepped over the target: it is not in the stream as decoded
        self._frames = None
        return _Late() if first else None


@dataclass(slots=True)
class _Found:
    frame: av.video.frame.VideoFrame


class _Late:
    """The first frame after a seek was already past the target."""
