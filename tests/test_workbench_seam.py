"""The workbench's helpers through their seam, without the main window: each takes a ``Workbench``
(the library, the coding state, the playhead, the task runner, a parent widget, and a few window
actions), so a plain object standing in for the window drives them. The library, the exports and the
task runner are real; only the window is replaced."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from expect import present
from mediagen import MediaSet
from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QMenu, QWidget
from pytestqt.qtbot import QtBot

import vfeedback.ui.workbench as workbench_package
from vfeedback.core.coding import CodingState
from vfeedback.core.model import Recording
from vfeedback.export.options import ClipOptions
from vfeedback.services import Library
from vfeedback.ui.export_dialog import ExportDialog
from vfeedback.ui.library_panel import LibraryPanel
from vfeedback.ui.tasks import TaskRunner
from vfeedback.ui.workbench import naming
from vfeedback.ui.workbench.cases import CaseActions
from vfeedback.ui.workbench.closing import NOTE_KEY, ExportsOnClose
from vfeedback.ui.workbench.exchange import ExchangeActions
from vfeedback.ui.workbench.highlights import HighlightActions, choose_reel
from vfeedback.ui.workbench.protocol import Workbench
from vfeedback.ui.workbench.supervision import SupervisionActions


class Playhead:
    def __init__(self) -> None:
        self.us = 0
        self.paused = 0

    def time_us(self) -> int:
        return self.us

    def pause(self) -> None:
        self.paused += 1

    def seek_us(self, us: int) -> None:
        self.us = us


class FakeWindow:
    """Stands in for the main window: everything a helper may ask of it, and a note of what it did."""

    def __init__(self, library: Library, qtbot: QtBot) -> None:
        self.library = library
        self.window = QWidget()
        qtbot.addWidget(self.window)
        self.tasks = TaskRunner(self.window)
        self.tasks.error.connect(self.show_error)
        self.playhead = Playhead()
        self.coding = CodingState(library.moments, self.playhead)
        library.subscribe(lambda changes: self.coding.reload() if "moments" in changes.tables else None)
        self.family: str | None = None
        self.errors: list[str] = []
        self.statuses: list[str] = []
        self.closed = 0
        self.actions: dict[str, QAction] = {}

    def widget(self) -> QWidget:
        return self.window

    def current_family(self) -> str | None:
        return self.family

    def picture(self) -> QImage | None:
        return None

    def add_action(self, text: str, shortcut: object, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(lambda _checked=False: slot())
        self.actions[text] = action
        return action

    def show_error(self, message: str, details: str = "") -> None:
        self.errors.append(message)

    def show_status(self, text: str, timeout_ms: int = 8000) -> None:
        self.statuses.append(text)

    def close_recording(self) -> None:
        self.closed += 1
        self.coding.close()

    def go_to_moment(self, moment_id: int) -> None:
        raise AssertionError("not asked for here")


def _as_workbench(fake: FakeWindow) -> Workbench:
    return fake  # what mypy checks for the main window; here the fake must satisfy the same protocol


@pytest.fixture
def bench(qtbot: QtBot, library: Library) -> Iterator[FakeWindow]:
    fake = FakeWindow(library, qtbot)
    yield fake
    fake.tasks.cancel_all()
    fake.tasks.wait(30_000)
    fake.tasks.shutdown()


@pytest.fixture
def rec(library: Library, media: MediaSet) -> Recording:
    library.families.add("F1")
    return library.recordings.import_file(media["cfr25"], "F1")


def test_no_workbench_module_imports_the_main_window() -> None:
    """The helpers know the window only through the protocol: no import circle."""
    folder = Path(workbench_package.__file__).parent
    importers = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n.startswith("vfeedback.ui.main_window") for n in names):
                importers.append(path.name)
    assert len(list(folder.glob("*.py"))) >= 9 and importers == []


def test_cases_let_go_only_of_the_recording_being_deleted(
    bench: FakeWindow, rec: Recording, library: Library
) -> None:
    cases = CaseActions(_as_workbench(bench), LibraryPanel(library))
    bench.coding.open(rec)
    cases.release_for_deletion([rec.id + 1])
    assert bench.closed == 0 and bench.coding.recording == rec
    cases.release_for_deletion([rec.id + 1, rec.id])
    assert bench.closed == 1 and bench.coding.recording is None


def test_cases_need_a_family_or_an_open_recording(
    bench: FakeWindow, rec: Recording, library: Library
) -> None:
    cases = CaseActions(_as_workbench(bench), LibraryPanel(library))
    cases.build(QMenu())
    bench.actions["Delete this recording for good…"].trigger()
    bench.actions["&Audit record of this family…"].trigger()
    assert bench.errors == ["Open the recording to delete first.", "Choose a family on the left first."]
    assert library.recordings.all() == [rec]


def test_a_still_needs_one_moment_and_is_saved_from_the_playhead(
    qtbot: QtBot, bench: FakeWindow, rec: Recording, library: Library
) -> None:
    highlights = HighlightActions(_as_workbench(bench))
    bench.coding.open(rec)
    highlights.export_still()
    assert bench.errors == ["Select one moment; the still is the frame on screen now."]
    assert bench.tasks.tasks() == [] and library.exports.all("F1") == []
    moment = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting")
    bench.coding.select([moment.id])
    index = library.media.frame_index(rec.id)
    bench.playhead.us = index.time_of(30)  # the frame on screen
    highlights.export_still()  # no consent for feedback yet: refused in the background, nothing made
    qtbot.waitUntil(lambda: len(bench.errors) == 2, timeout=60_000)
    assert bench.errors[1] == (
        "Family F1 has not given consent for feedback with the family; record it first "
        "(vfeedback consent F1 --give feedback --by NAME)."
    )
    assert library.exports.all("F1") == [] and bench.statuses == []
    library.consent.give("F1", "feedback", "Dr A")
    highlights.export_still()
    qtbot.waitUntil(lambda: bool(bench.statuses) or len(bench.errors) > 2, timeout=60_000)
    assert len(bench.errors) == 2
    [still] = library.exports.all("F1")
    assert bench.statuses == [f"Saved {Path(still.path).name} in the library."]
    assert still.kind == "still" and still.moment_ids == (moment.id,)
    import cv2
    from mediagen import read_frame_number

    picture = cv2.imread(str(library.exports.path(still)))
    assert picture is not None
    assert read_frame_number(picture) == 30  # the frame on screen


def test_clips_need_a_selection_and_reels_a_reel(bench: FakeWindow, rec: Recording, library: Library) -> None:
    highlights = HighlightActions(_as_workbench(bench))
    bench.coding.open(rec)
    highlights.export_clips()
    bench.family = "F1"
    assert choose_reel(_as_workbench(bench), "Review with the family") is None
    assert bench.errors == [
        "Select the moments to export first (click them on the timeline or in the list).",
        "Make a reel for this family first (Moment › Highlights › Make the reel).",
    ]
    assert bench.tasks.tasks() == [] and bench.playhead.paused == 0


def test_the_reel_picker_offers_the_newest_reel_first(
    qtbot: QtBot, bench: FakeWindow, rec: Recording, library: Library
) -> None:
    """Made a moment ago, the reel to review is the newest: Enter alone must take it."""
    moment = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait")
    library.reels.create("Last month", [moment.id], "1 May")
    newest = library.reels.create("Today", [moment.id], "2 June")
    bench.family = "F1"
    offered: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        offered.append(dialog.textValue())
        QTest.keyClick(dialog, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    chosen = choose_reel(_as_workbench(bench), "Review with the family")
    assert offered == [f"Today — 2 June (1 moment) · reel {newest.id}"]
    assert chosen is not None and chosen.id == newest.id


@pytest.fixture
def own_settings(tmp_path: Path) -> Iterator[Path]:
    """QSettings written to a folder of the test's own, and put back after it."""
    formats = (QSettings.Format.NativeFormat, QSettings.Format.IniFormat)
    home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    for f in formats:
        QSettings.setPath(f, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield tmp_path / "settings"
    for f in formats:
        QSettings.setPath(f, QSettings.Scope.UserScope, home)


def _in_dialog(act: Callable[[ExportDialog], None]) -> list[ExportDialog]:
    """Run ``act`` on the export dialog once it is open (modal, so from the event loop)."""
    seen: list[ExportDialog] = []

    def find() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ExportDialog):
            QTimer.singleShot(20, find)
            return
        seen.append(dialog)
        act(dialog)

    QTimer.singleShot(0, find)
    return seen


def test_the_export_dialog_says_what_it_makes_names_each_clip_and_remembers_per_purpose(
    qtbot: QtBot, bench: FakeWindow, rec: Recording, library: Library, own_settings: Path
) -> None:
    bench.family = "F1"
    library.consent.give("F1", "feedback", "Dr A")
    # Selected out of timeline order: the clips are numbered along the film.
    late = library.moments.add(rec.id, 6_000_000, 6_500_000, code="Waiting", caption="She smiles back")
    first = library.moments.add(rec.id, 1_000_000, 1_500_000, code="Waiting", caption="You wait for her")
    mid = library.moments.add(rec.id, 3_000_000, 3_500_000, code="Waiting", caption="")
    highlights = HighlightActions(_as_workbench(bench))
    bench.coding.open(rec)
    bench.coding.select([late.id, first.id, mid.id])

    def make_unpadded_without_captions(dialog: ExportDialog) -> None:
        assert (
            present(dialog.findChild(QLabel, "intro"))
            .text()
            .startswith("Make 3 clips of the selected moments")
        )
        assert dialog.make.text() == "Make 3 clips"
        dialog.captions.setFocus()
        QTest.keyClick(dialog.captions, Qt.Key.Key_End)  # "No caption", the last choice
        dialog.padding.setFocus()
        QTest.keyClick(dialog.padding, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(dialog.padding, "0.5")
        QTest.mouseClick(dialog.make, Qt.MouseButton.LeftButton)

    _in_dialog(make_unpadded_without_captions)
    highlights.export_clips()
    assert [t.label for t in bench.tasks.tasks()] == [
        "Clip 1 of 3: 'You wait for her'",
        "Clip 2 of 3 (no caption)",
        "Clip 3 of 3: 'She smiles back'",
    ]
    assert bench.tasks.wait(60_000)
    qtbot.waitUntil(lambda: len(library.exports.all("F1")) == 3, timeout=10_000)
    assert {h.settings_key for h in library.exports.all("F1")} == {
        ClipOptions(padding_us=500_000, captions="none").key()
    }

    seen: dict[str, tuple[str, float]] = {}

    def look_then_cancel(dialog: ExportDialog) -> None:
        seen["feedback"] = (dialog.captions.currentText(), dialog.padding.value())
        dialog.purpose.setCurrentIndex(dialog.purpose.findData("training"))  # never used: defaults
        seen["training"] = (dialog.captions.currentText(), dialog.padding.value())
        dialog.purpose.setCurrentIndex(dialog.purpose.findData("feedback"))
        seen["feedback again"] = (dialog.captions.currentText(), dialog.padding.value())
        QTest.keyClick(dialog, Qt.Key.Key_Escape)

    _in_dialog(look_then_cancel)
    highlights.export_clips()
    assert seen == {
        "feedback": ("No caption", 0.5),
        "training": ("On the picture", 1.0),
        "feedback again": ("No caption", 0.5),
    }
    assert len(library.exports.all("F1")) == 3 and bench.tasks.tasks() == []  # cancelled: nothing made


def test_moments_in_and_out_need_an_open_recording(
    bench: FakeWindow, rec: Recording, library: Library, tmp_path: Path
) -> None:
    exchange = ExchangeActions(_as_workbench(bench))
    exchange.export_table()
    exchange.import_eaf(tmp_path / "never-read.eaf")
    assert bench.errors == ["Open a recording first: moments belong to one recording."] * 2


def test_a_spreadsheet_is_written_for_the_open_recording(
    bench: FakeWindow, rec: Recording, library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vfeedback.ui.data_export_dialog import DataExportDialog

    library.consent.give("F1", "research", "Dr A")
    library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="She looks.", note="PRIVATE")
    bench.coding.open(rec)
    exchange = ExchangeActions(_as_workbench(bench))
    out = tmp_path / "moments.csv"
    suggested: list[str] = []

    def save_path(_title: str, name: str, _filter: str) -> Path:
        suggested.append(name)
        return out

    monkeypatch.setattr(exchange, "_save_path", save_path)
    monkeypatch.setattr(
        exchange,
        "_ask",
        lambda what, notes, default="research": DataExportDialog(what, offers_notes=notes, default=default),
    )
    exchange.export_table()
    assert bench.errors == [] and bench.statuses == ["Wrote 1 moment to moments.csv."]
    assert suggested == [f"F1-recording-{rec.id}.csv"]
    text = out.read_text(encoding="utf-8")
    assert "She looks." in text and "PRIVATE" not in text


def test_the_exports_stopped_last_time_are_named_once_to_whoever_ran_them(
    bench: FakeWindow, library: Library
) -> None:
    library.user = "ana"
    library.ctx.put_setting(
        NOTE_KEY,
        json.dumps(
            [
                {"user": "ana", "at": "2026-01-01T10:00:00", "exports": ["the clip of moment 3"]},
                {"user": "ben", "at": "2026-01-01T11:00:00", "exports": ["the still of moment 4"]},
            ]
        ),
    )
    closing = ExportsOnClose(_as_workbench(bench))
    assert closing.may_close()  # nothing running: close at once
    closing.tell_stopped()
    closing.tell_stopped()
    assert bench.errors == [
        "An export was stopped when vfeedback last closed: the clip of moment 3. Nothing half-made was "
        "kept; export again what you need."
    ]
    left = json.loads(library.ctx.setting(NOTE_KEY) or "[]")
    assert [n["user"] for n in left] == ["ben"]


def test_your_name_is_kept_and_said(bench: FakeWindow, library: Library) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    from vfeedback.system import identity

    dialog = naming.ask_name(_as_workbench(bench))
    field = dialog.findChild(QLineEdit)
    assert field is not None
    field.selectAll()
    QTest.keyClicks(field, "  Dr Ana  ")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert library.user == "Dr Ana" and bench.statuses == ["Working as Dr Ana."]
    assert identity.saved_name() == "Dr Ana"


def test_comparing_coders_needs_a_recording_and_two_coders(
    bench: FakeWindow, rec: Recording, library: Library
) -> None:
    supervision = SupervisionActions(_as_workbench(bench))
    supervision.open_compare()
    bench.coding.open(rec)
    library.moments.add(rec.id, 1_000_000, code="Waiting", coder="Ana")
    supervision.open_compare()
    assert bench.errors == [
        "Open a recording first: coders are compared on one recording.",
        "Only one person has tagged this recording so far; a comparison needs two coders.",
    ]
    assert supervision.compare is None
