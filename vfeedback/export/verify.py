"""Checking a finished export against its plan before it is renamed into place.

A clip is probed (``ffprobe -count_packets``, which reads packets but decodes nothing: ~30 ms for
10 s of 720p): the streams planned and no others, H.264 4:2:0 at the planned size, exactly the planned
number of video frames, durations within one frame of the plan, no display matrix left (the picture
is already upright), and no tags beyond the container's own bookkeeping. A still is checked by its
PNG header.

A clip of several camera angles (``plan.checks``) is also read back: its first, middle and last
output frames (of the clip before any freeze) are decoded, and each angle's cell (less the rows a
burned caption may cover; the main recording's in the first frame only) is compared with that
angle's own frame for that time,
decoded exactly by our decoder and fitted into the cell the same way: the mean grey difference must
not be clearly larger than with either neighbouring frame of the angle (a cut one frame off is
nearer a neighbour; a still scene makes neighbours alike, so "clearly": ``NEARER``), nor far
(``FAR``: another picture altogether); a cell where the angle has no picture must be the calm dark
colour. Decoding the three frames and the angles' own costs ~0.05-0.15 s for a short clip.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.export.plan import CellCheck, ExportPlan
from vfeedback.system import processes

if TYPE_CHECKING:
    from vfeedback.media.decoder import FrameDecoder

# What the MP4 muxer writes by itself; anything else (location, dates, device) must not be there.
ALLOWED_FORMAT_TAGS = frozenset({"major_brand", "minor_version", "compatible_brands", "encoder"})
ALLOWED_STREAM_TAGS = frozenset({"language", "handler_name", "vendor_id", "encoder"})
AAC_FRAME_US = 1024 * 1_000_000 // 48_000 + 1  # one AAC frame: the encoder's priming shows as this
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class NotAsPlanned(Exception):
    """The export exists but is not what the plan promised; ``str()`` says how, in plain words."""


@dataclass(frozen=True, slots=True)
class Facts:
    """What the finished file holds."""

    duration_us: int
    frame_count: int
    width: int
    height: int


def verify(plan: ExportPlan, path: Path, *, ffprobe: str = "ffprobe") -> Facts:
    """The facts of ``path`` (the plan's temporary output); NotAsPlanned when they differ."""
    if plan.kind == "still":
        return _verify_png(plan, path)
    return _verify_clip(plan, path, ffprobe)


def _verify_png(plan: ExportPlan, path: Path) -> Facts:
    with path.open("rb") as fh:
        head = fh.read(24)
    if len(head) < 24 or not head.startswith(_PNG_SIGNATURE) or head[12:16] != b"IHDR":
        raise NotAsPlanned("the file written is not a PNG picture")
    width, height = struct.unpack(">II", head[16:24])
    if (width, height) != (plan.width, plan.height):
        raise NotAsPlanned(f"the picture is {width} x {height} instead of {plan.width} x {plan.height}")
    return Facts(0, 1, width, height)


def probe_export(path: Path, ffprobe: str = "ffprobe") -> dict[str, Any]:
    argv = [
        ffprobe, "-v", "error", "-count_packets", "-show_streams", "-show_format",
        "-of", "json", "file:" + str(path.absolute()),
    ]  # fmt: skip
    try:
        done = processes.run(argv)
    except processes.CannotStart as exc:
        raise NotAsPlanned("ffprobe, which reads it back, cannot be started") from exc
    if done.returncode != 0:
        raise NotAsPlanned("the file written cannot be read back")
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def _verify_clip(plan: ExportPlan, path: Path, ffprobe: str) -> Facts:
    data = probe_export(path, ffprobe)
    streams: list[dict[str, Any]] = data.get("streams") or []
    kinds = sorted(str(s.get("codec_type")) for s in streams)
    wanted = sorted(["video"] + (["audio"] if plan.audio else []) + (["subtitle"] if plan.subtitles else []))
    if kinds != wanted:
        raise NotAsPlanned(f"it holds {', '.join(kinds) or 'nothing'} instead of {', '.join(wanted)}")
    video = next(s for s in streams if s.get("codec_type") == "video")
    if video.get("codec_name") != "h264" or video.get("pix_fmt") != "yuv420p":
        raise NotAsPlanned("the video is not H.264 4:2:0")
    width, height = int(video.get("width", 0)), int(video.get("height", 0))
    if (width, height) != (plan.width, plan.height):
        raise NotAsPlanned(f"the picture is {width} x {height} instead of {plan.width} x {plan.height}")
    if any(side.get("side_data_type") == "Display Matrix" for side in video.get("side_data_list") or []):
        raise NotAsPlanned("the picture still carries a rotation for the player to apply")
    frames = int(video.get("nb_read_packets", -1))
    if frames != plan.expected_frames:
        raise NotAsPlanned(f"it has {frames} frames instead of {plan.expected_frames}")
    frame_us = _frame_us(plan)
    duration = _stream_us(video)
    if duration is None or abs(duration - plan.expected_duration_us) > frame_us:
        raise NotAsPlanned(f"the video lasts {_s(duration)} instead of {_s(plan.expected_duration_us)}")
    if plan.audio:
        audio = next(s for s in streams if s.get("codec_type") == "audio")
        sound = _stream_us(audio)
        if sound is None or abs(sound - plan.expected_duration_us) > frame_us + AAC_FRAME_US:
            raise NotAsPlanned(f"the sound lasts {_s(sound)} instead of {_s(plan.expected_duration_us)}")
    if plan.subtitles:
        subtitle = next(s for s in streams if s.get("codec_type") == "subtitle")
        if subtitle.get("codec_name") != "mov_text":
            raise NotAsPlanned("the subtitle track is not in the MP4 text format")
    tags = set((data.get("format") or {}).get("tags") or {})
    for stream in streams:
        tags |= {t for t in stream.get("tags") or {} if t not in ALLOWED_STREAM_TAGS}
    extra = sorted(t for t in tags if t not in ALLOWED_FORMAT_TAGS)
    if extra:
        raise NotAsPlanned(f"it carries metadata that should have been removed ({', '.join(extra)})")
    if plan.checks:
        verify_cells(plan, path)
    return Facts(duration, frames, width, height)


FAR = 40.0
"""Mean grey difference (0-255) beyond which a cell is not its planned frame at all. Measured on the
generated test pattern (x264 CRF 23, ffmpeg's and OpenCV's scalers): 0.4-1.2 to the planned frame,
0.5-11 to a neighbour; 3.0 against 3.0-3.1 in a 96 x 72 picture in picture, too small to tell."""
NEARER = 0.8
"""A neighbouring frame must be nearer by a fifth to count as the one shown: in a still scene
neighbours are alike, and compression noise must not refuse a good clip. Measured on the caption-free
upper part of the test pattern: 0.47 to the planned frame, 0.85 and 1.23 to its neighbours."""
_DARK = (0x1C + 0x1F + 0x22) / 3


def verify_cells(plan: ExportPlan, path: Path) -> None:
    """Each checked cell shows its angle's planned frame (see the module's rules)."""
    import av

    from vfeedback.core.errors import BadInput
    from vfeedback.media.container import open_video
    from vfeedback.media.decoder import FrameDecoder

    wanted = {c.output_frame for c in plan.checks}
    pictures: dict[int, Any] = {}
    try:
        container, stream = open_video(path)
        with container:
            stream.thread_type = "AUTO"  # every frame up to the last checked is decoded: use both cores
            for n, frame in enumerate(container.decode(stream)):
                if n in wanted:
                    pictures[n] = frame.to_ndarray(format="rgb24")
                if n >= max(wanted):
                    break
    except (BadInput, av.error.FFmpegError, OSError) as exc:
        raise NotAsPlanned("its pictures cannot be read back") from exc
    decoders: dict[Path, FrameDecoder] = {}
    try:
        for check in plan.checks:
            if check.output_frame not in pictures:
                raise NotAsPlanned(f"its frame {check.output_frame + 1} cannot be read back")
            whole = pictures[check.output_frame]
            cell = _rows(whole[check.y : check.y + check.h, check.x : check.x + check.w], check)
            source = check.source
            if check.frame is None:
                if abs(float(cell.mean()) - _DARK) > 12 or float(cell.std()) > 10:
                    raise NotAsPlanned(f"{_named(check)} shows a picture where it has none")
                continue
            if source.path not in decoders:
                decoders[source.path] = FrameDecoder(source.path, source.index, source.media.rotation)
            _check_cell(check, check.frame, cell, decoders[source.path])
    finally:
        for decoder in decoders.values():
            decoder.close()


def _check_cell(check: CellCheck, frame: int, cell: Any, decoder: FrameDecoder) -> None:
    def difference(n: int) -> float:
        return _difference(cell, _rows(_fitted(decoder.frame(n).image, check.w, check.h), check))

    found = difference(frame)
    others = [f for f in (frame - 1, frame + 1) if 0 <= f < len(check.source.index)]
    if found > FAR or any(difference(f) < found * NEARER - 0.1 for f in others):
        raise NotAsPlanned(f"{_named(check)} does not show its frame {frame} where planned")


def _named(check: CellCheck) -> str:
    return f"the picture of {check.name} in frame {check.output_frame + 1}"


def _rows(picture: Any, check: CellCheck) -> Any:
    """The part of a cell that is compared: above a burned caption, without a picture over it."""
    if check.hidden is not None:
        x, y, w, h = check.hidden
        picture = picture.copy()
        picture[y : y + h, x : x + w] = round(_DARK)
    return picture[: check.rows] if check.rows else picture


def _difference(a: Any, b: Any) -> float:
    """Mean absolute difference of the two pictures' brightness (0-255)."""
    import cv2

    grey_a = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)
    grey_b = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)
    return float(cv2.absdiff(grey_a, grey_b).mean())


def _fitted(picture: Any, w: int, h: int) -> Any:
    from vfeedback.export.layout_still import fitted

    return fitted(picture, w, h)


def _frame_us(plan: ExportPlan) -> int:
    rate = plan.rate or Fraction(30)
    return -(-1_000_000 * rate.denominator // rate.numerator)


def _stream_us(stream: dict[str, Any]) -> int | None:
    ticks, base = stream.get("duration_ts"), stream.get("time_base")
    try:
        if ticks is not None and base:
            return round(int(ticks) * Fraction(str(base)) * 1_000_000)
        return round(Fraction(str(stream["duration"])) * 1_000_000)
    except (KeyError, ValueError, ZeroDivisionError):
        return None


def _s(us: int | None) -> str:
    return "an unknown time" if us is None else f"{us / 1_000_000:.3f} s"
