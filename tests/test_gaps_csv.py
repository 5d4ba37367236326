"""The spreadsheet formula guard on every CSV the app writes, in every text column (issue 17, section 2).

A cell that starts with ``= + - @`` (or a tab or carriage return) is run as a formula by Excel and
LibreOffice: ``=HYPERLINK("x")`` in a family's file is a link a clinician clicks. Hostile text goes into
each column a person can type (code names, captions, notes, contexts, the coder, whoever recorded the
consent), each CSV is written by the service the app calls, read back with the ``csv`` module, and no
cell may start a formula. Expected cells are written out by hand: a leading ``'`` and the text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.core.cycles import Counting
from vfeedback.services import Library

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

HYPERLINK = '=HYPERLINK("x")'
HOSTILE = (HYPERLINK, "+1", "-1", "@SUM(A1)")

SCHEME = """\
name = "Hostile scheme"
version = "1"
"""
for _n, _name in enumerate(HOSTILE, start=1):
    SCHEME += f"""
[[principle]]
name = '{_name}'
key = "{_n}"
colour = "#77AADD"
kind = "strength"
actor = "parent"
parent_wording = "You did it"
"""


@dataclass
class World:
    lib: Library
    recording: int


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, media: MediaSet) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("gaps-csv")
    lib = Library.open(folder / "library")
    lib.families.add("C-66")
    # The consent's "by" is the audit entry's actor.
    lib.consent.give("C-66", "feedback", by=HYPERLINK)
    lib.consent.give("C-66", "supervision", by="+1")
    scheme_file = folder / "hostile.toml"
    scheme_file.write_text(SCHEME, encoding="utf-8")
    lib.schemes.import_file(scheme_file)
    rec = lib.recordings.import_file(
        media["cfr25"], "C-66", recorded_on=date(2026, 3, 2), context=HYPERLINK, reference=True
    )
    # A leading tab or CR is cleaned away when the text is stored; it goes in all the same, and what
    # is left ("-1 ...", "@x") must still be guarded.
    texts = [
        (HYPERLINK, "+1", "-1"),
        ("@SUM(A1)", "\t-1 tab", "\r@cr"),
        ("-1", HYPERLINK, "+1"),
        ("+1", "@SUM(A1)", HYPERLINK),
    ]
    for n, (name, (coder, caption, note)) in enumerate(zip(HOSTILE, texts, strict=True)):
        lib.moments.add(
            rec.id, 400_000 * n, 400_000 * n + 200_000, code=name,
            coder=coder, caption=caption, note=note,
        )  # fmt: skip
    yield World(lib, rec.id)
    lib.close()


def _cells(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    dialect = "excel-tab" if path.suffix == ".tsv" else "excel"
    return list(csv.reader(io.StringIO(text, newline=""), dialect=dialect))


def _no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), f"a cell starts a formula: {cell!r} in {row}"


def _column(rows: list[list[str]], name: str) -> list[str]:
    at = rows[0].index(name)
    return [r[at] for r in rows[1:]]


@pytest.mark.parametrize("notes", [False, True], ids=["without-notes", "with-notes"])
@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_moments_csv_guards_every_text_column(world: World, tmp_path: Path, notes: bool, suffix: str) -> None:
    target = tmp_path / f"m{suffix}"
    out = world.lib.interchange.export_table(world.recording, target, include_notes=notes).path
    rows = _cells(out)
    _no_formula(rows)
    assert len(rows) == 5
    # By hand: each hostile text with one leading quote; the tab and CR went at entry, and the rest
    # of those captions still starts a formula, so it is guarded too.
    assert _column(rows, "code") == ['\'=HYPERLINK("x")', "'+1", "'-1", "'@SUM(A1)"]
    assert _column(rows, "principle") == ['\'=HYPERLINK("x")', "'+1", "'-1", "'@SUM(A1)"]
    assert _column(rows, "coder") == ['\'=HYPERLINK("x")', "'@SUM(A1)", "'-1", "'+1"]
    assert _column(rows, "caption") == ["'+1", "'-1 tab", '\'=HYPERLINK("x")', "'@SUM(A1)"]
    if notes:
        assert _column(rows, "note") == ["'-1", "'@cr", "'+1", '\'=HYPERLINK("x")']
    else:
        assert "note" not in rows[0]


def test_audit_record_csv_guards_every_text_column(world: World, tmp_path: Path) -> None:
    lib = world.lib
    # An entry whose every text column is hostile (the service records whatever it is given).
    with lib.ctx.write() as conn:
        lib.audit.record(
            conn, "-1", lib.families.get("C-66"), HYPERLINK, "@SUM(A1)", actor="+1",
            destination="=HYPERLINK(\"file:///x\")", notes=True,
        )  # fmt: skip
    out = tmp_path / "audit.csv"
    count = lib.audit.write_csv(out, "C-66")
    rows = _cells(out)
    _no_formula(rows)
    assert len(rows) == count + 1
    actors = _column(rows, "actor")
    assert '\'=HYPERLINK("x")' in actors and "'+1" in actors  # the consents' "by"
    last = dict(zip(rows[0], rows[-1], strict=True))
    assert (last["action"], last["actor"], last["purpose"], last["detail"], last["destination"]) == (
        "'-1", "'+1", "'@SUM(A1)", "'=HYPERLINK(\"x\")", "'=HYPERLINK(\"file:///x\")",
    )  # fmt: skip


def test_progress_csv_guards_every_text_column(world: World, tmp_path: Path) -> None:
    # Everyone's moments count, so every hostile principle and coder is in the file.
    out = world.lib.supervision.progress_csv("C-66", tmp_path / "progress.csv", Counting.everyone())
    rows = _cells(out)
    _no_formula(rows)
    assert _column(rows, "context") == ['\'=HYPERLINK("x")'] * 4
    assert sorted(_column(rows, "principle")) == sorted(['\'=HYPERLINK("x")', "'+1", "'-1", "'@SUM(A1)"])
    # The coders cell joins the names with " + " in an order of the code's choosing: the first
    # name is one of the four hostile ones, guarded.
    coders = set(_column(rows, "coders"))
    assert len(coders) == 1 and coders.pop()[:2] in {"'=", "'+", "'-", "'@"}
