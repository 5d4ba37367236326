"""The reel's title card, and the ASS (libass) text helpers the reel's captions share with it.

The card is deliberately plain: a soft warm background, the title the clinician typed in large clean
type and the date below it, nothing else (no logo, no case code, no names unless typed). It is drawn
by ffmpeg itself (lavfi ``color`` + the ``ass`` filter, which wraps long lines) and encoded by the
caller's shared encoder arguments, so it joins the clips with the concat demuxer like any other part.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from vfeedback.core.text import clean_caption
from vfeedback.export.captions import ass_text as escape_ass

# Warm linen paper, a soft brown for the title, a lighter one for the date.
CARD_COLOUR = "#F5EBDD"
TITLE_COLOUR = "#5A4636"
DATE_COLOUR = "#8C7360"
FONT = "DejaVu Sans"

_STYLE_FORMAT = (
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
    "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
    "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding"
)
_EVENT_FORMAT = "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"


def ass_colour(hex_rgb: str) -> str:
    """``#RRGGBB`` as ASS's ``&HAABBGGRR`` (opaque)."""
    value = hex_rgb.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #RRGGBB colour: {hex_rgb!r}")
    return f"&H00{value[4:6]}{value[2:4]}{value[0:2]}".upper()


def ass_text(text: str) -> str:
    """Typed text as literal ASS dialogue text (cleaned and escaped as the clips' captions are):
    braces and backslashes never act as codes, typed line breaks are kept."""
    return escape_ass(clean_caption(text))


def ass_style(name: str, size: int, colour: str, *, margin_lr: int) -> str:
    primary = ass_colour(colour)
    return (
        f"Style: {name},{FONT},{size},{primary},{primary},&H00000000,&H00000000,"
        f"0,0,0,0,100,100,0,0,1,0,0,5,{margin_lr},{margin_lr},0,1"
    )


def ass_event(style: str, x: int, y: int, text: str, *, align: int = 5) -> str:
    """One line of text shown for the whole part, anchored at (x, y) (``align``: numpad position)."""
    return f"Dialogue: 0,0:00:00.00,9:00:00.00,{style},,0,0,0,,{{\\an{align}\\pos({x},{y})}}{text}"


def ass_document(width: int, height: int, styles: Sequence[str], events: Sequence[str]) -> str:
    """A complete ASS script in pixel coordinates of a ``width`` x ``height`` frame."""
    return "\n".join(
        [
            "[Script Info]",
            "ScriptType: v4.00+",
            f"PlayResX: {width}",
            f"PlayResY: {height}",
            "WrapStyle: 0",  # smart wrapping: lines of about equal length
            "ScaledBorderAndShadow: yes",
            "",
            "[V4+ Styles]",
            _STYLE_FORMAT,
            *styles,
            "",
            "[Events]",
            _EVENT_FORMAT,
            *events,
            "",
        ]
    )


def filter_path(path: Path) -> str:
    """A file name as a filter option value inside a filtergraph (both escaping levels)."""
    value = str(path)
    for ch in "\\':":
        value = value.replace(ch, "\\" + ch)
    return "".join("\\" + ch if ch in "\\'[],;" else ch for ch in value)


def title_card_ass(title: str, date_text: str, width: int, height: int) -> str:
    """The card's text: the title large, the date smaller below; either may be empty."""
    title_size = max(8, round(height * 0.085))
    date_size = max(6, round(height * 0.047))
    margin = round(width * 0.12)
    styles = [
        ass_style("Title", title_size, TITLE_COLOUR, margin_lr=margin),
        ass_style("Date", date_size, DATE_COLOUR, margin_lr=margin),
    ]
    title_t, date_t = ass_text(title), ass_text(date_text)
    cx = width // 2
    events = []
    if title_t and date_t:
        # The title grows upwards from just above the middle, the date downwards from below it.
        events.append(ass_event("Title", cx, round(height * 0.53), title_t, align=2))
        events.append(ass_event("Date", cx, round(height * 0.585), date_t, align=8))
    elif title_t:
        events.append(ass_event("Title", cx, height // 2, title_t))
    elif date_t:
        events.append(ass_event("Date", cx, height // 2, date_t))
    return ass_document(width, height, styles, events)


def title_card_argv(
    ass_path: Path,
    out: Path,
    *,
    width: int,
    height: int,
    rate: Fraction,
    frames: int,
    samples: int,
    sample_rate: int,
    fade_s: float,
    video_filter_tail: str,
    encode: Sequence[str],
    ffmpeg: str = "ffmpeg",
) -> list[str]:
    """The ffmpeg command that writes the card (``frames`` video frames, ``samples`` of silence).

    ``video_filter_tail`` is the caller's shared colour conversion (so the card's pixels are coded
    exactly as the clips' are) and ``encode`` the shared encoder and muxer arguments.
    """
    from vfeedback.media.probe import ffmpeg_url

    seconds = frames / rate
    fade = video_fades(float(seconds), fade_s)
    # Drawn once, then the one frame is repeated: the text is rendered a single time.
    graph = (
        f"[0:v]trim=end_frame=1,{video_filter_tail},ass=filename={filter_path(ass_path)},"
        f"loop=loop={frames - 1}:size=1:start=0,setpts=N/({rate}*TB){fade}[v];"
        f"[1:a]atrim=end_sample={samples}[a]"
    )
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"color=c=0x{CARD_COLOUR.lstrip('#')}:s={width}x{height}:r={rate}",
        "-f", "lavfi", "-i", f"anullsrc=r={sample_rate}:cl=stereo",
        "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
        *encode,
        "-progress", "pipe:1",
        ffmpeg_url(out),
    ]  # fmt: skip


def video_fades(seconds: float, fade_s: float) -> str:
    """``,fade=in,...fade=out`` for a part of ``seconds`` (fades at most a third of it each)."""
    fade = min(fade_s, seconds / 3)
    if fade <= 0:
        return ""
    return f",fade=t=in:st=0:d={fade:.4f},fade=t=out:st={seconds - fade:.4f}:d={fade:.4f}"


def audio_fades(seconds: float, fade_s: float) -> str:
    """The same fades for the sound (``afade``)."""
    fade = min(fade_s, seconds / 3)
    if fade <= 0:
        return ""
    return f",afade=t=in:st=0:d={fade:.4f},afade=t=out:st={seconds - fade:.4f}:d={fade:.4f}"
