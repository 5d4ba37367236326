"""Retention rules: parsed as a service writes them, due dates computed, the due list and the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from vfeedback.cli.main import run
from vfeedback.core.errors import BadInput
from vfeedback.core.retention import due_date, parse_rule
from vfeedback.services import Library


def test_rules_and_due_dates() -> None:
    assert parse_rule("  Delete 18 Months after   closure ") == "delete 18 months after closure"
    assert due_date("delete 18 months after closure", date(2025, 8, 31)) == date(2027, 2, 28)
    assert due_date("delete 2 years after closure", date(2024, 2, 29)) == date(2026, 2, 28)
    assert due_date("delete 6 months after closure", None) is None
    assert due_date("keep until 2040-01-01", None) == date(2040, 1, 1)
    for bad in ("forever", "delete soon", "keep until 2040-13-01", ""):
        with pytest.raises(BadInput):
            parse_rule(bad)


def test_due_list_and_undoable_setting(library: Library) -> None:
    for code in ("A1", "B2", "C3"):
        library.families.add(code)
    library.cases.set_retention("A1", closed_on=date(2024, 1, 10), rule="delete 12 months after closure")
    library.cases.set_retention("B2", rule="delete 12 months after closure")  # not closed: never due
    library.cases.set_retention("C3", rule="keep until 2025-06-01")
    due = library.cases.due(today=date(2026, 1, 1))
    assert [(f.code, when) for f, when in due] == [("A1", date(2025, 1, 10)), ("C3", date(2025, 6, 1))]
    assert library.cases.due(today=date(2024, 12, 31)) == []
    library.undo()
    assert [f.code for f, _ in library.cases.due(today=date(2026, 1, 1))] == ["A1"]
    with pytest.raises(BadInput):
        library.cases.set_retention("A1", closed_on=date(2999, 1, 1))


def test_cli_retention_and_due(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = str(tmp_path / "lib")
    assert run(["--library", lib, "family", "add", "R9"]) == 0
    assert (
        run(
            [
                "--library",
                lib,
                "retention",
                "R9",
                "--closed",
                "2020-01-01",
                "--rule",
                "delete 1 year after closure",
                "--json",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert run(["--library", lib, "due", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"family": "R9", "due": "2021-01-01", "rule": "delete 1 year after closure"}
    ]
    assert run(["--library", lib, "retention", "R9", "--rule", "whenever"]) == 3


def test_a_closed_case_can_be_reopened_and_the_reopening_undone(library: Library) -> None:
    from datetime import date

    import pytest

    from vfeedback.core.errors import BadInput

    library.families.add("R-1")
    library.cases.set_retention("R-1", closed_on=date(2024, 1, 31), rule="delete 12 months after closure")
    assert [f.code for f, _ in library.cases.due(date(2025, 6, 1))] == ["R-1"]
    with pytest.raises(BadInput, match="either reopened or closed"):
        library.cases.set_retention("R-1", closed_on=date(2024, 2, 1), reopen=True)
    fam = library.cases.set_retention("R-1", reopen=True)
    assert fam.closed_on is None and fam.retention_rule == "delete 12 months after closure"
    assert library.cases.due(date(2030, 1, 1)) == []
    library.undo()
    assert library.families.get("R-1").closed_on == date(2024, 1, 31)
