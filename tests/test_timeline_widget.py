"""The timeline widget with real mouse, wheel and key events (offscreen), and what it paints."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QHelpEvent, QImage, QMouseEvent, QRegion, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from vfeedback.core.frames import FrameIndex
from vfeedback.core.timeline import MomentItem, nearest_frame
from vfeedback.ui.timeline import TimelineView, sample

S = 1_000_000
FRAME = 40_000
MINUTE = 60 * S
BLUE = "#3366cc"
GREEN = "#33aa55"

LEFT = Qt.MouseButton.LeftButton
NO_MODS = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def moment(i: int, start: int, end: int, actor: str = "parent", colour: str = BLUE) -> MomentItem:
    return MomentItem(i, start, end, actor, "1", colour, "Waiting", f"caption {i}")


@pytest.fixture
def view(qtbot: QtBot) -> TimelineView:
    """One minute at 25 fps, 10 ms per pixel (a frame is 4 px), 1000 px of time."""
    v = TimelineView()
    qtbot.addWidget(v)
    v.resize(1000 + v.rows.label_w, 260)
    v.set_frame_index(FrameIndex(range(0, MINUTE, FRAME)))
    v.set_moments([moment(1, 2 * S, 4 * S), moment(2, 6 * S, 6 * S, "infant", GREEN)])
    v.show()
    qtbot.waitExposed(v)
    v.viewport.zoom_to(10_000, 0)
    v.viewport_changed(zoomed=True)
    assert v.viewport.us_per_px == 10_000 and v.viewport.start_us == 0
    return v


def at(view: TimelineView, us: int, lane: int, slot: int = 0) -> QPoint:
    """Widget position of time ``us`` in the middle of ``lane``'s blocks."""
    band = view.rows.slot_band(lane, slot, view.state.slots(lane))
    return QPoint(view.rows.label_w + view.viewport.x_of(us), band.y + band.h // 2)


def move_to(
    view: TimelineView, pos: QPoint, mods: Qt.KeyboardModifier = NO_MODS, buttons: Qt.MouseButton = LEFT
) -> None:
    # QTest.mouseMove does not carry held buttons; send the event the way a real drag delivers it.
    event = QMouseEvent(
        QEvent.Type.MouseMove, QPointF(pos), QPointF(view.mapToGlobal(pos)), Qt.MouseButton.NoButton,
        buttons, mods,
    )  # fmt: skip
    QApplication.sendEvent(view, event)


def drag(
    view: TimelineView, a: QPoint, b: QPoint, mods: Qt.KeyboardModifier = NO_MODS, steps: int = 5
) -> None:
    QTest.mousePress(view, LEFT, mods, a)
    for k in range(1, steps + 1):
        move_to(view, a + (b - a) * k / steps, mods)
    QTest.mouseRelease(view, LEFT, mods, b)


def render(view: TimelineView) -> QImage:
    image = QImage(view.size(), QImage.Format.Format_ARGB32_Premultiplied)
    view.render(image)
    return image


# -- gestures ----------------------------------------------------------------------------------------------


def test_drag_on_an_empty_lane_creates_a_frame_snapped_moment(qtbot: QtBot, view: TimelineView) -> None:
    a, b = at(view, 3 * S + 17_000, 1), at(view, 7 * S + 31_000, 1)
    with qtbot.waitSignal(view.createRequested) as created:
        drag(view, b, a)  # right to left: the result is still start <= end
    lane, start, end = created.args
    assert lane == "infant"
    assert start % FRAME == 0 and end % FRAME == 0
    assert (start, end) == (3 * S, 7 * S + 40_000)  # 3.01 s and 7.03 s under the mouse


def test_click_on_an_empty_lane_seeks_and_does_not_create(qtbot: QtBot, view: TimelineView) -> None:
    created: list[tuple[object, ...]] = []
    view.createRequested.connect(lambda *a: created.append(a))
    with qtbot.waitSignal(view.seekRequested) as seek:
        QTest.mouseClick(view, LEFT, NO_MODS, at(view, 8 * S + 39_000, 2))
    assert seek.args == [8 * S]
    assert not created


def test_drag_an_edge_trims(qtbot: QtBot, view: TimelineView) -> None:
    with qtbot.waitSignal(view.retimeRequested) as retime:
        drag(view, at(view, 4 * S, 0), at(view, 5 * S + 30_000, 0))
    assert retime.args == [[(1, 2 * S, 5 * S + 40_000)]]
    assert view.selection() == [1]
    with qtbot.waitSignal(view.retimeRequested) as retime:
        drag(view, at(view, 2 * S, 0), at(view, 9 * S, 0))  # past the end: stops a frame short
    assert retime.args == [[(1, 4 * S - FRAME, 4 * S)]]


def test_drag_a_body_moves_it_keeping_its_length(qtbot: QtBot, view: TimelineView) -> None:
    with qtbot.waitSignal(view.retimeRequested) as retime:
        drag(view, at(view, 3 * S, 0), at(view, 3 * S + 1_510_000, 0))
    assert retime.args == [[(1, 3 * S + 520_000, 5 * S + 520_000)]]


def test_dragging_a_moment_snaps_to_the_playhead(qtbot: QtBot, view: TimelineView) -> None:
    view.set_playhead(8 * S)
    with qtbot.waitSignal(view.retimeRequested) as retime:
        drag(view, at(view, 3 * S, 0), at(view, 3 * S + 4_030_000, 0))  # end lands 30 ms (3 px) off
    assert retime.args == [[(1, 6 * S, 8 * S)]]


def test_escape_cancels_a_drag(qtbot: QtBot, view: TimelineView) -> None:
    emitted: list[object] = []
    view.retimeRequested.connect(emitted.append)
    view.createRequested.connect(lambda *a: emitted.append(a))
    QTest.mousePress(view, LEFT, NO_MODS, at(view, 3 * S, 0))
    move_to(view, at(view, 5 * S, 0))
    assert view.state.gesture is not None and view.state.gesture.dragging
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert view.state.gesture is None
    QTest.mouseRelease(view, LEFT, NO_MODS, at(view, 5 * S, 0))
    assert not emitted


def test_clicks_select_and_shift_click_adds(qtbot: QtBot, view: TimelineView) -> None:
    with qtbot.waitSignal(view.selectionChanged) as changed:
        QTest.mouseClick(view, LEFT, NO_MODS, at(view, 3 * S, 0))
    assert changed.args == [[1]]
    with qtbot.waitSignal(view.selectionChanged) as changed:
        QTest.mouseClick(view, LEFT, SHIFT, at(view, 6 * S, 1))
    assert changed.args == [[1, 2]]
    with qtbot.waitSignal(view.selectionChanged) as changed:
        QTest.mouseClick(view, LEFT, CTRL, at(view, 3 * S, 0))
    assert changed.args == [[2]]


def test_ctrl_drag_draws_a_selection_rectangle(qtbot: QtBot, view: TimelineView) -> None:
    with qtbot.waitSignal(view.selectionChanged) as changed:
        drag(view, at(view, 1 * S, 0), at(view, 7 * S, 1), CTRL)
    assert changed.args == [[1, 2]]


def test_delete_asks_to_delete_the_selection(qtbot: QtBot, view: TimelineView) -> None:
    view.set_selection([2, 1, 99])
    assert view.selection() == [1, 2]
    QTest.keyClick(view, Qt.Key.Key_Backspace)
    with qtbot.waitSignal(view.deleteRequested) as deleted:
        QTest.keyClick(view, Qt.Key.Key_Delete)
    assert deleted.args == [[1, 2]]


def test_scrubbing_the_ruler_seeks_continuously(qtbot: QtBot, view: TimelineView) -> None:
    seeks: list[int] = []
    view.seekRequested.connect(seeks.append)
    y = view.rows.ruler.y + 10
    x0 = view.rows.label_w
    QTest.mousePress(view, LEFT, NO_MODS, QPoint(x0 + 100, y))
    for k in range(1, 11):
        move_to(view, QPoint(x0 + 100 + 20 * k, y))
        QTest.qWait(5)
    QTest.mouseRelease(view, LEFT, NO_MODS, QPoint(x0 + 300, y))
    assert seeks[0] == 1 * S
    assert seeks[-1] == 3 * S
    assert 2 <= len(seeks) <= 11
    assert all(s % FRAME == 0 for s in seeks)
    assert view.state.playhead == 3 * S


def test_double_click_on_an_empty_lane_marks_a_still(qtbot: QtBot, view: TimelineView) -> None:
    with qtbot.waitSignal(view.createRequested) as created:
        QTest.mouseDClick(view, LEFT, NO_MODS, at(view, 8 * S + 10_000, 2))
    assert created.args == ["clinician", 8 * S, 8 * S]


# -- zoom and scroll ---------------------------------------------------------------------------------------


def wheel(view: TimelineView, pos: QPoint, dy: int, mods: Qt.KeyboardModifier = NO_MODS) -> None:
    event = QWheelEvent(
        QPointF(pos), QPointF(view.mapToGlobal(pos)), QPoint(), QPoint(0, dy), Qt.MouseButton.NoButton,
        mods, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(view, event)


def test_wheel_zooms_around_the_cursor(qtbot: QtBot, view: TimelineView) -> None:
    view.viewport.scroll_to(10 * S)
    pos = at(view, 15 * S, 0)
    anchor_x = pos.x() - view.rows.label_w
    before = view.viewport.us_at(anchor_x)
    with qtbot.waitSignal(view.zoomChanged):
        wheel(view, pos, 120)
    assert view.viewport.us_per_px == 8_000
    assert view.viewport.us_at(anchor_x) == before
    wheel(view, pos, -240)
    assert view.viewport.us_per_px > 10_000
    assert view.viewport.us_at(anchor_x) == before


def test_shift_wheel_scrolls(qtbot: QtBot, view: TimelineView) -> None:
    wheel(view, at(view, 5 * S, 0), -120, SHIFT)
    assert view.viewport.start_us == 1000 // 8 * 10_000
    wheel(view, at(view, 5 * S, 0), 120, SHIFT)
    assert view.viewport.start_us == 0


def scroller_point(view: TimelineView, x: float) -> QPoint:
    return QPoint(round(x), view.rows.scroll.y + view.rows.scroll.h // 2)


def test_the_scroll_bar_thumb_drags_and_the_track_jumps(qtbot: QtBot, view: TimelineView) -> None:
    vp, g = view.viewport, view.rows
    left, width = g.thumb(vp.start_us, vp.end_us, vp.duration_us)
    assert left == g.track[0] and width == pytest.approx(g.track[1] / 6)  # 10 s of 60 s
    grab = scroller_point(view, left + 10)
    drag(view, grab, grab + QPoint(round(g.track[1] - width) // 2, 0))
    assert vp.start_us == pytest.approx(25 * S, abs=vp.us_per_px * 60)
    QTest.mouseClick(view, LEFT, NO_MODS, scroller_point(view, g.track[0] + g.track[1] - 2))
    assert vp.start_us == vp.max_start_us
    wheel(view, scroller_point(view, g.track[0] + 5), 120)
    assert vp.us_per_px == 10_000 and vp.start_us < vp.max_start_us


def test_zoom_slots_and_keys(qtbot: QtBot, view: TimelineView) -> None:
    QTest.keyClick(view, Qt.Key.Key_0)
    assert view.viewport.is_fitted
    QTest.keyClick(view, Qt.Key.Key_Plus)
    assert view.viewport.us_per_px < view.viewport.max_us_per_px
    view.zoom_out()
    view.zoom_out()
    assert view.viewport.is_fitted


def test_playhead_pages_when_playback_leaves_the_view(qtbot: QtBot, view: TimelineView) -> None:
    view.set_playhead(5 * S)
    assert view.viewport.start_us == 0
    view.set_playhead(10 * S + FRAME)
    assert view.viewport.contains(10 * S + FRAME) and view.viewport.start_us > 0
    view.viewport.scroll_to(40 * S)
    view.set_playhead(11 * S)  # the clinician scrolled away: do not pull the view back
    assert view.viewport.start_us == 40 * S


# -- painting ----------------------------------------------------------------------------------------------


def test_a_block_is_painted_in_its_code_colour_where_the_moment_is(view: TimelineView) -> None:
    image = render(view)
    inside = at(view, 3 * S, 0)
    outside = at(view, 5 * S, 0)
    assert QColor(image.pixel(inside)) == QColor(BLUE)
    assert QColor(image.pixel(outside)) != QColor(BLUE)
    assert QColor(image.pixel(at(view, 6 * S, 1))) == QColor(GREEN)  # the still's marker


def test_selected_blocks_get_an_outline(view: TimelineView) -> None:
    band = view.rows.slot_band(0, 0, 1)
    edge = QPoint(view.rows.label_w + view.viewport.x_of(3 * S), band.y)
    assert QColor(render(view).pixel(edge)) == QColor(BLUE)
    view.set_selection([1])
    assert QColor(render(view).pixel(edge)).lightness() < 80


@pytest.mark.parametrize("count", [0, 1, 10_000])
def test_paint_survives_any_number_of_moments(qtbot: QtBot, count: int) -> None:
    v = TimelineView()
    qtbot.addWidget(v)
    v.resize(1366, 220)
    v.set_frame_index(sample.frames())
    v.set_moments(sample.items(count))
    v.set_waveform(sample.peaks(), 10_000)
    v.set_filmstrip(sample.thumbnails(count=10, loaded=0.5))
    v.set_playhead(100 * S)
    for upp in (None, MINUTE // 1262, 5 * S // 1262, 1):
        if upp is None:
            v.fit()
        else:
            v.viewport.zoom_to(upp, 300)
        render(v)
    if count == 10_000:
        v.fit()
        image = render(v)
        lanes = v.rows.lanes_band
        x = v.rows.label_w + 400
        coloured = [QColor(image.pixel(x, y)).saturation() > 40 for y in range(lanes.y, lanes.bottom)]
        assert any(coloured)


def test_paint_survives_an_empty_recording(qtbot: QtBot) -> None:
    v = TimelineView()
    qtbot.addWidget(v)
    v.resize(400, 200)
    v.set_duration(0)
    v.set_playhead(0)
    v.set_in_out(0, None)
    render(v)
    v.resize(10, 10)
    render(v)
    wheel(v, QPoint(5, 5), 120)


def test_lanes_by_code(qtbot: QtBot, view: TimelineView) -> None:
    view.set_code_lanes([("1", "Waiting", BLUE), ("2", "Naming", GREEN)])
    view.set_lane_mode("code")
    assert [lane.title for lane in view.state.layout.lanes] == ["Waiting", "Naming"]
    with qtbot.waitSignal(view.createRequested) as created:
        drag(view, at(view, 7 * S, 1), at(view, 9 * S, 1))
    assert created.args == ["2", 7 * S, 9 * S]
    view.set_lane_mode("actor")
    assert len(view.state.layout.lanes) == 3


def test_the_items_selected_flags_are_the_selection(qtbot: QtBot, view: TimelineView) -> None:
    emitted: list[list[int]] = []
    view.selectionChanged.connect(emitted.append)
    layout = view.state.layout
    chosen = replace(moment(1, 2 * S, 4 * S), selected=True)
    view.set_moments([chosen, moment(2, 6 * S, 6 * S, "infant", GREEN)])
    assert view.selection() == [1]
    assert view.state.layout is layout  # only the selection changed: no new layout
    view.set_moments([moment(1, 2 * S, 5 * S)])
    assert view.selection() == []
    assert view.state.layout is not layout
    assert not emitted  # the window set it; it knows


def test_waveform_arrives_in_chunks(view: TimelineView) -> None:
    view.set_waveform([], 10_000)
    band = view.rows.wave
    assert band is not None
    column = view.rows.label_w + view.viewport.x_of(5 * S)
    empty = render(view)
    view.add_waveform(400, [(-0.5, 0.5)] * 200)  # 4 s to 6 s
    image = render(view)
    changed = [y for y in range(band.y, band.bottom) if image.pixel(column, y) != empty.pixel(column, y)]
    assert len(changed) > band.h // 2
    before = view.rows.label_w + view.viewport.x_of(3 * S)
    assert all(image.pixel(before, y) == empty.pixel(before, y) for y in range(band.y, band.bottom))


def test_ensure_visible_pages_the_view(view: TimelineView) -> None:
    view.ensure_visible(30 * S)
    assert view.viewport.contains(30 * S)


def test_frame_snapping_uses_the_recordings_own_frames(qtbot: QtBot) -> None:
    """Variable frame rate: frames at irregular times; a drag lands on real ones."""
    times = [0]
    while times[-1] < 20 * S:
        times.append(times[-1] + (33_000 if len(times) % 3 else 41_000))
    v = TimelineView()
    qtbot.addWidget(v)
    v.resize(1100, 240)
    frames = FrameIndex(times)
    v.set_frame_index(frames)
    v.show()
    v.viewport.zoom_to(5_000, 0)
    with qtbot.waitSignal(v.createRequested) as created:
        drag(v, at(v, 1 * S + 12_345, 0), at(v, 3 * S + 54_321, 0))
    _, start, end = created.args
    assert start in times and end in times
    assert start == nearest_frame(frames, v.viewport.us_at(v.viewport.x_of(1 * S + 12_345)))


def test_high_dpi_rendering_is_sharp_and_correct(tmp_path: Path) -> None:
    """At a device pixel ratio of 2 the block is still where the moment is (checked in a child process,
    as the scale factor is fixed when the QApplication starts)."""
    shot = tmp_path / "hidpi.png"
    script = f"""
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["QT_SCALE_FACTOR"] = "2"
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QToolTip
from vfeedback.core.frames import FrameIndex
from vfeedback.core.timeline import MomentItem
from vfeedback.ui.timeline import TimelineView
from vfeedback.ui.timeline import sample
app = QApplication([])
v = TimelineView()
v.resize(800, 240)
v.set_frame_index(FrameIndex(range(0, 60_000_000, 40_000)))
v.set_moments([MomentItem(1, 20_000_000, 30_000_000, "parent", "1", "{BLUE}", "Waiting")])
v.set_waveform(sample.peaks(60_000_000), 10_000)
v.show()
image = v.grab().toImage()
assert image.devicePixelRatio() == 2, image.devicePixelRatio()
band = v.rows.slot_band(0, 0, 1)
x = v.rows.label_w + v.viewport.x_of(25_000_000)
assert QColor(image.pixel(2 * x, 2 * (band.y + band.h // 2))) == QColor("{BLUE}")
image.save(r"{shot}")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_screenshot_of_a_realistic_session(tmp_path: Path) -> None:
    """Renders a 15-minute recording with 40 moments (look at it: ``python -m
    vfeedback.ui.timeline.sample /tmp/timeline.png``)."""
    out = tmp_path / "timeline.png"
    assert sample.main(["sample", str(out)]) == 0
    image = QImage(str(out))
    assert image.width() == 1366 and not image.isNull()


def test_dragging_one_of_several_selected_moves_them_all(qtbot: QtBot, view: TimelineView) -> None:
    view.set_selection([1, 2])
    with qtbot.waitSignal(view.retimeRequested) as retime:
        drag(view, at(view, 3 * S, 0), at(view, 3 * S + 1_000_000, 0))
    assert sorted(retime.args[0]) == [(1, 3 * S, 5 * S), (2, 7 * S, 7 * S)]


def test_hover_shows_the_caption_and_a_resize_cursor_on_edges(qtbot: QtBot, view: TimelineView) -> None:
    move_to(view, at(view, 4 * S, 0), buttons=Qt.MouseButton.NoButton)
    assert view.cursor().shape() == Qt.CursorShape.SizeHorCursor
    pos = at(view, 3 * S, 0)
    move_to(view, pos, buttons=Qt.MouseButton.NoButton)
    assert view.state.hover == 1
    assert view.cursor().shape() == Qt.CursorShape.OpenHandCursor
    QApplication.sendEvent(view, QHelpEvent(QEvent.Type.ToolTip, pos, view.mapToGlobal(pos)))
    qtbot.waitUntil(lambda: "caption 1" in QToolTip.text())
    assert "00:00:02.000 – 00:00:04.000" in QToolTip.text()


def test_moving_the_playhead_repaints_two_thin_strips(
    monkeypatch: pytest.MonkeyPatch, view: TimelineView
) -> None:
    view.set_playhead(2 * S)
    rects: list[QRect] = []
    monkeypatch.setattr(view, "update", lambda *a: rects.append(a[0] if a else view.rect()))
    view.set_playhead(2 * S + FRAME)
    assert rects and all(r.width() <= 20 or (r.left() == 0 and r.width() <= view.rows.label_w) for r in rects)


def test_dense_lanes_are_drawn_as_columns_in_the_right_place(qtbot: QtBot) -> None:
    v = TimelineView()
    qtbot.addWidget(v)
    v.resize(1000 + v.rows.label_w, 240)
    v.set_duration(100 * S)
    colours = ["#cc3333", "#33aa33", "#3355cc"]
    items = [moment(i + 1, i * S, i * S + 600_000, "parent", colours[i % 3]) for i in range(100)]
    v.set_moments(items)
    image = render(v)
    band = v.rows.slot_band(0, 0, 1)
    y = band.y + band.h // 2
    vp = v.viewport
    for m in items[::7]:
        x = v.rows.label_w + vp.x_of((m.start_us + m.end_us) // 2)
        assert QColor(image.pixel(x, y)) == QColor(m.colour), m
        gap = v.rows.label_w + vp.x_of(m.end_us + 200_000)
        assert QColor(image.pixel(gap, y)).saturation() < 30


def test_lane_arrays_find_what_the_layout_finds(qtbot: QtBot) -> None:
    from vfeedback.ui.timeline.raster import LaneArrays

    items = sample.items(3000, seed=3)
    v = TimelineView()
    qtbot.addWidget(v)
    v.set_moments(items)
    layout = v.state.layout
    for lane, placed in enumerate(layout.placed):
        arrays = LaneArrays.of(placed, 3)
        for t0 in range(0, 900 * S, 37 * S):
            t1 = t0 + 13 * S
            got = [placed[i].item.id for i in arrays.visible(t0, t1)]
            assert got == [p.item.id for p in layout.items_in(t0, t1, lane)]


def test_a_playhead_strip_repaint_matches_a_full_repaint(
    monkeypatch: pytest.MonkeyPatch, view: TimelineView
) -> None:
    view.set_playhead(2 * S)
    view.set_selection([1])
    image = render(view)
    region = QRegion()

    def record(*args: QRect | QRegion) -> None:
        nonlocal region
        region = region.united(args[0] if args else view.rect())

    monkeypatch.setattr(view, "update", record)
    view.set_playhead(3 * S + 7 * FRAME)
    assert region.rectCount() > 1 and region.boundingRect().width() > 300
    assert region.boundingRect().topLeft() == QPoint(0, 0)
    view.render(image, QPoint(), region)
    assert_same(image, render(view))
    region = QRegion()
    move_to(view, at(view, 3 * S, 0), buttons=Qt.MouseButton.NoButton)  # hover: the lanes only
    assert view.state.hover == 1 and region.boundingRect().top() >= view.rows.lanes_band.y
    view.render(image, region.boundingRect().topLeft(), region)  # the region lands at the offset
    assert_same(image, render(view))


def assert_same(image: QImage, fresh: QImage) -> None:
    differ = [
        (x, y) for x in range(image.width()) for y in range(image.height())
        if image.pixel(x, y) != fresh.pixel(x, y)
    ]  # fmt: skip
    assert not differ, [(x, y, hex(image.pixel(x, y)), hex(fresh.pixel(x, y))) for x, y in differ[::6]]
