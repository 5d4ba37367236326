"""Pointing at what matters: soft warm circles and arrows drawn on a still and on the handout's
pictures, exactly where they were drawn, and nowhere else; kept with the export's settings so a
handout made again keeps them."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number

from vfeedback.core.errors import BadInput
from vfeedback.core.marks import COLOUR, Mark, marks_from
from vfeedback.core.model import HighlightKind
from vfeedback.services import Library

S = 1_000_000
CIRCLE = Mark("circle", 0.5, 0.4, 0.6, 0.4)
ARROW = Mark("arrow", 0.1, 0.1, 0.3, 0.3)


def _png(path: Path) -> np.ndarray[Any, Any]:
    image = cv2.imread(str(path))
    assert image is not None
    return np.asarray(image[..., ::-1], dtype=np.int16)  # RGB


def _warm(pixel: np.ndarray[Any, Any]) -> bool:
    """Near the marks' colour: 85 % of it over whatever lay beneath."""
    return bool(np.abs(pixel - np.array(COLOUR)).max() <= 0.15 * 255 + 6)


def test_a_circle_and_an_arrow_land_where_drawn_and_nowhere_else(library: Library, media: MediaSet) -> None:
    library.families.add("K1")
    library.consent.give("K1", "feedback", "Dr Rowe")
    rec = library.recordings.import_file(media["cfr25"], "K1")
    m = library.moments.add(rec.id, 1 * S, 2 * S, code="Waiting", caption="Look at her eyes")
    plain = library.exports.still(m.id, 1_520_000)
    marked = library.exports.still(m.id, 1_520_000, marks=[CIRCLE, ARROW])
    assert marked.id != plain.id and marked.kind is HighlightKind.STILL
    a, b = _png(library.exports.path(plain)), _png(library.exports.path(marked))
    assert a.shape == b.shape == (240, 320, 3)
    # By hand, on 320 x 240 (positions times 319 and 239): the circle's centre (160, 96), its edge
    # through (191, 96), so radius 31; the arrow from (32, 24) to its tip at (96, 72).
    for x, y in ((191, 96), (129, 96), (160, 65), (160, 127), (96, 72), (64, 48)):
        assert _warm(b[y, x]), (x, y, b[y, x])
    changed = np.abs(b - a).max(axis=2) > 8
    ys, xs = np.nonzero(changed)
    # Everything that changed lies on the circle's ring (31 px, a 3 px line) or on the arrow: its
    # line, or its head (two strokes of 18 px from the tip: 0.225 of its 80 px length).
    ring = np.abs(np.hypot(xs - 160, ys - 96) - 31) <= 4
    along = np.clip(((xs - 32) * 64 + (ys - 24) * 48) / (64**2 + 48**2), 0, 1)
    line = np.hypot(xs - (32 + along * 64), ys - (24 + along * 48)) <= 4
    head = np.hypot(xs - 96, ys - 72) <= 22
    assert changed.sum() > 300 and bool(np.all(ring | line | head))
    assert not changed[96, 160]  # inside the circle the picture is untouched
    assert read_frame_number(b.astype(np.uint8)) == 38
    # Kept with the export: the same marks again give the same file, and the settings hold them.
    assert library.exports.still(m.id, 1_520_000, marks=[CIRCLE, ARROW]).id == marked.id
    with sqlite3.connect(library.path / "vfeedback.db") as conn:
        (settings,) = conn.execute(
            "SELECT settings_json FROM highlights WHERE id = ?", (marked.id,)
        ).fetchone()
    conn.close()
    assert marks_from(json.loads(settings)["marks"]) == (CIRCLE, ARROW)


@pytest.mark.parametrize(
    ("mark", "sentence"),
    [
        (("square", 0.1, 0.1, 0.2, 0.2), "'square' is not a mark: draw a circle or an arrow."),
        (("circle", 0.5, 0.5, 1.4, 0.5), "A mark must lie inside the picture (from 0 to 1 across and down)."),
        (("arrow", 0.5, float("nan"), 0.1, 0.1),
         "A mark is four numbers: where it starts and where it ends, across and down."),
    ],
)  # fmt: skip
def test_a_bad_mark_is_one_sentence(mark: tuple[Any, ...], sentence: str) -> None:
    with pytest.raises(BadInput) as refused:
        Mark(*mark)
    assert str(refused.value) == sentence


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils reads the handout")
def test_the_handout_shows_the_marks_and_keeps_them_when_made_again(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    library.families.add("K2")
    library.consent.give("K2", "feedback", "Dr Rowe")
    rec = library.recordings.import_file(media["cfr25"], "K2")
    m = library.moments.add(rec.id, 1 * S, 2 * S, code="Waiting", caption="Look", picture=1_520_000)
    pack = library.exports.session_pack([m.id], "Us", "May", marks={m.id: [CIRCLE]})

    def warm_share(pdf: Path, name: str) -> float:
        """The share of the page's picture area in the marks' colour."""
        out = tmp_path / name
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(pdf), str(out)], check=True)
        page = _png(out.with_suffix(".png"))
        warm = np.abs(page - np.array(COLOUR)).max(axis=2) <= 45
        return float(warm.mean())

    first = warm_share(library.exports.path(pack.handout), "first")
    again = library.exports.handout(pack.reel.id)
    kept = warm_share(library.exports.path(again), "again")
    assert first > 0.001 and abs(kept - first) < 0.0005
    library.moments.edit(m.id, picture=1_800_000)  # another frame: the marks were drawn on the old one
    moved = warm_share(library.exports.path(library.exports.handout(pack.reel.id)), "moved")
    unmarked = warm_share(library.exports.path(library.exports.handout(pack.reel.id, marks={})), "unmarked")
    assert moved == unmarked < first
