"""Retention and deletion in the app: the closure-and-retention dialog, the confirmation before a
deletion for good, the list of cases due, and the library panel that ties them together."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from expect import present
from mediagen import MediaSet
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from vfeedback.core.errors import BadInput
from vfeedback.core.model import Recording
from vfeedback.core.retention import parse_rule
from vfeedback.services import Library
from vfeedback.storage import layout
from vfeedback.ui.confirm_delete import ConfirmDeleteDialog, report_outcome
from vfeedback.ui.due_view import DueForDeletionView
from vfeedback.ui.library_panel import LibraryPanel
from vfeedback.ui.retention_dialog import (
    BIRTHDAY,
    WRITTEN,
    RetentionDialog,
    read_rule,
    span_words,
    years_after,
)
from vfeedback.ui.tasks import TaskRunner

CODE = "QJW-5512"


@pytest.fixture
def case(library: Library, media: MediaSet) -> tuple[Recording, Recording, Recording]:
    """A case with two recordings, tagged moments, a still and a reel; and another case to keep."""
    library.families.add(CODE)
    library.families.add("KEEP-1")
    library.consent.give(CODE, "feedback", "Dr Test")
    a = library.recordings.import_file(
        media["cfr25"], CODE, recorded_on=date(2025, 3, 4), context="bath time"
    )
    b = library.recordings.import_file(media["no_audio"], CODE)
    keep = library.recordings.import_file(media["vfr"], "KEEP-1")
    m = library.moments.add(a.id, 1_000_000, 2_000_000, code="Waiting", caption="QJW you wait", note="QJW n")
    library.moments.add(b.id, 0, 0, code="Waiting", caption="QJW she smiles")
    library.exports.still(m.id)
    library.reels.create("QJW reel", [m.id])
    library.media.cache_dir(a.id)  # as the app leaves it after making previews
    (library.media.cache_dir(a.id) / "proxy.mp4").write_bytes(b"preview")
    return a, b, keep


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(layout.DB_NAME)]


# --- plain words -----------------------------------------------------------------------------------
def test_words_for_dates_and_rules() -> None:
    assert span_words(date(2025, 1, 15), date(2026, 11, 26)) == "1 year and 10 months"
    assert span_words(date(2025, 1, 31), date(2025, 2, 27)) == "27 days"
    assert span_words(date(2025, 1, 1), date(2025, 1, 1)) == "today"
    assert span_words(date(2024, 5, 1), date(2026, 5, 1)) == "2 years"
    assert years_after(date(2020, 2, 29), 25) == date(2045, 2, 28)
    today = date(2026, 1, 1)
    closed = read_rule("Delete 12 months after closure", date(2025, 3, 1), today)
    assert closed.ok and closed.due == date(2026, 3, 1) and "1 March 2026 (in 2 months)" in closed.sentence
    assert read_rule("delete 12 months after closure", None, today).due is None
    assert "due for deletion now" in read_rule("keep until 2025-06-01", None, today).sentence
    bad = read_rule("delete when done", None, today)
    with pytest.raises(BadInput) as exc:
        parse_rule("delete when done")
    assert not bad.ok and bad.sentence == str(exc.value)


# --- the retention dialog --------------------------------------------------------------------------
def test_retention_dialog_saves_closure_and_rule(qtbot: QtBot, library: Library) -> None:
    library.families.add("R1")
    dialog = RetentionDialog(library, "R1", today=date(2026, 1, 1))
    qtbot.addWidget(dialog)
    assert dialog.still_open.isChecked() and not dialog.closed_on.isEnabled()
    dialog.closed.setChecked(True)
    dialog.closed_on.setDate(QDate(2024, 12, 10))
    dialog.preset.setCurrentIndex(dialog.preset.findData("delete 12 months after closure"))
    assert dialog.rule.text() == "delete 12 months after closure"
    assert "10 December 2025" in dialog.reading.text() and "due for deletion now" in dialog.reading.text()
    assert dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    fam = library.families.get("R1")
    assert (fam.closed_on, fam.retention_rule) == (date(2024, 12, 10), "delete 12 months after closure")
    assert library.undo_label() == "Set retention for family R1"

    again = RetentionDialog(library, "R1", today=date(2026, 1, 1))  # opens on what was saved
    qtbot.addWidget(again)
    assert again.closed.isChecked() and again.chosen_closure() == date(2024, 12, 10)
    assert again.preset.currentData() == "delete 12 months after closure"
    # The family came back to the service: the case reopens, and Undo closes it again.
    again.still_open.setChecked(True)
    again.save()
    assert library.families.get("R1").closed_on is None
    assert library.families.get("R1").retention_rule == "delete 12 months after closure"
    library.undo()
    assert library.families.get("R1").closed_on == date(2024, 12, 10)


def test_invalid_rule_shows_the_sentence_and_disables_save(qtbot: QtBot, library: Library) -> None:
    library.families.add("R2")
    dialog = RetentionDialog(library, "R2")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.rule, "delete when done")
    assert dialog.preset.currentData() == WRITTEN
    with pytest.raises(BadInput) as exc:
        parse_rule("delete when done")
    assert dialog.reading.text() == str(exc.value)
    assert not dialog.save_button.isEnabled()
    dialog.rule.clear()
    qtbot.keyClicks(dialog.rule, "Delete 3 years after closure")
    assert dialog.save_button.isEnabled() and "3 years after closure" in dialog.reading.text()
    dialog.save()
    assert library.families.get("R2").retention_rule == "delete 3 years after closure"
    assert library.families.get("R2").closed_on is None


def test_birthday_rule_keeps_only_the_resulting_date(qtbot: QtBot, library: Library) -> None:
    library.families.add("R3")
    dialog = RetentionDialog(library, "R3")
    qtbot.addWidget(dialog)
    assert not dialog.born.isVisibleTo(dialog)
    dialog.preset.setCurrentIndex(dialog.preset.findData(BIRTHDAY))
    assert dialog.born.isVisibleTo(dialog)
    dialog.born.setDate(QDate(2020, 2, 29))
    assert dialog.rule.text() == "keep until 2045-02-28"
    assert "28 February 2045" in dialog.reading.text()
    dialog.save()
    assert library.families.get("R3").retention_rule == "keep until 2045-02-28"


# --- the confirmation ------------------------------------------------------------------------------
def test_confirm_is_disabled_until_the_code_is_typed(
    qtbot: QtBot, library: Library, case: tuple[Recording, Recording, Recording]
) -> None:
    dialog = ConfirmDeleteDialog(library, family=CODE)
    qtbot.addWidget(dialog)
    dialog.show()
    label = dialog.findChild(QLabel, "whatGoes")
    assert label is not None
    text = label.text()
    assert "2 recordings" in text and "2 tagged moments" in text and "1 still" in text and "1 reel" in text
    assert "consent register (1 entry)" in text
    assert dialog.cancel.isDefault() and not dialog.delete.isDefault()
    assert not dialog.delete.isEnabled()
    qtbot.keyClicks(dialog.typed, CODE[:-1])
    assert not dialog.delete.isEnabled()
    qtbot.keyClick(dialog.typed, Qt.Key.Key_Return)  # neither deletes nor cancels
    assert dialog.isVisible() and library.families.get(CODE)
    qtbot.keyClicks(dialog.typed, CODE[-1])
    assert dialog.delete.isEnabled()
    dialog.typed.setText(CODE.lower())  # case codes are case-insensitive everywhere
    assert dialog.delete.isEnabled()
    qtbot.mouseClick(dialog.cancel, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert len(library.recordings.all(CODE)) == 2


def test_recording_confirm_counts_what_was_made_from_it(
    qtbot: QtBot, library: Library, case: tuple[Recording, Recording, Recording]
) -> None:
    a, b, _ = case
    dialog = ConfirmDeleteDialog(library, recording=a.id)
    qtbot.addWidget(dialog)
    assert (
        dialog.inventory.heading
        == f"Delete the recording of 4 March 2025, bath time, from case {CODE} for good?"
    )
    assert dialog.inventory.lines[1:4] == [
        "1 tagged moment, with its captions and notes",
        "1 still made from it",
        "its moments in 1 reel (the reel itself stays)",
    ]
    assert not dialog.delete.isEnabled()
    dialog.ticked.setChecked(True)
    assert dialog.delete.isEnabled()
    other = ConfirmDeleteDialog(library, recording=b.id)
    qtbot.addWidget(other)
    assert not any("made from it" in line for line in other.inventory.lines)


# --- deleting through the panel --------------------------------------------------------------------
def test_deleting_a_family_from_the_panel_removes_its_files_and_rows(
    qtbot: QtBot, library: Library, case: tuple[Recording, Recording, Recording]
) -> None:
    a, b, keep = case
    before_files = _files(library.path)
    assert any(CODE in p.name for p in before_files)  # the still is named by the case code
    assert any(b"QJW you wait" in p.read_bytes() for p in before_files if p.suffix == ".txt")
    panel = LibraryPanel(library)
    qtbot.addWidget(panel)
    codes = [panel.families.item(r).text() for r in range(panel.families.count())]
    assert codes == ["KEEP-1", CODE]
    dialog = panel.delete_family(CODE)
    qtbot.keyClicks(dialog.typed, CODE)
    with (
        qtbot.waitSignal(panel.aboutToDelete) as before,
        qtbot.waitSignal(panel.deleted) as after,
    ):
        qtbot.mouseClick(dialog.delete, Qt.MouseButton.LeftButton)
    assert sorted(before.args[0]) == sorted(after.args[0]) == sorted([a.id, b.id])
    assert [panel.families.item(r).text() for r in range(panel.families.count())] == ["KEEP-1"]
    assert [f.code for f in library.families.all()] == ["KEEP-1"]
    assert library.recordings.all() == [keep]
    left = _files(library.path)
    assert not any(CODE in p.name for p in left), left
    assert not any(b"QJW you wait" in p.read_bytes() for p in left if p.suffix in (".txt", ".vtt", ".json"))
    assert not (library.path / "cache" / "recordings" / str(a.id)).exists()
    assert (library.path / keep.path).exists()
    assert library.audit.entries()[-1].action == "delete" and library.audit.entries()[-1].family_code == CODE
    assert library.integrity.check() == []


def test_deleting_a_recording_runs_in_the_background(
    qtbot: QtBot, library: Library, case: tuple[Recording, Recording, Recording]
) -> None:
    a, b, _ = case
    runner = TaskRunner()
    try:
        panel = LibraryPanel(library, tasks=runner)
        qtbot.addWidget(panel)
        panel.select_recording(a.id)
        assert panel.recordings.count() == 2
        dialog = panel.delete_recording(a.id)
        dialog.ticked.setChecked(True)
        with qtbot.waitSignal(panel.deleted, timeout=10_000) as done:
            qtbot.mouseClick(dialog.delete, Qt.MouseButton.LeftButton)
            assert dialog.busy and not dialog.cancel.isEnabled()
            dialog.reject()  # Esc while deleting: it finishes first
            assert dialog.busy
        assert done.args == [[a.id]]
        assert [r.id for r in library.recordings.all(CODE)] == [b.id]
        assert panel.recordings.count() == 1
        assert not (library.path / a.path).exists() and (library.path / b.path).exists()
    finally:
        runner.wait(10_000)
        runner.shutdown()


def test_a_referenced_original_is_left_and_named(qtbot: QtBot, library: Library, media: MediaSet) -> None:
    library.families.add("REF-1")
    rec = library.recordings.import_file(media["no_audio"], "REF-1", reference=True)
    panel = LibraryPanel(library)
    qtbot.addWidget(panel)
    dialog = panel.delete_family("REF-1")
    assert any("was referenced, not copied" in s for s in dialog.inventory.stays_outside)
    dialog.typed.setText("REF-1")
    dialog.delete.click()
    boxes = panel.findChildren(QMessageBox)
    assert len(boxes) == 1 and str(media["no_audio"].resolve()) in boxes[0].text()
    assert Path(rec.path).exists() and library.families.all() == []
    boxes[0].close()


def test_a_failed_deletion_says_one_sentence(
    qtbot: QtBot, library: Library, case: tuple[Recording, Recording, Recording]
) -> None:
    a, _, _ = case
    dialog = ConfirmDeleteDialog(library, recording=a.id)
    qtbot.addWidget(dialog)
    library.cases.delete_recording(a.id)  # gone meanwhile (another window, the command line)
    dialog.ticked.setChecked(True)
    dialog.start()
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert dialog.error is not None and "Traceback" not in dialog.error
    box = report_outcome(dialog, dialog)
    assert box is not None and box.text() == dialog.error
    assert box.text().count(".") <= 2 and "\n" not in box.text()
    box.close()


def test_panel_context_menus_offer_retention_and_deletion(
    qtbot: QtBot, library: Library, case: tuple[Recording, Recording, Recording]
) -> None:
    a, _, _ = case
    panel = LibraryPanel(library)
    qtbot.addWidget(panel)
    menu = panel.family_menu(CODE)
    assert [x.text() for x in menu.actions()] == [
        "Audit record…",
        "Closure and retention…",
        "Cases due for deletion…",
        "",
        "Delete family for good…",
    ]
    menu.actions()[1].trigger()  # opens the dialog without blocking
    dialog = panel.findChild(RetentionDialog)
    assert dialog is not None and dialog.isVisible() and dialog.family.code == CODE
    dialog.rule.clear()
    qtbot.keyClicks(dialog.rule, "keep until 2025-06-01")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert panel.due_notice.isVisibleTo(panel) and panel.due_notice.text() == "1 case due for deletion…"
    assert "keep until 2025-06-01" in panel.families.item(1).toolTip()
    rec_menu = panel.recording_menu(a.id)
    assert [x.text() for x in rec_menu.actions()] == [
        "Details…",
        "Add as an angle of…",
        "",
        "Delete recording for good…",
    ]
    rec_menu.actions()[3].trigger()
    assert panel.confirming is not None and panel.confirming.inventory.recording_ids == [a.id]
    panel.confirming.reject()
    assert panel.confirming is None and len(library.recordings.all(CODE)) == 2
    qtbot.mouseClick(panel.due_notice, Qt.MouseButton.LeftButton)
    assert panel.due_view is not None and panel.due_view.due_codes() == [CODE]


# --- the due view ----------------------------------------------------------------------------------
def test_due_view_lists_exactly_the_due_cases_and_deletes_them(
    qtbot: QtBot, library: Library, case: tuple[Recording, Recording, Recording]
) -> None:
    for code in ("A1", "B2", "C3", "D4"):
        library.families.add(code)
    library.cases.set_retention("A1", closed_on=date(2024, 1, 10), rule="delete 12 months after closure")
    library.cases.set_retention("B2", rule="delete 12 months after closure")  # open: never due
    library.cases.set_retention(CODE, rule="keep until 2025-06-01")
    library.cases.set_retention("C3", closed_on=date(2025, 9, 1), rule="delete 12 months after closure")
    view = DueForDeletionView(library, today=date(2026, 1, 1))
    qtbot.addWidget(view)
    view.show()
    assert view.due_codes() == ["A1", CODE]  # earliest due first
    assert [present(view.due.item(0, c)).text() for c in range(5)] == [
        "A1",
        "10 January 2024",
        "Delete 12 months after closure",
        "10 January 2025",
        "11 months",
    ]
    assert view.coming_codes() == ["C3"] and present(view.coming.item(0, 4)).text() == "8 months"
    assert not view.empty.isVisible()
    assert view.no_rule.text().startswith("2 cases have no retention rule yet")  # D4 and KEEP-1

    deleted: list[list[int]] = []
    view.deleted.connect(deleted.append)
    present(present(view.due.cellWidget(1, 5)).findChild(QPushButton)).click()
    assert view.confirm is not None and view.confirm.code == CODE
    view.confirm.typed.setText(CODE)
    view.confirm.delete.click()
    assert len(deleted) == 1 and len(deleted[0]) == 2
    assert view.due_codes() == ["A1"]
    library.cases.delete_family("A1")
    view.refresh()
    assert view.due_codes() == [] and view.empty.isVisible() and not view.due.isVisible()
    assert view.empty.text() == "No case is due for deletion."
