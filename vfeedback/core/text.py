"""Text that people type or files bring in: one length limit and one cleaning per kind of text.

Every path that stores text (the services the app and the command line call, the ELAN and BORIS
readers, the coding-scheme loader) goes through ``clean``, so a caption is held to the same rules
whether it was typed in the app, given with ``--caption`` or imported from ELAN. Cleaning:

- line breaks are made plain (CR LF, CR and the Unicode line separators become LF; a tab a space);
- bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C) are removed: an override
  hidden in a caption would make a family read the words backwards;
- any other control character is refused (ESC in a caption could retitle a terminal; a control
  character in a scheme code made ``export eaf`` write XML that no reader accepts), as are
  surrogates and non-characters (bytes that were never text);
- surrounding whitespace goes; one-line kinds have their inner runs of spaces collapsed;
- the length is checked against the kind's limit, after cleaning;
- text a family sees may hold only the pictographs (emoji) the export fonts can draw, never a box.

``terminal`` is the other direction: anything shown on a terminal with its controls made visible.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import PurePath

from vfeedback.core.errors import BadInput


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of text: how sentences name it, its length limit, and what it may hold."""

    name: str
    limit: int
    lines: bool = False
    """May hold line breaks (captions, notes, descriptions); other kinds are one line."""
    for_family: bool = False
    """Drawn into clips, reels or handouts: every pictograph must be one the fonts can draw."""


CASE_CODE = Kind("case code", 64)
FAMILY_LABEL = Kind("family label", 200)
PERSON = Kind("name", 100)  # a coder, whoever records a consent, a BORIS subject
CAPTION = Kind("caption", 300, lines=True, for_family=True)
FAMILY_WORDS = Kind("family's words", 300, lines=True, for_family=True)  # a parent's words, on the handout
NOTE = Kind("note", 20_000, lines=True)
REEL_TITLE = Kind("title", 120, for_family=True)
DATE_TEXT = Kind("date", 60, for_family=True)
CONTEXT = Kind("context", 200)
SCHEME_NAME = Kind("name", 100)  # a scheme's name and its codes' names
SCHEME_VERSION = Kind("version", 50)
PARENT_WORDING = Kind("wording for parents", 200, for_family=True)
SCHEME_TEXT = Kind("description", 5_000, lines=True)  # a scheme's or a code's description
TIER_NAME = Kind("tier name", 256)  # ELAN tiers and BORIS behaviours: what a mapping names

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = str.maketrans({"\r": "\n", "\u0085": "\n", "\u2028": "\n", "\u2029": "\n", "\t": " "})
_STRIP_BIDI = dict.fromkeys(map(ord, BIDI_CONTROLS))

# Pictographs (emoji and symbols) by block, and those of them the export fonts draw: DejaVu Sans
# for text, then Symbola (Debian fonts-symbola, outlines that libass and Qt's PDF painter can both
# render; colour bitmap fonts such as Noto Color Emoji show as boxes in libass). Generated from
# the fonts' character maps (fc-query) of DejaVu Sans 2.37 and Symbola 2.60: in these blocks,
# Symbola draws everything DejaVu Sans draws.
PICTOGRAPH_BLOCKS = (
    (0x2190, 0x21FF), (0x2300, 0x23FF), (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x2600, 0x27BF),
    (0x2900, 0x297F), (0x2B00, 0x2BFF), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297),
    (0x3299, 0x3299), (0x1F000, 0x1FAFF),
)  # fmt: skip
SYMBOL_FONT_GLYPHS = (
    (0x2190, 0x21FF), (0x2300, 0x23FF), (0x2460, 0x24FF), (0x25A0, 0x27BF), (0x2900, 0x297F),
    (0x2B00, 0x2B73), (0x2B76, 0x2B95), (0x2B98, 0x2BB9), (0x2BBD, 0x2BC8), (0x2BCA, 0x2BD2),
    (0x2BEC, 0x2BEF), (0x3297, 0x3297), (0x3299, 0x3299), (0x1F000, 0x1F02B), (0x1F030, 0x1F093),
    (0x1F0A0, 0x1F0AE), (0x1F0B1, 0x1F0BF), (0x1F0C1, 0x1F0CF), (0x1F0D1, 0x1F0F5), (0x1F100, 0x1F10C),
    (0x1F110, 0x1F12E), (0x1F130, 0x1F16B), (0x1F170, 0x1F1AC), (0x1F1E6, 0x1F202), (0x1F210, 0x1F23B),
    (0x1F240, 0x1F248), (0x1F250, 0x1F251), (0x1F260, 0x1F265), (0x1F300, 0x1F6D4), (0x1F6E0, 0x1F6EC),
    (0x1F6F0, 0x1F6F8), (0x1F700, 0x1F773), (0x1F780, 0x1F7D4), (0x1F800, 0x1F80B), (0x1F810, 0x1F847),
    (0x1F850, 0x1F859), (0x1F860, 0x1F887), (0x1F890, 0x1F8AD), (0x1F900, 0x1F90B), (0x1F910, 0x1F93E),
    (0x1F940, 0x1F94C), (0x1F950, 0x1F96B), (0x1F980, 0x1F997), (0x1F9C0, 0x1F9C0), (0x1F9D0, 0x1F9E6),
)  # fmt: skip
_BLOCK_STARTS = [a for a, _ in PICTOGRAPH_BLOCKS]
_GLYPH_STARTS = [a for a, _ in SYMBOL_FONT_GLYPHS]


def clean(value: str, kind: Kind, what: str | None = None) -> str:
    """``value`` cleaned as ``kind`` (see the module), or BadInput with one sentence naming it as
    ``what`` (default: the kind's name), e.g. "The coder's name holds a control character ..."."""
    label = what or kind.name
    if not isinstance(value, str):
        raise BadInput(f"The {label} must be text.")
    text = value.replace("\r\n", "\n").translate(_LINE_BREAKS).translate(_STRIP_BIDI)
    for ch in text:
        if ch == "\n":
            continue
        category = unicodedata.category(ch)
        if category == "Cs" or _is_noncharacter(ch):
            raise BadInput(f"The {label} holds bytes that are not text ({_code(ch)}).")
        if category == "Cc":
            raise BadInput(
                f"The {label} holds a control character ({_code(ch)}), which cannot be shown or stored."
            )
    text = text.strip()
    if kind.lines:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    elif "\n" in text:
        raise BadInput(f"The {label} must be one line.")
    else:
        text = " ".join(text.split())
    if len(text) > kind.limit:
        raise BadInput(f"The {label} is {len(text)} characters long; keep it to {kind.limit}.")
    if kind.for_family:
        missing = undrawable(text)
        if missing is not None:
            raise BadInput(
                f"The {label} holds {missing} ({_code(missing)}), which clips and handouts cannot "
                "draw (it would show as an empty box); use words or another emoji."
            )
    return text


def optional(value: str | None, kind: Kind, what: str | None = None) -> str | None:
    """``clean`` for a field that may be left out: None, or empty after cleaning, is None."""
    if value is None:
        return None
    return clean(value, kind, what) or None


def is_pictograph(ch: str) -> bool:
    """In one of the emoji and symbol blocks (where a missing glyph is most likely)."""
    n = bisect_right(_BLOCK_STARTS, ord(ch)) - 1
    return n >= 0 and ord(ch) <= PICTOGRAPH_BLOCKS[n][1]


def symbol_font_draws(ch: str) -> bool:
    """A pictograph the symbol font (Symbola) draws: exports switch to that font for it."""
    n = bisect_right(_GLYPH_STARTS, ord(ch)) - 1
    return n >= 0 and ord(ch) <= SYMBOL_FONT_GLYPHS[n][1]


def undrawable(text: str) -> str | None:
    """The first pictograph in ``text`` that no export font draws, or None."""
    return next((ch for ch in text if is_pictograph(ch) and not symbol_font_draws(ch)), None)


def terminal(text: str, *, keep_lines: bool = False) -> str:
    """``text`` safe to print: control characters, bidirectional controls, line separators and
    bytes that are not text shown as escapes (``\\u001b``, ``\\u202e``), so nothing a user or a
    file supplied can move the cursor, retitle the window, ring the bell or reorder the line. Line
    breaks become ``\\n`` too, unless ``keep_lines`` (a whole block of output, not one line).

    The escapes are JSON's own, so JSON passed through here still means the same (these characters
    only ever occur inside its strings)."""
    return (_UNSAFE_IN_BLOCK if keep_lines else _UNSAFE_IN_LINE).sub(_escape, text)


def excerpt(text: str, limit: int = 40) -> str:
    """The start of ``text`` for a sentence that quotes it (a pasted essay need not come back)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Controls (C0, DEL, C1), bidirectional controls, line and paragraph separators, lone surrogates
# and the non-characters U+FFFE/U+FFFF. One regular expression: whole JSON documents pass here.
_UNSAFE = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ud800-\udfff\ufffe\uffff"
_UNSAFE_IN_LINE = re.compile(f"[\x00-\x1f{_UNSAFE}]")
_UNSAFE_IN_BLOCK = re.compile(f"[\x00-\x08\x0b-\x1f{_UNSAFE}]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    return f"\\u{ord(ch):04x}"


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def _is_noncharacter(ch: str) -> bool:
    n = ord(ch)
    return 0xFDD0 <= n <= 0xFDEF or (n & 0xFFFE) == 0xFFFE


# Case codes end up in folder and file names of exports: safe, portable characters only.
_CASE_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def case_code(value: str) -> str:
    """A family's pseudonymous case code: 1 to 64 ASCII letters, digits, '.', '_' or '-', starting
    with a letter or digit; BadInput otherwise."""
    code = value.strip() if isinstance(value, str) else ""
    if not code or len(code) > CASE_CODE.limit or not set(code) <= _CASE_CODE_CHARS or not code[0].isalnum():
        raise BadInput(
            f"'{excerpt(code)}' is not a usable case code: use up to {CASE_CODE.limit} letters, digits, "
            "'-', '_' or '.', starting with a letter or digit (and no real names)."
        )
    return code


def file_name(name: str) -> str:
    """A file's name as text that can be stored and shown: bytes of it that are not UTF-8 (which
    Python keeps as lone surrogates) become U+FFFD. Its other characters are kept as they are."""
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in name)


def clean_caption(text: str) -> str:
    """One caption as shown: line breaks kept (blank lines dropped), other control characters gone."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = text.replace("\t", " ")
    # Bidirectional controls go too (an override would flip what a family reads), also from
    # captions stored before they were refused at entry.
    kept = "".join(
        ch
        for ch in text
        if ch == "\n" or (unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS)
    )
    lines = [" ".join(line.split()) for line in kept.split("\n")]
    return "\n".join(line for line in lines if line)


_SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` safe as a spreadsheet cell: one starting like a formula (``= + - @``, a tab or a
    carriage return) gets a leading ``'``, so a spreadsheet shows it instead of running it (CSV
    formula injection); a leading ``'`` is doubled so that ``spreadsheet_value`` can undo it."""
    if text.startswith((*_SPREADSHEET_TRIGGERS, "'")):
        return "'" + text
    return text


def spreadsheet_value(text: str) -> str:
    """The inverse of ``spreadsheet_safe``, for a reader of our own files."""
    return text[1:] if text.startswith("'") else text


def quoted_name(path: PurePath) -> str:
    """How a file is named in a sentence: its name only (its folder can name a family), quoted, on
    one printable line whatever the name holds (a newline or a terminal escape would break the
    one-sentence promise)."""
    raw = path.name or str(path)
    return "'" + "".join(ch if ch.isprintable() else "?" for ch in raw) + "'"
