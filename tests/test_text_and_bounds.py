"""The mechanisms under the hostile-input tests, each checked on its own: text kinds and their
cleaning (``core.text``), the terminal escape, the export fonts' emoji, the XML stretch cap, and
exports bounded by the frames that exist (``FrameIndex.shown_until``, ``timing.clip_span``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from vfeedback.core import text
from vfeedback.core.errors import BadInput
from vfeedback.core.frames import LONGEST_FRAME_US, FrameIndex
from vfeedback.core.text import clean_caption
from vfeedback.core.timecode import TimeSpec
from vfeedback.export import captions
from vfeedback.export.timing import Span, clip_span, still_frame
from vfeedback.interchange.limits import check_markup_runs
from vfeedback.services import moments

# --- kinds of text ---------------------------------------------------------------------------------


def test_the_services_use_the_kinds_limits() -> None:
    assert (moments.CAPTION_MAX, moments.NOTE_MAX, moments.CODER_MAX) == (300, 20_000, 100)
    assert (text.CAPTION.limit, text.NOTE.limit, text.PERSON.limit) == (300, 20_000, 100)
    assert (text.FAMILY_LABEL.limit, text.REEL_TITLE.limit, text.DATE_TEXT.limit) == (200, 120, 60)
    assert (text.CONTEXT.limit, text.SCHEME_NAME.limit, text.TIER_NAME.limit) == (200, 100, 256)


@pytest.mark.parametrize(
    ("value", "kind", "cleaned"),
    [
        ("  You  waited\r\nfor her  ", text.CAPTION, "You  waited\nfor her"),
        ("a\u2028b\u2029c\u0085d", text.NOTE, "a\nb\nc\nd"),  # Unicode line breaks made plain
        ("\tDr   Lee\u00a0 ", text.PERSON, "Dr Lee"),  # one line: runs of spaces become one
        ("\u202eyou waited\u202c \u2066for\u2069 \u200eher\u200f\u061c", text.CAPTION, "you waited for her"),
        ("Attente – é 🙂 ❤️ 👶🏽", text.CAPTION, "Attente – é 🙂 ❤️ 👶🏽"),  # what the fonts draw stays
        ("x" * 300, text.CAPTION, "x" * 300),
        ("", text.NOTE, ""),
    ],
)
def test_clean_keeps_text_and_removes_only_what_hides(value: str, kind: text.Kind, cleaned: str) -> None:
    assert text.clean(value, kind) == cleaned


@pytest.mark.parametrize(
    ("value", "kind", "what", "sentence"),
    [
        ("a\x1bb", text.PERSON, "coder's name",
         "The coder's name holds a control character (U+001B), which cannot be shown or stored."),
        ("a\x00", text.NOTE, None,
         "The note holds a control character (U+0000), which cannot be shown or stored."),
        ("a\x9b", text.CAPTION, None,
         "The caption holds a control character (U+009B), which cannot be shown or stored."),
        ("line\nbreak", text.REEL_TITLE, None, "The title must be one line."),
        ("\udcff", text.CONTEXT, None, "The context holds bytes that are not text (U+DCFF)."),
        ("\ufffe", text.CONTEXT, None, "The context holds bytes that are not text (U+FFFE)."),
        ("x" * 301, text.CAPTION, None, "The caption is 301 characters long; keep it to 300."),
        ("\U0001faf6", text.REEL_TITLE, None,
         "The title holds \U0001faf6 (U+1FAF6), which clips and handouts cannot draw (it would show as "
         "an empty box); use words or another emoji."),
        (42, text.NOTE, None, "The note must be text."),
    ],
)  # fmt: skip
def test_clean_refuses_in_one_sentence(value: str, kind: text.Kind, what: str | None, sentence: str) -> None:
    with pytest.raises(BadInput) as caught:
        text.clean(value, kind, what)
    assert str(caught.value) == sentence


def test_a_clinician_only_kind_may_hold_any_emoji() -> None:
    assert text.clean("\U0001faf6", text.NOTE) == "\U0001faf6"  # a note never reaches a family


def test_case_codes() -> None:
    assert text.case_code(" F-01.a_2 ") == "F-01.a_2"
    for bad in ("", "-F01", "F01\x1b", "Fé", "F" * 65, "F 01"):
        with pytest.raises(BadInput, match="is not a usable case code"):
            text.case_code(bad)


# --- the terminal -------------------------------------------------------------------------------


def test_terminal_shows_controls_as_json_escapes() -> None:
    hostile = "a\x1b]0;owned\x07b\rc\nd\te\x7f\x9b\u202e\u2028\u200e\U000e0001\udcff"
    shown = text.terminal(hostile)
    assert shown == (
        "a\\u001b]0;owned\\u0007b\\u000dc\\nd\\te\\u007f\\u009b\\u202e\\u2028\\u200e"
        "\U000e0001\\udcff"  # a tag character (Cf) is part of an emoji flag: kept
    )
    assert shown.isprintable() or "\U000e0001" in shown
    # The escapes are JSON's: a JSON string passed through means the same.
    assert json.loads('"' + shown + '"') == hostile
    assert text.terminal("two\nlines\tand tabs", keep_lines=True) == "two\nlines\tand tabs"
    plain = "Équipe – 🙂 \u200d ok"  # a joiner, as inside a family emoji, is kept
    assert text.terminal(plain) == plain


# --- emoji the export fonts draw -----------------------------------------------------------------


def _charset(font: str) -> set[int]:
    """The code points a font maps, from fontconfig (a different reader than the table's source)."""
    found = subprocess.run(["fc-match", "--format=%{file}", font], capture_output=True, text=True, check=True)
    out = subprocess.run(["fc-query", "--format=%{charset}", found.stdout], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    points: set[int] = set()
    for part in out.split():
        low, _, high = part.partition("-")
        points.update(range(int(low, 16), int(high or low, 16) + 1))
    return points


@pytest.mark.skipif(shutil.which("fc-query") is None, reason="fontconfig's tools are not installed")
def test_the_pictograph_table_is_what_the_installed_symbol_font_draws() -> None:
    """fonts-symbola (scripts/setup.sh) must be installed: the table says what it draws."""
    found = subprocess.run(["fc-match", "--format=%{family}", captions.SYMBOL_FONT], capture_output=True,
                           text=True, check=True).stdout  # fmt: skip
    assert found.split(",")[0] == captions.SYMBOL_FONT, f"{captions.SYMBOL_FONT} is not installed"
    draws = _charset(captions.SYMBOL_FONT) | _charset(captions.FONT)
    blocks = {n for low, high in text.PICTOGRAPH_BLOCKS for n in range(low, high + 1)}
    table = {n for n in blocks if text.symbol_font_draws(chr(n))}
    assert table == blocks & draws


def _burned(caption: str, tmp_path: Path) -> np.ndarray:
    """The bottom of a 1280x720 grey picture with ``caption`` burned in by libass (grey levels)."""
    ass = tmp_path / "c.ass"
    ass.write_text(captions.ass_document(caption, 1280, 720, 1_000_000), encoding="utf-8")
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=gray:s=1280x720:d=1",
         "-vf", f"ass=filename={ass}", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    return np.frombuffer(done.stdout, np.uint8).reshape(720, 1280)[500:, :].astype(int)


def test_a_burned_emoji_is_drawn_not_a_box(tmp_path: Path) -> None:
    """Emoji burned as clips burn them, against what empty boxes look like (private use
    characters, which no font here draws): the pictures differ in thousands of pixels, and two
    different emoji differ from each other as well (two boxes would not)."""
    smiles, babies = _burned("🙂 🙂 🙂", tmp_path), _burned("👶 👶 👶", tmp_path)
    boxes = _burned("\U000f0000 \U000f0000 \U000f0000", tmp_path)
    other_boxes = _burned("\U000f0001 \U000f0001 \U000f0001", tmp_path)
    assert np.count_nonzero(boxes != other_boxes) == 0  # boxes all look alike: the baseline
    assert np.count_nonzero(np.abs(smiles - boxes) > 40) > 1000
    assert np.count_nonzero(np.abs(smiles - babies) > 40) > 1000


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils is not installed")
def test_the_handout_embeds_the_symbol_font_for_emoji(tmp_path: Path) -> None:
    import cv2

    from vfeedback.render.handout import render_handout

    still = tmp_path / "s.png"
    cv2.imwrite(str(still), np.full((240, 320, 3), 128, np.uint8))
    pdf = render_handout(tmp_path / "h.pdf", "Us 🙂", "May", [(still, "You smiled 🙂")])
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert captions.SYMBOL_FONT in fonts and "DejaVuSans" in fonts.replace(" ", "")


def test_burned_captions_drop_bidi_controls_stored_before() -> None:
    assert clean_caption("\u202eYou waited\u202c\nfor her") == "You waited\nfor her"


# --- the XML stretch cap -------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0, 1, 127, 128, 129, 255, 256, 300])
def test_markup_runs_are_measured_exactly_wherever_they_fall(offset: int) -> None:
    """With a limit of 256 bytes (blocks of 128), a stretch of 256 bytes without '<' passes and one
    of 257 is refused, at every alignment."""
    for length, refused in ((256, False), (257, True)):
        data = b"<" * (offset + 1) + b"x" * length + b"<b/>"
        if refused:
            with pytest.raises(BadInput, match="longer than 256 bytes"):
                check_markup_runs(data, "f.eaf", "an ELAN file", limit=256)
        else:
            check_markup_runs(data, "f.eaf", "an ELAN file", limit=256)
    check_markup_runs(b"x" * 256, "f.eaf", "an ELAN file", limit=256)  # the whole file, at the end
    with pytest.raises(BadInput):
        check_markup_runs(b"<" + b"x" * 257, "f.eaf", "an ELAN file", limit=256)


# --- exports bounded by the frames that exist ----------------------------------------------------

ABSURD = FrameIndex([0, 100_000_000_000, 200_000_000_000])  # frames 100,000 s apart


def test_no_frame_is_shown_longer_than_the_limit() -> None:
    assert LONGEST_FRAME_US == 10_000_000
    assert [ABSURD.shown_until(k) for k in range(3)] == [10_000_000, 100_010_000_000, 200_010_000_000]
    assert (ABSURD.shown_at(9_999_999), ABSURD.shown_at(10_000_000), ABSURD.shown_at(100_000_000_000)) == (
        0,
        None,
        1,
    )
    cfr = FrameIndex([k * 40_000 for k in range(250)])
    assert all(cfr.shown_until(k) == (k + 1) * 40_000 for k in range(250))  # real video: untouched


def test_clips_of_absurd_timestamps_are_bounded_or_refused() -> None:
    # A point on frame 0 with 1 s either side: frame 0 alone, for 10 s (not the 100,000 s to frame 1).
    assert clip_span(ABSURD, 0, 0, 1_000_000) == Span(0, 0, 0, 10_000_000)
    # On frame 1: the padding reaches back into the gap after frame 0, which is not shown.
    assert clip_span(ABSURD, 100_000_000_000, 100_000_000_000, 1_000_000) == (
        Span(1, 1, 100_000_000_000, 100_010_000_000)
    )
    with pytest.raises(BadInput) as caught:
        clip_span(ABSURD, 0, 200_000_000_000, 0)
    assert str(caught.value) == (
        "The recording's frames jump from 00:00:00.000 to 27:46:40.000 inside this clip, so its "
        "timestamps are damaged; the clip cannot be made."
    )
    with pytest.raises(BadInput) as caught:
        clip_span(ABSURD, 50_000_000_000, 50_000_000_000, 0)  # a moment stored inside the gap
    assert str(caught.value) == (
        "No frame of the recording is shown between 13:53:20.000 and 13:53:20.000, so the moment "
        "cannot be exported: the file's timestamps leave a gap there."
    )
    with pytest.raises(BadInput, match=r"No frame of the recording is shown at 13:53:20\.000"):
        still_frame(ABSURD, 50_000_000_000)
    with pytest.raises(BadInput, match=r"No frame of the recording is shown at 13:53:20\.000"):
        ABSURD.resolve(TimeSpec(us=50_000_000_000))


def test_a_lone_frame_lasts_its_own_length() -> None:
    one = FrameIndex([0], 40_000)
    assert one.duration_us == 40_000 and one.resolve(TimeSpec(us=0)) == (0, 0)
    assert clip_span(one, 0, 0, 1_000_000) == Span(0, 0, 0, 40_000)
    assert FrameIndex.from_bytes(one.to_bytes()).duration_us == 40_000
