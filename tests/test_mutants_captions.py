"""export.captions where a slip would size a burned caption wrongly or end it at the wrong moment
(found by make mutation). Em widths (DejaVu Sans, coarse: "a" 0.62, "H" 0.72, "i" and a space 0.34)
and sizes worked out by hand in each test."""

from __future__ import annotations

import dataclasses

import pytest

from vfeedback.core.errors import BadInput
from vfeedback.export.captions import (
    CaptionLayout,
    _lines_needed,
    ass_document,
    caption_layout,
    vtt_document,
)


@pytest.mark.parametrize(
    ("text", "line_ems", "lines"),
    [
        # 2.48 + 0.34 + 2.48 = 5.3 > 4: the second word wraps.
        ("aaaa aaaa", 4.0, 2),
        # 2.48, then 1.86 wraps (4.68 > 4); the new line holds 1.86 + 0.34 + 0.62 = 2.82 <= 4.
        ("aaaa aaa a", 4.0, 2),
        # A line's first word takes no space before it: 1.86 + 0.34 + 0.62 = 2.82 <= 2.92.
        ("aaa a", 2.92, 1),
        # ... and the space before the next counts: 1.86 + 0.34 + 0.62 = 2.82 > 2.6.
        ("aaa a", 2.6, 2),
        # Exactly full (the same sums, in the same order) still fits.
        ("aaa a", sum([0.62] * 3) + 0.34 + 0.62, 1),
        # After a wrap the new line holds only the word that wrapped: 1.86, then 1.86 + 0.34 + 1.86
        # = 4.06 > 4 wraps again.
        ("aaaa aaa aaa", 4.0, 3),
        # Wide (CJK) characters are a whole em each: 3 ems do not fit in 2.5.
        ("日本語", 2.5, 2),
        ("iiii", 1.0, 2),  # narrow: 4 x 0.34 = 1.36, broken once
        ("mm", 1.0, 2),  # wide: 2 x 0.95 = 1.9, broken once
        ("HH", 1.0, 2),  # capitals: 2 x 0.72 = 1.44, broken once
        ("ff", 0.8, 2),  # semi-narrow: 2 x 0.45 = 0.9, broken once
        # A word exactly one line long (five 0.62s, added as the estimate adds them) is one line.
        ("aaaaa", sum([0.62] * 5), 1),
    ],
)
def test_lines_are_counted_word_by_word(text: str, line_ems: float, lines: int) -> None:
    assert _lines_needed(text, line_ems) == lines


def test_a_small_picture_still_gets_a_ten_pixel_caption() -> None:
    """100 x 100: 6% would be 6 px, so 10 (the floor); padding round(3.0) = 3, margins 5% + 3 = 8;
    "Hi" is 0.72 + 0.34 = 1.06 ems of the 84 / 10 = 8.4 a line holds: one line."""
    assert caption_layout("Hi", 100, 100) == CaptionLayout(10, 3, 8, 8, 1)


def test_the_largest_size_that_fits_is_taken_one_pixel_at_a_time() -> None:
    """70 a's are 43.4 ems. 1000 x 1000 at 60 px: padding 18, margins 68, (1000 - 136) / 60 = 14.4
    ems a line, 3 lines hold 43.2: too few. At 59 px: padding round(17.7) = 18, 864 / 59 = 14.64
    ems, 3 lines hold 43.93: it fits, at 59 px (not 58)."""
    assert caption_layout("a" * 70, 1000, 1000) == CaptionLayout(59, 18, 68, 68, 3)


def test_a_small_picture_goes_down_to_eight_pixels_and_no_further() -> None:
    """100 x 100: sizes 10, 9, 8. At 9 px: padding round(2.7) = 3, margins 8, 84 / 9 = 9.33 ems a
    line, 28 for 3 lines; at 8 px: padding 2, margins 7, 86 / 8 = 10.75, 32.25 for 3 lines. 50 a's
    (31 ems) fit at 8 px only; 56 a's (34.72 ems) would need 7 px (86 / 7 = 12.29, 36.86): refused."""
    assert caption_layout("a" * 50, 100, 100) == CaptionLayout(8, 2, 7, 7, 3)
    with pytest.raises(BadInput) as caught:
        caption_layout("a" * 56, 100, 100)
    assert str(caught.value) == (
        "The caption is too long to show in 3 lines on a 100 x 100 clip: shorten it, or export "
        "it as a subtitle track instead."
    )


def test_a_caption_too_long_even_at_four_percent_is_refused() -> None:
    """107 a's are 66.34 ems. At 4% of 1000 (40 px): padding 12, margins 62, 876 / 40 = 21.9 ems a
    line: 4 lines. It would fit at 39 px (22.46 ems a line), below the 4% floor: refused."""
    with pytest.raises(BadInput) as caught:
        caption_layout("a" * 107, 1000, 1000)
    assert str(caught.value) == (
        "The caption is too long to show in 3 lines on a 1000 x 1000 clip: shorten it, or export "
        "it as a subtitle track instead."
    )


@pytest.mark.parametrize(
    ("duration_us", "end"),
    [
        (61_500_000, "0:01:01.50"),  # 6,150 centiseconds: 1 minute, 1.50 s
        (61_500_001, "0:01:01.51"),  # rounded up: the caption stays to the very last frame
        (3_600_000_000, "1:00:00.00"),
    ],
)
def test_the_burned_caption_lasts_the_whole_clip(duration_us: int, end: str) -> None:
    document = ass_document("Hi", 100, 100, duration_us)
    assert f"Dialogue: 0,0:00:00.00,{end},Caption,,0,0,0,,Hi" in document.splitlines()


def test_a_caption_with_a_pictograph_gets_one_box_per_line() -> None:
    """BorderStyle 4 (one box per line in the back colour, the outline invisible) when Symbola
    draws part of the caption; 100 x 100 as above: 10 px, padding 3, margins 8."""
    style = (
        "Style: Caption,DejaVu Sans,10,&H00FFFFFF,&H00FFFFFF,&HFF101010,&H58101010,"
        "0,0,0,0,100,100,0,0,4,3,0,2,8,8,8,1"
    )
    assert style in ass_document("Hi \U0001f642", 100, 100, 1_000_000).splitlines()


@pytest.mark.parametrize(
    ("duration_us", "end"), [(61_500_000, "00:01:01.500"), (3_600_000_000, "01:00:00.000")]
)
def test_the_sidecar_cue_lasts_the_whole_clip(duration_us: int, end: str) -> None:
    assert vtt_document("Hi", duration_us) == f"WEBVTT\n\n1\n00:00:00.000 --> {end}\nHi\n"


def test_a_layout_cannot_be_changed() -> None:
    layout = caption_layout("Hi", 100, 100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        layout.font_size = 40  # type: ignore[misc]
