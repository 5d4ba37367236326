"""Withdrawal tells the whole truth: every file exported for the purpose, from the audit record, with
where it went, when, what it was and whether private notes went with it; also copies outside the
library and exports since deleted from it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from mediagen import MediaSet
from pytestqt.qtbot import QtBot

from vfeedback.cli.main import run
from vfeedback.services import Library

NOTE = "PRIVATE: mother low, talk to GP"


def test_withdrawing_lists_every_file_exported_for_that_purpose(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lib"
    out = tmp_path / "sent out"
    out.mkdir()
    with Library.open(root) as lib:
        lib.families.add("W1")
        lib.consent.give("W1", "feedback", "Dr A")
        lib.consent.give("W1", "research", "Dr A")
        rec = lib.recordings.import_file(media["cfr25"], "W1")
        m = lib.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait", note=NOTE)
        lib.interchange.export_eaf(rec.id, out / "w.eaf", include_notes=True, purpose="research")
        lib.interchange.export_table(rec.id, out / "w.csv", purpose="research")
        lib.interchange.export_subtitles(rec.id, out / "w.srt", purpose="research")
        reel = lib.reels.create("Ours", [m.id])
        lib.interchange.export_otio(reel.id, out / "w.otio", purpose="research")
        gone = lib.exports.still(m.id, purpose="research")
        lib.exports.delete(gone.id)  # no longer in the library: still listed
        kept = lib.exports.still(m.id, 1_500_000, purpose="research")
        lib.exports.still(m.id)  # for feedback: not listed under research
    capsys.readouterr()
    withdraw = ["consent", "W1", "--withdraw", "research", "--by", "Dr A"]
    assert run(["--library", str(root), *withdraw, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = [
        (str(out / "w.eaf"), True, "ELAN file w.eaf, with private notes"),
        (str(out / "w.csv"), False, f"CSV of 1 moment of recording {rec.id} to w.csv"),
        (str(out / "w.srt"), False, f"SRT subtitles of 1 moment of recording {rec.id} to w.srt"),
        (str(out / "w.otio"), False, f"OTIO timeline of reel {reel.id} (1 moment) to w.otio"),
        (str(root / gone.path), False, f"Exported still {gone.path} (moments {m.id})"),
        (str(root / kept.path), False, f"Exported still {kept.path} (moments {m.id})"),
    ]
    assert [(f["path"], f["notes"], f["what"]) for f in data["exported"]] == expected
    stamps = [datetime.fromisoformat(f["at"]) for f in data["exported"]]
    assert stamps == sorted(stamps) and all(s.utcoffset() is not None for s in stamps)
    assert data["exported_under_withdrawn"] == [kept.id]  # still in the library
    assert data["purposes"]["research"] is False

    # The same list in words, one line per file.
    capsys.readouterr()
    assert run(["--library", str(root), "consent", "W1", "--give", "research", "--by", "Dr A"]) == 0
    assert run(["--library", str(root), "consent", "W1", "--withdraw", "research", "--by", "Dr A"]) == 0
    text = capsys.readouterr().out
    assert "6 file(s) were exported for research; delete or recall them if they must go:" in text
    assert f"{out / 'w.eaf'}  (with private notes): ELAN file w.eaf, with private notes" in text
    assert f"{out / 'w.csv'}  (no notes): CSV of 1 moment" in text
    assert str(root / gone.path) in text
    assert NOTE not in text


def test_audit_json_names_destination_and_notes(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("W2")
        lib.consent.give("W2", "research", "Dr A")
        rec = lib.recordings.import_file(media["cfr25"], "W2")
        lib.moments.add(rec.id, 1_000_000, code="Waiting", caption="x", note=NOTE)
        lib.interchange.export_table(
            rec.id, tmp_path / "with notes.tsv", include_notes=True, purpose="research"
        )
    capsys.readouterr()
    assert run(["--library", str(root), "audit", "--json"]) == 0
    last = json.loads(capsys.readouterr().out)[-1]
    assert (last["action"], last["destination"], last["notes"]) == (
        "export", str(tmp_path / "with notes.tsv"), True,
    )  # fmt: skip
    assert len(last["hash"]) == 64


def test_withdrawing_in_the_app_lists_the_files_too(
    qtbot: QtBot, library: Library, tmp_path: Path, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    from PySide6.QtWidgets import QMessageBox

    from vfeedback.ui.consent_panel import ConsentDialog, ConsentPanel

    library.families.add("W3")
    library.consent.give("W3", "supervision", "Dr A")
    rec = library.recordings.import_file(media["cfr25"], "W3")
    library.moments.add(rec.id, 1_000_000, code="Waiting", caption="x", note=NOTE)
    library.interchange.export_eaf(rec.id, tmp_path / "sup.eaf", include_notes=True, purpose="supervision")
    panel = ConsentPanel(library)
    qtbot.addWidget(panel)
    panel.show_family("W3")
    monkeypatch.setattr(ConsentDialog, "exec", lambda _self: 1)
    monkeypatch.setattr(ConsentDialog, "values", lambda _self: ("supervision", False, "Dr A", date.today()))
    shown: list[tuple[str, str]] = []

    def note(box: QMessageBox) -> int:
        shown.append((box.text(), box.detailedText()))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", note)
    panel.open_dialog()
    [(text, details)] = shown
    assert text.startswith("1 file(s) were exported for supervision.")
    assert f"{tmp_path / 'sup.eaf'}  (with private notes)" in details
    assert library.consent.has("W3", "supervision") is False
