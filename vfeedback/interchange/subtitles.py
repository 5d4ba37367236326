"""A recording's captions as subtitles: SubRip (.srt) and WebVTT (.vtt).

Only moments with a caption become cues, in time order; the private note has no way in (only the
caption is read). Each cue covers the moment as it is on screen (``FrameIndex.outer_span``: from its
first frame's start to its last frame's end).

A caption needs time to be read: a cue shorter than ``MIN_CUE_US`` (2 s) - every point moment, and
intervals of a few frames - is held longer, but never past the start of the next cue that starts
later, nor past the end of the recording. Overlapping moments keep their overlap (players stack
such cues).

Times are written to the millisecond rounded *down*, start and end alike: a cue then starts at or
before its first frame and ends after the start of its last one, so no player shows it a frame late
or on the frame after.

Escaping. WebVTT: the caption's text through ``export.captions.vtt_text`` (``&``, ``<``, ``>``
escaped, so ``-->`` cannot end a timing line; blank lines removed, as a blank line ends a cue).
SubRip has no escapes at all, so characters that readers take for markup get an invisible word
joiner (U+2060) after them: ``<`` (ffmpeg, mpv and VLC read ``<...>`` as a tag and drop it), ``{``
(``{\\an8}`` is a position command), a backslash (``\\N`` is a line break) and the ``--`` of ``-->``
(a timing line). Readers that hand SubRip to libass (mpv) may still hide text in braces; the WebVTT
file shows it faithfully.

Encoding: UTF-8. SubRip gets a byte-order mark, as Subtitle Edit writes it, because SubRip carries
no charset and TVs and older players otherwise guess Latin-1 and garble accents; WebVTT is UTF-8 by
definition and gets none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Moment
from vfeedback.core.text import clean_caption
from vfeedback.export.captions import vtt_text

SubtitleFormat = Literal["srt", "vtt"]

MIN_CUE_US = 2_000_000
_JOINER = "\u2060"


@dataclass(frozen=True, slots=True)
class Cue:
    start_us: int
    end_us: int
    text: str
    """The caption as shown: cleaned (``clean_caption``), not yet escaped."""
    moment_id: int


def format_for(suffix: str) -> SubtitleFormat | None:
    """``srt`` or ``vtt`` from a file suffix; None for any other."""
    low = suffix.lower()
    if low == ".srt":
        return "srt"
    if low in (".vtt", ".webvtt"):
        return "vtt"
    return None


def captioned(moments: Sequence[Moment]) -> list[Moment]:
    """The moments that have a caption to show, in time order."""
    shown = [m for m in moments if clean_caption(m.caption)]
    return sorted(shown, key=lambda m: (m.start_us, m.end_us, m.id))


def cues(moments: Sequence[Moment], index: FrameIndex) -> list[Cue]:
    """One cue per captioned moment, timed as the module's docstring says."""
    chosen = captioned(moments)
    spans = [index.outer_span(m.start_us, m.end_us) for m in chosen]
    recording_end = index.duration_us
    result = []
    for i, (m, (begin, stop)) in enumerate(zip(chosen, spans, strict=True)):
        limit = next((b for b, _ in spans[i + 1 :] if b > begin), recording_end)
        held = min(begin + MIN_CUE_US, limit, recording_end)
        result.append(Cue(begin, max(stop, held), clean_caption(m.caption), m.id))
    return result


def _clock(us: int, separator: str) -> str:
    ms = us // 1000  # rounded down: see the module's docstring
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def _timing(cue: Cue, separator: str) -> str:
    start = _clock(cue.start_us, separator)
    end = _clock(max(cue.end_us, cue.start_us + 1000), separator)
    return f"{start} --> {end}"


def srt_text(caption: str) -> str:
    """``caption`` (already cleaned) as SubRip cue text that readers show literally."""
    text = caption.replace("\\", "\\" + _JOINER).replace("<", "<" + _JOINER).replace("{", "{" + _JOINER)
    return text.replace("-->", "--" + _JOINER + ">")


def srt_document(items: Sequence[Cue]) -> str:
    blocks = [f"{n}\n{_timing(c, ',')}\n{srt_text(c.text)}\n" for n, c in enumerate(items, 1)]
    return "\n".join(blocks)


def vtt_document(items: Sequence[Cue]) -> str:
    blocks = [f"{n}\n{_timing(c, '.')}\n{vtt_text(c.text)}\n" for n, c in enumerate(items, 1)]
    return "\n".join(["WEBVTT\n", *blocks])


def subtitles_bytes(moments: Sequence[Moment], index: FrameIndex, fmt: SubtitleFormat) -> bytes:
    """The whole file for ``fmt``, encoded as the module's docstring says."""
    items = cues(moments, index)
    if fmt == "srt":
        return ("\ufeff" + srt_document(items)).encode("utf-8")
    return vtt_document(items).encode("utf-8")
