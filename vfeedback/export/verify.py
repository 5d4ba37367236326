"""Checking a finished export against its plan before it is renamed into place.

A clip is probed (``ffprobe -count_packets``, which reads packets but decodes nothing: ~30 ms for
10 s of 720p): the streams planned and no others, H.264 4:2:0 at the planned size, exactly the planned
number of video frames, durations within one frame of the plan, no display matrix left (the picture
is already upright), and no tags beyond the container's own bookkeeping. A still is checked by its
PNG header.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from vfeedback.export.plan import ExportPlan
from vfeedback.system import processes

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
    return Facts(duration, frames, width, height)


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
