"""A reel as an OpenTimelineIO timeline (.otio) that a video editor can open and refine.

One video track holds one clip per moment, in the reel's order. Each clip refers to the recording's
file (an absolute ``file://`` URL to the file ``interchange.links`` chose, which never names the
family; its available range is the whole recording) and plays exactly the
moment as it is on screen: from its first frame's start to its last frame's end
(``FrameIndex.outer_span``). A marker on each clip spans the moment and carries the caption (name and
comment); clip metadata under ``"vfeedback"`` names the moment, code and actor. The private note is
never read. When any recording has sound, an audio track mirrors the video track (a gap where a
recording has none), since editors link a clip's sound through its own track.

Times. OTIO counts time as a value at a rate. Each recording gets its own frame rate: the standard
rate nearest the duration most of its frames last (so 29.97 fps stays 29.97, never 30), or that
measured rate when no standard one is close. On constant-frame-rate video every frame starts on that
rate's grid, so clip ranges are whole frame counts, as editors expect. Phone video often has a
variable frame rate, where frames do not sit on any grid; there the value is fractional, keeping the
time in seconds exact rather than rounding it to a grid the file's frames are not on (editors
conform such files to a constant rate themselves). Either way a range read back and turned into
frames with ``FrameIndex.inner_span`` gives exactly the moment's frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Code, CodeKind, Moment, Recording, Reel
from vfeedback.core.text import clean_caption

NAMESPACE = "vfeedback"

_STANDARD_RATES = tuple(
    Fraction(r)
    for r in (
        Fraction(24000, 1001), 24, 25, Fraction(30000, 1001), 30, Fraction(48000, 1001), 48, 50,
        Fraction(60000, 1001), 60, 12, Fraction(25, 2), 15, 20, Fraction(120000, 1001), 100, 120,
    )
)  # fmt: skip
# 30 and 29.97 differ by 0.1%; a microsecond of rounding in a frame's duration is 0.003% of it.
_RATE_TOLERANCE = Fraction(1, 2000)

_MARKER_COLOURS = {
    CodeKind.STRENGTH: otio.schema.MarkerColor.GREEN,
    CodeKind.CONCERN: otio.schema.MarkerColor.ORANGE,
    CodeKind.NEUTRAL: otio.schema.MarkerColor.BLUE,
}


@dataclass(frozen=True, slots=True)
class ReelClip:
    """One moment of the reel with everything needed to place it."""

    moment: Moment
    code: Code
    recording: Recording
    index: FrameIndex
    path: Path
    """The file to link for the recording, absolute (``interchange.links.media_link``)."""


def edit_rate(index: FrameIndex) -> float:
    """The frame rate a recording's times are counted in (see the module's docstring)."""
    return float(_rate(index))


def _rate(index: FrameIndex) -> Fraction:
    times = index.times
    if len(times) < 2:
        return Fraction(25)
    if index.is_variable_rate():
        # No duration is typical; the average rate is what editors conform such a file to.
        average = Fraction(len(times) * 1_000_000, index.duration_us)
        return min(_STANDARD_RATES, key=lambda r: abs(r - average))
    deltas = sorted(times[i + 1] - times[i] for i in range(len(times) - 1))
    measured = Fraction(1_000_000, deltas[len(deltas) // 2])
    nearest = min(_STANDARD_RATES, key=lambda r: abs(r - measured))
    if abs(nearest - measured) <= nearest * _RATE_TOLERANCE:
        return nearest
    return measured.limit_denominator(1001)


class _Clock:
    """Microseconds of one recording as OTIO times at its edit rate."""

    def __init__(self, index: FrameIndex) -> None:
        self._rate = _rate(index)
        self.rate = float(self._rate)
        # How far from a whole frame a time may be and still be that frame's start: on a constant
        # rate, the file's time base rounding (a millisecond in Matroska: 3% of a frame); on a
        # variable rate, only our own microsecond rounding. Exact, so that a time just at the limit
        # is a whole frame at every frame, not only where floating point happens to round down.
        self._snap = Fraction(1, 10) if not index.is_variable_rate() else self._rate / 2_000_000

    def time(self, us: int) -> Any:
        value = us * self._rate / 1_000_000
        whole = round(value)
        if abs(value - whole) <= self._snap:
            value = Fraction(whole)
        return otio.opentime.RationalTime(float(value), self.rate)

    def span(self, begin_us: int, stop_us: int) -> Any:
        return otio.opentime.range_from_start_end_time(self.time(begin_us), self.time(stop_us))


def _metadata(item: ReelClip) -> dict[str, Any]:
    m, index = item.moment, item.index
    return {
        NAMESPACE: {
            "moment_id": m.id,
            "recording_id": m.recording_id,
            "code": item.code.name,
            "code_id": item.code.id,
            "principle": item.code.principle,
            "actor": m.actor.value,
            "start_us": m.start_us,
            "end_us": m.end_us,
            "start_frame": index.frame_at(m.start_us),
            "end_frame": index.frame_at(m.end_us),
        }
    }


def _reference(item: ReelClip, clock: _Clock) -> Any:
    return otio.schema.ExternalReference(
        target_url=otio.url_utils.url_from_filepath(str(item.path)),
        available_range=clock.span(0, item.index.duration_us),
        metadata={NAMESPACE: {"recording_id": item.recording.id}},
    )


def _clip(n: int, item: ReelClip, clock: _Clock, *, marker: bool) -> Any:
    m = item.moment
    span = clock.span(*item.index.outer_span(m.start_us, m.end_us))
    clip = otio.schema.Clip(
        name=f"{n}. {item.code.name} (moment {m.id})",
        media_reference=_reference(item, clock),
        source_range=span,
        metadata=_metadata(item),
    )
    if marker:
        caption = clean_caption(m.caption)
        # Markers live in the clip's source time, the same as its source_range.
        clip.markers.append(
            otio.schema.Marker(
                name=caption or item.code.label,
                marked_range=span,
                color=_MARKER_COLOURS.get(item.code.kind, otio.schema.MarkerColor.GREEN),
                metadata={NAMESPACE: {"moment_id": m.id}},
                comment=caption,
            )
        )
    return clip


def reel_timeline(reel: Reel, case_code: str, items: Sequence[ReelClip]) -> Any:
    """The reel's ``otio.schema.Timeline``; ``items`` in the reel's order."""
    clocks = [_Clock(item.index) for item in items]
    video = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    for n, (item, clock) in enumerate(zip(items, clocks, strict=True), 1):
        video.append(_clip(n, item, clock, marker=True))
    tracks = [video]
    if any(item.recording.media.has_audio for item in items):
        audio = otio.schema.Track(name="Audio", kind=otio.schema.TrackKind.Audio)
        for n, (item, clock) in enumerate(zip(items, clocks, strict=True), 1):
            if item.recording.media.has_audio:
                audio.append(_clip(n, item, clock, marker=False))
            else:
                length = clock.span(*item.index.outer_span(item.moment.start_us, item.moment.end_us))
                audio.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=length.duration)))
        tracks.append(audio)
    first_rate = clocks[0].rate if clocks else 25.0
    return otio.schema.Timeline(
        name=reel.title,
        tracks=tracks,
        global_start_time=otio.opentime.RationalTime(0, first_rate),
        metadata={NAMESPACE: {"reel_id": reel.id, "case": case_code, "date": reel.date_text}},
    )


def otio_bytes(timeline: Any) -> bytes:
    """``timeline`` as OTIO JSON, for the library's one safe save (``Files.save``) to write.

    Made in memory, never by OTIO's own file writer: that one (0.18) reports success on a full
    disk, leaving a cut-short file the save would then put in place of the editor's."""
    text: str = otio.adapters.write_to_string(timeline, adapter_name="otio_json")
    return text.encode("utf-8")
