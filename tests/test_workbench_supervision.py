"""The workbench's new doors: the Supervision menu (compare two coders, progress across cycles), moments
in from ELAN through the mapping dialog, out to ELAN/spreadsheet/subtitles, and the name new moments
carry. The windows themselves are tested in their own files; here the subject is the wiring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu
from pytestqt.qtbot import QtBot

from vfeedback.core.model import Recording
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.ui.data_export_dialog import DataExportDialog
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.mapping_dialog import MappingDialog, MappingRow


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VFEEDBACK_CODER", raising=False)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))


@pytest.fixture
def opened(qtbot: QtBot, library: Library, media: MediaSet) -> Iterator[tuple[MainWindow, Recording]]:
    library.families.add("F1")
    library.consent.give("F1", "feedback", by="Dr Test")
    rec = library.recordings.import_file(media["cfr25"], "F1")
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.open_recording(rec.id)
    qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
    yield window, rec
    window.close()


def _submenu(action: QAction) -> QMenu:
    menu = action.menu()
    assert isinstance(menu, QMenu), action.text()
    return menu


def _menu_action(window: MainWindow, menu: str, text: str) -> QAction:
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu:
            for action in _submenu(top).actions():
                if action.text().replace("&", "").startswith(text):
                    return action
    raise AssertionError(f"no {menu} › {text}")


def test_compare_opens_on_the_recording_and_jumps_the_player(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    window, rec = opened
    library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", coder="Ana")
    library.moments.add(rec.id, 5_000_000, 6_000_000, code="Waiting", coder="Ben")
    _menu_action(window, "Supervision", "Compare two coders").trigger()
    compare = window.supervision.compare
    assert compare is not None and compare.isVisible() and compare.isWindow()
    compare.seek_requested.emit(5_000_000)
    qtbot.waitUntil(lambda: abs(window.controller.time_us() - 5_000_000) < 50_000, timeout=5_000)
    # A new moment by either coder is in the open comparison as soon as the edits settle.
    qtbot.waitUntil(lambda: not compare.busy, timeout=5_000)
    assert compare.agreement.events.only_b == 1
    library.moments.add(rec.id, 7_000_000, code="Waiting", coder="Ben")
    library.moments.add(rec.id, 8_000_000, code="Waiting", coder="Ben")
    assert compare.agreement.events.only_b == 1  # not recomputed per edit
    qtbot.waitUntil(lambda: compare.agreement.events.only_b == 3, timeout=5_000)


def test_compare_needs_two_coders(
    opened: tuple[MainWindow, Recording], monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _ = opened
    said: list[str] = []
    monkeypatch.setattr(window, "show_error", said.append)
    _menu_action(window, "Supervision", "Compare two coders").trigger()
    assert window.supervision.compare is None
    assert said and "two coders" in said[0]


def test_progress_chart_leads_back_to_the_moment(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    window, rec = opened
    m = library.moments.add(rec.id, 3_000_000, 4_000_000, code="Waiting", caption="You wait for her.")
    window.open_recording(rec.id)
    _menu_action(window, "Supervision", "Progress across filming cycles").trigger()
    cycles = window.supervision.cycles
    assert cycles is not None and cycles.isVisible()
    cycles.moment_chosen.emit(m.id)
    assert window.coding.selected == [m.id]
    qtbot.waitUntil(lambda: abs(window.controller.time_us() - 3_000_000) < 50_000, timeout=5_000)


def test_eaf_round_trip_through_the_menus(
    qtbot: QtBot,
    opened: tuple[MainWindow, Recording],
    library: Library,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window, rec = opened
    library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", actor="infant", caption="She looks.")
    out = tmp_path / "moments.eaf"
    monkeypatch.setattr(window.exchange, "_save_path", lambda *_a: out)
    asked: list[DataExportDialog] = []

    def ask(what: str, offers_notes: bool, default: str = "research") -> DataExportDialog:
        dialog = DataExportDialog(what, offers_notes=offers_notes, default=default)
        asked.append(dialog)
        return dialog

    monkeypatch.setattr(window.exchange, "_ask", ask)
    export = _submenu(_menu_action(window, "File", "Export moments")).actions()[0]
    export.trigger()  # for research, which this family has not consented to: refused, nothing written
    assert not out.exists() and asked[0].chosen_purpose() == "research" and not asked[0].include_notes()

    def ask_for_feedback(what: str, offers_notes: bool, default: str = "research") -> DataExportDialog:
        dialog = ask(what, offers_notes, default)
        dialog.purpose.setCurrentIndex(dialog.purpose.findData("feedback"))
        return dialog

    monkeypatch.setattr(window.exchange, "_ask", ask_for_feedback)
    export.trigger()
    assert out.exists() and b"She looks." in out.read_bytes()
    assert library.audit.entries("F1")[-1].purpose == "feedback"
    before = library.moments.all(rec.id)
    library.moments.delete_many([m.id for m in before])

    # The mapping dialog proposes the tier's own actor and coder; accepting imports them back.
    def accept(dialog: MappingDialog) -> int:
        assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(MappingDialog, "exec", accept)
    monkeypatch.setattr(window.exchange, "_open_path", lambda *_a: out)
    _submenu(_menu_action(window, "File", "Import moments")).actions()[0].trigger()
    after = library.moments.all(rec.id)
    key = [(m.start_us, m.end_us, m.code_id, m.actor, m.caption, m.coder) for m in before]
    assert [(m.start_us, m.end_us, m.code_id, m.actor, m.caption, m.coder) for m in after] == key
    assert "Imported 1 moment from moments.eaf" in window.statusBar().currentMessage()


def test_a_refused_import_says_one_sentence_and_adds_nothing(
    opened: tuple[MainWindow, Recording], library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, rec = opened
    bad = tmp_path / "bad.eaf"
    bad.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', encoding="utf-8")
    said: list[str] = []
    monkeypatch.setattr(window, "show_error", said.append)
    window.exchange.import_eaf(bad)
    assert len(said) == 1 and "bad.eaf" in said[0]
    assert library.moments.all(rec.id) == []


def test_mapping_dialog_waits_for_every_row() -> None:
    dialog = MappingDialog(
        "Import",
        "Which code?",
        [MappingRow("look", "behaviour"), MappingRow("smile", "behaviour", guess="2")],
        [("Waiting", "1"), ("Attuned", "2")],
        target_heading="Code",
    )
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.choose("look", "1")
    assert ok.isEnabled()
    assert dialog.mapping() == {"look": "1", "smile": "2"}


def test_your_name_tags_new_moments(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    window, rec = opened
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    _menu_action(window, "File", "Your name").trigger()
    dialog = window.findChild(QInputDialog, "nameDialog")
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    field = dialog.findChild(QLineEdit)
    assert field is not None
    field.selectAll()
    QTest.keyClicks(field, "  Dr Ana  ")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert library.user == "Dr Ana"
    assert library.moments.add(rec.id, 0, code="Waiting").coder == "Dr Ana"
    with Library.open(library.path) as fresh:  # the next start (or the command line) is Dr Ana too
        assert fresh.user == "Dr Ana"


def test_deleting_the_open_recording_lets_go_of_it_first(
    qtbot: QtBot, opened: tuple[MainWindow, Recording], library: Library
) -> None:
    from PySide6.QtCore import Qt

    window, rec = opened
    library.moments.add(rec.id, 1_000_000, code="Waiting", caption="You wait.")
    window.coding.reload()
    stored = library.path / rec.path
    assert stored.exists()
    _menu_action(window, "File", "Delete this recording for good").trigger()
    dialog = window.panel.confirming
    assert dialog is not None
    dialog.ticked.setChecked(True)
    with qtbot.waitSignal(window.panel.deleted, timeout=20_000):
        qtbot.mouseClick(dialog.delete, Qt.MouseButton.LeftButton)
    assert window.coding.recording is None and window.coding.moments == []
    assert window.windowTitle() == "vfeedback"
    assert not stored.exists()
    assert not (library.path / "cache" / "recordings" / str(rec.id)).exists()
    assert library.recordings.all() == []
    assert window.panel.recordings.count() == 0
    # The import's undo history went with it; the family stays, and so does its own addition.
    assert window.act_undo.text() == "&Undo Add family F1"


def test_the_moment_list_names_coders_once_two_have_coded(
    opened: tuple[MainWindow, Recording], library: Library
) -> None:
    from vfeedback.ui.moment_list import CODER

    window, rec = opened
    library.moments.add(rec.id, 1_000_000, code="Waiting", coder="Ana")
    window.coding.reload()
    assert window.moment_list.isColumnHidden(CODER)
    library.moments.add(rec.id, 2_000_000, code="Waiting", coder="Ben")
    window.coding.reload()
    assert not window.moment_list.isColumnHidden(CODER)
    model = window.moment_list.model_
    assert [model.index(r, CODER).data() for r in range(model.rowCount())] == ["Ana", "Ben"]
