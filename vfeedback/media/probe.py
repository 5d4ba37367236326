"""Describe a media file as MediaInfo from one ffprobe run; refuse bad files in one sentence."""

from __future__ import annotations

import json
import stat
import struct
import subprocess
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex, pts_to_us
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.text import quoted_name

# Packets of all streams read to judge the frame rate: ~200 video frames of typical phone video,
# which keeps the probe within a few milliseconds of a bare ffprobe (benchmarks/bench_media.py).
HEAD_PACKETS = 600
# ffprobe reads the header and the first packets: seconds at most, unless the file never ends.
PROBE_TIMEOUT_S = 120

_MESSAGES = {
    "missing": "The file {name} does not exist.",
    "folder": "{name} is a folder, not a video file.",
    "special": "{name} is not a regular file, so it cannot be a video.",
    "permission": "The file {name} cannot be read (permission denied).",
    "unreadable": "The file {name} cannot be read ({detail}).",
    "empty": "The file {name} is empty.",
    "not_video": "The file {name} is not a video file.",
    "still": "The file {name} is a still image, not a video.",
    "audio_only": "The file {name} has no video, only sound.",
    "no_video": "The file {name} has no video.",
    "damaged": "The file {name} is damaged or incomplete.",
    "incomplete": "The file {name} is incomplete: it ends before the video does.",
    "unsupported": "The file {name} uses a video format that vfeedback cannot read ({detail}).",
    "no_ffprobe": "vfeedback needs ffmpeg to read videos and cannot find its ffprobe program: "
    "install ffmpeg (on Debian or Ubuntu: sudo apt install ffmpeg) and try again.",
}

# ffmpeg shows any text file named .txt (or .bin, .adf...) as ANSI art, a "video" of text.
_TEXT_FORMATS = {"tty", "bin", "adf", "idf", "xbin"}

_TAG_SOURCES = {
    "creation_time": ("creation_time", "com.apple.quicktime.creationdate", "date"),
    "location": ("com.apple.quicktime.location.ISO6709", "location", "location-eng"),
    "make": ("com.apple.quicktime.make", "com.android.manufacturer", "make"),
    "model": ("com.apple.quicktime.model", "com.android.model", "model"),
    "software": ("com.apple.quicktime.software", "com.android.version"),
}


def explain(path: Path, problem: str, detail: str = "") -> str:
    """The sentence for ``problem`` (a key of ``_MESSAGES``), naming the file by its name only."""
    return _MESSAGES[problem].format(name=quoted_name(path), detail=detail)


def check_file(path: Path) -> bytes:
    """Refuse all but a readable, non-empty regular file; return its first bytes for sniffing."""
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise BadInput(explain(path, "missing")) from None
    except PermissionError:
        raise BadInput(explain(path, "permission")) from None
    except OSError as exc:
        raise BadInput(explain(path, "unreadable", exc.strerror or "system error")) from exc
    if stat.S_ISDIR(info.st_mode):
        raise BadInput(explain(path, "folder"))
    if not stat.S_ISREG(info.st_mode):
        # ffprobe would block forever on a FIFO.
        raise BadInput(explain(path, "special"))
    if info.st_size == 0:
        raise BadInput(explain(path, "empty"))
    try:
        with path.open("rb") as fh:
            return fh.read(64)
    except PermissionError:
        raise BadInput(explain(path, "permission")) from None
    except OSError as exc:
        raise BadInput(explain(path, "unreadable", exc.strerror or "system error")) from exc


def is_still_format(format_name: str) -> bool:
    """ffmpeg reads a lone JPEG or PNG, whatever its name, as image2 or an ``*_pipe`` format."""
    return format_name == "image2" or format_name.endswith("_pipe")


def is_text_format(format_name: str) -> bool:
    return format_name in _TEXT_FORMATS


def ffmpeg_url(path: Path) -> str:
    """A file's name for ffmpeg: a leading '-' or a 'name:' would read as an option or protocol."""
    return "file:" + str(path.absolute())


def probe(path: Path, *, ffprobe: str = "ffprobe") -> MediaInfo:
    """Everything we keep about a recording, from one ffprobe run. Raises BadInput for bad files.

    ``MediaInfo.to_dict()`` is the CLI's stable JSON form.
    """
    head = check_file(path)
    data = _run_ffprobe(path, head, ffprobe)
    return _media_info(path, data)


def probe_argv(path: Path, ffprobe: str = "ffprobe") -> list[str]:
    """The ffprobe command for ``path``: format, streams and the first packets' times, as JSON."""
    return [
        ffprobe, "-v", "error", "-show_format", "-show_streams",
        "-show_entries", "packet=stream_index,pts,dts,flags",
        "-read_intervals", f"%+#{HEAD_PACKETS}", "-of", "json", ffmpeg_url(path),
    ]  # fmt: skip


def _run_ffprobe(path: Path, head: bytes, ffprobe: str) -> dict[str, Any]:
    from vfeedback.system import processes

    try:
        done = processes.run(probe_argv(path, ffprobe), timeout=PROBE_TIMEOUT_S)
    except processes.CannotStart as exc:  # the ffprobe program itself is missing or not executable
        raise BadInput(explain(path, "no_ffprobe")) from exc
    except subprocess.TimeoutExpired as exc:  # a FIFO, a hung network share
        raise BadInput(explain(path, "unreadable", "reading it took too long")) from exc
    if done.returncode != 0:
        if b"Permission denied" in done.stderr:
            raise BadInput(explain(path, "permission"))
        raise BadInput(explain(path, "damaged" if looks_like_media(head) else "not_video"))
    try:
        data = json.loads(done.stdout.decode("utf-8"))
    except ValueError as exc:  # not JSON, or not UTF-8
        raise BadInput(explain(path, "damaged")) from exc
    if not isinstance(data, dict):
        raise BadInput(explain(path, "damaged"))
    return data


def _media_info(path: Path, data: dict[str, Any]) -> MediaInfo:
    streams: list[dict[str, Any]] = data.get("streams") or []
    fmt: dict[str, Any] = data.get("format") or {}
    format_names = str(fmt.get("format_name", "")).split(",")
    if is_still_format(format_names[0]):
        raise BadInput(explain(path, "still"))
    if is_text_format(format_names[0]):
        raise BadInput(explain(path, "not_video"))
    video = next((s for s in streams if _is_video(s)), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None:
        raise BadInput(explain(path, "audio_only" if audio else "no_video"))
    codec = video.get("codec_name")
    if not codec or codec in ("none", "unknown") or not video.get("width"):
        tag = str(video.get("codec_tag_string") or "unknown")
        raise BadInput(explain(path, "unsupported", f"codec {tag}"))
    if "mov" in format_names and iso_truncated(path):
        raise BadInput(explain(path, "incomplete"))

    width, height = int(video["width"]), int(video["height"])
    rotation = _rotation(video)
    display_w, display_h = _display_size(width, height, video.get("sample_aspect_ratio"))
    if rotation in (90, 270):
        display_w, display_h = display_h, display_w
    fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")) or Fraction(0)
    duration_us = _duration_us(video, fmt)
    vfr, lead_in = _judge_rate(data.get("packets") or [], video)
    return MediaInfo(
        container=_container(path, format_names, fmt),
        duration_us=duration_us,
        video_codec=str(codec),
        width=width,
        height=height,
        rotation=rotation,
        display_width=display_w,
        display_height=display_h,
        avg_fps=float(fps),
        variable_frame_rate=vfr,
        frame_count=_frame_count(video, duration_us, fps, lead_in),
        start_time_us=_seconds_us(video.get("start_time")) or 0,
        has_audio=audio is not None,
        audio_codec=audio.get("codec_name") if audio else None,
        audio_sample_rate=_int(audio.get("sample_rate")) if audio else None,
        audio_channels=_int(audio.get("channels")) if audio else None,
        pixel_format=video.get("pix_fmt"),
        bit_rate=_int(fmt.get("bit_rate")),
        tags=_tags(fmt, video),
    )


def _is_video(stream: dict[str, Any]) -> bool:
    # Cover art in a music file is a one-picture "video" stream flagged attached_pic.
    attached = (stream.get("disposition") or {}).get("attached_pic", 0)
    return stream.get("codec_type") == "video" and not attached


def _rotation(video: dict[str, Any]) -> int:
    """Clockwise degrees a viewer must turn the picture.

    ffprobe reports the display matrix as counter-clockwise degrees (an iPhone portrait video: -90);
    the legacy ``rotate`` tag of older ffmpeg versions is already clockwise.
    """
    for side in video.get("side_data_list") or []:
        if side.get("side_data_type") == "Display Matrix" and "rotation" in side:
            return _quarter(-float(side["rotation"]))
    tag = (video.get("tags") or {}).get("rotate")
    try:
        return _quarter(float(tag)) if tag is not None else 0
    except ValueError:
        return 0


def _quarter(degrees: float) -> int:
    return (round(degrees / 90) * 90) % 360


def _display_size(width: int, height: int, sar_text: Any) -> tuple[int, int]:
    sar = _rate(str(sar_text).replace(":", "/")) if sar_text else None
    if sar and sar != 1:
        return round(width * sar), height
    return width, height


def _rate(text: Any) -> Fraction | None:
    try:
        value = Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def _seconds_us(text: Any) -> int | None:
    try:
        return int((Decimal(str(text)) * 1_000_000).to_integral_value())
    except (InvalidOperation, ValueError):
        return None


def _int(text: Any) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _duration_us(video: dict[str, Any], fmt: dict[str, Any]) -> int:
    ticks, base = _int(video.get("duration_ts")), _rate(video.get("time_base"))
    if ticks and base:
        return pts_to_us(ticks, base, 0)
    if (seconds := _seconds_us(video.get("duration"))) is not None:
        return seconds
    # Matroska gives no stream duration, only the file's; count from where the video starts.
    length = _seconds_us(fmt.get("duration"))
    if length is None:
        return 0
    file_start = _seconds_us(fmt.get("start_time")) or 0
    video_start = _seconds_us(video.get("start_time"))
    return max(file_start + length - (file_start if video_start is None else video_start), 0)


def _judge_rate(packets: list[dict[str, Any]], video: dict[str, Any]) -> tuple[bool, int]:
    """(variable frame rate?, frames hidden by an edit list) from the first packets."""
    index, base = video.get("index"), _rate(video.get("time_base"))
    mine = [p for p in packets if p.get("stream_index") == index]
    shown = [p for p in mine if "D" not in str(p.get("flags", ""))]
    lead_in = len(mine) - len(shown)
    pts = [p["pts"] for p in shown if p.get("pts") is not None]
    if len(packets) >= HEAD_PACKETS:
        # Packets come in decode order; a B-frame not yet read can only have a pts at or after the
        # last dts read, so below that there are no holes that would look like a long frame.
        last_dts = max((p["dts"] for p in mine if p.get("dts") is not None), default=None)
        if last_dts is not None:
            pts = [p for p in pts if p < last_dts]
    if len(pts) < 3 or base is None:
        return False, lead_in
    origin = min(pts)
    return FrameIndex([pts_to_us(p, base, origin) for p in pts]).is_variable_rate(), lead_in


def _frame_count(video: dict[str, Any], duration_us: int, fps: Fraction, lead_in: int) -> int:
    # nb_frames counts every sample, including those an edit list hides: take those seen off.
    frames = _int(video.get("nb_frames"))
    if frames:
        return max(frames - lead_in, 1)
    return max(round(duration_us * fps / 1_000_000), 1)


def _container(path: Path, names: list[str], fmt: dict[str, Any]) -> str:
    ext = path.suffix.lower().lstrip(".")
    if ext and ext in names:
        return ext
    if "mov" in names:
        brand = str((fmt.get("tags") or {}).get("major_brand", "")).strip()
        return "mov" if brand == "qt" else "mp4"
    return names[0] or "unknown"


def _tags(fmt: dict[str, Any], video: dict[str, Any]) -> dict[str, str]:
    """The few tags that say when, where and with what a family was filmed (stripped on export)."""
    found = {k.lower(): str(v) for k, v in (video.get("tags") or {}).items()}
    found.update({k.lower(): str(v) for k, v in (fmt.get("tags") or {}).items()})
    result: dict[str, str] = {}
    for key, sources in _TAG_SOURCES.items():
        for source in sources:
            if source.lower() in found:
                result[key] = found[source.lower()]
                break
    return result


# First bytes of containers we know: a failing file that starts like one is damaged, not "no video".
_MAGIC = (b"\x1a\x45\xdf\xa3", b"RIFF", b"OggS", b"FLV", b"\x00\x00\x01\xba", b"\x30\x26\xb2\x75")
_ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"styp", b"uuid"}


def looks_like_media(head: bytes) -> bool:
    if head[4:8] in _ISO_BOXES or head.startswith(_MAGIC):
        return True
    return len(head) > 0 and head[0] == 0x47  # MPEG-TS sync byte


def iso_truncated(path: Path, max_boxes: int = 4096) -> bool:
    """True when a top-level MP4/MOV box claims to run past the end of the file.

    A copy cut short whose index (moov) comes first still probes fine; this walk of a handful of box
    headers is how we notice that the media data it points at is missing.
    """
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            offset = 0
            for _ in range(max_boxes):
                if offset + 8 > size:
                    return False
                fh.seek(offset)
                box_size = struct.unpack(">I", fh.read(8)[:4])[0]
                if box_size == 1:
                    box_size = struct.unpack(">Q", fh.read(8))[0]
                elif box_size == 0:  # "extends to the end of the file"
                    return False
                if box_size < 8 or offset + box_size > size:
                    return True
                offset += box_size
    except (OSError, struct.error):
        return True
    return False
