"""Suggested moments in the workbench, driven as a clinician does: real keys and clicks on the real
window (fallback player), a real library, and a film with a generated sound scene (tests/voicegen.py,
seed 1, the short plan) that the window itself listens to in the background.

The scene's truth (voicegen): a coo at 6.77 s answered by the parent, the parent at 16.61 s answered by
the baby, a coo answered after a wait (26.0 s), a chain of four turns (37.1 s), a cry soothed (50.2 s):
five suggestions, the last one "repair". The proposed codes come from VIG's [suggestions] mapping
(resources/schemes/vig.toml), read here from the file, not from the code under test.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot
from voicegen import SHORT, make_scene_video

from vfeedback.core.errors import LibraryError
from vfeedback.core.timecode import format_time
from vfeedback.media import voices
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.services.suggestions import Suggestion
from vfeedback.ui.export_dialog import ExportDialog
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.timeline.style import ROW_BG
from vfeedback.ui.workbench import keys
from vfeedback.ui.workbench import suggestions as sug

pytestmark = pytest.mark.skipif(os.system("command -v espeak-ng >/dev/null") != 0, reason="needs espeak-ng")

ROOT = Path(__file__).resolve().parent.parent
S = 1_000_000
Bench = tuple[MainWindow, Library, int]


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kept = os.environ.get("VFEEDBACK_TEST_MEDIA")
    folder = Path(kept) if kept else tmp_path_factory.mktemp("voices")
    path, _ = make_scene_video(folder, 1, "pink", 10, SHORT)
    return path


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    QSettings("vfeedback", "vfeedback").remove(sug.SETTING)  # each test starts with the row shown


def _open(qtbot: QtBot, library: Library, scene: Path) -> tuple[MainWindow, int]:
    library.families.add("F01")
    rec = library.recordings.import_file(scene, "F01")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.open_recording(rec.id)
    qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
    return window, rec.id


@pytest.fixture
def bench(qtbot: QtBot, library: Library, scene: Path) -> Iterator[Bench]:
    """The film open, listened to by the window itself (in the background), five suggestions shown."""
    window, rid = _open(qtbot, library, scene)
    qtbot.waitUntil(lambda: len(window.timeline.state.suggestions) == 5, timeout=60_000)
    qtbot.waitUntil(lambda: window.suggestions.task is None)  # the job's end reaches the window after
    window.controller.pause()
    window.timeline.setFocus()
    yield window, library, rid
    window.tasks.wait(60_000)
    window.close()


def key(
    window: MainWindow, k: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    QTest.keyClick(window.focusWidget() or window, k, modifier)


def proposed(kind: str) -> str:
    """The code VIG's scheme file maps a suggestion kind to (its item's name)."""
    with (ROOT / "resources" / "schemes" / "vig.toml").open("rb") as f:
        return str(tomllib.load(f)["suggestions"][kind]).split("/")[-1]


def open_ones(library: Library, rid: int) -> list[Suggestion]:
    return [s for s in library.suggestions.all(rid) if s.status == "open"]


def lead_in_frame(library: Library, rid: int, start_us: int) -> int:
    """The frame on screen one second before ``start_us`` (10 fps film: computed from its index)."""
    index = library.media.frame_index(rid)
    return index.time_of(index.frame_at(start_us - S))


def inked_columns(window: MainWindow, start_us: int, end_us: int) -> int:
    """How many pixel columns of the suggestions' row between these times carry any ink (anything
    but the row's background): an outline drawn there marks a few, nothing drawn marks none."""
    tl = window.timeline
    band = tl.rows.suggest
    assert band is not None
    image = tl.grab().toImage()
    background = QColor(ROW_BG)
    x0 = tl.rows.label_w + tl.viewport.x_of(start_us) + 3
    x1 = tl.rows.label_w + tl.viewport.x_of(end_us) - 3
    playhead = tl.rows.label_w + tl.viewport.x_of(window.controller.time_us())
    count = 0
    for x in range(x0, x1):
        if abs(x - playhead) <= 8:
            continue
        colours = {image.pixelColor(x, y).name() for y in range(band.y + 2, band.bottom - 2)}
        count += bool(colours - {background.name()})
    return count


def test_opening_a_film_listens_in_the_background_and_the_row_shows_open_suggestions_only(
    qtbot: QtBot, library: Library, scene: Path
) -> None:
    window, rid = _open(qtbot, library, scene)
    task = window.suggestions.task
    assert task is not None and task.label == "Listening for turn-taking"  # the status bar's words
    qtbot.waitUntil(lambda: window.suggestions.task is None, timeout=60_000)
    assert library.suggestions.is_current(rid)
    found = library.suggestions.all(rid)
    marks = window.timeline.state.suggestions
    assert [(m.id, m.start_us, m.end_us) for m in marks] == [(s.id, s.start_us, s.end_us) for s in found]
    # The cry soothed (50.2 s in the scene) is the one repair, in its own tone.
    assert [m.repair for m in marks] == [False, False, False, False, True]
    assert abs(marks[-1].start_us - 50_189_187) < S // 2
    assert all(m.tip == s.explanation for m, s in zip(marks, found, strict=True))
    window.timeline.fit()
    assert all(inked_columns(window, s.start_us, s.end_us) > 10 for s in found)

    # Decided elsewhere (the command line, another window): one accepted, one rejected.
    library.suggestions.accept(found[0].id)
    library.suggestions.reject(found[2].id)
    qtbot.waitUntil(lambda: len(window.timeline.state.suggestions) == 3)
    assert [m.id for m in window.timeline.state.suggestions] == [found[1].id, found[3].id, found[4].id]
    assert inked_columns(window, found[1].start_us, found[1].end_us) > 10
    # Where the accepted and the rejected ones were, the row is empty now.
    assert inked_columns(window, found[0].start_us, found[0].end_us) == 0
    assert inked_columns(window, found[2].start_us, found[2].end_us) == 0
    window.tasks.wait(60_000)
    window.close()


def test_reopening_an_analysed_film_does_not_listen_again(
    qtbot: QtBot, library: Library, scene: Path
) -> None:
    library.families.add("F01")
    rid = library.recordings.import_file(scene, "F01").id
    library.suggestions.analyse(rid)
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.show()
    window.open_recording(rid)
    qtbot.waitUntil(lambda: len(window.timeline.state.suggestions) == 5, timeout=20_000)
    assert window.suggestions.task is None
    window.tasks.wait(60_000)
    window.close()


def test_n_goes_to_the_next_suggestion_and_plays_it_from_a_second_before(
    qtbot: QtBot, bench: Bench
) -> None:
    window, library, rid = bench
    found = open_ones(library, rid)
    key(window, Qt.Key.Key_N)
    assert window.suggestions.focused == found[0].id
    assert window.controller.playing
    assert window.controller.time_us() == lead_in_frame(library, rid, found[0].start_us)
    assert window.statusBar().currentMessage() == found[0].explanation
    assert window.timeline.state.suggest_focus == found[0].id
    key(window, Qt.Key.Key_N)
    assert window.suggestions.focused == found[1].id
    assert window.controller.time_us() == lead_in_frame(library, rid, found[1].start_us)
    key(window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert window.suggestions.focused == found[0].id
    key(window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)  # round to the last one
    assert window.suggestions.focused == found[4].id
    assert window.controller.time_us() == lead_in_frame(library, rid, found[4].start_us)
    # Escape lets go of it.
    key(window, Qt.Key.Key_Escape)
    assert window.suggestions.focused is None and window.timeline.state.suggest_focus is None


def test_enter_accepts_the_focused_suggestion_with_its_proposed_code_and_draft_caption(
    qtbot: QtBot, bench: Bench
) -> None:
    window, library, rid = bench
    found = open_ones(library, rid)
    first = found[0]  # a coo answered: a turn
    assert first.kind == "turn"
    # Marks set before: a focused suggestion still takes Enter (the key list says so).
    window.controller.seek_us(2 * S)
    key(window, Qt.Key.Key_I)
    key(window, Qt.Key.Key_N)
    key(window, Qt.Key.Key_Return)
    [moment] = library.moments.all(rid)
    index = library.media.frame_index(rid)  # a moment begins and ends on the frames holding those times
    assert (moment.start_us, moment.end_us) == (6_700_000, 10_300_000)
    assert (index.frame_at(first.start_us), index.frame_at(first.end_us)) == (67, 103)
    assert library.schemes.get().codes and moment.code_id == library.schemes.code(proposed("turn")).id
    assert moment.caption == "You answered each other, taking turns"
    assert window.coding.selected == [moment.id]
    assert window.inspector.caption.toPlainText() == "You answered each other, taking turns"
    assert not window.controller.playing
    assert [m.id for m in window.timeline.state.suggestions] == [s.id for s in found[1:]]
    assert window.suggestions.focused is None
    code = library.schemes.code(proposed("turn"))
    assert (
        window.act_undo.text()
        == f"&Undo Accept suggested moment at {format_time(first.start_us)} ({code.name})"
    )
    # Undo takes both back: no moment, the suggestion open and in the row again.
    key(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert library.moments.all(rid) == []
    assert library.suggestions.get(first.id).status == "open"
    assert [m.id for m in window.timeline.state.suggestions] == [s.id for s in found]
    assert window.coding.moments == []


def test_enter_without_a_focused_suggestion_still_tags_from_in_to_out(qtbot: QtBot, bench: Bench) -> None:
    window, library, rid = bench
    key(window, Qt.Key.Key_N)
    window.timeline.setFocus()
    # Choosing a moment (here: making one by marks after Escape) lets go of the suggestion.
    key(window, Qt.Key.Key_Escape)
    window.controller.pause()
    window.controller.seek_us(1 * S)
    key(window, Qt.Key.Key_I)
    window.controller.seek_us(2 * S)
    key(window, Qt.Key.Key_O)
    key(window, Qt.Key.Key_Return)
    [moment] = library.moments.all(rid)
    index = library.media.frame_index(rid)
    assert (moment.start_us, moment.end_us) == (index.time_of(10), index.time_of(20))
    assert all(s.status == "open" for s in library.suggestions.all(rid))
    # With that moment selected, N focuses a suggestion and lets go of the moment: Delete then sets
    # the suggestion aside and never deletes the moment.
    key(window, Qt.Key.Key_N)
    assert window.coding.selected == []
    key(window, Qt.Key.Key_Delete)
    assert [m.id for m in library.moments.all(rid)] == [moment.id]


def test_x_sets_the_focused_suggestion_aside_and_undo_brings_it_back(qtbot: QtBot, bench: Bench) -> None:
    window, library, rid = bench
    found = open_ones(library, rid)
    # With none focused, X says how to reach one and changes nothing.
    key(window, Qt.Key.Key_X)
    assert window.statusBar().currentMessage() == "No suggestion is focused: N goes to the next one."
    assert all(s.status == "open" for s in library.suggestions.all(rid))
    key(window, Qt.Key.Key_N)
    key(window, Qt.Key.Key_N)
    key(window, Qt.Key.Key_X)
    assert library.suggestions.get(found[1].id).status == "rejected"
    assert library.moments.all(rid) == []
    assert [m.id for m in window.timeline.state.suggestions] == [found[0].id, *(s.id for s in found[2:])]
    assert window.act_undo.text() == f"&Undo Reject suggested moment at {format_time(found[1].start_us)}"
    key(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert library.suggestions.get(found[1].id).status == "open"
    assert [m.id for m in window.timeline.state.suggestions] == [s.id for s in found]


def test_a_click_on_a_suggestion_focuses_it_and_its_tooltip_is_the_explanation(
    qtbot: QtBot, bench: Bench
) -> None:
    window, library, rid = bench
    found = open_ones(library, rid)
    tl = window.timeline
    tl.fit()
    band = tl.rows.suggest
    assert band is not None
    waiting = found[2]
    x = tl.rows.label_w + tl.viewport.x_of((waiting.start_us + waiting.end_us) // 2)
    mark = tl.suggestion_tip(x)
    assert mark is not None and mark.tip == waiting.explanation
    assert waiting.explanation.startswith("Baby vocalised at 00:26.0; you waited")
    QTest.mouseClick(
        tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, band.y + band.h // 2)
    )
    assert window.suggestions.focused == waiting.id
    assert not window.controller.playing
    assert window.controller.time_us() == lead_in_frame(library, rid, waiting.start_us)
    key(window, Qt.Key.Key_Return)
    [moment] = library.moments.all(rid)
    assert moment.code_id == library.schemes.code(proposed("waiting")).id
    assert moment.caption == "You waited and gave your baby space to say more"


def test_the_view_menu_hides_the_row_and_the_keys_say_so(qtbot: QtBot, bench: Bench) -> None:
    window, _library, _rid = bench
    toggle = window.suggestions.toggle
    assert toggle is not None and toggle.isChecked() and window.timeline.rows.suggest is not None
    toggle.trigger()
    assert window.timeline.rows.suggest is None
    key(window, Qt.Key.Key_N)
    assert window.suggestions.focused is None and not window.controller.playing
    hidden = "The suggested moments are hidden (View › Suggested moments)."
    assert window.statusBar().currentMessage() == hidden
    # Hidden is remembered: a new window starts with the row hidden.
    assert QSettings("vfeedback", "vfeedback").value(sug.SETTING, type=bool) is False
    toggle.trigger()
    assert window.timeline.rows.suggest is not None


def test_the_key_list_names_the_suggestion_keys_and_that_enter_prefers_a_focused_one(bench: Bench) -> None:
    window, _library, _rid = bench
    rows = window.help.lines()
    assert ("Tagging", "N", "Next suggestion, from 1 s before") in rows
    assert ("Tagging", "Shift+N", "Previous suggestion") in rows
    assert ("Tagging", "X", "Set the focused suggestion aside") in rows
    assert ("Tagging", "Return", "Tag in→out, or accept a suggestion") in rows
    assert ("Tagging", "Delete", "Delete, or set a suggestion aside") in rows
    assert ("Mouse", "Click a suggestion", "Focus it for Enter, X or Delete") in rows
    assert keys.FOOTER.endswith(
        "Enter, X and Delete act on a suggestion only while one is focused (by N, Shift+N or a click)."
    )


def test_a_failed_analysis_is_one_sentence_in_the_status_bar_never_a_dialog(
    qtbot: QtBot, library: Library, scene: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise LibraryError("The sound of this recording could not be read.")

    monkeypatch.setattr(voices, "vocalisations", broken)
    window, rid = _open(qtbot, library, scene)
    qtbot.waitUntil(lambda: window.suggestions.task is None, timeout=20_000)
    assert window.statusBar().currentMessage() == (
        "No suggested moments for this recording: The sound of this recording could not be read."
    )
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert window.findChildren(QMessageBox) == []
    assert window.timeline.state.suggest_note == sug.NOT_ANALYSED
    assert library.suggestions.all(rid) == [] and not library.suggestions.is_current(rid)
    window.tasks.wait(60_000)
    window.close()


def test_closing_the_recording_cancels_the_listening_and_stores_nothing(
    qtbot: QtBot, library: Library, scene: Path
) -> None:
    window, rid = _open(qtbot, library, scene)
    task = window.suggestions.task
    assert task is not None
    window.close_recording()
    assert task.cancelled
    assert library.suggestions.all(rid) == [] and not library.suggestions.is_current(rid)
    assert window.timeline.state.suggestions == ()
    window.close()


def test_closing_the_window_cancels_the_listening_and_stores_nothing(
    qtbot: QtBot, library: Library, scene: Path
) -> None:
    window, rid = _open(qtbot, library, scene)
    task = window.suggestions.task
    assert task is not None
    window.close()
    assert task.cancelled
    assert library.suggestions.all(rid) == [] and not library.suggestions.is_current(rid)


def test_accepting_then_exporting_clips_exports_only_the_accepted_moment(
    qtbot: QtBot, bench: Bench, tmp_path: Path
) -> None:
    window, library, rid = bench
    library.consent.give("F01", "feedback", "Dr Test")
    found = open_ones(library, rid)
    key(window, Qt.Key.Key_N)
    key(window, Qt.Key.Key_Return)
    [moment] = library.moments.all(rid)
    # Every moment of the recording selected (Ctrl+A on the timeline), then Moment › Export clips.
    window.timeline.setFocus()
    QTest.keyClick(window.timeline, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.coding.selected == [moment.id]

    def in_the_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ExportDialog)
        buttons = dialog.findChild(QDialogButtonBox)
        assert buttons is not None
        QTest.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, in_the_dialog)
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.tasks.tasks(), timeout=120_000)
    [made] = library.exports.all("F01")
    assert made.moment_ids == (moment.id,) or list(made.moment_ids) == [moment.id]
    assert Path(library.exports.path(made)).is_file()
    # The other four suggestions are still only suggestions: no moment, no clip.
    assert [s.status for s in library.suggestions.all(rid)] == ["accepted", "open", "open", "open", "open"]
    assert [s.id for s in found[1:]] == [m.id for m in window.timeline.state.suggestions]


def test_the_progress_view_shows_turn_taking_only_beside_the_familys_own_films(
    qtbot: QtBot, library: Library, scene: Path, media: MediaSet
) -> None:
    from vfeedback.ui.cycles_view import TURNS_NOTE, CyclesWindow

    library.families.add("F01")
    heard = library.recordings.import_file(scene, "F01").id
    silent_yet = library.recordings.import_file(media["cfr25"], "F01").id
    library.families.add("F02")
    other = CyclesWindow(library, "F02")
    qtbot.addWidget(other)
    assert not other.turns.isVisibleTo(other)  # nothing listened to: no figures at all

    library.suggestions.analyse(heard)
    view = CyclesWindow(library, "F01")
    qtbot.addWidget(view)
    view.show()
    assert view.turns.isVisibleTo(view) and view.turns_note.text() == TURNS_NOTE
    rows = {c.recording_id: (c.number, figures) for c, figures in view.turn_figures()}
    assert set(rows) == {heard, silent_yet}  # this family's films, and no one else's
    number, figures = rows[heard]
    assert figures is not None
    # The scene's truth: six turns, four of them started by the baby (voicegen seed 1).
    assert figures.turns == 6 and round(100 * (figures.infant_started or 0)) == 67
    text = view.turns.text()
    assert f"Cycle {number}" in text and "6 turns" in text and "67%" in text
    assert f"Cycle {rows[silent_yet][0]}" in text and "not listened to yet" in text
    median = f"{(figures.latency_median_us or 0) / S:.1f} s"
    assert median in text
    for word in ("percentile", "norm", "score", "average", "typical"):
        assert word not in text.lower()
