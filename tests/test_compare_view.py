"""The compare view: figures in words, lanes in code colours, and clicks that ask the player to seek."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from expect import present
from mediagen import MediaSet
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from vfeedback.services import Library
from vfeedback.services.moments import NewMoment
from vfeedback.ui.compare import CompareWindow
from vfeedback.ui.compare.lanes import LABEL_W, WARM
from vfeedback.ui.compare.window import beside
from vfeedback.ui.player.view import PlayerView

S = 1_000_000


@pytest.fixture
def lib_rec(tmp_path: Path, media: MediaSet) -> Iterator[tuple[Library, int]]:
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
def window(qtbot: QtBot, lib_rec: tuple[Library, int]) -> CompareWindow:
    lib, rec = lib_rec
    w = CompareWindow(lib, rec)
    qtbot.addWidget(w)
    w.resize(1000, 640)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: not w.busy, timeout=10_000)
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
    rows = {
        present(table.item(r, 0)).text(): present(table.item(r, 1)).text() for r in range(table.rowCount())
    }
    assert rows == {"Turned towards": "—", "Waiting": "0.74"}
    assert present(table.horizontalHeaderItem(3)).text() == "Only alice"
    tree = window.differences
    shown = [
        [present(tree.topLevelItem(i)).text(c) for c in range(4)] for i in range(tree.topLevelItemCount())
    ]
    # A code is named for a coder only where that coder's lane holds it: alice's Waiting shows its
    # last frame for 40 ms of 3-4 s and her lane is empty for the rest, so 3-4 s is bob's alone; the
    # point moments are one frame each (a place of their own, never a whole second of code).
    assert shown == [
        ["00:03.0 – 00:04.0", "—", "Waiting", "only bob"],
        ["00:05.0", "Turned towards", "—", "only alice"],
        ["00:08.0", "—", "Turned towards", "only bob"],
    ]
    assert window.differences_title.text() == "Where they differ (3)"


def test_clicking_a_listed_disagreement_asks_to_seek_there(qtbot: QtBot, window: CompareWindow) -> None:
    tree = window.differences
    item = tree.topLevelItem(2)
    assert item is not None
    centre = tree.visualItemRect(item).center()
    with qtbot.waitSignal(window.seek_requested, timeout=2_000) as signal:
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert signal.args == [8 * S]
    assert window.lanes.selected == frozenset(window.places[2].indices)


def test_clicking_the_strip(qtbot: QtBot, window: CompareWindow) -> None:
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


def test_settings_recompute_and_coders_swap(qtbot: QtBot, window: CompareWindow) -> None:
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
    qtbot.waitUntil(lambda: not window.busy, timeout=5_000)
    assert window.agreement is not None and window.agreement.coders == ("bob", "carol")


def test_a_recording_with_one_coder_says_so(
    qtbot: QtBot, lib_rec: tuple[Library, int], media: MediaSet
) -> None:
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


class HeldComparisons:
    """Stands in front of the real ``agreement`` service call: notes who asked on which thread and
    holds each call until the test lets it go; then the real comparison runs."""

    def __init__(self, supervision: Any) -> None:
        self.real = supervision.agreement
        self.asked: list[tuple[str, str]] = []
        self.threads: list[threading.Thread] = []
        self.gates: list[threading.Event] = []
        self.lock = threading.Lock()

    def __call__(self, recording_id: int, a: str, b: str, **settings: float) -> Any:
        gate = threading.Event()
        with self.lock:
            self.asked.append((a, b))
            self.threads.append(threading.current_thread())
            self.gates.append(gate)
        gate.wait(20)
        return self.real(recording_id, a, b, **settings)

    def release(self, index: int) -> None:
        self.gates[index].set()

    def release_all(self) -> None:
        for gate in list(self.gates):
            gate.set()


@pytest.fixture
def held(lib_rec: tuple[Library, int], monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldComparisons]:
    lib, _ = lib_rec
    holder = HeldComparisons(lib.supervision)
    monkeypatch.setattr(lib.supervision, "agreement", holder)
    yield holder
    holder.release_all()  # never leave a worker waiting


def _open(qtbot: QtBot, lib_rec: tuple[Library, int]) -> CompareWindow:
    lib, rec = lib_rec
    w = CompareWindow(lib, rec)
    qtbot.addWidget(w)
    w.show()
    return w


def test_the_comparison_runs_off_the_gui_thread_and_says_comparing(
    qtbot: QtBot, lib_rec: tuple[Library, int], held: HeldComparisons
) -> None:
    w = _open(qtbot, lib_rec)
    qtbot.waitUntil(lambda: len(held.asked) == 1, timeout=5_000)
    # The window is up and answering while the comparison waits on its worker thread.
    assert held.threads[0] is not threading.main_thread()
    assert w.kappa_label.text() == "Comparing…"
    assert w.agreement is None and w.busy
    held.release(0)
    qtbot.waitUntil(lambda: not w.busy, timeout=10_000)
    assert w.kappa_label.text() == "Agreement over 1-second slices: κ = 0.74 (substantial)"
    before = w.observed_label.text()
    # A slow recomputation dims the figures of the old settings under a calm "Comparing…".
    w.slice.setValue(5.0)
    qtbot.waitUntil(lambda: len(held.asked) == 2, timeout=5_000)
    qtbot.waitUntil(lambda: w.kappa_label.text() == "Comparing…", timeout=5_000)
    assert w.observed_label.text() == before
    dimmed = (w.observed_label, w.events_label, w.lanes, w.per_code, w.differences)
    assert not any(widget.isEnabled() for widget in dimmed)
    assert w.slice.isEnabled() and w.coder_a.isEnabled()  # the choices stay the user's
    held.release(1)
    qtbot.waitUntil(lambda: not w.busy, timeout=10_000)
    assert "5-second slices: κ = 0.00" in w.kappa_label.text()
    assert all(widget.isEnabled() for widget in dimmed)


def test_a_result_that_arrives_after_the_coders_changed_is_dropped(
    qtbot: QtBot, lib_rec: tuple[Library, int], held: HeldComparisons
) -> None:
    w = _open(qtbot, lib_rec)
    qtbot.waitUntil(lambda: len(held.asked) == 1, timeout=5_000)
    held.release(0)
    assert w.tasks.wait(10_000)  # alice with bob is done; its result waits for the GUI thread
    w.coder_b.setCurrentIndex(w.coder_b.findData("carol"))
    qtbot.waitUntil(lambda: len(held.asked) == 2, timeout=5_000)
    qtbot.wait(50)  # the old result is delivered now, and must be dropped
    assert w.agreement is None
    assert w.kappa_label.text() == "Comparing…"
    held.release(1)
    qtbot.waitUntil(lambda: not w.busy, timeout=10_000)
    assert w.agreement is not None and w.agreement.coders == ("alice", "carol")
    assert held.asked == [("alice", "bob"), ("alice", "carol")]


def test_a_result_that_arrives_after_the_window_closed_is_dropped(
    qtbot: QtBot, lib_rec: tuple[Library, int], held: HeldComparisons
) -> None:
    w = _open(qtbot, lib_rec)
    qtbot.waitUntil(lambda: len(held.asked) == 1, timeout=5_000)
    w.close()
    held.release_all()
    assert w.tasks.wait(10_000)
    qtbot.wait(50)
    assert w.agreement is None
    assert w.kappa_label.text() == "Comparing…"
    assert w.differences.topLevelItemCount() == 0


@pytest.mark.parametrize(
    ("player", "placed"),
    [
        # Worked by hand on a 1920x1040 desktop, the window wanting 1100x700.
        (QRect(0, 0, 900, 600), QRect(900, 0, 1020, 700)),  # the room on the right, all of it
        (QRect(1000, 100, 900, 500), QRect(0, 100, 1000, 700)),  # the room on the left
        (QRect(300, 700, 700, 300), QRect(1000, 340, 920, 700)),  # kept on the screen
    ],
)
def test_the_compare_window_goes_beside_the_player(player: QRect, placed: QRect) -> None:
    assert beside(player, QRect(0, 0, 1920, 1040), 1100, 700) == placed
    assert not beside(player, QRect(0, 0, 1920, 1040), 1100, 700).intersects(player)


def test_with_no_room_beside_it_keeps_readable_and_covers_only_the_far_side() -> None:
    """A maximised workbench on 1366x740, its video at 300..999: 366 px free on the right, too
    narrow; 560 px wide, pushed back onto the screen, it covers the video's last 194 px only."""
    assert beside(QRect(300, 50, 700, 400), QRect(0, 0, 1366, 740), 1100, 700) == QRect(806, 40, 560, 700)


def test_opened_from_the_workbench_it_does_not_cover_the_video(
    qtbot: QtBot, lib_rec: tuple[Library, int]
) -> None:
    lib, rec = lib_rec
    bench = QWidget()
    qtbot.addWidget(bench)
    bench.setGeometry(0, 0, 500, 400)
    video = PlayerView(bench)
    video.setMinimumSize(0, 0)  # the offscreen screen is 800 wide: a narrow video leaves room
    video.setGeometry(0, 0, 20, 400)
    bench.show()
    qtbot.waitExposed(bench)
    compare = CompareWindow(lib, rec, bench)
    compare.setWindowFlag(Qt.WindowType.Window, True)  # as the workbench shows it
    compare.show()
    qtbot.waitExposed(compare)
    player = QRect(video.mapToGlobal(QPoint(0, 0)), video.size())
    assert compare.frameGeometry().left() >= player.right() + 1
    assert not compare.frameGeometry().intersects(player)
    compare.close()
