"""Generate tiny test media with ffmpeg, and read back which frame a picture shows.

Plain functions (no pytest) so benchmarks can reuse them. Every generator writes into a folder,
returns the Path and does nothing when the file is already there; files appear atomically (written
beside the target, then renamed), so an interrupted run never leaves a half file that looks done.

Every frame carries its source frame number ``n`` as a block code in a strip along the bottom of the
coded picture: two rows of ten cells; the outer cells are fixed markers (row 0: white ... black,
row 1: black ... white), the inner eight cells of each row hold bits 0-7 and 8-14 of ``n`` plus an
even-parity bit. ``read_frame_number`` reads it back from any RGB or grey picture, at any scale and
in any of the four rotations, so player tests can tell exactly which frame is on screen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

CODE_BITS = 15  # frame numbers 0..32767: ten minutes at 50 fps
_COLS = 10


# --- the block code ------------------------------------------------------------------------------


def _cell_boxes(width: int, height: int) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    """(row, col) -> (x, y, w, h) of each code cell, proportional so any scaled copy lines up."""
    ch = max(4, height // 12)
    y0 = height - 2 * ch
    xs = [round(i * width / _COLS) for i in range(_COLS + 1)]
    return {
        (row, col): (xs[col], y0 + row * ch, xs[col + 1] - xs[col], ch)
        for row in range(2)
        for col in range(_COLS)
    }


def _bit_cell(bit: int) -> tuple[int, int]:
    """Bits 0-7 in row 0, bits 8-14 and the parity bit (15) in row 1, columns 1-8."""
    row, col = divmod(bit, 8)
    return row, col + 1


_WHITE_MARKERS = ((0, 0), (1, _COLS - 1))
_BLACK_MARKERS = ((0, _COLS - 1), (1, 0))


def code_filter(width: int, height: int) -> str:
    """An ffmpeg filter chain that stamps the frame number ``n`` as the block code."""
    boxes = _cell_boxes(width, height)
    _, y0, _, _ = boxes[(0, 0)]
    strip_h = height - y0
    parts = [f"drawbox=x=0:y={y0}:w={width}:h={strip_h}:color=black:t=fill"]
    for cell in _WHITE_MARKERS:
        x, y, w, h = boxes[cell]
        parts.append(f"drawbox=x={x}:y={y}:w={w}:h={h}:color=white:t=fill")
    for bit in range(CODE_BITS):
        x, y, w, h = boxes[_bit_cell(bit)]
        parts.append(
            f"drawbox=x={x}:y={y}:w={w}:h={h}:color=white:t=fill"
            f":enable='eq(mod(floor(n/{1 << bit}),2),1)'"
        )
    parity = "+".join(f"mod(floor(n/{1 << bit}),2)" for bit in range(CODE_BITS))
    x, y, w, h = boxes[_bit_cell(CODE_BITS)]
    parts.append(
        f"drawbox=x={x}:y={y}:w={w}:h={h}:color=white:t=fill:enable='eq(mod({parity},2),1)'"
    )
    return ",".join(parts)


def _cell_level(grey: np.ndarray[Any, Any], box: tuple[int, int, int, int]) -> float:
    # The central half of a cell only: edges blur under compression and chroma subsampling.
    x, y, w, h = box
    return float(grey[y + h // 4 : y + h - h // 4, x + w // 4 : x + w - w // 4].mean())


def _read_upright(grey: np.ndarray[Any, Any]) -> int | None:
    height, width = grey.shape
    boxes = _cell_boxes(width, height)
    white = min(_cell_level(grey, boxes[c]) for c in _WHITE_MARKERS)
    black = max(_cell_level(grey, boxes[c]) for c in _BLACK_MARKERS)
    if white - black < 64:
        return None
    threshold = (white + black) / 2
    bits = [_cell_level(grey, boxes[_bit_cell(b)]) > threshold for b in range(CODE_BITS + 1)]
    if sum(bits) % 2:
        return None
    return sum(1 << b for b in range(CODE_BITS) if bits[b])


def read_frame_number(image: np.ndarray[Any, Any]) -> int:
    """The frame number stamped by ``code_filter`` into an HxWx3 (RGB/BGR) or HxW picture.

    Raises ValueError when no code can be read in any of the four orientations.
    """
    grey = image.astype(np.float32)
    if grey.ndim == 3:
        grey = grey[..., :3].mean(axis=2)
    for quarter_turns in range(4):
        number = _read_upright(np.rot90(grey, quarter_turns))
        if number is not None:
            return number
    raise ValueError("no frame-number code found in this picture")


# --- running ffmpeg ------------------------------------------------------------------------------


def _ffmpeg(*args: str) -> None:
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {' '.join(cmd)}\n{done.stderr}")


def ffprobe_json(path: Path, *args: str) -> dict[str, Any]:
    cmd = ["ffprobe", "-v", "error", "-of", "json", *args, str(path)]
    done = subprocess.run(cmd, capture_output=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _make(target: Path, build: Callable[[Path], object]) -> Path:
    """Run ``build(tmp)`` unless ``target`` exists, then move the result into place."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".part-{os.getpid()}-{target.name}")
    try:
        build(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _video_args(
    size: str,
    rate: str,
    seconds: float,
    *,
    audio: bool,
    extra_filters: str = "",
) -> list[str]:
    width, height = (int(v) for v in size.split("x"))
    args = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    chain = code_filter(width, height) + ("," + extra_filters if extra_filters else "")
    args += ["-t", str(seconds), "-vf", chain, "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-b:a", "64k", "-ac", "1"]
    return args


def _x264(gop: int, preset: str = "veryfast", bframes: int = 3) -> list[str]:
    return ["-c:v", "libx264", "-preset", preset, "-g", str(gop), "-bf", str(bframes)]


# --- good media ----------------------------------------------------------------------------------


def make_cfr25(folder: Path) -> Path:
    """25 fps H.264, B-frames, one 10 s GOP, plus AAC (whose priming adds an audio edit list)."""
    return _make(
        folder / "cfr25.mp4",
        lambda out: _ffmpeg(*_video_args("320x240", "25", 10, audio=True), *_x264(250), str(out)),
    )


def make_ntsc2997(folder: Path) -> Path:
    return _make(
        folder / "ntsc2997.mp4",
        lambda out: _ffmpeg(
            *_video_args("320x240", "30000/1001", 4, audio=True), *_x264(60), str(out)
        ),
    )


# Two seconds at 30 fps, then 15 fps, each frame nudged by 0-16 ms: what a phone does in dim light.
_VFR_PTS = "(if(lt(N,60),N/30,2+(N-60)/15)+0.004*mod(N*7,5))/TB"


def make_vfr(folder: Path) -> Path:
    def build(out: Path) -> None:
        _ffmpeg(
            *_video_args(
                "320x240", "30", 6, audio=False, extra_filters=f"settb=1/90000,setpts='{_VFR_PTS}'"
            ),
            # Without these ffmpeg re-times frames to the source's 1/30 s grid, making it CFR again.
            "-fps_mode", "passthrough", "-enc_time_base", "1/90000",
            "-video_track_timescale", "90000",
            *_x264(60), str(out),
        )  # fmt: skip

    return _make(folder / "vfr.mp4", build)


PHONE_TAGS = {
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 12",
    "com.apple.quicktime.location.ISO6709": "+52.3702+004.8952+000.000/",
    "creation_time": "2024-05-01T10:00:00.000000Z",
}


def make_rotated_mov(folder: Path) -> Path:
    """A phone-style portrait .mov: landscape 320x240 coded, to be turned 90° clockwise for display.

    ffmpeg 5.1 turns the ``rotate`` tag into a display matrix of that many degrees *counter*-
    clockwise, so ``rotate=270`` writes the matrix an iPhone writes (ffprobe: rotation -90), as
    checked below.
    """

    def build(out: Path) -> None:
        plain = out.with_name(out.name + ".plain.mov")
        try:
            _ffmpeg(*_video_args("320x240", "30", 3, audio=True), *_x264(30), str(plain))
            tags = [a for k, v in PHONE_TAGS.items() for a in ("-metadata", f"{k}={v}")]
            _ffmpeg(
                "-i", str(plain), "-c", "copy", "-metadata:s:v:0", "rotate=270",
                "-movflags", "use_metadata_tags", *tags, "-f", "mov", str(out),
            )  # fmt: skip
        finally:
            plain.unlink(missing_ok=True)
        side = ffprobe_json(out, "-show_streams")["streams"][0].get("side_data_list", [])
        rotations = [s.get("rotation") for s in side if s.get("side_data_type") == "Display Matrix"]
        if rotations != [-90]:
            raise RuntimeError(f"rotated_mov: expected a -90° display matrix, got {rotations}")

    return _make(folder / "rotated.mov", build)


def make_hevc(folder: Path) -> Path:
    return _make(
        folder / "hevc.mp4",
        lambda out: _ffmpeg(
            *_video_args("320x240", "25", 3, audio=False),
            *["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1"],
            *["-x265-params", "log-level=error:keyint=50:bframes=3"],
            str(out),
        ),
    )


def make_no_audio(folder: Path) -> Path:
    return _make(
        folder / "no_audio.mp4",
        lambda out: _ffmpeg(*_video_args("320x240", "25", 3, audio=False), *_x264(50), str(out)),
    )


def make_portrait(folder: Path) -> Path:
    return _make(
        folder / "portrait.mp4",
        lambda out: _ffmpeg(*_video_args("240x320", "30", 3, audio=True), *_x264(30), str(out)),
    )


EDITLIST_START = 3.3  # seconds cut from cfr25; its only keyframe is at 0, so 82 frames are lead-in


def make_editlist(folder: Path) -> Path:
    """A stream-copy cut: it starts at the previous keyframe, and an edit list hides the lead-in."""
    source = make_cfr25(folder)
    return _make(
        folder / "editlist.mp4",
        lambda out: _ffmpeg(
            "-ss", str(EDITLIST_START), "-i", str(source), "-c", "copy", "-t", "3", str(out)
        ),
    )


def make_mkv(folder: Path) -> Path:
    """cfr25 in Matroska: no frame count in its header, times in ms, the video starting late."""
    source = make_cfr25(folder)
    return _make(
        folder / "cfr25.mkv", lambda out: _ffmpeg("-i", str(source), "-c", "copy", str(out))
    )


def make_mpegts(folder: Path) -> Path:
    """cfr25 in MPEG-TS: a 90 kHz clock that starts at 1.4 s, as broadcast and camcorders do."""
    source = make_cfr25(folder)
    return _make(
        folder / "cfr25.ts", lambda out: _ffmpeg("-i", str(source), "-c", "copy", str(out))
    )


UNICODE_NAME = "Bébé à la maison – 1.mp4"


def make_unicode(folder: Path) -> Path:
    sub = folder / "Famille Dupont (2024)"
    return _make(
        sub / UNICODE_NAME,
        lambda out: _ffmpeg(*_video_args("320x240", "25", 2, audio=True), *_x264(50), str(out)),
    )


def make_long_clip(
    folder: Path,
    seconds: int = 600,
    size: tuple[int, int] = (1280, 720),
    gop: int = 250,
    fps: int = 25,
    *,
    bframes: int = 0,
) -> Path:
    """A long H.264 clip for benchmarks (ultrafast, low bitrate: ~10 min of 720p in ~1-2 min).

    ``bframes`` > 0: veryfast with that many B-frames at 2 Mbit/s instead, closer to a camera's
    long GOPs (and about five times as costly to decode).
    """
    width, height = size
    name = f"long_{width}x{height}_{seconds}s_{fps}fps_g{gop}{f'_b{bframes}' if bframes else ''}.mp4"
    coding = (
        [*_x264(gop, preset="veryfast", bframes=bframes), "-b:v", "2M"]
        if bframes
        else [*_x264(gop, preset="ultrafast", bframes=0), "-b:v", "600k"]
    )
    video = _video_args(f"{width}x{height}", str(fps), seconds, audio=False)
    return _make(folder / name, lambda out: _ffmpeg(*video, *coding, str(out)))


# --- bad media -----------------------------------------------------------------------------------


def make_empty(folder: Path) -> Path:
    return _make(folder / "empty.mp4", lambda out: out.write_bytes(b""))


def make_truncated(folder: Path) -> Path:
    """An mp4 cut at half, index (moov) at the end: the index is gone."""
    return _make(folder / "truncated.mp4", lambda out: _write_half(make_cfr25(folder), out))


def _write_half(source: Path, out: Path) -> None:
    data = source.read_bytes()
    out.write_bytes(data[: len(data) // 2])


def make_truncated_faststart(folder: Path) -> Path:
    """An mp4 cut at half, index first: it probes, but promises frames it no longer holds."""

    def build(out: Path) -> None:
        whole = out.with_name(out.name + ".whole.mp4")
        try:
            _ffmpeg(
                "-i",
                str(make_cfr25(folder)),
                *["-c", "copy", "-movflags", "+faststart"],
                str(whole),
            )
            _write_half(whole, out)
        finally:
            whole.unlink(missing_ok=True)

    return _make(folder / "truncated_faststart.mp4", build)


def make_text_mp4(folder: Path) -> Path:
    text = "Notes from the session\nThis is not a video.\n" * 20
    return _make(folder / "notes.mp4", lambda out: out.write_text(text, encoding="utf-8"))


_STILL = "-f lavfi -i testsrc2=size=320x240 -frames:v 1"


def make_jpeg_mov(folder: Path) -> Path:
    return _make(
        folder / "photo.mov",
        lambda out: _ffmpeg(*f"{_STILL} -f mjpeg".split(), str(out)),
    )


def make_png_mov(folder: Path) -> Path:
    return _make(
        folder / "screenshot.mov",
        lambda out: _ffmpeg(*f"{_STILL} -c:v png -f image2pipe".split(), str(out)),
    )


def make_audio_only(folder: Path) -> Path:
    return _make(
        folder / "voice memo.m4a",
        lambda out: _ffmpeg(
            *["-f", "lavfi", "-i", "sine=frequency=440", "-t", "2", "-c:a", "aac"], str(out)
        ),
    )


def make_unknown_codec(folder: Path) -> Path:
    """A .mov whose video sample entry says 'zzzz', a codec no ffmpeg knows."""
    source = make_no_audio(folder)

    def build(out: Path) -> None:
        data = bytearray(source.read_bytes())
        at = data.find(b"avc1", data.find(b"stsd"))
        if at < 0:
            raise RuntimeError("unknown_codec: no avc1 sample entry found")
        data[at : at + 4] = b"zzzz"
        out.write_bytes(bytes(data))

    return _make(folder / "unknown_codec.mov", build)


GENERATORS: dict[str, Callable[[Path], Path]] = {
    "cfr25": make_cfr25,
    "ntsc2997": make_ntsc2997,
    "vfr": make_vfr,
    "rotated_mov": make_rotated_mov,
    "hevc": make_hevc,
    "no_audio": make_no_audio,
    "portrait": make_portrait,
    "editlist": make_editlist,
    "mkv": make_mkv,
    "mpegts": make_mpegts,
    "unicode": make_unicode,
    "empty": make_empty,
    "truncated": make_truncated,
    "truncated_faststart": make_truncated_faststart,
    "text_mp4": make_text_mp4,
    "jpeg_mov": make_jpeg_mov,
    "png_mov": make_png_mov,
    "audio_only": make_audio_only,
    "unknown_codec": make_unknown_codec,
}

GOOD_KINDS = ("cfr25", "ntsc2997", "vfr", "rotated_mov", "hevc", "no_audio", "portrait",
              "editlist", "mkv", "mpegts", "unicode")  # fmt: skip


class MediaSet:
    """The Path of each kind, generated into ``folder`` on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._paths: dict[str, Path] = {}

    def __getitem__(self, kind: str) -> Path:
        if kind not in self._paths:
            self._paths[kind] = GENERATORS[kind](self.folder)
        return self._paths[kind]

    def __getattr__(self, kind: str) -> Path:
        if kind.startswith("_") or kind not in GENERATORS:
            raise AttributeError(kind)
        return self[kind]


def have_ffmpeg() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
