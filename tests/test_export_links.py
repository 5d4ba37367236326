"""Nothing identifying leaves in a file's links: an ELAN or OTIO export of a recording imported from
".../Smith baby/visit one.mp4" never carries that folder or name, unless the clinician asks (and the
audit says so); the links still find the film, and an ELAN file read back gives the same frames.
Through the real command line, a real library and real media."""

from __future__ import annotations

import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import opentimelineio as otio
import pytest
from mediagen import MediaSet
from pytestqt.qtbot import QtBot

from vfeedback.cli.main import run
from vfeedback.services import Library

S = 1_000_000
IDENTIFYING = (b"Smith", b"visit one", b"visit%20one")


@dataclass
class Case:
    root: Path
    capsys: pytest.CaptureFixture[str]
    film: Path
    out: Path

    def __call__(self, *args: str) -> tuple[int, str, str]:
        status = run(["--library", str(self.root), *args])
        got, err = self.capsys.readouterr()
        return status, got, err

    def json(self, *args: str) -> Any:
        status, got, err = self(*args, "--json")
        assert status == 0, err
        return json.loads(got)

    def audit(self) -> list[str]:
        return [e["detail"] for e in self.json("audit", "--family", "F01")]


@pytest.fixture
def case(tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]) -> Iterator[Case]:
    """The clinician's own folder names the family; the export goes to a neutral folder."""
    own = tmp_path / "clinic" / "Smith baby"
    own.mkdir(parents=True)
    film = own / "visit one.mp4"
    shutil.copyfile(media["cfr25"], film)
    out = tmp_path / "for research"
    out.mkdir()
    c = Case(tmp_path / "library", capsys, film, out)
    assert c("family", "add", "F01")[0] == 0
    assert c("consent", "F01", "--give", "feedback", "--by", "Dr A")[0] == 0
    yield c


def _descriptor(eaf: Path) -> dict[str, str]:
    header = ET.parse(eaf).getroot().find("HEADER")
    assert header is not None
    found = header.find("MEDIA_DESCRIPTOR")
    assert found is not None
    return dict(found.attrib)


def _path_of(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _moments(case: Case, rec: int) -> list[tuple[int, int, str]]:
    return [(m["start_us"], m["end_us"], m["code"]) for m in case.json("moments", "list", str(rec))]


def test_a_referenced_film_is_linked_by_a_neutral_name_beside_the_elan_file(case: Case) -> None:
    rec = case.json("import", str(case.film), "--family", "F01", "--reference", "--recorded", "2026-03-14")
    rid = rec["id"]
    assert rec["stored"] is False and "Smith baby" in rec["path"]  # the library itself knows where
    case.json("moments", "add", str(rid), "--start", "1", "--end", "3", "--code", "Waiting")
    case.json("moments", "add", str(rid), "--start", "f130", "--code", "Turned towards")
    before = _moments(case, rid)
    eaf = case.out / "coded.eaf"

    status, said, _ = case("export", "eaf", str(rid), "--out", str(eaf))
    neutral = f"F01_20260314_rec{rid}.mp4"
    assert status == 0
    assert said.splitlines()[1] == (
        f"It links the film as {neutral}: put a copy of the film beside it under that name to open both "
        "in ELAN."
    )
    data = eaf.read_bytes()
    assert not any(word in data for word in IDENTIFYING), data[:400]
    descriptor = _descriptor(eaf)
    assert descriptor["RELATIVE_MEDIA_URL"] == f"./{neutral}"
    assert _path_of(descriptor["MEDIA_URL"]) == case.out / neutral
    assert case.audit()[-1] == "ELAN file coded.eaf"

    # The clinician places a copy of the film beside the file under that name: the links find it.
    shutil.copyfile(case.film, case.out / neutral)
    linked = (eaf.parent / unquote(descriptor["RELATIVE_MEDIA_URL"])).resolve()
    assert _sha(linked) == _sha(case.film)
    # And read back into the recording, the same frames.
    for m in case.json("moments", "list", str(rid)):
        assert case("moments", "delete", str(m["id"]))[0] == 0
    case.json("import", "eaf", str(eaf), "--recording", str(rid))
    assert _moments(case, rid) == before

    info = case.json("export", "eaf", str(rid), "--out", str(case.out / "again.eaf"))
    assert info["place_beside"] == neutral


def test_link_original_is_the_clinicians_choice_and_the_audit_says_so(case: Case) -> None:
    rid = case.json("import", str(case.film), "--family", "F01", "--reference")["id"]
    case.json("moments", "add", str(rid), "--start", "1", "--code", "Waiting")
    eaf = case.out / "mine.eaf"
    info = case.json("export", "eaf", str(rid), "--out", str(eaf), "--link-original")
    assert info["place_beside"] is None
    descriptor = _descriptor(eaf)
    assert _path_of(descriptor["MEDIA_URL"]) == case.film.resolve()
    assert (eaf.parent / unquote(descriptor["RELATIVE_MEDIA_URL"])).resolve() == case.film.resolve()
    assert case.audit()[-1] == "ELAN file mine.eaf, linking the film by its own path as asked"


def test_a_film_kept_in_the_library_is_linked_by_its_anonymous_library_name(case: Case) -> None:
    rec = case.json("import", str(case.film), "--family", "F01")
    rid, stored = rec["id"], Path(rec["path"])
    assert stored.parent.name == "recordings" and "visit" not in stored.name
    case.json("moments", "add", str(rid), "--start", "2", "--end", "4", "--code", "Waiting")
    eaf = case.out / "kept.eaf"
    info = case.json("export", "eaf", str(rid), "--out", str(eaf))
    assert info["place_beside"] is None
    assert not any(word in eaf.read_bytes() for word in IDENTIFYING)
    descriptor = _descriptor(eaf)
    assert _path_of(descriptor["MEDIA_URL"]) == stored.resolve()
    relative = unquote(descriptor["RELATIVE_MEDIA_URL"])
    assert relative.startswith("../") and (eaf.parent / relative).resolve() == stored.resolve()


def test_an_otio_timeline_links_neutral_names_too(case: Case, media: MediaSet) -> None:
    referenced = case.json(
        "import", str(case.film), "--family", "F01", "--reference", "--recorded", "2026-03-14"
    )
    kept = case.json("import", str(media["no_audio"]), "--family", "F01")
    one = case.json("moments", "add", str(referenced["id"]), "--start", "1", "--code", "Waiting")
    two = case.json("moments", "add", str(kept["id"]), "--start", "0.5", "--code", "Waiting")
    with Library.open(case.root) as lib:
        reel = lib.reels.create("Together", [one["id"], two["id"]])
    timeline_file = case.out / "reel.otio"
    info = case.json("export", "otio", str(reel.id), "--out", str(timeline_file))
    neutral = f"F01_20260314_rec{referenced['id']}.mp4"
    assert info["place_beside"] == [neutral]
    assert not any(word in timeline_file.read_bytes() for word in IDENTIFYING)
    video = otio.adapters.read_from_file(str(timeline_file)).tracks[0]
    targets = [Path(otio.url_utils.filepath_from_url(c.media_reference.target_url)) for c in video]
    assert targets == [case.out / neutral, Path(kept["path"])]
    assert case.audit()[-1] == f"OTIO timeline of reel {reel.id} (2 moments) to reel.otio"

    case.json("export", "otio", str(reel.id), "--out", str(case.out / "own.otio"), "--link-original")
    video = otio.adapters.read_from_file(str(case.out / "own.otio")).tracks[0]
    assert Path(otio.url_utils.filepath_from_url(video[0].media_reference.target_url)) == case.film
    assert case.audit()[-1].endswith(", linking the films by their own paths as asked")


def test_the_export_dialog_offers_the_choice_only_where_a_film_is_linked(qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt

    from vfeedback.ui.data_export_dialog import DataExportDialog
    from vfeedback.ui.workbench.exchange import LINKS_FILM

    assert set(LINKS_FILM) == {"ELAN file", "timeline for a video editor"}
    elan = DataExportDialog("ELAN file", offers_notes=True, offers_link=True)
    qtbot.addWidget(elan)
    elan.show()
    assert elan.link.isVisible() and not elan.link.isChecked() and not elan.link_original()
    qtbot.mouseClick(elan.link, Qt.MouseButton.LeftButton)
    assert elan.link_original()
    sheet = DataExportDialog("spreadsheet", offers_notes=True)
    qtbot.addWidget(sheet)
    sheet.show()
    assert not sheet.link.isVisible() and not sheet.link_original()


def test_ticking_the_box_in_the_app_links_the_original(
    qtbot: QtBot, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from vfeedback.media.clock_player import ClockPlayer
    from vfeedback.ui.data_export_dialog import DataExportDialog
    from vfeedback.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(case.root.parent / "qt"))
    rid = case.json("import", str(case.film), "--family", "F01", "--reference")["id"]
    case.json("moments", "add", str(rid), "--start", "1", "--code", "Waiting")
    eaf = case.out / "from the app.eaf"
    with Library.open(case.root) as lib:
        window = MainWindow(lib, player=ClockPlayer())
        qtbot.addWidget(window)
        window.show()
        window.open_recording(rid)
        qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
        monkeypatch.setattr(window.exchange, "_save_path", lambda *_a: eaf)  # the file chooser

        def answer() -> None:
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, DataExportDialog) and dialog.link.isVisible()
            dialog.purpose.setCurrentIndex(dialog.purpose.findData("feedback"))
            qtbot.mouseClick(dialog.link, Qt.MouseButton.LeftButton)
            buttons = dialog.findChild(QDialogButtonBox)
            assert buttons is not None
            ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
            qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

        QTimer.singleShot(0, answer)
        window.exchange.export_eaf()  # File › Export moments › To ELAN
        window.close()
    assert _path_of(_descriptor(eaf)["MEDIA_URL"]) == case.film.resolve()
    assert case.audit()[-1] == "ELAN file from the app.eaf, linking the film by its own path as asked"
