"""The workbench window with the fallback player (no libvlc): keys, mouse intents, inspector, undo.

The real VLC player is covered by test_vlc_player.py and test_e2e.py; here the subject is the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from vfeedback.core.model import Actor, Recording
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.workbench import keys


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


def press(
    window: MainWindow,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    text: str = "",
) -> None:
    target = window.focusWidget() or window
    QTest.keyClick(target, key, modifier)


def test_keys_alone_tag_a_moment_at_exact_frames(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    window, rec = opened
    waiting = library.schemes.code("Waiting")
    assert waiting.key is not None
    QTest.keyClicks(window.focusWidget() or window, waiting.key)
    assert window.coding.current_code == waiting
    for _ in range(3):
        press(window, Qt.Key.Key_Right)
    press(window, Qt.Key.Key_I)
    press(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # one second on
    press(window, Qt.Key.Key_O)
    press(window, Qt.Key.Key_Return)
    [moment] = library.moments.all(rec.id)
    index = library.media.frame_index(rec.id)
    assert moment.start_us == index.time_of(3)
    assert moment.end_us == index.time_of(index.frame_at(index.time_of(3) + 1_000_000))
    assert moment.code_id == waiting.id
    assert window.coding.selected == [moment.id] and window.inspector.moment == moment
    # The picture on screen is the frame the moment ends on.
    qtbot.waitUntil(lambda: window.video.frames.frame_number == index.frame_at(moment.end_us))
    press(window, Qt.Key.Key_Left)
    assert window.controller.frame() == index.frame_at(moment.end_us) - 1
    press(window, Qt.Key.Key_M)
    assert len(library.moments.all(rec.id)) == 2
    press(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(library.moments.all(rec.id)) == 1
    assert window.act_redo.text().startswith("&Redo Add moment")


def test_stepping_back_and_forth_shows_each_frame(qtbot: QtBot, opened: tuple[MainWindow, Recording]) -> None:
    window, _ = opened
    seen = []
    for key in [Qt.Key.Key_Right] * 4 + [Qt.Key.Key_Left] * 2:
        press(window, key)
        expected = window.controller.frame()

        def shown(e: int = expected) -> bool:
            return window.video.frames.exact and window.video.frames.frame_number == e

        qtbot.waitUntil(shown, timeout=10_000)
        seen.append(window.video.frames.frame_number)
    assert seen == [1, 2, 3, 4, 3, 2]
    assert "frame 2" in window.transport.position.text()


def test_timeline_intents_become_single_undoable_edits(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    window, rec = opened
    window.timeline.createRequested.emit("infant", 1_000_000, 2_000_000)
    [moment] = library.moments.all(rec.id)
    assert moment.actor == Actor.INFANT and (moment.start_us, moment.end_us) == (1_000_000, 2_000_000)
    window.timeline.retimeRequested.emit([(moment.id, 1_200_000, 2_600_000)])
    assert (library.moments.get(moment.id).start_us, library.moments.get(moment.id).end_us) == (
        1_200_000,
        2_600_000,
    )
    window.timeline.deleteRequested.emit([moment.id])
    assert library.moments.all(rec.id) == []
    window.undo()
    window.undo()
    assert (library.moments.get(moment.id).start_us, library.moments.get(moment.id).end_us) == (
        1_000_000,
        2_000_000,
    )


def test_inspector_saves_caption_and_note_apart(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    window, rec = opened
    window.coding.point()
    [moment] = library.moments.all(rec.id)
    window.inspector.caption.setPlainText("You waited, and she smiled")
    window.inspector.note.setPlainText("PRIVATE: mother tearful after")
    qtbot.waitUntil(
        lambda: library.moments.get(moment.id).note == "PRIVATE: mother tearful after", timeout=5_000
    )
    saved = library.moments.get(moment.id)
    assert saved.caption == "You waited, and she smiled"
    model = window.moment_list.model_
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    shown = [
        str(model.data(model.index(0, c), Qt.ItemDataRole.DisplayRole)) for c in range(model.columnCount())
    ]
    shown += [
        str(model.data(model.index(0, c), Qt.ItemDataRole.ToolTipRole)) for c in range(model.columnCount())
    ]
    assert "You waited, and she smiled" in shown
    assert not any("PRIVATE" in text for text in shown)
    assert "PRIVATE" not in window.inspector.caption.toPlainText()
    note_label = window.inspector.findChild(type(window.inspector.span), "noteLabel")
    assert note_label is not None and note_label.text().endswith("never shown to families")


def test_typing_in_the_caption_never_triggers_keys(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    window, rec = opened
    window.coding.point()
    window.inspector.caption.setFocus()
    qtbot.waitUntil(window.inspector.caption.hasFocus)
    QTest.keyClicks(window.inspector.caption, "mijo lk ")
    assert window.inspector.caption.toPlainText() == "mijo lk "
    assert len(library.moments.all(rec.id)) == 1 and not window.controller.playing


def test_tab_walks_moments_and_help_lists_every_key(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    window, _ = opened
    for t in (2_000_000, 4_000_000):
        window.controller.seek_us(t)
        press(window, Qt.Key.Key_M)
    window.controller.seek_us(0)
    press(window, Qt.Key.Key_Escape)
    assert window.coding.selected == []
    press(window, Qt.Key.Key_Tab)
    assert window.controller.time_us() == 2_000_000
    press(window, Qt.Key.Key_Tab)
    assert window.controller.time_us() == 4_000_000
    press(window, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert window.controller.time_us() == 2_000_000
    [first, _second] = window.coding.moments
    assert window.coding.selected == [first.id] and window.inspector.moment == first
    QTest.keyClicks(window.focusWidget() or window, "?")
    assert window.help.isVisible()
    shown = {row[1] for row in window.help.lines()}
    assert {"Space", "J", "K", "L", "I", "O", "M", "Tab", "?"} <= shown
    assert any(row[0] == "Codes" for row in window.help.lines())
    press(window, Qt.Key.Key_Escape)  # closes the list, keeps the selection
    assert not window.help.isVisible() and window.coding.selected == [first.id]
    keys.toggle_help(window)  # View › Keyboard keys
    assert window.help.isVisible()


def test_reopening_finds_everything_as_left(qtbot: QtBot, library: Library, media: MediaSet) -> None:
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="kept")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.open_recording(rec.id)
    assert [m.caption for m in window.coding.moments] == ["kept"]
    assert window.moment_list.model_.rowCount() == 1
    window.close()


def test_missing_file_is_one_clear_message_and_the_app_keeps_working(
    qtbot: QtBot, library: Library, media: MediaSet, tmp_path: Path
) -> None:
    import shutil

    from PySide6.QtWidgets import QMessageBox

    library.families.add("F1")
    copy = tmp_path / "clip.mp4"
    shutil.copy(media["no_audio"], copy)
    gone = library.recordings.import_file(copy, "F1", reference=True)
    kept = library.recordings.import_file(media["cfr25"], "F1")
    copy.unlink()
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.open_recording(gone.id)
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and "relink" in boxes[0].text() and "\n" not in boxes[0].text()
    boxes[0].close()
    assert window.coding.recording is None
    window.open_recording(kept.id)
    qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
    window.close()


def test_without_libvlc_the_app_says_so_and_still_steps(
    qtbot: QtBot, library: Library, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vfeedback.media.player as player_module

    reason = "Playback with sound needs libvlc, which is missing: sudo apt install libvlc5."
    monkeypatch.setattr(player_module, "make_player", lambda headless=False: ClockPlayer())
    monkeypatch.setattr(player_module, "player_unavailable_reason", lambda: reason)
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    window = MainWindow(library)
    qtbot.addWidget(window)
    assert reason in window.statusBar().currentMessage()
    window.open_recording(rec.id)
    qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
    window.controller.step_frames(1)
    qtbot.waitUntil(
        lambda: window.video.frames.exact and window.video.frames.frame_number == 1, timeout=10_000
    )
    window.controller.toggle()
    assert window.video.showing_exact()  # no VLC picture: our own frames are drawn while playing
    qtbot.waitUntil(lambda: window.controller.frame() > 3, timeout=10_000)
    window.controller.toggle()
    window.close()


def test_family_panel_shows_the_consent_register(qtbot: QtBot, library: Library) -> None:
    library.families.add("F1")
    library.consent.give("F1", "feedback", "Dr A")
    library.consent.give("F1", "research", "Dr A")
    library.consent.withdraw("F1", "research", "Dr B")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    text = window.panel.consent.summary.text()
    assert "Feedback with the family: <span style='color:#2e7d4f'>given" in text
    assert "Research: <span style='color:#a0522d'>withdrawn" in text
    assert "Supervision: <span style='color:#8a8f94'>not recorded" in text
    window.close()


def test_review_needs_consent_and_hides_the_case_list(
    qtbot: QtBot, library: Library, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    m = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait")
    reel = library.reels.create("Ours", [m.id])
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (a[3][0], True))
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.show()
    window.highlights.review_with_family()
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and "consent" in boxes[0].text() and window.isVisible()
    boxes[0].close()
    library.consent.give("F1", "feedback", "Dr A")
    window.highlights.review_with_family()
    assert window.highlights.review is not None and not window.isVisible()
    assert [e.action for e in library.audit.entries("F1")][-1] == "review"
    window.highlights.review.finished.emit()
    assert window.isVisible() and window.highlights.review is None
    assert reel.id == library.reels.all("F1")[0].id
    window.close()


def test_a_refused_key_says_its_sentence_and_changes_nothing(qtbot: QtBot, library: Library) -> None:
    from PySide6.QtWidgets import QMessageBox

    library.families.add("F1")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.setFocus()
    press(window, Qt.Key.Key_Return)  # Enter tags a moment: there is no recording to tag
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert [b.text() for b in boxes] == ["Open a recording first."]
    assert window.library.undo_label() == "Add family F1" and window.coding.moments == []  # nothing new
    press(window, Qt.Key.Key_Space)  # nothing to play: nothing happens, nothing said
    assert not window.controller.playing
    assert len([b for b in window.findChildren(QMessageBox) if b.isVisible()]) == 1
    window.close()


def test_help_menu_offers_the_installation_check(qtbot: QtBot, opened: tuple[MainWindow, Recording]) -> None:
    """Help › Check this installation is where a clinician (or support) finds the self-check."""
    from PySide6.QtWidgets import QMenu

    from vfeedback.ui.installation_check import InstallationCheckDialog

    window, _ = opened
    bar = window.menuBar()
    help_menu = next(a.menu() for a in bar.actions() if a.text() == "&Help")
    assert isinstance(help_menu, QMenu)
    check = next(a for a in help_menu.actions() if a.text() == "Check this installation…")
    check.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(InstallationCheckDialog)), timeout=5_000)
    dialog = window.findChildren(InstallationCheckDialog)[0]
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog._proc is not None, timeout=10_000)
    running = dialog._proc
    assert running is not None
    dialog.close()  # closing it stops a check still running (it makes films of its own)
    qtbot.waitUntil(lambda: running.poll() is not None, timeout=10_000)


def test_a_refresh_while_typing_a_caption_keeps_what_was_typed(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    """The views are redrawn from the library when anything changes (a job finishing, an edit
    elsewhere); a caption typed a moment before, not yet saved, must survive it."""
    window, rec = opened
    window.timeline.createRequested.emit("parent", 1_000_000, 2_000_000)
    window.timeline.createRequested.emit("infant", 3_000_000, 4_000_000)
    first, second = library.moments.all(rec.id)
    qtbot.waitUntil(lambda: window.inspector.moment is not None and window.inspector.moment.id == second.id)
    QTest.mouseClick(window.inspector.caption, Qt.MouseButton.LeftButton)
    QTest.keyClicks(window.inspector.caption, "You waited for her")
    library.moments.edit(first.id, caption="She reached for you")  # the views refresh from the library
    qtbot.waitUntil(lambda: library.moments.get(second.id).caption == "You waited for her", timeout=5_000)
    qtbot.wait(100)
    assert window.inspector.caption.toPlainText() == "You waited for her"


def test_a_refused_caption_says_why_once_and_the_stored_words_come_back(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    """A caption over its 300-character limit is refused in one sentence; the moment keeps the
    words it had, and the inspector shows them again (no second try, no loop)."""
    window, rec = opened
    window.timeline.createRequested.emit("parent", 1_000_000, 2_000_000)
    (moment,) = library.moments.all(rec.id)
    library.moments.edit(moment.id, caption="You waited")
    qtbot.waitUntil(lambda: window.inspector.caption.toPlainText() == "You waited")
    said: list[str] = []
    window.inspector.message.connect(said.append)
    QTest.mouseClick(window.inspector.caption, Qt.MouseButton.LeftButton)
    QTest.keyClick(window.inspector.caption, Qt.Key.Key_End)
    QTest.keyClicks(window.inspector.caption, " and" * 80)  # 320 more characters
    window.timeline.createRequested.emit("infant", 3_000_000, 4_000_000)  # the views move on at once
    qtbot.waitUntil(lambda: len(said) >= 1, timeout=5_000)
    qtbot.wait(300)
    assert len(said) == 1 and "300" in said[0], said
    assert library.moments.get(moment.id).caption == "You waited"


def test_the_filmstrip_is_made_before_the_proxy_never_beside_it(
    qtbot: QtBot, library: Library, media: MediaSet
) -> None:
    """Opening a recording: the filmstrip (what the clinician sees) is made first, and the proxy
    only once it is done, so the two ffmpeg runs never hold their memory at once; the proxy still
    comes."""
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    seen: list[set[str]] = []
    window.tasks.changed.connect(lambda: seen.append({t.label for t in window.tasks.tasks()}))
    window.open_recording(rec.id)
    qtbot.waitUntil(lambda: library.media.proxy_file(rec.id) is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not window.tasks.tasks(), timeout=20_000)
    film, proxy = "Making the filmstrip", "Preparing quick stepping"
    assert not [labels for labels in seen if {film, proxy} <= labels]
    first_film = next(i for i, labels in enumerate(seen) if film in labels)
    first_proxy = next(i for i, labels in enumerate(seen) if proxy in labels)
    assert first_film < first_proxy
    window.close()
