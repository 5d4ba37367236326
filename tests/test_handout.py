"""The handout PDF: A4 pages of stills with their captions, a title and a date, nothing private.

Checked the way a parent would meet it: rendered with poppler (pdftoppm), text read with pdftotext.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from expect import present

from vfeedback.core.errors import BadInput
from vfeedback.render.handout import HandoutPicture, render_handout

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) are needed to read the handout back",
)

NOTE = "PRIVATE NOTE zq7: mother tearful, ask about sleep"
TITLE = "Our moments together"
DATE = "12 March 2025"
# (RGB colour, width, height, caption): three landscape, two portrait stills.
STILLS = [
    ((200, 80, 60), 640, 360, "She looks at you, and you wait for her."),
    ((60, 120, 190), 240, 320, "You smile back, and he laughs."),
    ((80, 160, 80), 240, 320, "He reaches for you, and you take his hand."),
    ((220, 180, 40), 480, 360, "Taking turns together: you wait, she answers, and you both enjoy it."),
    ((150, 90, 170), 640, 360, "A quiet moment, just the two of you."),
]


def _still(folder: Path, n: int, colour: tuple[int, int, int], width: int, height: int) -> Path:
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = colour[::-1]  # OpenCV writes BGR
    # A little detail in one corner, as a real frame has; the colour still dominates.
    cv2.circle(image, (width // 5, height // 5), max(4, height // 12), (250, 250, 250), -1)
    path = folder / f"still-{n:02d}.png"
    assert cv2.imwrite(str(path), image)
    return path


@pytest.fixture
def stills(tmp_path: Path) -> list[tuple[Path, str]]:
    folder = tmp_path / "stills"
    folder.mkdir()
    out = []
    for n, (colour, width, height, caption) in enumerate(STILLS):
        moment = {"caption": caption, "note": NOTE}
        out.append((_still(folder, n, colour, width, height), moment["caption"]))
    return out


def _pages(pdf: Path, folder: Path) -> list[np.ndarray[Any, Any]]:
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(folder / "page")], check=True)
    files = sorted(folder.glob("page-*.png"))
    pages = []
    for file in files:
        page = cv2.imread(str(file))
        assert page is not None, file
        pages.append(page[..., ::-1])
    return pages


def _text(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def _region(page: np.ndarray[Any, Any], colour: tuple[int, int, int]) -> tuple[int, int, int, int] | None:
    """Bounding box (x, y, w, h) of the pixels of ``colour`` on ``page``, if there is a real area."""
    near = np.abs(page.astype(int) - np.array(colour)).max(axis=2) <= 14
    if near.sum() < 400:
        return None
    ys, xs = np.nonzero(near)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def test_handout_pages_text_and_stills(stills: list[tuple[Path, str]], tmp_path: Path) -> None:
    pdf = render_handout(tmp_path / "handout.pdf", TITLE, DATE, stills)
    assert pdf == tmp_path / "handout.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595 x 842 pts (A4)" in info
    pages = _pages(pdf, tmp_path)
    # Four moments a page, 2 x 2; the fifth alone on the second page.
    assert len(pages) == 2
    assert all(p.shape[0] > p.shape[1] for p in pages)  # portrait sheets
    on_page = [0, 0, 0, 0, 1]
    for (colour, width, height, _), page_no in zip(STILLS, on_page, strict=True):
        box = _region(pages[page_no], colour)
        assert box is not None, f"still {colour} is not on page {page_no + 1}"
        other = _region(pages[1 - page_no], colour)
        assert other is None, f"still {colour} is also on page {2 - page_no}"
        x, y, w, h = box
        assert abs((h / w) - (height / width)) < 0.06 * (height / width), "aspect ratio not kept"
        # Generous margins: nothing within 1 cm of the paper's edges (50 dpi: 1 cm = 20 px).
        page_h, page_w = pages[page_no].shape[:2]
        assert x > 20 and y > 20 and x + w < page_w - 20 and y + h < page_h - 20
    # Reading order: first and second side by side above the third and fourth, side by side.
    boxes = [_region(pages[0], STILLS[i][0]) for i in range(4)]
    a, b, c, d = (present(box) for box in boxes)
    assert a[0] + a[2] < b[0] and c[0] + c[2] < d[0]
    assert max(a[1] + a[3], b[1] + b[3]) < min(c[1], d[1])
    # Each picture keeps to its own half of the page.
    page_w = pages[0].shape[1]
    assert a[0] + a[2] < page_w / 2 < b[0] and c[0] + c[2] < page_w / 2 < d[0]

    words = " ".join(_text(pdf).split())
    assert words.count(TITLE) == 2 and words.count(DATE) == 2  # at the top of every page
    for _, _, _, caption in STILLS:
        assert caption in words
    assert "1 / 2" in words.replace("1/2", "1 / 2") and ("2 / 2" in words or "2/2" in words)
    # Title and date come before the captions: at the top.
    assert words.index(TITLE) < words.index(STILLS[0][3])


def test_private_note_is_nowhere(stills: list[tuple[Path, str]], tmp_path: Path) -> None:
    pdf = render_handout(tmp_path / "handout.pdf", TITLE, DATE, stills)
    assert NOTE not in _text(pdf)
    assert NOTE.encode() not in pdf.read_bytes()
    assert b"zq7" not in pdf.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.pdf", "stills"]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 9])
def test_page_count_for_landscape_stills(tmp_path: Path, count: int) -> None:
    stills = [(_still(tmp_path, n, (200, 80, 60), 320, 180), f"Moment {n}") for n in range(count)]
    pdf = render_handout(tmp_path / "h.pdf", TITLE, DATE, stills)
    assert len(_pages(pdf, tmp_path)) == math.ceil(count / 4)


def test_four_portrait_stills_fit_one_page(tmp_path: Path) -> None:
    stills = [(_still(tmp_path, n, (60, 120, 190), 180, 320), f"Moment {n}") for n in range(4)]
    pdf = render_handout(tmp_path / "h.pdf", TITLE, DATE, stills)
    assert len(_pages(pdf, tmp_path)) == 1


def test_long_title_and_captions_wrap_inside_the_page(tmp_path: Path) -> None:
    caption = "You wait, and she looks up at you; then you name what she sees, softly. " * 3
    title = "A few moments from our visits together in the spring, watching how you and Mia play"
    still = _still(tmp_path, 0, (200, 80, 60), 320, 180)
    pdf = render_handout(tmp_path / "h.pdf", title, DATE, [(still, caption)])
    words = " ".join(_text(pdf).split())
    assert " ".join(title.split()) in words and " ".join(caption.split()) in words


def test_bad_input_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="at least one still"):
        render_handout(tmp_path / "h.pdf", TITLE, DATE, [])
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    with pytest.raises(BadInput, match=r"'broken\.png' cannot be read"):
        render_handout(tmp_path / "h.pdf", TITLE, DATE, [(broken, "Hello")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.png"]


def test_render_uses_qtgui_only() -> None:
    code = (
        "import sys\n"
        "import vfeedback.render.handout\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('PySide6.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.strip().split(","))
    assert "PySide6.QtGui" in loaded and "PySide6.QtWidgets" not in loaded


def test_the_familys_words_sit_under_their_caption(tmp_path: Path) -> None:
    """The family's own words where typed, under that moment's caption only; none for the others."""
    words = "“I didn't know she was looking at me”"
    pictures = [
        HandoutPicture(_still(tmp_path, 0, (200, 80, 60), 320, 180), "You waited for her", words),
        HandoutPicture(_still(tmp_path, 1, (60, 120, 190), 320, 180), "She smiled back"),
    ]
    pdf = render_handout(tmp_path / "h.pdf", TITLE, DATE, pictures)
    text = " ".join(_text(pdf).split())
    assert text.count("I didn't know she was looking at me") == 1
    assert text.index("You waited for her") < text.index("I didn't know") < text.index("She smiled back")
