"""The frame index: every video frame's presentation time, read from the packets, and a check
that the recording decodes from end to end.

A decoder that wants to know which indexed frame it holds converts ``frame.pts`` with
``core.frames.pts_to_us`` and the same origin, the video stream's first presented pts. For every file
we have tried that equals PyAV's ``stream.start_time`` (see ``container.origin_pts``), so a stored
index needs no rescan.

The check (``_DecodeCheck``), made while the packets go by: decoding everything costs about 74 s
for 10 minutes of 6 Mbit/s 720p on this machine (243 frames a second), far too slow for indexing,
so it decodes what is enough to catch a damaged stream. Every packet goes through the decoder with
``skip_frame=ALL``: the H.264/HEVC decoders still split it into its NAL units, which fails on a
packet whose size or position the sample table (``stsz``/``stco``) gets wrong, anywhere in the
file. The first
``FIRST_FRAMES`` shown frames are decoded in full (a damaged ``avcC``, with parameter sets that
decode nothing, fails there), and so are ``KEYFRAME_SAMPLES`` keyframes spread over the file, and
the last one. Measured on 10 minutes of 6 Mbit/s 720p H.264 (455 MB): 0.72 s, against 0.23 s
for the packets alone and 0.46 s for ffprobe listing them; 10 minutes at 600 kbit/s: 0.17 s
(``benchmarks/bench_media.py``, ``frame_index_ratio``).
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex, pts_to_us
from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel
from vfeedback.media import container as _container
from vfeedback.media import probe as _probe

if TYPE_CHECKING:
    from typing import Literal

    import av.container
    import av.video.stream

    _VideoPacket = av.Packet[av.video.stream.VideoStream]
    _Skip = Literal["DEFAULT", "NONKEY", "ALL"]

PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress calls (and cancel checks) a second
FIRST_FRAMES = 25  # shown frames decoded in full at the start
KEYFRAME_SAMPLES = 16  # keyframes decoded in full, spread evenly over the recording


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
        check = _DecodeCheck(stream)
        try:
            raw, packets, last_ticks = _scan(container, stream, check, progress, should_cancel)
        except av.FFmpegError as exc:
            raise BadInput(_probe.explain(told, "damaged")) from exc
        if not raw or not check.sound():
            raise BadInput(_probe.explain(told, "damaged"))
        # The sample table of an MP4/MOV says how many packets there are; fewer means a cut copy.
        if is_iso and stream.frames and packets < stream.frames:
            raise BadInput(_probe.explain(told, "incomplete"))
        origin = min(raw)
        base = stream.time_base
        assert base is not None
        lone = _lone_frame_us(container, stream, last_ticks) if len(set(raw)) == 1 else None
        index = FrameIndex([pts_to_us(pts, base, origin) for pts in raw], lone)
    if progress is not None:
        progress(1.0)
    return index


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


class _DecodeCheck:
    """Feeds the packets to the decoder as the module says, and remembers any failure."""

    def __init__(self, stream: av.video.stream.VideoStream) -> None:
        self.context = stream.codec_context
        self.shown = 0
        self.pictures = 0
        self.failed = False
        start = stream.start_time or 0
        self.every = max(1, (stream.duration or 0) // KEYFRAME_SAMPLES)
        self.next_sample = start
        self.last_key: _VideoPacket | None = None

    def feed(self, packet: _VideoPacket) -> None:
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
    check: _DecodeCheck,
    progress: Progress | None,
    should_cancel: ShouldCancel | None,
) -> tuple[list[int], int, int]:
    """(pts of every presented frame, packets read including those an edit list hides, the
    duration of the packet presented last), each packet also given to ``check``."""
    base = stream.time_base
    assert base is not None
    start = stream.start_time or 0
    if stream.duration:
        span = stream.duration
    elif container.duration:  # AV_TIME_BASE (microseconds)
        span = max(1, int(Fraction(container.duration, 1_000_000) / base))
    else:
        span = 0
    raw: list[int] = []
    packets = 0
    last_ticks = 0
    furthest = start  # packets come in decode order: the furthest pts keeps progress rising
    next_tick = time.monotonic() + PROGRESS_INTERVAL_S
    for packet in container.demux(stream):
        pts = packet.pts
        if pts is None:  # the empty packet that ends the demux, or a packet with no time
            continue
        packets += 1
        check.feed(packet)  # lead-in packets too: the frames shown are decoded from them
        if packet.is_discard:  # lead-in before an edit list's start: never shown
            continue
        raw.append(pts)
        if pts >= furthest:
            last_ticks = packet.duration or 0
        furthest = max(furthest, pts)
        if (progress or should_cancel) and time.monotonic() >= next_tick:
            next_tick = time.monotonic() + PROGRESS_INTERVAL_S
            if should_cancel is not None and should_cancel():
                raise Cancelled
            if progress is not None and span:
                progress(min(max((furthest - start) / span, 0.0), 1.0))
    if should_cancel is not None and should_cancel():
        raise Cancelled
    return raw, packets, last_ticks
