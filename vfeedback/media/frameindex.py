"""The frame index: every video frame's presentation time, read from the packets, and a check
that the recording decodes from end to end.

A decoder that wants to know which indexed frame it holds converts ``frame.pts`` with
``core.frames.pts_to_us`` and the same origin, the video stream's first presented pts. For every file
we have tried that equals PyAV's ``stream.start_time`` (see ``container.origin_pts``), so a stored
index needs no rescan.

The check, made while the packets go by, so that a damaged stream is refused when it is indexed
rather than half-way through an export. Decoding everything costs about 74 s for 10 minutes of
6 Mbit/s 720p on this machine (243 frames a second), far too slow for indexing, so it looks at what
is enough to catch a damaged stream:

- Every packet's framing. A packet whose size or position the sample table (``stsz``/``stco``) gets
  wrong, anywhere in the file, is no longer a whole number of NAL units. For H.264/HEVC in an
  MP4/MOV (``_NalCheck``, nearly every camera and phone recording) the scan reads each packet's
  first length prefix from the packet itself: one NAL unit that fills the packet exactly makes it
  whole (nearly every packet: one slice). Every other packet is walked in the file after the
  scan, all at once (numpy): a prefix that claims more bytes than its packet holds is what makes
  ffmpeg's decoder refuse the packet ("Invalid NAL unit size"). Any other file (``_DecodeCheck``)
  gives every packet to the decoder with ``skip_frame=ALL``, which splits it into its NAL units
  the same way, at ~2.5 µs a packet in C plus the Python call: as much again as reading the
  packets.
- Pictures. A damaged ``avcC``, with parameter sets that decode nothing, fails at the first
  picture: ``_NalCheck`` decodes in full the packets up to the first shown frame, then seeks to
  ``NAL_KEYFRAME_SAMPLES`` keyframes spread over the file and the last one and decodes them
  (~0.7 ms each at 720p); ``_DecodeCheck`` the first ``FIRST_FRAMES`` shown frames,
  ``KEYFRAME_SAMPLES`` spread keyframes and the last. Damage inside a picture's own data is
  concealed by the decoder rather than refused, in a full decode too: frames are not decoded to
  look for it.

Measured on 10 minutes of 600 kbit/s 720p H.264 (15,000 packets, ``benchmarks/bench_media.py``,
``frame_index_ratio``), CPU time, medians of 21 runs on a busy 2-core machine: the packets alone
(PyAV's demuxer) 47 ms, and 50 ms with every pts kept and sorted (the benchmark's baseline); with
the decoder's check on every packet 107 ms; with ``_NalCheck`` 57-59 ms (1.12 of the baseline):
+4 ms in the scan (each packet's size, first prefix and edit-list flag, the first keyframe
decoded), 2.5 ms for three keyframes found by seeking and decoded, 0.2 ms for the times (numpy).
Each thing read from a PyAV packet costs 60-100 ns, 1-1.5 ms in 15,000 packets: the scan reads
four (pts, size, first prefix, edit-list flag), the baseline one (pts).
"""

from __future__ import annotations

import mmap
import struct
import time
from array import array
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex, pts_to_us
from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel
from vfeedback.media import container as _container
from vfeedback.media import probe as _probe

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Literal

    import av.container
    import av.video.stream

    _VideoPacket = av.Packet[av.video.stream.VideoStream]
    _Skip = Literal["DEFAULT", "NONKEY", "ALL"]

PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress calls (and cancel checks) a second
FIRST_FRAMES = 25  # shown frames decoded in full at the start
KEYFRAME_SAMPLES = 16  # keyframes decoded in full, spread evenly over the recording
NAL_KEYFRAME_SAMPLES = 2  # the same where every packet's framing is read (``_NalCheck``)


def build_frame_index(
    path: Path,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    *,
    shown_as: str | None = None,
) -> FrameIndex:
    """Scan ``path`` and return every frame's presentation time (frame 0 at 0).

    ``progress`` gets fractions 0..1 (ending with 1.0); ``should_cancel`` returning True raises
    Cancelled. Bad files raise BadInput with one sentence, naming the file ``shown_as`` (default:
    its own name).
    """
    import av

    told = Path(shown_as) if shown_as else path  # how sentences name it: a library copy's
    container, stream = _container.open_video(path, shown_as=told)  # own name means nothing
    with container:
        is_iso = _container.is_iso(container)
        if is_iso and _probe.iso_truncated(path):
            raise BadInput(_probe.explain(told, "incomplete"))
        check = (_NalCheck.of(container, path, stream) if is_iso else None) or _DecodeCheck(stream)
        try:
            shown, packets, last = _scan(container, stream, check, progress, should_cancel)
        except av.FFmpegError as exc:
            raise BadInput(_probe.explain(told, "damaged")) from exc
        if not shown or not check.sound():
            raise BadInput(_probe.explain(told, "damaged"))
        # The sample table of an MP4/MOV says how many packets there are; fewer means a cut copy.
        if is_iso and stream.frames and packets < stream.frames:
            raise BadInput(_probe.explain(told, "incomplete"))
        base = stream.time_base
        assert base is not None
        times, lone = _times_us(shown, base)
        last_us = _lone_frame_us(container, stream, _ticks(stream, last)) if lone else None
        index = FrameIndex(times, last_us, in_order=True)
    if progress is not None:
        progress(1.0)
    return index


def _times_us(shown: array[int], base: Fraction) -> tuple[array[int], bool]:
    """``core.frames.pts_to_us`` of every presented pts from the first (the smallest), sorted and
    distinct, and whether all have one pts (a one-frame recording). The same integer arithmetic on
    the whole array at once: numpy's int64 only where the largest product fits in it, else Python's
    integers (a call and two ``Fraction`` properties a frame cost 4 ms in 15,000 frames, a list
    comprehension and ``FrameIndex`` sorting them again 3 ms)."""
    import numpy as np

    pts = np.frombuffer(shown, dtype=np.int64)
    origin, furthest = int(pts.min()), int(pts.max())
    scale, half = 2 * base.numerator * 1_000_000, base.denominator  # int64: ffmpeg's are 32-bit
    whole = 2 * half
    times = array("q")
    if (furthest - origin) * scale + half < 2**63:
        # Decode order is nearly presentation order: a stable (radix) sort takes 0.07 ms where
        # np.unique's quicksort took 1-2 ms.
        us = np.sort(((pts - origin) * scale + half) // whole, kind="stable")
        times.frombytes(us[np.concatenate(([True], us[1:] != us[:-1]))].tobytes())
    else:
        times.extend(sorted({((p - origin) * scale + half) // whole for p in shown}))
    return times, furthest == origin


def _ticks(stream: av.video.stream.VideoStream, last: _VideoPacket | None) -> int:
    """How long the packet presented last lasts, in the stream's ticks (0: not known), for a
    one-frame recording (every presented packet has the same pts, ``last`` is the last of them)."""
    if last is None or last.pts is None or last.pts < (stream.start_time or 0):
        return 0
    return last.duration or 0


def _lone_frame_us(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, ticks: int
) -> int | None:
    """How long the only frame of a one-frame recording lasts: its packet's duration (an MP4's
    sample table has it), else one frame at the stream's rate, else the container's length (the
    index would otherwise say 0, and no time would lie inside the recording)."""
    base = stream.time_base
    if ticks > 0 and base is not None:
        return pts_to_us(ticks, base, 0)
    rate = stream.average_rate or stream.guessed_rate
    if rate:
        return round(1_000_000 / rate)
    if container.duration:
        return int(container.duration)  # AV_TIME_BASE: microseconds
    return None


class _NalCheck:
    """H.264/HEVC with length-prefixed NAL units in an MP4/MOV: every packet's framing, and some
    keyframes decoded in full (see the module's docstring).

    It is fed packets only up to the first shown frame. After that the scan reads the first length
    prefix of each packet itself (``framing``): a packet that one NAL unit fills exactly is whole,
    and nearly every packet of a camera's or phone's recording is one slice. Any other packet
    (several units, a bad length, under 4 bytes) is ``kept`` by its position and size, and those
    are walked in the file after the scan, all at once. The keyframes to decode are found after
    the scan by seeking, so the packets that make up nearly all of a file cost no Python call of
    ours and no question of whether they are keyframes."""

    def __init__(
        self,
        container: av.container.InputContainer,
        path: Path,
        stream: av.video.stream.VideoStream,
        length_size: int,
    ) -> None:
        self.container = container
        self.path = path
        self.stream = stream
        self.length_size = length_size
        self.positions = array("q")  # of the packets to walk in the file
        self.sizes = array("q")
        self.decoded: set[int | None] = set()  # the pts of the packets given to the decoder
        self.pictures = _DecodeCheck(stream)
        # A few lone keyframes: one thread decodes them sooner than starting frame threads.
        self.pictures.context.thread_type = "NONE"

    @classmethod
    def of(
        cls, container: av.container.InputContainer, path: Path, stream: av.video.stream.VideoStream
    ) -> _NalCheck | None:
        """The check for ``stream`` of the MP4/MOV ``path`` (opened as ``container``), or None when
        its packets are not length-prefixed H.264/HEVC (an ``avcC``/``hvcC`` configuration,
        version 1)."""
        context = stream.codec_context
        extra = bytes(context.extradata or b"")
        where = {"h264": 4, "hevc": 21}.get(context.name)
        if where is None or len(extra) <= where or extra[0] != 1:
            return None
        return cls(container, path, stream, (extra[where] & 3) + 1)

    def feed(self, packet: _VideoPacket) -> bool:
        """A packet up to the first shown frame (an edit list's lead-in is not shown), decoded in
        full; False once that frame's packet has come."""
        self.keep(packet)
        self.decoded.add(packet.pts)
        self.pictures._decode(packet, "DEFAULT")
        return bool(packet.is_discard)

    def framing(self) -> _Framing:
        """What the scan needs for each later packet (see ``_Framing``)."""
        return _first_length(self.length_size), self.length_size, self.keep

    def keep(self, packet: _VideoPacket) -> None:
        """Walk ``packet`` in the file after the scan."""
        self.positions.append(packet.pos or -1)  # none, or 0 (the file's first box): refused
        self.sizes.append(packet.size)

    def sound(self) -> bool:
        """After the last packet: True when every packet is whole and the keyframes decode."""
        if not _whole_nal_units(self.path, self.positions, self.sizes, self.length_size):
            return False
        start, duration = self.stream.start_time or 0, self.stream.duration or 0
        spread = NAL_KEYFRAME_SAMPLES + 1
        check = self.pictures
        # Drained before every seek, which empties the decoder (PyAV flushes it).
        check._decode(None, "DEFAULT")  # the first shown frame, which it may still hold back
        for target in [*(start + duration * k // spread for k in range(1, spread)), 2**62]:
            packet = self._keyframe_before(target)  # 2^62: the last keyframe
            if packet is not None and packet.pts is not None and packet.pts not in self.decoded:
                self.decoded.add(packet.pts)
                check._decode(packet, "NONKEY")
                check._decode(None, "DEFAULT")
        return not check.failed and check.pictures > 0

    def _keyframe_before(self, target: int) -> _VideoPacket | None:
        """The packet a backward seek to ``target`` lands on (a keyframe), or None where the
        demuxer cannot seek there (the exact-frame decoder then starts from the top instead:
        ``seeking.SeekingSource``)."""
        import av

        try:
            self.container.seek(target, stream=self.stream, backward=True, any_frame=False)
            return next(self.container.demux(self.stream), None)
        except av.FFmpegError:
            return None


def _whole_nal_units(path: Path, positions: array[int], sizes: array[int], length_size: int) -> bool:
    """Whether each packet (its ``positions`` and ``sizes`` in the file) is a run of NAL units, each
    a big-endian length of ``length_size`` bytes and that many bytes, none running past the packet.
    Like ffmpeg's own split (``ff_h2645_packet_split``), a tail of fewer than 4 bytes is left alone.
    All packets are walked at once: one pass of numpy per NAL unit of the packet holding most."""
    import numpy as np

    if not positions:
        return True
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        return _walk(np.frombuffer(mapped, dtype=np.uint8), positions, sizes, length_size)


def _walk(data: Any, positions: array[int], sizes: array[int], length_size: int) -> bool:
    import numpy as np

    at = np.frombuffer(positions, dtype=np.int64).copy()
    end = at + np.frombuffer(sizes, dtype=np.int64)
    if at.min() < 0 or end.max() > len(data):
        return False
    walking = np.flatnonzero(end - at >= 4)
    while walking.size:
        start = at[walking]
        length = np.zeros(walking.size, dtype=np.int64)
        for i in range(length_size):
            length = (length << 8) | data[start + i]
        start += length_size
        if (length > end[walking] - start).any():
            return False
        at[walking] = start + length
        walking = walking[end[walking] - at[walking] >= 4]
    return True


def _first_length(length_size: int) -> Callable[[_VideoPacket], tuple[int]]:
    """What reads the big-endian length prefix (of ``length_size`` bytes) at the start of a packet:
    a 1-tuple, or struct.error for a shorter packet. 1, 2 or 4 bytes (ISO/IEC 14496-15); for the
    3 a damaged file may claim, a length that no packet matches, so that each is walked in full."""
    form = {1: ">B", 2: ">H", 4: ">I"}.get(length_size)
    return struct.Struct(form).unpack_from if form else _no_length


def _no_length(packet: _VideoPacket) -> tuple[int]:
    return (-1,)


if TYPE_CHECKING:
    _Framing = tuple[
        Callable[[_VideoPacket], tuple[int]],  # a packet's first length prefix (struct.error: short)
        int,  # how many bytes that prefix has
        Callable[[_VideoPacket], None],  # a packet to walk in the file
    ]


class _DecodeCheck:
    """Feeds every packet to the decoder as the module says, and remembers any failure."""

    def __init__(self, stream: av.video.stream.VideoStream) -> None:
        self.context = stream.codec_context
        self.shown = 0
        self.pictures = 0
        self.failed = False
        start = stream.start_time or 0
        self.every = max(1, (stream.duration or 0) // KEYFRAME_SAMPLES)
        self.next_sample = start
        self.last_key: _VideoPacket | None = None

    def feed(self, packet: _VideoPacket) -> bool:
        """Every packet, to the end: always True."""
        if self.shown < FIRST_FRAMES:
            self.shown += not packet.is_discard
            self._decode(packet, "DEFAULT")
        elif packet.is_keyframe and packet.pts is not None and packet.pts >= self.next_sample:
            self._decode(packet, "NONKEY")
            self.next_sample = packet.pts + self.every
            self.last_key = None
        else:
            if packet.is_keyframe:
                self.last_key = packet
            self._decode(packet, "ALL")
        return True

    def framing(self) -> _Framing:
        """Never asked for: ``feed`` wants every packet."""
        raise AssertionError("every packet is fed to the decoder")

    def sound(self) -> bool:
        """After the last packet: True when nothing failed and pictures came out."""
        if self.last_key is not None:
            self._decode(self.last_key, "NONKEY")
        self._decode(None, "DEFAULT")  # drain what the decoder holds back
        return not self.failed and self.pictures > 0

    def _decode(self, packet: _VideoPacket | None, skip: _Skip) -> None:
        import av

        if self.failed:
            return
        try:
            self.context.skip_frame = skip
            self.pictures += len(self.context.decode(packet))
        except (av.FFmpegError, ValueError):
            self.failed = True


def _scan(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    check: _NalCheck | _DecodeCheck,
    progress: Progress | None,
    should_cancel: ShouldCancel | None,
) -> tuple[array[int], int, _VideoPacket | None]:
    """(pts of every presented frame, in decode order; packets read, including those an edit list
    hides; the last packet presented). Each packet is given to ``check`` while its ``feed`` asks for
    more, then only its framing is looked at (``_NalCheck.framing``).

    This loop is the frame index's cost: ~0.1 µs a packet here is 1.5 ms in 15,000 packets, 3 % of
    the demuxer's own time, so it reads each packet's properties once and calls nothing per packet
    that is not needed (a frame's duration is asked only of the last presented packet)."""
    base = stream.time_base
    assert base is not None
    start = stream.start_time or 0
    if stream.duration:
        span = stream.duration
    elif container.duration:  # AV_TIME_BASE (microseconds)
        span = max(1, int(Fraction(container.duration, 1_000_000) / base))
    else:
        span = 0
    shown = array("q")
    hidden = 0
    last: _VideoPacket | None = None
    furthest = start  # packets come in decode order: the furthest pts keeps progress rising
    next_tick = time.monotonic() + PROGRESS_INTERVAL_S
    watched = progress is not None or should_cancel is not None
    feed, feeding, keep = check.feed, True, shown.append
    for packet in container.demux(stream):
        pts = packet.pts
        if pts is None:  # the empty packet that ends the demux, or a packet with no time
            continue
        if feeding:  # lead-in packets too: the frames shown are decoded from them
            feeding = feed(packet)
            if not feeding:
                first, prefix, walk = check.framing()
        else:
            try:  # whole when one NAL unit fills it (the packet's own bytes: no file read)
                whole = first(packet)[0] == packet.size - prefix
            except struct.error:  # shorter than a length prefix
                whole = False
            if not whole:
                walk(packet)
        if packet.is_discard:  # lead-in before an edit list's start: never shown
            hidden += 1
            continue
        keep(pts)
        last = packet
        if watched:
            furthest = max(furthest, pts)
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + PROGRESS_INTERVAL_S
                if should_cancel is not None and should_cancel():
                    raise Cancelled
                if progress is not None and span:
                    progress(min(max((furthest - start) / span, 0.0), 1.0))
    if should_cancel is not None and should_cancel():
        raise Cancelled
    return shown, len(shown) + hidden, last
