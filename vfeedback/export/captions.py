"""The parent caption as libass subtitles (burned in), WebVTT (sidecar and soft track) and plain text.

Only the caption text ever reaches these functions; the private clinical note has no way in.

Burned captions (measured on this machine's libass 0.17 with DejaVu Sans, see tests):

- Placed at the bottom centre, inside a 5% safe margin. Phone footage of a parent with a baby
  usually has the faces in the upper two thirds, and the bottom edge is where viewers look for
  subtitles; the box sits above the bottom 5% so a baby lying at the very edge is not covered.
- Font size 6% of the picture's shorter side (so portrait and landscape clips read alike), shrunk
  down to 4% when needed so the caption wraps to at most three lines; a caption that cannot fit
  in three lines even then is refused rather than drawn over half the picture.
- A soft dark box behind each line (``BorderStyle=3``, about 65% opaque), white text, no outline.
- libass wraps lines itself (``WrapStyle: 0`` balances them); the caption's own line breaks are kept.
- Emoji and other pictographs are drawn in ``SYMBOL_FONT`` (Symbola, Debian's fonts-symbola), named
  for each run of them: libass cannot draw colour bitmap fonts such as Noto Color Emoji, and left to
  fontconfig's fallback it may pick one and show an empty box. Captions may hold only pictographs
  Symbola draws (``core.text`` refuses the others when they are typed).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from vfeedback.core.errors import BadInput
from vfeedback.core.text import clean_caption, symbol_font_draws
from vfeedback.system.files import write_private

FONT = "DejaVu Sans"
SYMBOL_FONT = "Symbola"
FONT_SHARE = 0.06  # of the shorter side
MIN_FONT_SHARE = 0.04
SAFE_MARGIN = 0.05
MAX_LINES = 3
BOX_ALPHA = 0x58  # ASS alpha: 00 opaque .. FF transparent
_WORD_JOINER = "\u2060"


# --- layout ------------------------------------------------------------------------------------

# Advance widths of DejaVu Sans in ems, coarsely: enough to choose a font size, not to wrap (libass
# wraps). Wider than the real average, so the estimate errs towards a smaller font.
_NARROW = set("ijlI!|.,:;'`()[]{} ")
_SEMI = set('frt-"/\\')
_WIDE = set("mwMW@%")


def _em_width(text: str) -> float:
    total = 0.0
    for ch in text:
        if ch in _NARROW:
            total += 0.34
        elif ch in _SEMI:
            total += 0.45
        elif ch in _WIDE:
            total += 0.95
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            total += 1.0  # CJK and emoji
        elif ch.isupper():
            total += 0.72
        else:
            total += 0.62
    return total


def _lines_needed(text: str, line_ems: float) -> int:
    """Lines a greedy word wrap needs for ``text`` at ``line_ems`` ems per line."""
    count = 0
    for paragraph in text.split("\n"):
        width = 0.0
        lines = 1
        for word in paragraph.split(" "):
            w = _em_width(word)
            if width and width + 0.34 + w > line_ems:
                lines += 1
                width = 0.0
            # A word longer than a line is broken by libass wherever it must.
            while w > line_ems:
                lines += 1
                w -= line_ems
            width += (0.34 if width else 0.0) + w
        count += lines
    return count


@dataclass(frozen=True, slots=True)
class CaptionLayout:
    """Where and how big the burned caption is, in pixels of the exported picture."""

    font_size: int
    padding: int  # the box around the text
    margin_h: int
    margin_v: int
    lines: int  # as estimated for choosing the size


def caption_layout(caption: str, width: int, height: int) -> CaptionLayout:
    """The largest font size (6% of the shorter side down to 4%) at which ``caption`` fits in three
    lines between the safe margins; BadInput if it does not fit even at the smallest."""
    short = min(width, height)
    biggest = max(10, round(short * FONT_SHARE))
    smallest = max(8, round(short * MIN_FONT_SHARE))
    for size in range(biggest, smallest - 1, -1):
        padding = max(2, round(size * 0.3))
        margin_h = round(width * SAFE_MARGIN) + padding
        line_ems = (width - 2 * margin_h) / size
        lines = _lines_needed(caption, line_ems)
        if lines <= MAX_LINES:
            return CaptionLayout(size, padding, margin_h, round(height * SAFE_MARGIN) + padding, lines)
    raise BadInput(
        f"The caption is too long to show in {MAX_LINES} lines on a {width} x {height} clip: "
        "shorten it, or export it as a subtitle track instead."
    )


# --- ASS (burned in by libass) ----------------------------------------------------------------


def ass_text(caption: str) -> str:
    r"""``caption`` as the text of an ASS event, shown literally.

    libass reads ``\N``, ``\h``, ``\n`` and ``{...}`` as commands. A word joiner (invisible) after
    every backslash keeps it a backslash; braces have their own escapes; line breaks become ``\N``.
    Each run of pictographs is set in ``SYMBOL_FONT``, then back to the style's font (``\fn``).
    """
    text = caption.replace("\\", "\\" + _WORD_JOINER)
    text = text.replace("{", "\\{").replace("}", "\\}")
    return _symbol_runs(text.replace("\n", "\\N"))


def _symbol_runs(text: str) -> str:
    out: list[str] = []
    inside = False
    for ch in text:
        # Joiners and variation selectors stay with the pictograph they belong to.
        wanted = symbol_font_draws(ch) or (inside and ch in "\u200d\ufe0e\ufe0f")
        if wanted != inside:
            out.append(f"{{\\fn{SYMBOL_FONT}}}" if wanted else "{\\fn}")
            inside = wanted
        out.append(ch)
    if inside:
        out.append("{\\fn}")
    return "".join(out)


_STYLE_FORMAT = (
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
    "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
    "Alignment, MarginL, MarginR, MarginV, Encoding"
)
_EVENT_FORMAT = "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"


def _ass_time(us: int) -> str:
    cs = -(-us // 10_000)  # round up: the caption stays to the very last frame
    hours, rest = divmod(cs, 360_000)
    minutes, rest = divmod(rest, 6000)
    seconds, cs = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{cs:02d}"


def ass_document(caption: str, width: int, height: int, duration_us: int) -> str:
    """A complete .ass file showing ``caption`` from 0 to ``duration_us`` on a ``width`` x ``height``
    picture (PlayRes is the picture, so every size here is in its pixels)."""
    text = clean_caption(caption)
    lay = caption_layout(text, width, height)
    box = f"&H{BOX_ALPHA:02X}101010"
    # BorderStyle 3 draws a box behind each run of one font, and boxes overlap darker where a
    # pictograph's run meets the text's; libass's BorderStyle 4 draws one box per line (in the back
    # colour; the outline made invisible), which looks the same as 3 on plain text.
    outline, back, border = (
        ("&HFF101010", box, 4) if any(map(symbol_font_draws, text)) else (box, "&H00000000", 3)
    )
    style = (
        f"Style: Caption,{FONT},{lay.font_size},&H00FFFFFF,&H00FFFFFF,{outline},"
        f"{back},0,0,0,0,100,100,0,0,{border},{lay.padding},0,2,{lay.margin_h},{lay.margin_h},"
        f"{lay.margin_v},1"
    )
    return "\n".join(
        [
            "[Script Info]",
            "ScriptType: v4.00+",
            f"PlayResX: {width}",
            f"PlayResY: {height}",
            "WrapStyle: 0",
            "ScaledBorderAndShadow: yes",
            "YCbCr Matrix: None",
            "",
            "[V4+ Styles]",
            _STYLE_FORMAT,
            style,
            "",
            "[Events]",
            _EVENT_FORMAT,
            f"Dialogue: 0,{_ass_time(0)},{_ass_time(duration_us)},Caption,,0,0,0,,{ass_text(text)}",
            "",
        ]
    )


# --- the soft subtitle track (MP4 text, made by ffmpeg from an ASS file) ----------------------


def soft_text(caption: str) -> str:
    r"""``caption`` for ffmpeg's MP4-text encoder. It reads ASS but knows only ``\N``/``\n`` line
    breaks and ``{\...}`` blocks, and would keep an escaped ``\{`` as two characters; so braces stay
    as they are (``{`` alone is text to it) and a word joiner goes after each backslash and between
    ``{`` and a backslash."""
    text = caption.replace("\\", "\\" + _WORD_JOINER).replace("{\\", "{" + _WORD_JOINER + "\\")
    return text.replace("\n", "\\N")


def soft_document(caption: str, duration_us: int) -> str:
    """The .ass file ffmpeg turns into the clip's subtitle track: ``caption`` from 0 to
    ``duration_us`` in a plain default style (players restyle text tracks anyway).

    Not WebVTT: ffmpeg's WebVTT reader escapes braces as ``\\{``, which its MP4-text writer then
    shows, and reads ``\\N`` in the text as a line break.
    """
    text = clean_caption(caption)
    return "\n".join(
        [
            "[Script Info]",
            "ScriptType: v4.00+",
            "PlayResX: 384",
            "PlayResY: 288",
            "",
            "[V4+ Styles]",
            _STYLE_FORMAT,
            f"Style: Default,{FONT},16,&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,"
            "0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,1",
            "",
            "[Events]",
            _EVENT_FORMAT,
            f"Dialogue: 0,{_ass_time(0)},{_ass_time(duration_us)},Default,,0,0,0,,{soft_text(text)}",
            "",
        ]
    )


# --- WebVTT (the sidecar beside the clip) -----------------------------------------------------


def _vtt_time(us: int) -> str:
    ms = -(-us // 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{ms:03d}"


def vtt_text(caption: str) -> str:
    """``caption`` as WebVTT cue text: markup characters escaped, no blank line (which ends a cue)."""
    text = clean_caption(caption)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt_document(caption: str, duration_us: int) -> str:
    """A WebVTT file with one cue: ``caption`` from 0 to ``duration_us``."""
    return f"WEBVTT\n\n1\n{_vtt_time(0)} --> {_vtt_time(duration_us)}\n{vtt_text(caption)}\n"


# --- plain text beside a still ---------------------------------------------------------------


def write_caption_sidecar(path: Path, caption: str) -> Path:
    """Write ``caption`` (cleaned, UTF-8, one trailing newline) to ``path`` atomically; returns it."""
    write_private(path, (clean_caption(caption) + "\n").encode("utf-8"))
    return path
