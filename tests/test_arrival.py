"""Arriving with a new film, as a clinician does it in the window: the empty library greets with one
action, a video dropped on the window (or File › Import a film…) asks in one small dialog for its
family, filming date, context and name, the copy runs in the background, the film opens ready to tag,
the window's title names it, File › Open Recent lists it, and its Details… change later."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.storage import layout
from vfeedback.ui.import_dialog import DetailsDialog, ImportDialog
from vfeedback.ui.main_window import NOTHING_OPEN, MainWindow
from vfeedback.ui.workbench.arrival import GREETING_TEXT


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VFEEDBACK_CODER", "Dr Ana")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))


class Actions:
    """Every user action a step takes, counted as the journey test counts them."""

    def __init__(self) -> None:
        self.count = 0

    def keys(self, widget: QWidget, text: str) -> None:
        QTest.keyClicks(widget, text)
        self.count += 1

    def key(self, widget: QWidget, key: Qt.Key) -> None:
        QTest.keyClick(widget, key)
        self.count += 1

    def drop(self, window: QWidget, path: Path) -> bool:
        """A real drag of one file onto the window: enter, then drop (one action)."""
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        centre = QPointF(window.width() / 2, window.height() / 2)
        enter = QDragEnterEvent(
            QPoint(int(centre.x()), int(centre.y())),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(window, enter)
        self.count += 1
        if not enter.isAccepted():
            return False
        drop = QDropEvent(
            centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(window, drop)
        return drop.isAccepted()


@pytest.fixture
def window(qtbot: QtBot, library: Library) -> Iterator[MainWindow]:
    win = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def _film(media: MediaSet, tmp_path: Path, kind: str, day: date) -> Path:
    """A copy of a test film whose file dates say ``day`` (noon, local time)."""
    path = tmp_path / "from the phone" / f"{kind}.mp4"
    path.parent.mkdir(exist_ok=True)
    shutil.copyfile(media[kind], path)
    noon = datetime(day.year, day.month, day.day, 12).timestamp()
    os.utime(path, (noon, noon))
    return path


def _dialog(window: MainWindow) -> ImportDialog:
    dialog = window.arrival.dialog
    assert isinstance(dialog, ImportDialog) and dialog.isVisible()
    return dialog


def _visible_texts(widget: QWidget) -> list[str]:
    return [w.text() for w in widget.findChildren(QLabel) if w.isVisibleTo(widget) and w.text()]


def _dump(root: Path) -> str:
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        text = "\n".join(conn.iterdump())
    conn.close()
    return text


def test_a_new_film_dropped_on_an_empty_library_is_asked_about_once_and_opens_ready_to_tag(
    qtbot: QtBot, window: MainWindow, library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Planted bugs: the greeting never shown (the empty player's "Choose a recording on the left"
    instead); the dialog's family not made when new (the import fails "There is no family ...")."""
    # The empty library greets: one action and what happens next, not empty lists.
    assert window.middle.currentWidget() is window.greeting and window.greeting.isVisible()
    assert window.greeting.button.text() == "Import a film…"
    assert GREETING_TEXT in _visible_texts(window.greeting)
    assert window.windowTitle() == "vfeedback"  # Qt shows it as "vfeedback": nothing repeated
    film = _film(media, tmp_path, "cfr25", date(2026, 10, 2))
    act = Actions()
    assert act.drop(window, film)
    dialog = _dialog(window)
    assert dialog.heading.text() == "Import 'cfr25.mp4'"
    assert dialog.filmed_on() == date(2026, 10, 2)  # no date inside this film: the file's own date
    assert dialog.date_hint.text() == "From the file's date: change it if the film was made on another day."
    assert dialog.family.currentText() == "" and dialog.focusWidget() is dialog.family
    act.keys(dialog.focusWidget(), "F7")
    assert dialog.family_hint.text() == "A new family F7 will be made."
    act.key(dialog.focusWidget(), Qt.Key.Key_Tab)  # to the date
    act.key(dialog.focusWidget(), Qt.Key.Key_Tab)  # to the context
    assert dialog.focusWidget() is dialog.context
    act.keys(dialog.focusWidget(), "bath")
    act.key(dialog.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.name
    act.keys(dialog.name, "Bath time")
    act.key(dialog.name, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
    [rec] = library.recordings.all()
    assert (rec.family_code, rec.recorded_on, rec.context, rec.title) == (
        "F7",
        date(2026, 10, 2),
        "bath",
        "Bath time",
    )
    assert window.coding.recording is not None and window.coding.recording.id == rec.id
    assert window.middle.currentWidget() is window.centre and not window.greeting.isVisible()
    assert window.windowTitle() == "F7 · Bath time"  # shown by Qt as "F7 · Bath time — vfeedback"
    assert [(e.action, e.actor) for e in library.audit.entries("F7")] == [("import", "Dr Ana")]
    # From the drop to a film ready to tag: 8 actions (drop, code, 2 tabs, context, tab, name, Enter).
    assert act.count == 8
    assert window.panel.current_family() == "F7"


def test_the_films_own_date_is_offered_and_contexts_used_before_are_suggested(
    window: MainWindow, library: Library, media: MediaSet, tmp_path: Path
) -> None:
    library.families.add("F1")
    library.recordings.import_file(media["no_audio"], "F1", context="nappy change")
    film = tmp_path / "phone.mov"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(media["cfr25"]), "-c", "copy",
         "-metadata", "creation_time=2026-09-14T10:20:00.000000Z", str(film)],
        check=True,
    )  # fmt: skip
    window.panel.families.setCurrentRow(0)
    dialog = window.arrival.ask(film)
    assert dialog is not None
    assert dialog.filmed_on() == date(2026, 9, 14)
    assert dialog.date_hint.text() == "From the film's own recording date."
    assert dialog.family.currentText() == "F1" and dialog.family_hint.text() == ""
    suggestions = [dialog.context.itemText(i) for i in range(dialog.context.count())]
    assert suggestions[:4] == ["nappy change", "play", "feeding", "bath"] and "book sharing" in suggestions
    assert dialog.focusWidget() is dialog.context
    dialog.reject()


def test_a_film_made_just_after_midnight_is_dated_by_the_clinicians_calendar(
    window: MainWindow, library: Library, media: MediaSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The phone wrote 23:30 UTC on 14 September; in London (summer time, UTC+1) that was 00:30 on
    the 15th, the day the family was filmed. Planted bug: the UTC date taken as it is (the 14th)."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        film = tmp_path / "late.mov"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(media["cfr25"]), "-c", "copy",
             "-metadata", "creation_time=2026-09-14T23:30:00.000000Z", str(film)],
            check=True,
        )  # fmt: skip
        dialog = window.arrival.ask(film)
        assert dialog is not None and dialog.filmed_on() == date(2026, 9, 15)
        dialog.reject()
        library.families.add("F1")
        assert library.recordings.import_file(film, "F1").recorded_on == date(2026, 9, 15)  # the CLI's way
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        ("Ana Ruiz", "'Ana Ruiz' is not a usable case code: use up to 64 letters, digits, '-', '_' or '.', "
                     "starting with a letter or digit (and no real names)."),
        ("", "Choose the family this film belongs to, or type a new case code."),
    ],
)  # fmt: skip
def test_a_real_name_as_case_code_is_refused_in_the_dialog_and_nothing_is_imported(
    window: MainWindow, library: Library, media: MediaSet, tmp_path: Path, typed: str, sentence: str
) -> None:
    before = _dump(library.path)
    act = Actions()
    assert act.drop(window, _film(media, tmp_path, "cfr25", date(2026, 10, 2)))
    dialog = _dialog(window)
    if typed:
        act.keys(dialog.focusWidget(), typed)
    act.key(dialog.focusWidget(), Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.error.isVisible() and dialog.error.text() == sentence
    assert window.tasks.tasks() == [] and _dump(library.path) == before
    dialog.reject()


def test_an_import_cancelled_from_the_status_bar_leaves_nothing(
    qtbot: QtBot, window: MainWindow, library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Planted bug: the new family made before the copy (in its own action): cancelling leaves an
    empty family F9 in the library."""
    from vfeedback.ui.task_status import TaskStatus

    before = _dump(library.path)
    act = Actions()
    assert act.drop(window, _film(media, tmp_path, "cfr25", date(2026, 10, 2)))
    dialog = _dialog(window)
    act.keys(dialog.focusWidget(), "F9")
    act.key(dialog.focusWidget(), Qt.Key.Key_Return)
    status = window.statusBar().findChild(TaskStatus)
    assert status is not None and status.isVisible() and status.label.text() == "Importing cfr25.mp4…"
    qtbot.mouseClick(status.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.tasks.tasks() == [], timeout=20_000)
    assert _dump(library.path) == before
    assert [p.name for p in (library.path / "recordings").iterdir()] == []
    assert window.middle.currentWidget() is window.greeting


def test_a_file_that_is_no_film_is_one_sentence_and_a_folder_is_not_taken(
    window: MainWindow, library: Library, tmp_path: Path
) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("not a film at all\n" * 10)
    before = _dump(library.path)
    act = Actions()
    assert act.drop(window, fake)
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1 and boxes[0].text().count(".") >= 1 and "notes.mp4" in boxes[0].text()
    assert "\n" not in boxes[0].text() and window.arrival.dialog is None
    assert not act.drop(window, tmp_path)  # a folder is not taken at all
    assert _dump(library.path) == before


def _menu(window: MainWindow, title: str) -> QMenu:
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == title:
            menu = top.menu()
            assert isinstance(menu, QMenu)
            return menu
    raise AssertionError(title)


def _entries(menu: QMenu) -> list[str]:
    menu.aboutToShow.emit()
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_open_recent_lists_this_persons_last_films_and_forgets_a_deleted_one(
    qtbot: QtBot, window: MainWindow, library: Library, media: MediaSet
) -> None:
    library.families.add("F1")
    first = library.recordings.import_file(media["cfr25"], "F1", title="Bath time")
    second = library.recordings.import_file(media["no_audio"], "F1", recorded_on=date(2026, 11, 3))
    recent = window.arrival.recent_menu
    assert recent is not None and _entries(recent) == ["No recordings opened yet"]
    window.open_recording(first.id)
    window.open_recording(second.id)
    assert _entries(recent) == ["F1 · 3 November 2026", "F1 · Bath time"]
    [bath] = [a for a in recent.actions() if a.text() == "F1 · Bath time"]
    bath.trigger()
    assert window.coding.recording is not None and window.coding.recording.id == first.id
    assert window.windowTitle() == "F1 · Bath time"
    library.cases.delete_recording(second.id)
    assert _entries(recent) == ["F1 · Bath time"]


def test_details_from_the_right_click_change_the_films_name_and_the_title_follows(
    qtbot: QtBot, window: MainWindow, library: Library, media: MediaSet
) -> None:
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1", context="play")
    window.open_recording(rec.id)
    assert window.windowTitle() == f"F1 · recording {rec.id}"
    menu = window.panel.recording_menu(rec.id)
    [details] = [a for a in menu.actions() if a.text() == "Details…"]
    details.trigger()
    [dialog] = [d for d in window.panel.findChildren(DetailsDialog) if d.isVisible()]
    assert dialog.context.currentText() == "play" and dialog.focusWidget() is dialog.name
    QTest.keyClicks(dialog.name, "Peekaboo")
    QTest.keyClick(dialog.name, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert library.recordings.get(rec.id).title == "Peekaboo"
    assert library.recordings.get(rec.id).recorded_on is None  # not silently the import day
    assert window.windowTitle() == "F1 · Peekaboo"
    item = window.panel.recordings.item(0)
    assert item is not None and item.text().splitlines()[0] == "Peekaboo"
    assert library.undo_label() == f"Edit recording {rec.id}"
    library.undo()
    assert window.windowTitle() == f"F1 · recording {rec.id}"


def test_the_placeholder_of_a_library_with_films_still_points_at_them(
    window: MainWindow, library: Library, media: MediaSet
) -> None:
    library.families.add("F1")
    library.recordings.import_file(media["cfr25"], "F1")
    assert window.middle.currentWidget() is window.centre
    assert window.video.frames._placeholder == NOTHING_OPEN  # "Choose a recording on the left…"
