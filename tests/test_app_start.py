"""Starting the app with a recording (``vfeedback open``): the window comes up with the recording in
it, the player is made while the modules load, and the background work on the recording starts only
once the window has been painted."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.ui import app as app_module
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.workbench import player_choice


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))


class NotedPlayer(ClockPlayer):
    """The silent player, noting which thread made it and whether it was closed."""

    made_on: ClassVar[list[str]] = []
    closed: ClassVar[list[NotedPlayer]] = []
    opened: ClassVar[list[Path]] = []

    def __init__(self) -> None:
        import threading

        super().__init__()
        NotedPlayer.made_on.append(threading.current_thread().name)

    def open(self, path: Path, duration_us: int) -> None:
        NotedPlayer.opened.append(path)
        super().open(path, duration_us)

    def close(self) -> None:
        NotedPlayer.closed.append(self)
        super().close()


@pytest.fixture
def noted(monkeypatch: pytest.MonkeyPatch) -> type[NotedPlayer]:
    NotedPlayer.made_on, NotedPlayer.closed, NotedPlayer.opened = [], [], []
    monkeypatch.setattr(player_choice, "choose_player", lambda: (NotedPlayer(), None))
    return NotedPlayer


def test_open_shows_the_recording_and_starts_its_work_after_the_first_paint(
    qtbot: QtBot, tmp_path: Path, media: MediaSet, noted: type[NotedPlayer]
) -> None:
    with Library.open(tmp_path / "lib") as lib:
        lib.families.add("F1")
        rec = lib.recordings.import_file(media["cfr25"], "F1")
        lib.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="kept")
    built = app_module.build(str(tmp_path / "lib"), rec.id)
    assert built is not None
    _app, window = built
    qtbot.addWidget(window)
    try:
        assert window.isVisible() and window.windowTitle() == f"F1 · recording {rec.id}"
        assert [m.caption for m in window.coding.moments] == ["kept"]
        assert noted.made_on == ["vfeedback-player"] and isinstance(window.player, NotedPlayer)
        # Not painted yet: nothing runs in the background to slow the first picture down, and
        # the player has not started on the file.
        assert not window.after_paint.painted and window.tasks.tasks() == [] and noted.opened == []
        qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
        assert window.after_paint.painted and noted.opened == [window.library.recordings.path(rec)]
        assert len(window.coding.index) == lib_frames(tmp_path / "lib", rec.id)
    finally:
        window.close()
        window.library.close()


def lib_frames(path: Path, recording_id: int) -> int:
    with Library.open(path) as lib:
        return len(lib.media.frame_index(recording_id))


def test_a_library_that_cannot_open_is_one_sentence_and_lets_the_player_go(
    qtbot: QtBot, tmp_path: Path, noted: type[NotedPlayer], monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: said.append(text))
    not_a_folder = tmp_path / "library"
    not_a_folder.write_text("not a library")
    assert app_module.build(str(not_a_folder)) is None
    assert said == [f"The library location {not_a_folder} is a file, not a folder."]
    assert len(noted.closed) == 1  # the player made meanwhile is not left running
    assert not_a_folder.read_text() == "not a library"


def test_a_recording_opened_twice_before_the_paint_starts_only_the_second(
    qtbot: QtBot, library: Library, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    library.families.add("F1")
    first = library.recordings.import_file(media["cfr25"], "F1")
    second = library.recordings.import_file(media["no_audio"], "F1")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    started: list[str] = []
    submit = window.tasks.submit

    def noting(label: str, *a: Any, **k: Any) -> Any:
        started.append(label)
        return submit(label, *a, **k)

    monkeypatch.setattr(window.tasks, "submit", noting)
    window.show()
    window.open_recording(first.id)
    window.open_recording(second.id)
    assert started == []
    qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
    assert window.coding.index is not None
    assert window.coding.recording == second and len(window.coding.index) == len(
        library.media.frame_index(second.id)
    )
    assert started[:1] == ["Indexing frames"] and "Reading the sound" not in started  # no_audio's only
    window.close()


def test_a_hidden_window_starts_the_work_at_once(qtbot: QtBot, library: Library, media: MediaSet) -> None:
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.open_recording(rec.id)  # never shown: nothing to paint first
    assert [t.label for t in window.tasks.tasks()][:1] == ["Indexing frames"]
    window.close()


def test_closing_before_the_first_paint_starts_nothing(
    qtbot: QtBot, library: Library, media: MediaSet, noted: type[NotedPlayer]
) -> None:
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    window = MainWindow(library, player=NotedPlayer())
    qtbot.addWidget(window)
    window.show()
    window.open_recording(rec.id)
    window.close()  # at once, as a quit from outside would
    qtbot.wait(300)  # whatever was waiting for the paint would run now
    assert noted.opened == [] and window.tasks.tasks() == []
    assert len(noted.closed) == 1
