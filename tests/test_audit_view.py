"""The audit record in the app: a family's entries, read-only, newest last, savable as CSV (owner-only);
no other family's entries; no way to edit a cell."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

from expect import present
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.qtbot import QtBot

from vfeedback.services import Library
from vfeedback.ui.audit_view import AuditView
from vfeedback.ui.library_panel import LibraryPanel


def test_the_family_record_is_shown_read_only_and_saved(
    qtbot: QtBot, library: Library, tmp_path: Path
) -> None:
    library.families.add("A-1")
    library.families.add("B-2")
    library.consent.give("A-1", "feedback", by="Dr Ana")
    library.consent.give("B-2", "research", by="Dr Ben")
    library.consent.withdraw("A-1", "feedback", by="Dr Ana")
    view = AuditView(library, "A-1")
    qtbot.addWidget(view)
    rows = [[present(view.table.item(r, c)).text() for c in range(5)] for r in range(view.table.rowCount())]
    assert len(rows) == 2 and all(r[2] == "Consent" and r[3] == "feedback" for r in rows)
    assert not any("B-2" in cell or "research" in cell for r in rows for cell in r)
    assert view.table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    out = tmp_path / "record.csv"
    assert view.save_csv(out) == 2
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(newline="", encoding="utf-8") as f:
        saved = list(csv.DictReader(f))
    assert [r["family"] for r in saved] == ["A-1", "A-1"]
    assert [r["action"] for r in saved] == ["consent", "consent"]


def test_a_new_family_has_an_empty_record_and_the_panel_opens_it(qtbot: QtBot, library: Library) -> None:
    library.families.add("C-3")
    panel = LibraryPanel(library)
    qtbot.addWidget(panel)
    view = panel.show_audit("C-3")
    assert view.empty.isVisibleTo(view) and not view.table.isVisibleTo(view)
    assert not view.save.isEnabled()
    labels = [a.text() for a in panel.family_menu("C-3").actions()]
    assert "Audit record…" in labels
    view.close()
