"""The highlights browser: filters, caption search, reel building, deletion; captions only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from vfeedback.core.model import Moment
from vfeedback.export.options import ClipOptions
from vfeedback.services import Library
from vfeedback.ui.highlights_browser import HighlightsBrowser
from vfeedback.ui.tasks import TaskRunner

NOTE = "PRIVATE-7731 not for parents"


@pytest.fixture
def browser(
    qtbot: QtBot, library: Library, media: MediaSet
) -> Iterator[tuple[HighlightsBrowser, tuple[Moment, Moment]]]:
    library.families.add("B1")
    library.families.add("B2")
    library.consent.give("B1", "feedback", "Dr Test")
    rec = library.recordings.import_file(media["cfr25"], "B1")
    m1 = library.moments.add(
        rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait for her", note=NOTE
    )
    m2 = library.moments.add(
        rec.id, 4_000_000, 5_000_000, code="Turned towards", caption="He turns to you", note=NOTE
    )
    library.exports.clip(m1.id, ClipOptions(padding_us=0))
    library.exports.clip(m2.id, ClipOptions(padding_us=0))
    library.exports.still(m1.id)
    runner = TaskRunner()
    view = HighlightsBrowser(library, runner)
    qtbot.addWidget(view)
    yield view, (m1, m2)
    runner.wait(10_000)
    runner.shutdown()


def _labels(view: HighlightsBrowser) -> list[str]:
    return [view.model.item(r).text() for r in range(view.model.rowCount())]


def test_filters_and_search_narrow_the_grid(
    qtbot: QtBot, browser: tuple[HighlightsBrowser, tuple[Moment, Moment]]
) -> None:
    view, _ = browser
    assert view.model.rowCount() == 3
    view.kind.setCurrentIndex(view.kind.findData("clip"))
    assert view.model.rowCount() == 2
    view.search.setText("turns")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3_000)
    assert "He turns to you" in _labels(view)[0]
    view.search.clear()
    view.kind.setCurrentIndex(0)
    view.family.setCurrentIndex(view.family.findData("B2"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=3_000)
    view.family.setCurrentIndex(0)
    view.code.setCurrentIndex(view.code.findData(view.library.schemes.code("Waiting").id))
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=3_000)  # the clip and the still of m1
    view.code.setCurrentIndex(0)
    view.since.setDate(QDate.currentDate().addDays(1))
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=3_000)


def test_captions_only_never_notes(
    qtbot: QtBot, browser: tuple[HighlightsBrowser, tuple[Moment, Moment]]
) -> None:
    view, _ = browser
    texts = _labels(view) + [view.model.item(r).toolTip() for r in range(view.model.rowCount())]
    assert any("You wait for her" in t for t in texts)
    assert not any(NOTE in t for t in texts)


def test_reel_is_built_in_the_order_given_and_items_deleted(
    qtbot: QtBot, browser: tuple[HighlightsBrowser, tuple[Moment, Moment]]
) -> None:
    view, (m1, m2) = browser
    view.kind.setCurrentIndex(view.kind.findData("clip"))
    for row in reversed(range(view.model.rowCount())):  # oldest export (m1) is last in the grid
        view.grid.selectionModel().select(
            view.model.index(row, 0), view.grid.selectionModel().SelectionFlag.Select
        )
        view.add_selected_to_reel()
        view.grid.clearSelection()
    assert view.reel_moment_ids() == [m1.id, m2.id]
    view.add_selected_to_reel()  # nothing selected: nothing added twice
    item = view.reel_list.takeItem(0)
    view.reel_list.addItem(item)  # what a drag to the end does
    assert view.reel_moment_ids() == [m2.id, m1.id]
    view.kind.setCurrentIndex(0)
    first = view._items[view.model.item(0).data(Qt.ItemDataRole.UserRole)]
    path = view.library.exports.path(first)
    view.delete_now([first])
    assert not path.exists() and view.model.rowCount() == 2
