"""Opening a media file with PyAV: the one place that does, and that refuses a file in one sentence.

The frame index, the exact-frame decoder, the proxy, the waveform's alignment, face finding and the
reel's read-back all open files through here, so a file is judged the same way wherever it is first
met (missing, unreadable, not media, a still, sound only, no decoder). Opening reads headers only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vfeedback.core.errors import BadInput
from vfeedback.media import probe

if TYPE_CHECKING:
    import av.container
    import av.video.stream


def open_container(path: Path, *, shown_as: Path | None = None) -> av.container.InputContainer:
    """``path`` opened for reading; BadInput naming the file (as ``shown_as`` once it is known to
    exist) when it is missing, unreadable or not a container ffmpeg knows."""
    import av

    head = probe.check_file(path)
    try:
        return av.open(probe.ffmpeg_url(path))
    except (av.FFmpegError, OSError) as exc:
        unusable = "damaged" if probe.looks_like_media(head) else "not_video"
        raise BadInput(probe.explain(shown_as or path, unusable)) from exc


def open_video(
    path: Path, *, shown_as: Path | None = None
) -> tuple[av.container.InputContainer, av.video.stream.VideoStream]:
    """``path`` opened, and the video stream everything uses (``video_stream``); BadInput with one
    sentence, and nothing left open, for a still, a text file, sound only, no video, a video this
    ffmpeg has no decoder for, or a stream without a clock or a picture size."""
    container = open_container(path, shown_as=shown_as)
    kind = container.format.name.split(",")[0]
    stream = video_stream(container)
    problem: str | None = None
    detail = ""
    if probe.is_still_format(kind):
        problem = "still"
    elif probe.is_text_format(kind):  # ffmpeg shows a text file as a "video" of ANSI art
        problem = "not_video"
    elif stream is None:
        problem = "audio_only" if container.streams.audio else "no_video"
    elif stream.codec_context is None:
        problem, detail = "unsupported", "no decoder for its video"
    elif stream.time_base is None or not stream.codec_context.width:
        problem = "damaged"
    if problem is not None or stream is None:
        container.close()
        raise BadInput(probe.explain(shown_as or path, problem or "no_video", detail))
    return container, stream


def video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    """The first video stream that is not cover art (the same choice as ``probe``)."""
    from av.stream import Disposition

    for stream in container.streams.video:
        if not stream.disposition & Disposition.attached_pic:
            return stream
    return None


def is_iso(container: av.container.InputContainer) -> bool:
    """An MP4/MOV (ISO base media) file, whose sample table says how many packets it holds."""
    return "mov" in container.format.name.split(",")


def origin_pts(stream: av.video.stream.VideoStream) -> int:
    """The pts that is time 0 in the frame index: the stream's start time (its first presented
    frame). For every file tried this equals the smallest presented pts the index finds, so a stored
    index needs no rescan to be matched with decoded frames (``core.frames.pts_to_us``)."""
    return stream.start_time or 0
