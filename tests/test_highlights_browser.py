"""The highlights browser, as a clinician uses it: sessions newest first, titles and captions once,
the numbers the CLI takes, real thumbnails (a handout's first page), filters and search, playing full
screen, reel building, deletion; captions only, never a note."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shiboken6
from mediagen import MediaSet
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from vfeedback.core.model import Highlight, HighlightKind, Moment
from vfeedback.export.options import ClipOptions
from vfeedback.media.player import PlayerState
from vfeedback.services import Library
from vfeedback.ui.highlights_browser import THUMB, HighlightsBrowser
from vfeedback.ui.tasks import TaskRunner

NOTE = "PRIVATE-7731 not for parents"
OLD_DAY, NEW_DAY = date(2026, 10, 2), date(2026, 11, 20)


@dataclass
class Shelf:
    view: HighlightsBrowser
    library: Library
    old: tuple[Moment, Moment]  # the October session: m1 at 1 s, m2 at 4 s
    new: tuple[Moment, Moment]  # the November session: n1 at 0.5 s, n2 at 2 s
    clips: tuple[Highlight, Highlight]  # of m2 (made first), then of m1
    still: Highlight  # of m1
    reel: Highlight  # of n2 then n1 (not timeline order)
    handout: Highlight


@pytest.fixture
def shelf(qtbot: QtBot, library: Library, media: MediaSet) -> Iterator[Shelf]:
    library.families.add("B1")
    library.families.add("B2")
    library.consent.give("B1", "feedback", "Dr Test")
    old = library.recordings.import_file(media["cfr25"], "B1", recorded_on=OLD_DAY, context="play")
    new = library.recordings.import_file(media["no_audio"], "B1", recorded_on=NEW_DAY, context="bath time")
    m1 = library.moments.add(
        old.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait for her", note=NOTE
    )
    m2 = library.moments.add(
        old.id, 4_000_000, 5_000_000, code="Turned towards", caption="He turns to you", note=NOTE
    )
    n1 = library.moments.add(new.id, 500_000, 1_300_000, code="Waiting", caption="She smiles back")
    n2 = library.moments.add(new.id, 2_000_000, 2_800_000, code="Taking turns", caption="You sing together")
    c2 = library.exports.clip(m2.id, ClipOptions(padding_us=0))
    c1 = library.exports.clip(m1.id, ClipOptions(padding_us=0))
    still = library.exports.still(m1.id)
    _, reel = library.exports.new_reel("Our moments", [n2.id, n1.id], "20 November")
    assert reel.reel_id is not None
    handout = library.exports.handout(reel.reel_id)
    runner = TaskRunner()
    view = HighlightsBrowser(library, runner)
    qtbot.addWidget(view)
    view.resize(1366, 740)
    view.show()
    qtbot.waitExposed(view)
    yield Shelf(view, library, (m1, m2), (n1, n2), (c2, c1), still, reel, handout)
    if view.full_screen is not None:
        view.full_screen.close()
    runner.wait(10_000)
    runner.shutdown()


def _stills_of(library: Library, moment: Moment) -> Highlight:
    [made] = [h for h in library.exports.all(kind=HighlightKind.STILL) if h.moment_ids == (moment.id,)]
    return made


def _click(
    qtbot: QtBot, view: HighlightsBrowser, highlight_id: int, button: Any = Qt.MouseButton.LeftButton
) -> None:
    index = view.index_of(highlight_id)
    assert index.isValid()
    view.grid.scrollTo(index)
    QTest.mouseClick(
        view.grid.viewport(), button, Qt.KeyboardModifier.NoModifier, view.grid.visualRect(index).center()
    )


def test_sessions_newest_first_titles_and_captions_once_with_the_cli_numbers(shelf: Shelf) -> None:
    """Written out by hand: November's session above October's; in each, the reel (its title) and
    its handout (no second title), then the clips and stills in timeline order (the still of a
    moment under its clip, without the caption again), every item with the numbers the CLI takes."""
    s, lib = shelf, shelf.library
    (m1, m2), (n1, n2) = s.old, s.new
    c2, c1 = s.clips
    r = s.reel.reel_id
    sn1, sn2 = _stills_of(lib, n1), _stills_of(lib, n2)
    reel_s = round(s.reel.duration_us / 1e6)
    assert 4 <= reel_s <= 6  # a 3 s card and two moments of about a second
    assert s.view.rows() == [
        (
            "B1 · filmed 20 November 2026 · bath time",
            [
                f"“Our moments”\nReel · 2 moments · {reel_s} s\nreel {r} · item {s.reel.id}",
                f"Handout · 2 moments · A4 to print\nreel {r} · item {s.handout.id}",
                f"“She smiles back”\nStill · 0:00 in the film\nmoment {n1.id} · item {sn1.id}",
                f"“You sing together”\nStill · 0:02 in the film\nmoment {n2.id} · item {sn2.id}",
            ],
        ),
        (
            "B1 · filmed 2 October 2026 · play",
            [
                f"“You wait for her”\nClip · 0:01 in the film · 1.0 s\nmoment {m1.id} · item {c1.id}",
                f"Still · 0:01 in the film\nmoment {m1.id} · item {s.still.id}",
                f"“He turns to you”\nClip · 0:04 in the film · 1.0 s\nmoment {m2.id} · item {c2.id}",
            ],
        ),
    ]
    assert s.view.status.text() == "7 items from 2 sessions"


def test_the_date_filter_starts_at_all_and_filters_search_and_code_narrow_the_list(
    qtbot: QtBot, shelf: Shelf
) -> None:
    view = shelf.view
    assert view.since.text() == "All" and len(view.visible_highlights()) == 7
    view.kind.setCurrentIndex(view.kind.findData("clip"))
    assert len(view.visible_highlights()) == 2
    QTest.keyClicks(view.search, "TURNS")
    qtbot.waitUntil(lambda: len(view.visible_highlights()) == 1, timeout=3_000)
    assert view.visible_highlights() == [shelf.clips[0]]
    view.search.clear()
    view.kind.setCurrentIndex(0)
    QTest.keyClicks(view.search, "our moments")  # a reel's title is searched too
    qtbot.waitUntil(lambda: len(view.visible_highlights()) == 2, timeout=3_000)
    assert {h.kind for h in view.visible_highlights()} == {HighlightKind.REEL, HighlightKind.HANDOUT}
    view.search.clear()
    view.recording.setCurrentIndex(view.recording.findText("B1 · filmed 2 October 2026 · play"))
    qtbot.waitUntil(lambda: len(view.visible_highlights()) == 3, timeout=3_000)
    view.recording.setCurrentIndex(0)
    view.family.setCurrentIndex(view.family.findData("B2"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=3_000)
    view.family.setCurrentIndex(0)
    view.code.setCurrentIndex(view.code.findData(view.library.schemes.code("Waiting").id))
    # m1's clip and still, n1's still, and the reel and handout that hold n1.
    qtbot.waitUntil(lambda: len(view.visible_highlights()) == 5, timeout=3_000)
    view.code.setCurrentIndex(0)
    view.since.setDate(QDate.currentDate().addDays(1))
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=3_000)
    assert view.status.text() == "0 items from 0 sessions"


def _array(image: QImage) -> np.ndarray[Any, Any]:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    return data[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).astype(int)


def test_a_handout_shows_its_first_page_and_a_reel_its_title_card(
    qtbot: QtBot, shelf: Shelf, tmp_path: Path
) -> None:
    """The handout's thumbnail against its real PDF rasterised by poppler (here, in the test only:
    a clinician's machine has no pdftoppm): the same page, not a placeholder."""
    view, handout = shelf.view, shelf.handout
    qtbot.waitUntil(lambda: {handout.id, shelf.reel.id} <= set(view._thumbs), timeout=60_000)
    thumb = _array(view._thumbs[handout.id].toImage())
    assert thumb.shape[:2] == (THUMB.height(), THUMB.width())
    page_w = round(THUMB.height() * 210 / 297)  # A4 fitted to the box's height, centred
    left = (THUMB.width() - page_w) // 2
    page = thumb[:, left + 1 : left + page_w - 1]
    png = tmp_path / "page"
    pdf = shelf.library.exports.path(handout)
    poppler = ["pdftoppm", "-png", "-r", "20", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png)]
    subprocess.run(poppler, check=True)
    real = QImage(str(png.with_suffix(".png"))).scaled(
        page_w,
        THUMB.height(),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    expected = _array(real)[:, 1 : page_w - 1]
    assert np.abs(page - expected).mean() < 12, "the thumbnail is not the handout's first page"
    assert page.std() > 30  # pictures on it, not a blank sheet
    # The reel: its warm title card (the export's card colour, #F4E9DC or near), not black.
    card = _array(view._thumbs[shelf.reel.id].toImage())[THUMB.height() // 4 : THUMB.height() * 3 // 4]
    assert card.mean(axis=(0, 1)).min() > 180


def test_a_reel_plays_full_screen_from_the_list_and_escape_comes_back(qtbot: QtBot, shelf: Shelf) -> None:
    view = shelf.view
    assert not view.play_full.isEnabled()  # nothing chosen yet
    _click(qtbot, view, shelf.reel.id)
    assert view.selected() == [shelf.reel] and view.play_full.isEnabled()
    qtbot.mouseClick(view.play_full, Qt.MouseButton.LeftButton)
    window = view.full_screen
    assert window is not None and window.isFullScreen()
    qtbot.waitUntil(lambda: window.player.state() is PlayerState.PLAYING, timeout=20_000)
    qtbot.waitUntil(lambda: window.player.position_us() > 300_000, timeout=20_000)
    QTest.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.player.state() is PlayerState.PAUSED, timeout=5_000)
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.full_screen is None, timeout=5_000)
    assert not shiboken6.isValid(window) or not window.isVisible()


def test_a_clip_played_full_screen_closes_by_itself_at_its_end(qtbot: QtBot, shelf: Shelf) -> None:
    view = shelf.view
    _click(qtbot, view, shelf.clips[1].id)
    menu = view.context_menu(view.selected())
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels == ["Play here", "Play full screen", "Open folder", "Delete…"]
    [full] = [a for a in menu.actions() if a.text() == "Play full screen"]
    full.trigger()
    window = view.full_screen
    assert window is not None
    qtbot.waitUntil(lambda: view.full_screen is None, timeout=30_000)  # a clip of about a second
    assert window.ended_as is PlayerState.ENDED  # it played to its end, then closed


def test_captions_only_never_notes(shelf: Shelf) -> None:
    view = shelf.view
    texts = [t for _, items in view.rows() for t in items]
    texts += [view.model.item(g).child(r).toolTip() for g in range(view.model.rowCount())
              for r in range(view.model.item(g).rowCount())]  # fmt: skip
    assert any("You wait for her" in t for t in texts)
    assert not any(NOTE in t for t in texts)


def test_reel_is_built_in_the_order_given_and_items_deleted(qtbot: QtBot, shelf: Shelf) -> None:
    view = shelf.view
    (m1, m2), _ = shelf.old, shelf.new
    view.kind.setCurrentIndex(view.kind.findData("clip"))
    for clip in (shelf.clips[1], shelf.clips[0]):  # m1's clip, then m2's
        _click(qtbot, view, clip.id)
        qtbot.mouseClick(view.add_to_reel, Qt.MouseButton.LeftButton)
    assert view.reel_moment_ids() == [m1.id, m2.id]
    view.reel_list.clear()
    _click(qtbot, view, shelf.clips[0].id)  # m2's clip, then m1's with Ctrl: both chosen at once
    index = view.index_of(shelf.clips[1].id)
    QTest.mouseClick(view.grid.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     view.grid.visualRect(index).center())  # fmt: skip
    assert {h.id for h in view.selected()} == {c.id for c in shelf.clips}
    qtbot.mouseClick(view.add_to_reel, Qt.MouseButton.LeftButton)
    assert view.reel_moment_ids() == [m1.id, m2.id]  # film order, not the order clicked
    view.grid.clearSelection()
    view.add_selected_to_reel()  # nothing selected: nothing added twice
    item = view.reel_list.takeItem(0)
    view.reel_list.addItem(item)  # what a drag to the end does
    assert view.reel_moment_ids() == [m2.id, m1.id]
    view.kind.setCurrentIndex(0)
    path = view.library.exports.path(shelf.still)
    view.delete_now([shelf.still])
    assert not path.exists() and len(view.visible_highlights()) == 6
    assert QApplication.activeModalWidget() is None
    assert view.grid.indexAt(QPoint(5, 5)).isValid()
