"""Tagging as a clinician expects it, in the real window (fallback player, offscreen), driven by real key
and mouse events: a code key recodes the selected moment, the moment list keeps its caption in view at
1366 px, the transport does not jump while playing, and the lanes by code show whole names."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from expect import present
from mediagen import MediaSet
from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QToolTip, QWidget
from pytestqt.qtbot import QtBot

from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Code, Recording
from vfeedback.core.timeline import MomentItem
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.moment_list import COLUMNS
from vfeedback.ui.timeline import TimelineView
from vfeedback.ui.timeline import geometry as geo
from vfeedback.ui.timeline.geometry import LABEL_MAX_W
from vfeedback.ui.timeline.style import WAVE
from vfeedback.ui.workbench import keys

S = 1_000_000


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))


@pytest.fixture
def opened(qtbot: QtBot, library: Library, media: MediaSet) -> Iterator[tuple[MainWindow, Recording]]:
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.open_recording(rec.id)
    qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
    qtbot.waitUntil(
        lambda: window.video.frames.exact and window.video.frames.frame_number == 0, timeout=20_000
    )
    window.setFocus()
    yield window, rec
    window.close()


def drag(view: TimelineView, a: QPoint, b: QPoint) -> None:
    """A real drag: press, moves with the button held (QTest.mouseMove drops it), release."""
    left = Qt.MouseButton.LeftButton
    QTest.mousePress(view, left, Qt.KeyboardModifier.NoModifier, a)
    for k in range(1, 6):
        pos = a + (b - a) * k / 5
        event = QMouseEvent(
            QEvent.Type.MouseMove, QPointF(pos), QPointF(view.mapToGlobal(pos)), Qt.MouseButton.NoButton,
            left, Qt.KeyboardModifier.NoModifier,
        )  # fmt: skip
        QApplication.sendEvent(view, event)
    QTest.mouseRelease(view, left, Qt.KeyboardModifier.NoModifier, b)


def type_keys(window: MainWindow, text: str) -> None:
    QTest.keyClicks(window.focusWidget() or window, text)


def press(window: MainWindow, key: Qt.Key) -> None:
    QTest.keyClick(window.focusWidget() or window, key)


def click_row(window: MainWindow, row: int) -> None:
    table = window.moment_list
    rect = table.visualRect(table.model_.index(row, COLUMNS.index("Caption")))
    QTest.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center()
    )


def test_a_code_key_with_a_moment_selected_recodes_it(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    """The clinician tags two points with "Waiting" (key f), clicks the first in the list and presses
    the key of "Turned towards" (a): that moment is recoded, the list and timeline follow, the next tag
    is still "Waiting", and Ctrl+Z takes the recode back."""
    window, rec = opened
    waiting, turned = library.schemes.code("Waiting"), library.schemes.code("Turned towards")
    type_keys(window, present(waiting.key))
    press(window, Qt.Key.Key_M)
    for _ in range(5):
        press(window, Qt.Key.Key_Right)
    press(window, Qt.Key.Key_M)
    first, second = library.moments.all(rec.id)
    click_row(window, 0)
    assert window.coding.selected == [first.id]
    type_keys(window, present(turned.key))
    assert library.moments.get(first.id).code_id == turned.id
    assert library.moments.get(second.id) == second  # nothing else changed
    assert present(window.coding.current_code) == waiting
    model = window.moment_list.model_
    assert model.index(0, COLUMNS.index("Code")).data() == "Turned towards"
    assert [(i.code, i.text) for i in window.timeline.state.items] == [
        (str(turned.id), "Turned towards"),
        (str(waiting.id), "Waiting"),
    ]
    assert window.act_undo.text() == "&Undo Recode moment at 00:00:00.000 as Turned towards"
    assert window.coding.selected == [first.id]  # still selected: another key would recode it again
    press(window, Qt.Key.Key_Escape)
    type_keys(window, present(turned.key))  # nothing selected: the code for the next tag
    assert present(window.coding.current_code) == turned
    assert library.moments.get(second.id).code_id == waiting.id
    QTest.keyClick(window.focusWidget() or window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert library.moments.get(first.id).code_id == waiting.id
    assert model.index(0, COLUMNS.index("Code")).data() == "Waiting"


def test_the_moment_list_keeps_the_caption_in_view_at_1366(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    """At 1366x768 the caption column starts inside the list, takes nearly half of it, and a usual
    caption fits whole (before: Time 150 px, Code 120, Actor 64 left it 119 of 453 px, a quarter); the
    whole span of a moment is in the Time column's tooltip."""
    window, rec = opened
    library.moments.add(rec.id, 1_000_000, 2_520_000, code="Waiting", caption="You waited, and she smiled")
    window.coding.reload()
    table = window.moment_list
    qtbot.waitUntil(lambda: table.model_.rowCount() == 1)
    visible = table.viewport().width()
    narrow = sum(table.columnWidth(COLUMNS.index(c)) for c in ("Time", "Code", "Actor"))
    caption_left = table.columnViewportPosition(COLUMNS.index("Caption"))
    assert caption_left == narrow < visible
    caption_w = visible - caption_left
    assert caption_w >= 0.45 * visible, (visible, narrow)
    assert table.fontMetrics().horizontalAdvance("You waited, and she smiled") < caption_w - 8
    assert table.model_.index(0, 0).data() == "00:01.000"
    assert table.model_.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "00:01.000–00:02.520 (1.5 s)"


def _x(widget: QWidget) -> int:
    return widget.mapTo(widget.window(), QPoint(0, 0)).x()


def test_the_transport_does_not_jump_while_playing(
    qtbot: QtBot, opened: tuple[MainWindow, Recording]
) -> None:
    """Playing past frame 9 makes the position text longer and the "exact frame" note goes: neither
    moves a thing in the bar. Paused on an exact frame the note comes back."""
    window, _ = opened
    bar = window.transport
    assert bar.exactness.text() == "exact frame"
    widgets = (bar.position, bar.exactness, bar.loop, bar.rate)
    before = [(_x(w), w.width()) for w in widgets]
    press(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.controller.frame() >= 12, timeout=10_000)
    assert window.controller.playing and bar.exactness.text() == ""
    assert [(_x(w), w.width()) for w in widgets] == before
    press(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.video.frames.exact, timeout=10_000)
    qtbot.waitUntil(lambda: bar.exactness.text() == "exact frame", timeout=10_000)
    assert [(_x(w), w.width()) for w in widgets] == before


# --- lanes by code --------------------------------------------------------------------------------

LONG = "Reaching a shared understanding of what the baby wants to do next"
"""Longer than the widest label column: it is elided in the middle."""


def _code_view(qtbot: QtBot, library: Library) -> tuple[TimelineView, list[Code]]:
    """The scheme's 29 codes as lanes (the window's way), 260 px tall, one minute at 25 fps; a moment
    in the last lane."""
    codes = list(library.schemes.get().codes)
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(900, 260)
    view.set_frame_index(FrameIndex(range(0, 60 * S, 40_000)))
    titles = [(str(c.id), c.name if c is not codes[-1] else LONG, c.colour) for c in codes]
    view.set_code_lanes(titles, {str(c.id): c.label for c in codes})
    view.set_lane_mode("code")
    last = codes[-1]
    view.set_moments([MomentItem(7, 2 * S, 4 * S, "parent", str(last.id), last.colour, last.name)])
    view.show()
    qtbot.waitExposed(view)
    return view, codes


def _wheel(view: TimelineView, pos: QPoint, dy: int) -> None:
    event = QWheelEvent(
        QPointF(pos), QPointF(view.mapToGlobal(pos)), QPoint(), QPoint(0, dy), Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(view, event)


def _tooltip(qtbot: QtBot, view: TimelineView, pos: QPoint) -> str:
    QToolTip.hideText()
    QApplication.sendEvent(view, QHelpEvent(QEvent.Type.ToolTip, pos, view.mapToGlobal(pos)))
    qtbot.waitUntil(QToolTip.isVisible)
    return QToolTip.text()


def test_lanes_by_code_show_whole_names_and_scroll(qtbot: QtBot, library: Library) -> None:
    """29 lanes do not fit in 260 px: those in view end above the time scroll bar, a scroll bar of their
    own appears beside them (not over the time area), the wheel over the names scrolls a lane a notch,
    and a drag on a lane scrolled into view tags on that lane. Every name but the one too long for
    ``LABEL_MAX_W`` is drawn whole; that one's tooltip (and every other's) has the whole name."""
    view, codes = _code_view(qtbot, library)
    g = view.rows
    shown = [i for i, band in enumerate(g.lanes) if band.h > 0]
    assert len(g.lanes) == 29 and shown == list(range(len(shown))) and 3 <= len(shown) < 29
    assert g.lanes[shown[-1]].bottom <= g.scroll.y
    bar = view.lane_bar
    assert bar.isVisible() and bar.x() >= g.label_w + g.time_w and bar.x() + bar.width() <= view.width()
    metrics = QFontMetrics(view.fonts.label)
    widest_whole = max(metrics.horizontalAdvance(c.name) for c in codes[:-1])
    assert g.label_w == LABEL_MAX_W and widest_whole + 31 <= LABEL_MAX_W
    assert metrics.horizontalAdvance(LONG) + 31 > LABEL_MAX_W
    first = g.lanes[0]
    assert _tooltip(qtbot, view, QPoint(20, first.y + first.h // 2)) == codes[0].label
    _wheel(view, QPoint(20, first.y + first.h // 2), -120)  # one notch down
    assert view.rows.first_lane == 1 and bar.value() == 1
    lane = view.rows.lanes[1]
    assert lane.h > 0 and view.rows.lanes[0].h == 0
    with qtbot.waitSignal(view.createRequested) as created:
        a = QPoint(g.label_w + view.viewport.x_of(10 * S), lane.y + lane.h // 2)
        drag(view, a, a + QPoint(60, 0))
    assert created.args is not None and created.args[0] == str(codes[1].id)
    view.set_selection([7])  # chosen in the list: its lane (the last) scrolls into view
    g = view.rows
    assert g.lanes[28].h > 0 and g.first_lane + g.lanes_fit == 29
    assert _tooltip(qtbot, view, QPoint(20, g.lanes[28].y + g.lanes[28].h // 2)) == codes[28].label


def test_few_lanes_do_not_scroll(qtbot: QtBot) -> None:
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(900, 260)
    view.show()
    qtbot.waitExposed(view)
    assert not view.rows.lanes_scroll and not view.lane_bar.isVisible()
    assert view.rows.label_w == geo.LABEL_W and len(view.rows.lanes) == 3


# --- the ? overlay and the Code menu -------------------------------------------------------------


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_key_list_shows_every_code_shortcut_and_gesture_readably(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library, size: tuple[int, int]
) -> None:
    """``?``: every key of the table, every code of the scheme (the 5 VIG codes without a key say
    "Code menu"), the menus' Ctrl shortcuts and the mouse gestures, in type of at least 9.5 pt,
    every column inside the window and above the closing line."""
    window, _ = opened
    window.resize(*size)
    type_keys(window, "?")
    assert window.help.isVisible()
    rows = window.help.lines()
    codes = list(library.schemes.get().codes)
    coded = [(r[1], r[2].strip()) for r in rows if r[0] == "Codes"]
    assert [name for _, name in coded] == [c.name for c in codes]
    assert [name for key, name in coded if key == keys.CODE_MENU] == [c.name for c in codes if not c.key]
    assert len([c for c in codes if not c.key]) == 5
    assert {(r[1], r[2]) for r in rows if r[0] == "Menus"} >= {
        ("Ctrl+I", "Import a film"),
        ("Ctrl+E", "Export clips of the selection"),
    }
    assert not any(r[0] == "Menus" and r[1] in ("Ctrl+Z", "Ctrl+Shift+Z") for r in rows)  # listed once
    assert [(r[1], r[2]) for r in rows if r[0] == "Mouse"] == list(keys.MOUSE)
    a = window.help.arrange()
    assert a.font.pointSizeF() >= 9.5
    assert a.left >= 30 and a.left + a.width <= window.help.width() - 30
    assert a.top + a.height < a.footer_y(window.help.height()) - a.line_h // 2
    # The closing line is whole: inside the window (wrapped, not cut at its edge) and under the list.
    foot = window.help.footer_rect(a)
    assert window.help.rect().contains(foot) and foot.top() > a.top + a.height
    drawn = QFontMetrics(a.font).boundingRect(foot, keys.FOOTER_FLAGS, keys.FOOTER)
    assert foot.contains(drawn), (foot, drawn)
    shown = [r for column in a.columns for r in column if not isinstance(r, str)]
    assert shown == rows  # nothing left out
    press(window, Qt.Key.Key_Escape)
    assert not window.help.isVisible()


def test_the_code_menu_reaches_a_code_without_a_key(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    """Code › 6 Deepening discussion › Sharing viewpoints, by keyboard through the real menus: with a
    moment selected it recodes it, with none it becomes the code for the next tag."""
    window, rec = opened
    sharing = library.schemes.code("Sharing viewpoints")
    assert sharing.key is None
    press(window, Qt.Key.Key_M)
    [moment] = library.moments.all(rec.id)
    assert window.coding.selected == [moment.id]

    def choose_sharing() -> None:
        bar = window.menuBar()
        bar.setActiveAction(window.code_menu.menuAction())
        qtbot.waitUntil(window.code_menu.isVisible)
        principle = next(a for a in window.code_menu.actions() if a.text().endswith("Deepening discussion"))
        window.code_menu.setActiveAction(principle)
        sub = principle.menu()
        assert isinstance(sub, QMenu)
        QTest.keyClick(window.code_menu, Qt.Key.Key_Right)
        qtbot.waitUntil(sub.isVisible)
        item = next(a for a in sub.actions() if a.text() == "Sharing viewpoints")
        sub.setActiveAction(item)
        QTest.keyClick(sub, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not window.code_menu.isVisible())

    choose_sharing()
    assert library.moments.get(moment.id).code_id == sharing.id
    assert window.act_undo.text() == "&Undo Recode moment at 00:00:00.000 as Sharing viewpoints"
    press(window, Qt.Key.Key_Escape)
    choose_sharing()
    assert window.coding.current_code == sharing
    press(window, Qt.Key.Key_Right)
    press(window, Qt.Key.Key_M)
    assert [m.code_id for m in library.moments.all(rec.id)] == [sharing.id, sharing.id]


# --- the sound row ---------------------------------------------------------------------------------


def _film_with_sound(folder: Path, name: str, sound: str) -> Path:
    """Three seconds of 160x120 picture with ``sound`` (an ffmpeg audio source) as AAC."""
    out = folder / name
    subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3",
            "-f", "lavfi", "-i", sound,
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "96k", "-shortest", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def _wave_rows(window: MainWindow, us: int) -> int:
    """How many pixel rows of the sound row the waveform colours at time ``us`` (a real grab)."""
    timeline = window.timeline
    band = present(timeline.rows.wave)
    image = timeline.grab().toImage()
    x = timeline.rows.label_w + timeline.viewport.x_of(us)
    wave = QColor(WAVE)
    return sum(image.pixelColor(x, y) == wave for y in range(band.y, band.bottom))


def _open(qtbot: QtBot, library: Library, path: Path) -> MainWindow:
    rec = library.recordings.import_file(path, "F1")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.open_recording(rec.id)
    qtbot.waitUntil(lambda: window.timeline.state.wave_complete, timeout=30_000)
    return window


def test_a_quiet_recording_fills_the_sound_row_and_a_silent_one_says_so(
    qtbot: QtBot, library: Library, tmp_path: Path, media: MediaSet
) -> None:
    """A 440 Hz tone at 1% of full scale (-40 dBFS), as a quiet home film records a voice: before, its
    peak of 0.01 times the old gain cap of 4 drew a line 1 px tall in a 24 px row. Normalised, the tone
    reaches 90% of the half height, so nearly the whole row is coloured. A recording of pure silence
    draws nothing and says "No sound"; so does a film with no sound track."""
    library.families.add("F1")
    quiet = _open(
        qtbot,
        library,
        _film_with_sound(tmp_path, "quiet.mp4", "sine=frequency=440:sample_rate=48000,volume=0.01"),
    )
    band = present(quiet.timeline.rows.wave)
    assert quiet.timeline.state.wave_note == ""
    assert _wave_rows(quiet, 1_500_000) >= 0.8 * (band.h - 4)
    quiet.close()
    silent = _open(qtbot, library, _film_with_sound(tmp_path, "silent.mp4", "anullsrc=r=48000:cl=mono"))
    assert silent.timeline.state.wave_note == "No sound"
    assert _wave_rows(silent, 1_500_000) == 0
    silent.close()
    mute = _open(qtbot, library, media["no_audio"])
    assert mute.timeline.state.wave_note == "No sound" and _wave_rows(mute, 1_500_000) == 0
    mute.close()
