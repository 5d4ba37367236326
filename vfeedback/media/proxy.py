"""The proxy: a small, short-GOP H.264 copy of a recording for fast previews while scrubbing.

Made in the background after import with the ffmpeg command line, as video editors do. Frame n of
the proxy is frame n of the original, at the same time to the microsecond: every frame is passed
through (no frame-rate conversion) in the original's time base, and this is checked after encoding
against the original's frame index; a proxy that does not match is deleted. The proxy keeps the
original's coded orientation and display matrix (``-noautorotate``), so the decoder turns both alike.

Proxies are for looking only: stills, clips and tag times always come from the original.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.media import ffmpeg
from vfeedback.media.frameindex import build_frame_index
from vfeedback.system.files import atomic_target, private_folder

# Keyframe every 10 frames and no B-frames: any frame is at most 9 small decodes away.
PROXY_GOP = 10
PROXY_CRF = 23
PROXY_PRESET = "veryfast"
# How often a waiting make_proxy looks at should_cancel.

_NO_FFMPEG = (
    "vfeedback needs ffmpeg to make preview copies and cannot find its ffmpeg program: "
    "install ffmpeg (on Debian or Ubuntu: sudo apt install ffmpeg) and try again."
)


def proxy_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """The proxy's coded size: the shorter side scaled to ``short_side`` (never up), both even."""
    scale = min(short_side / min(width, height), 1.0)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def proxy_argv(
    src: Path,
    dest: Path,
    height: int,
    *,
    source_size: tuple[int, int],
    stream_index: int,
    time_base: Fraction,
    gop: int = PROXY_GOP,
    ffmpeg: str = "ffmpeg",
) -> list[str]:
    """The ffmpeg command that writes the proxy of ``src`` to ``dest`` (an MP4, whatever its name).

    ``height`` is the proxy's shorter side (portrait video keeps its shape); ``source_size``,
    ``stream_index`` and ``time_base`` describe the original's video stream.
    """
    from vfeedback.media.probe import ffmpeg_url

    width, tall = proxy_size(*source_size, height)
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y",
        # Rotation stays in the display matrix, as in the original, so one rule turns both.
        "-noautorotate",
        "-i", ffmpeg_url(src),
        "-map", f"0:{stream_index}", "-an", "-sn", "-dn",
        # The proxy sits in the library's cache: no location or device tags in it.
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-vf", f"scale={width}:{tall}:flags=bilinear",
        "-c:v", "libx264", "-preset", PROXY_PRESET, "-crf", str(PROXY_CRF),
        "-g", str(gop), "-bf", "0", "-pix_fmt", "yuv420p",
        # One proxy frame per original frame, at the original's own timestamps (VFR stays VFR).
        "-fps_mode", "passthrough", "-enc_time_base", "-1",
        "-video_track_timescale", str(time_base.denominator),
        "-progress", "pipe:1",
        "-f", "mp4", ffmpeg_url(dest),
    ]  # fmt: skip


def make_proxy(
    src: Path,
    dest: Path,
    index: FrameIndex,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    height: int = 540,
    *,
    nice: int = 10,
    ffmpeg: str = "ffmpeg",
) -> Path:
    """Write the proxy of ``src`` (whose frame index is ``index``) to ``dest`` and return ``dest``.

    ``progress`` gets fractions 0..1 (ending with 1.0); ``should_cancel`` returning True stops
    ffmpeg and raises Cancelled. ``nice`` lowers ffmpeg's priority so that scrubbing stays smooth
    while it runs. The file appears only when complete and checked; on any failure or cancel
    nothing is left behind. Problems raise BadInput with one sentence.
    """
    size, stream_index, time_base = _describe(src)
    private_folder(dest.parent)
    with atomic_target(dest) as part:
        argv = proxy_argv(
            src, part, height,
            source_size=size, stream_index=stream_index, time_base=time_base, ffmpeg=ffmpeg,
        )  # fmt: skip
        _run(argv, src, index.duration_us, progress, should_cancel, nice)
        _check(part, src, index)
    if progress is not None:
        progress(1.0)
    return dest


def _describe(src: Path) -> tuple[tuple[int, int], int, Fraction]:
    """(coded size, stream index, time base) of the video stream the decoder and index use."""
    from vfeedback.media.container import open_video

    container, stream = open_video(src)
    with container:
        base = stream.time_base
        assert base is not None  # open_video refuses a stream without one
        return (stream.codec_context.width, stream.codec_context.height), stream.index, base


def _run(
    argv: list[str],
    src: Path,
    duration_us: int,
    progress: Progress | None,
    should_cancel: ShouldCancel | None,
    nice: int,
) -> None:
    try:
        outcome = ffmpeg.run(
            argv, duration_us=duration_us, progress=progress, should_cancel=should_cancel, nice=nice,
            hide=[src],
        )  # fmt: skip
    except ffmpeg.CannotStart as exc:  # no ffmpeg, or not executable
        raise BadInput(_NO_FFMPEG) from exc
    if not outcome.ok:
        raise BadInput(_failed(src, outcome))


def _failed(src: Path, outcome: ffmpeg.Outcome) -> str:
    from vfeedback.core.text import quoted_name

    said = outcome.last_words[:160] if outcome.said.strip() else ""
    detail = f" (ffmpeg: {said})" if said else ""
    return f"The preview copy of {quoted_name(src)} could not be made{detail}."


def _check(part: Path, src: Path, index: FrameIndex) -> None:
    """Refuse a proxy whose frames are not the original's, one for one, at the same times."""
    from vfeedback.core.text import quoted_name

    name = quoted_name(src)
    try:
        made = build_frame_index(part)
    except BadInput as exc:
        raise BadInput(f"The preview copy of {name} could not be read back, so it was not kept.") from exc
    if len(made) != len(index):
        raise BadInput(
            f"The preview copy of {name} came out with {len(made)} frames instead of "
            f"{len(index)}, so it was not kept."
        )
    if made.times != index.times:
        raise BadInput(
            f"The preview copy of {name} came out with frame times that differ from the "
            "recording's, so it was not kept."
        )
