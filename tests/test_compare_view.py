"""The compare view: figures in words, lanes in code colours, and clicks that ask the player to seek."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication

from vfeedback.services import Library
from vfeedback.services.moments import NewMoment
from vfeedback.ui.compare import CompareWindow
from vfeedback.ui.compare.lanes import LABEL_W, WARM

S = 1_000_000


@pytest.fixture
def lib_rec(tmp_path: Path, media) -> Iterator[tuple[Library, int]]:
    with Library.open(tmp_path / "library") as lib:
        lib.families.add("C1")
        rec = lib.recordings.import_file(media["cfr25"], "C1")
        lib.moments.add_many(
            rec.id,
            [
                NewMoment(1 * S, 3 * S, "Waiting", coder="alice"),
                NewMoment(5 * S, 5 * S, "Turned towards", coder="alice"),
                NewMoment(1_200_000, 4 * S, "Waiting", coder="bob"),
                NewMoment(8 * S, 8 * S, "Turned towards", coder="bob"),
                NewMoment(4 * S, 4 * S, "Waiting", coder="carol"),
            ],
            "Two coders",
        )
        yield lib, rec.id


@pytest.fixture
def window(qtbot, lib_rec) -> CompareWindow:
    lib, rec = lib_rec
    w = CompareWindow(lib, rec)
    qtbot.addWidget(w)
    w.resize(1000, 640)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_figures_in_words(window: CompareWindow) -> None:
    assert (window.coder_a.currentData(), window.coder_b.currentData()) == ("alice", "bob")
    # Worked out in test_supervision: kappa = .28/.38 = .74, po = .9, pe = .62.
    assert window.kappa_label.text() == "Agreement over 1-second slices: κ = 0.74 (substantial)"
    assert window.observed_label.text() == (
        "They saw the same in 90% of the 10 slices; chance alone would give 62%."
    )
    assert window.events_label.text().endswith("1 matched · only alice: 1 · only bob: 1")
    table = window.per_code
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows == {"Turned towards": "—", "Waiting": "0.74"}
    assert table.horizontalHeaderItem(3).text() == "Only alice"
    tree = window.differences
    shown = [[tree.topLevelItem(i).text(c) for c in range(4)] for i in range(tree.topLevelItemCount())]
    # A code is named for a coder only where that coder's lane holds it: alice's Waiting shows its
    # last frame for 40 ms of 3-4 s and her lane is empty for the rest, so 3-4 s is bob's alone; the
    # point moments are one frame each (a place of their own, never a whole second of code).
    assert shown == [
        ["00:03.0 – 00:04.0", "—", "Waiting", "only bob"],
        ["00:05.0", "Turned towards", "—", "only alice"],
        ["00:08.0", "—", "Turned towards", "only bob"],
    ]
    assert window.differences_title.text() == "Where they differ (3)"


def test_clicking_a_listed_disagreement_asks_to_seek_there(qtbot, window: CompareWindow) -> None:
    tree = window.differences
    item = tree.topLevelItem(2)
    centre = tree.visualItemRect(item).center()
    with qtbot.waitSignal(window.seek_requested, timeout=2_000) as signal:
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert signal.args == [8 * S]
    assert window.lanes.selected == frozenset(window.places[2].indices)


def test_clicking_the_strip(qtbot, window: CompareWindow) -> None:
    lanes = window.lanes
    diff_y = lanes.diff_rect().center().y()
    # The shaded range 3-4 s on the "differ" track.
    with qtbot.waitSignal(window.seek_requested, timeout=2_000) as signal:
        qtbot.mouseClick(lanes, Qt.MouseButton.LeftButton, pos=QPoint(lanes.x_at(3_600_000), diff_y))
    assert signal.args == [3 * S]
    assert window.differences.currentItem() is window.differences.topLevelItem(0)
    # Alice's lone moment at 5 s, in her lane.
    lane_a = lanes.lane_rect(0).center().y()
    with qtbot.waitSignal(window.seek_requested, timeout=2_000) as signal:
        qtbot.mouseClick(lanes, Qt.MouseButton.LeftButton, pos=QPoint(lanes.x_at(5_020_000), lane_a))
    assert signal.args == [5 * S]
    assert window.differences.currentItem() is window.differences.topLevelItem(1)
    # Where they agree, a click simply seeks to the time under the pointer.
    x = lanes.x_at(2_000_000)
    with qtbot.waitSignal(window.seek_requested, timeout=2_000) as signal:
        qtbot.mouseClick(lanes, Qt.MouseButton.LeftButton, pos=QPoint(x, lane_a))
    assert abs(signal.args[0] - 2_000_000) <= lanes.vp.us_per_px


def test_lanes_show_code_colours_and_warm_differences(window: CompareWindow) -> None:
    lanes = window.lanes
    image = lanes.grab().toImage()
    waiting = QColor(window.library.schemes.code("Waiting").colour)
    for lane in (0, 1):
        pixel = image.pixelColor(lanes.x_at(2_000_000), lanes.lane_rect(lane).center().y())
        assert pixel.rgb() == waiting.rgb()
    pixel = image.pixelColor(lanes.x_at(3_500_000), lanes.diff_rect().center().y())
    assert pixel.rgb() == WARM.rgb()
    # Where only one 40 ms frame of a lane reaches into a second, that second is not shaded.
    for quiet in (5_500_000, 8_500_000):
        pixel = image.pixelColor(lanes.x_at(quiet), lanes.diff_rect().center().y())
        assert pixel.rgb() != WARM.rgb()
    agreeing = image.pixelColor(lanes.x_at(2_000_000), lanes.diff_rect().center().y())
    assert agreeing.rgb() != WARM.rgb()


def test_wheel_zooms_and_whole_film_fits(window: CompareWindow) -> None:
    lanes = window.lanes
    fitted = lanes.vp.us_per_px
    pos = QPointF(lanes.x_at(5 * S), lanes.lane_rect(0).center().y())
    event = QWheelEvent(
        pos, lanes.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 480), Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(lanes, event)
    assert lanes.vp.us_per_px < fitted
    assert abs(lanes.vp.us_at(pos.x() - LABEL_W) - 5 * S) <= fitted  # the time under the pointer stays
    window.whole.click()
    assert lanes.vp.us_per_px == fitted


def test_settings_recompute_and_coders_swap(qtbot, window: CompareWindow) -> None:
    window.slice.setValue(5.0)
    window.tolerance.setValue(3.0)
    # [0,5): alice's Waiting holds 2.04 s (no code), bob's 2.84 s (Waiting); [5,10) empty for both:
    # po = .5, pe = .5, kappa 0. The T events 3 s apart match.
    qtbot.waitUntil(lambda: "5-second slices: κ = 0.00" in window.kappa_label.text(), timeout=2_000)
    assert "2 matched" in window.events_label.text()
    assert window.differences_title.text() == "Where they differ (1)"
    window.coder_a.setCurrentIndex(window.coder_a.findData("bob"))
    assert (window.coder_a.currentData(), window.coder_b.currentData()) == ("bob", "alice")
    window.coder_b.setCurrentIndex(window.coder_b.findData("carol"))
    assert window.agreement is not None and window.agreement.coders == ("bob", "carol")


def test_a_recording_with_one_coder_says_so(qtbot, lib_rec, media) -> None:
    lib, _ = lib_rec
    other = lib.recordings.import_file(media["no_audio"], "C1")
    lib.moments.add(other.id, 1 * S, code="Waiting", coder="carol")
    w = CompareWindow(lib, other.id)
    qtbot.addWidget(w)
    assert w.kappa_label.text() == "Only carol has coded this recording; a comparison needs two coders."
    assert not w.slice.isEnabled()
    assert w.differences.topLevelItemCount() == 0


def test_overlapping_moments_of_one_coder_stack_instead_of_hiding_each_other() -> None:
    from vfeedback.core.agreement import CodedSpan
    from vfeedback.ui.compare.lanes import MAX_ROWS, _stack

    spans = [CodedSpan(0, 10, "a"), CodedSpan(2, 5, "b"), CodedSpan(6, 12, "c"), CodedSpan(10, 11, "d")]
    assert _stack(spans) == ([0, 1, 1, 0], 2)
    crowd = [CodedSpan(0, 100, str(n)) for n in range(MAX_ROWS + 2)]
    rows, count = _stack(crowd)
    assert count == MAX_ROWS and rows == [0, 1, 2, 2, 2]
    assert _stack([]) == ([], 1)
