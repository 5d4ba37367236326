"""The same ELAN or BORIS file imported into the same recording twice would duplicate every moment:
refused in one sentence (``--again`` insists; the app asks), and taken back with the import's undo.
A retention rule, once set, can be removed again, undoably."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from test_boris import EVENTS, MAPPING, _project, _write

from vfeedback.cli.main import run
from vfeedback.core.errors import BadInput
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.mapping_dialog import MappingDialog
from vfeedback.ui.retention_dialog import NO_RULE, RetentionDialog


@pytest.fixture
def coded(tmp_path: Path, media: MediaSet) -> tuple[Path, int, Path]:
    """A library whose recording's three moments were exported to ELAN, then deleted."""
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("I1")
        lib.consent.give("I1", "feedback", "Dr A")
        rec = lib.recordings.import_file(media["cfr25"], "I1")
        for start in (1_000_000, 2_000_000, 3_000_000):
            lib.moments.add(rec.id, start, start + 400_000, code="Waiting", caption=f"at {start}")
        eaf = lib.interchange.export_eaf(rec.id, tmp_path / "coded.eaf").path
        lib.moments.delete_many([m.id for m in lib.moments.all(rec.id)])
    return root, rec.id, eaf


def _cli(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = run(["--library", str(root), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _count(root: Path, rec: int) -> int:
    with Library.open(root) as lib:
        return len(lib.moments.all(rec))


def test_the_same_elan_file_twice_is_refused_unless_asked(
    coded: tuple[Path, int, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, rec, eaf = coded
    today = datetime.now(UTC).date().isoformat()
    imp = ["import", "eaf", str(eaf), "--recording", str(rec)]
    assert _cli(capsys, root, *imp)[0] == 0 and _count(root, rec) == 3
    status, out, err = _cli(capsys, root, *imp)
    assert status == 3 and out == ""
    assert err == (
        f"vfeedback: coded.eaf was already imported into recording {rec} on {today}; importing it again "
        "would add its moments a second time (use --again to import it anyway).\n"
    )
    assert _count(root, rec) == 3
    assert _cli(capsys, root, *imp, "--again")[0] == 0 and _count(root, rec) == 6
    # Undo takes back the second import, then the first with its record: it can be imported again.
    assert _cli(capsys, root, "undo")[0] == 0 and _count(root, rec) == 3
    assert _cli(capsys, root, *imp)[0] == 3
    assert _cli(capsys, root, "undo")[0] == 0 and _count(root, rec) == 0
    assert _cli(capsys, root, *imp)[0] == 0 and _count(root, rec) == 3
    # Redo after undo brings the record back with the moments.
    assert _cli(capsys, root, "undo")[0] == 0 and _cli(capsys, root, "redo")[0] == 0
    assert _cli(capsys, root, *imp)[0] == 3
    status, _, err = _cli(capsys, root, "import", str(eaf), "--family", "I1", "--again")
    assert status == 2 and "--again" in err


def test_the_same_boris_observation_twice_is_refused(tmp_path: Path, media: MediaSet) -> None:
    from vfeedback.core.errors import Conflict

    with Library.open(tmp_path / "lib") as lib:
        lib.families.add("B1")
        rec = lib.recordings.import_file(media["cfr25"], "B1")
        project = _project("/films/cfr25.mp4", EVENTS)
        other = _project("/films/other.mp4", EVENTS[1:2])
        project["observations"]["visit 2"] = other["observations"]["visit 1"]
        path = _write(tmp_path, project)
        first = lib.interchange.import_boris(path, rec.id, MAPPING)
        with pytest.raises(Conflict, match=r"visits\.boris was already imported into recording"):
            lib.interchange.import_boris(path, rec.id, MAPPING)
        assert (
            len(lib.interchange.import_boris(path, rec.id, MAPPING, observation="visit 2")) == 1
        )  # another one
        assert len(lib.moments.all(rec.id)) == len(first) + 1
        assert len(lib.interchange.import_boris(path, rec.id, MAPPING, again=True)) == len(first)
        assert lib.interchange.previous_import(path, rec.id, boris=True) is not None


@pytest.fixture
def window(
    qtbot: QtBot, tmp_path: Path, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[MainWindow, Library, int, Path]]:
    monkeypatch.delenv("VFEEDBACK_CODER", raising=False)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    lib = Library.open(tmp_path / "applib")
    lib.families.add("G1")
    lib.consent.give("G1", "feedback", "Dr A")
    rec = lib.recordings.import_file(media["cfr25"], "G1")
    lib.moments.add(rec.id, 1_000_000, 1_400_000, code="Waiting", caption="Hello")
    eaf = lib.interchange.export_eaf(rec.id, tmp_path / "app.eaf").path
    win = MainWindow(lib, player=ClockPlayer())
    qtbot.addWidget(win)
    win.show()
    win.open_recording(rec.id)
    qtbot.waitUntil(lambda: win.coding.index is not None, timeout=20_000)
    monkeypatch.setattr(MappingDialog, "exec", lambda _dialog: 1)
    yield win, lib, rec.id, eaf
    win.close()
    lib.close()


def test_the_app_asks_before_importing_a_file_again(
    window: tuple[MainWindow, Library, int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    win, lib, rec, eaf = window
    asked: list[str] = []

    def answer(yes: bool) -> Callable[[Path, datetime], bool]:
        def ask(path: Path, when: datetime) -> bool:
            asked.append(path.name)
            return yes

        return ask

    monkeypatch.setattr(win.exchange, "_ask_again", answer(False))
    win.exchange.import_eaf(eaf)
    assert asked == [] and len(lib.moments.all(rec)) == 2  # first import: no question
    win.exchange.import_eaf(eaf)
    assert asked == ["app.eaf"] and len(lib.moments.all(rec)) == 2  # declined: nothing added
    monkeypatch.setattr(win.exchange, "_ask_again", answer(True))
    win.exchange.import_eaf(eaf)
    assert asked == ["app.eaf", "app.eaf"] and len(lib.moments.all(rec)) == 3


# --- retention ---------------------------------------------------------------------------------
def test_a_retention_rule_can_be_removed_and_the_removal_undone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lib"
    assert _cli(capsys, root, "family", "add", "R1")[0] == 0
    rule = ["retention", "R1", "--closed", "2020-01-01", "--rule", "delete 1 year after closure"]
    assert _cli(capsys, root, *rule)[0] == 0
    status, out, _ = _cli(capsys, root, "retention", "R1", "--no-rule")
    assert status == 0 and out == "Family R1: 2020-01-01, rule 'none'.\n"
    assert _cli(capsys, root, "due", "--json")[1].strip() == "[]"
    status, out, _ = _cli(capsys, root, "undo")
    assert status == 0 and out == "Undone: Set retention for family R1.\n"
    assert '"R1"' in _cli(capsys, root, "due", "--json")[1]
    status, _, err = _cli(capsys, root, "retention", "R1", "--rule", "keep until 2030-01-01", "--no-rule")
    assert status == 2 and err == (
        "vfeedback: argument --no-rule: not allowed with argument --rule (see `vfeedback retention --help`)\n"
    )
    with Library.open(root) as lib, pytest.raises(BadInput, match="either set or removed"):
        lib.cases.set_retention("R1", rule="keep until 2030-01-01", remove_rule=True)


def test_the_retention_dialog_removes_a_rule(qtbot: QtBot, library: Library) -> None:
    library.families.add("R2")
    library.cases.set_retention("R2", rule="delete 12 months after closure")
    dialog = RetentionDialog(library, "R2", today=date(2026, 1, 1))
    qtbot.addWidget(dialog)
    assert dialog.preset.currentData() == "delete 12 months after closure"
    dialog.preset.setCurrentIndex(dialog.preset.findData(NO_RULE))
    assert dialog.preset.currentText() == "No rule (remove it)"
    assert dialog.rule.text() == "" and dialog.save_button.isEnabled()
    assert dialog.reading.text().startswith("The rule will be removed")
    dialog.save()
    assert library.families.get("R2").retention_rule is None
    assert library.undo_label() == "Set retention for family R2"
    library.undo()
    assert library.families.get("R2").retention_rule == "delete 12 months after closure"
