"""The session pack: a clip of each chosen moment, the reel and its handout, in one call, with the
consent checked once before anything is written, and nothing half-made kept when it stops.

Frames are checked by the frame-number code every test frame carries (``mediagen``): in the clips
as decoded, and in the handout as a parent gets it, the PDF page rendered by poppler (pdftoppm).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number

from vfeedback.core.errors import BadInput, ConsentMissing
from vfeedback.core.jobs import Cancelled
from vfeedback.core.model import HighlightKind, Moment
from vfeedback.export.options import ClipOptions
from vfeedback.services import Library

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils reads the handout")

S = 1_000_000
FRAME = 40_000  # cfr25: 25 frames a second
NOTE = "PRIVATE zq9: father's drinking"
TITLE = "Our moments together"
DAY = "7 December 2026"
PLAIN = ClipOptions(padding_us=0, captions="none")


def _tagged(library: Library, media: MediaSet, *, consent: bool = True) -> list[Moment]:
    """Three moments of P1's film: one with the frame on screen when tagged, one with none (its
    middle frame serves), one whose frame the clinician chose later, with the family's words."""
    library.families.add("P1")
    rec = library.recordings.import_file(media["cfr25"], "P1")
    if consent:
        library.consent.give("P1", "feedback", "Dr Rowe")
    a = library.moments.add(rec.id, 1 * S, 2 * S, code="Waiting", caption="You waited for her", note=NOTE,
                            picture=1_520_000)  # fmt: skip
    b = library.moments.add(rec.id, 3 * S, 4 * S, code="Waiting", caption="She smiled back")
    c = library.moments.add(rec.id, 5 * S, 6 * S, code="Waiting", caption="Together")
    c = library.moments.edit(c.id, picture=5_800_000, family_words="I didn't know she was looking at me")
    return [a, b, c]


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.parent.name != "cache"}


def _first_and_last(path: Path) -> tuple[int, int, int]:
    import av

    with av.open(str(path)) as container:
        numbers = [read_frame_number(f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]
    return numbers[0], numbers[-1], len(numbers)


def _handout_frames(pdf: Path, folder: Path) -> list[int]:
    """The frame numbers of the pictures on the handout's first page, in reading order (rows of
    pictures top to bottom, each row left to right)."""
    subprocess.run(
        ["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(pdf), str(folder / "p")], check=True
    )
    page = cv2.imread(str(next(folder.glob("p*.png"))))
    assert page is not None
    ink = (np.abs(page.astype(int) - 255).max(axis=2) > 40).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    boxes = [tuple(int(v) for v in stats[i][:4]) for i in range(1, count) if stats[i][4] > 5000]
    boxes.sort(key=lambda b: (b[1] // 50, b[0]))
    out: list[int] = []
    for x, y, w, h in boxes:
        picture: Any = page[y : y + h, x : x + w]
        out.append(read_frame_number(picture))
    return out


def test_one_call_makes_the_clips_the_reel_and_the_handout_with_the_chosen_frames(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    a, b, c = _tagged(library, media)
    steps: list[str] = []
    fractions: list[float] = []
    pack = library.exports.session_pack(
        [a.id, b.id, c.id], TITLE, DAY, options=PLAIN, progress=fractions.append, step=steps.append
    )
    assert pack.summary() == "3 clips, a reel and a handout are ready"
    # Clips: frame 25 to 50, 75 to 100, 125 to 150 (start and end are frames' starts, 40 ms each).
    assert [_first_and_last(library.exports.path(h)) for h in pack.clips] == [
        (25, 50, 26), (75, 100, 26), (125, 150, 26),
    ]  # fmt: skip
    assert [h.moment_ids for h in pack.clips] == [(a.id,), (b.id,), (c.id,)]
    assert (pack.reel.title, pack.reel.date_text, pack.reel.moment_ids) == (TITLE, DAY, (a.id, b.id, c.id))
    assert pack.film.kind is HighlightKind.REEL and library.exports.path(pack.film).stat().st_size > 0
    assert pack.handout.kind is HighlightKind.HANDOUT and pack.handout.reel_id == pack.reel.id
    # The pictures: frame 38 (1.52 s, on screen when tagged); frames 75..100 have 87 in the middle;
    # frame 145 (5.8 s, chosen later).
    assert _handout_frames(library.exports.path(pack.handout), tmp_path) == [38, 87, 145]
    text = subprocess.run(["pdftotext", str(library.exports.path(pack.handout)), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    words = " ".join(text.split())
    for expected in (
        TITLE,
        DAY,
        "You waited for her",
        "She smiled back",
        "I didn't know she was looking at me",
    ):
        assert expected in words
    assert "zq9" not in words and b"zq9" not in library.exports.path(pack.handout).read_bytes()
    assert steps == [
        "Clip 1 of 3: \u2018You waited for her\u2019",
        "Clip 2 of 3: \u2018She smiled back\u2019",
        "Clip 3 of 3: \u2018Together\u2019",
        f"The reel: \u2018{TITLE}\u2019",
        "The handout",
    ]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_without_consent_nothing_is_written(library: Library, media: MediaSet) -> None:
    moments = _tagged(library, media, consent=False)
    before = _files(library.ctx.root)
    with pytest.raises(ConsentMissing) as refused:
        library.exports.session_pack([m.id for m in moments], TITLE, DAY, options=PLAIN)
    assert str(refused.value) == (
        "Family P1 has not given consent for feedback with the family; record it first "
        "(vfeedback consent P1 --give feedback --by NAME)."
    )
    assert library.exports.all() == [] and library.reels.all() == []
    assert _files(library.ctx.root) == before


def test_an_empty_title_is_refused_before_any_clip_is_made(library: Library, media: MediaSet) -> None:
    moments = _tagged(library, media)
    with pytest.raises(BadInput) as refused:
        library.exports.session_pack([m.id for m in moments], "   ", DAY, options=PLAIN)
    assert str(refused.value) == "Give the reel a title, e.g. 'Our moments together'."
    assert library.exports.all() == [] and library.reels.all() == []


@pytest.mark.parametrize("at", ["Clip 2", "The reel", "The handout"])
def test_stopping_keeps_nothing_it_made(library: Library, media: MediaSet, at: str) -> None:
    moments = _tagged(library, media)
    # A clip made before the pack is the family's: it stays.
    earlier = library.exports.clip(moments[0].id, PLAIN)
    before = _files(library.ctx.root)
    undo_before = library.undo_label()
    stop = False

    def step(words: str) -> None:
        nonlocal stop
        stop = stop or words.startswith(at)

    with pytest.raises(Cancelled):
        library.exports.session_pack(
            [m.id for m in moments], TITLE, DAY, options=PLAIN, step=step, should_cancel=lambda: stop
        )
    assert [h.id for h in library.exports.all()] == [earlier.id]
    assert library.reels.all() == []
    assert _files(library.ctx.root) == before
    assert library.undo_label() == undo_before  # no "Create reel" left to undo into nothing


def test_making_the_handout_again_replaces_the_previous_one(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    a, b, _ = _tagged(library, media)
    pack = library.exports.session_pack([a.id, b.id], TITLE, DAY, options=PLAIN)
    first = library.exports.path(pack.handout)
    library.moments.edit(b.id, picture=3_200_000)  # frame 80
    again = library.exports.handout(pack.reel.id)
    assert not first.exists() or first == library.exports.path(again)
    handouts = library.exports.all(kind=HighlightKind.HANDOUT)
    assert [h.id for h in handouts] == [again.id]
    (tmp_path / "again").mkdir()
    assert _handout_frames(library.exports.path(again), tmp_path / "again") == [38, 80]
    # Made again, the pack reuses its reel and its clips rather than piling up copies.
    repeat = library.exports.session_pack([a.id, b.id], TITLE, DAY, options=PLAIN)
    assert repeat.reel.id == pack.reel.id and [h.id for h in repeat.clips] == [h.id for h in pack.clips]
    assert len(library.reels.all()) == 1 and len(library.exports.all(kind=HighlightKind.HANDOUT)) == 1
