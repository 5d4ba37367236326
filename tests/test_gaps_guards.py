"""Guards that planted bugs got through (issue 17, section 2): the database's refusal to change any
column of the audit record or the consent register, the undo history's pruning past 1,000 actions,
and the escaping of ASS/WebVTT specials in a caption at the unit level.

Column lists and expected strings are written out by hand here, never read from the code under test.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pgserver
import pytest

from vfeedback.export import captions, titlecard
from vfeedback.services import Library
from vfeedback.storage import layout

# By hand, from the README's description of the two records (and checked against the table below).
AUDIT_COLUMNS = (
    "id", "at", "actor", "action", "family_id", "family_code", "purpose", "detail", "destination", "notes",
    "prev_hash", "hash",
)  # fmt: skip
CONSENT_COLUMNS = (
    "id", "family_id", "purpose", "given", "on_date", "recorded_by", "recorded_at", "audit_id", "prev_hash",
    "hash",
)  # fmt: skip


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("guards") / "library"
    with Library.open(root) as lib:
        lib.families.add("C1")
        lib.families.add("C2")
        lib.consent.give("C1", "feedback", "Dr A", date(2026, 3, 1))
        lib.consent.give("C2", "supervision", "Dr B", date(2026, 3, 2))
    return root


def _all(root: Path, table: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(root / layout.DB_NAME)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        conn.close()


def test_the_records_have_exactly_the_columns_listed_here(guarded: Path) -> None:
    """A new column must be added to the lists above, so the guard is tested against it too."""
    conn = sqlite3.connect(guarded / layout.DB_NAME)
    try:
        for table, wanted in (("audit_log", AUDIT_COLUMNS), ("consents", CONSENT_COLUMNS)):
            assert tuple(r[1] for r in conn.execute(f"PRAGMA table_info({table})")) == wanted
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("table", "column", "refusal"),
    [("audit_log", c, "audit entries cannot be changed") for c in AUDIT_COLUMNS]
    + [("consents", c, "consent entries cannot be changed") for c in CONSENT_COLUMNS],
)
def test_an_update_of_any_column_is_refused(guarded: Path, table: str, column: str, refusal: str) -> None:
    """The attack: the database file opened with sqlite3 and one column of entry 1 rewritten. Not only
    ``detail``: a forged ``at``, ``actor`` or ``given`` is as bad. Nothing changes."""
    before = (_all(guarded, "audit_log"), _all(guarded, "consents"))
    conn = sqlite3.connect(guarded / layout.DB_NAME, isolation_level=None)
    try:
        # A value of the column's kind that differs from every stored one (2 for ids and flags, a
        # date, a text).
        value = {"id": 99, "family_id": 2, "audit_id": 2, "given": 0, "notes": 1}.get(column, "2026-01-01")
        with pytest.raises(sqlite3.DatabaseError, match=refusal):
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = 1", (value,))
    finally:
        conn.close()
    assert (_all(guarded, "audit_log"), _all(guarded, "consents")) == before


@pytest.mark.postgres
def test_postgres_refuses_an_update_of_any_column(
    pg_server: pgserver.PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same attack as a superuser on a team library: ``SET column = column`` (a type-agnostic
    rewrite) of every column of both records, each refused; nothing changes."""
    import psycopg

    url = pg_server.create_database("t_gaps_every_column")
    monkeypatch.setenv(layout.ENV_FILES, str(tmp_path / "files"))
    with Library.open(url) as lib:
        lib.families.add("C1")
        lib.consent.give("C1", "feedback", "Dr A", date(2026, 3, 1))
    raw = psycopg.connect(
        f"host={pg_server.socket_dir} user=postgres dbname=t_gaps_every_column", autocommit=True
    )
    try:
        for table, wanted, refusal in (
            ("audit_log", AUDIT_COLUMNS, "audit entries cannot be changed"),
            ("consents", CONSENT_COLUMNS, "consent entries cannot be changed"),
        ):
            found = raw.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            assert tuple(r[0] for r in found) == wanted
            before = raw.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            for column in wanted:
                with pytest.raises(psycopg.errors.RaiseException, match=refusal):
                    raw.execute(f"UPDATE {table} SET {column} = {column} WHERE id = 1")
            assert raw.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() == before
    finally:
        raw.close()


# --- undo history pruning ------------------------------------------------------------------------


def _undo_log(lib: Library) -> list[tuple[int, str | None]]:
    """Each entry's id and the family label its action wrote (None for the family's creation)."""
    conn = sqlite3.connect(lib.ctx.root / layout.DB_NAME)
    try:
        found = conn.execute("SELECT id, changes_json FROM undo_log ORDER BY id").fetchall()
    finally:
        conn.close()
    return [(int(i), json.loads(changes)[0]["after"]["label"]) for i, changes in found]


def test_undo_history_past_1000_actions_keeps_exactly_the_newest_1000(library: Library) -> None:
    """Action n (undo log id n) sets the family's label to "label n". The history is pruned on every
    hundredth action: after 1,099 actions nothing has gone yet (the pruning at 1,000 keeps ids above
    0); after the 1,100th exactly 101..1,100 are left, the newest 1,000, and undo still works."""
    library.families.add("C1")  # action 1
    for n in range(2, 1100):
        library.families.edit("C1", label=f"label {n}")
    assert [i for i, _ in _undo_log(library)] == list(range(1, 1100))
    library.families.edit("C1", label="label 1100")
    log = _undo_log(library)
    assert len(log) == 1000
    assert log == [(n, f"label {n}") for n in range(101, 1101)]
    # The newest is what undo takes back: the label before it returns.
    library.undo()
    assert library.families.get("C1").label == "label 1099"


# --- caption escaping at the unit level ----------------------------------------------------------

WJ = "\u2060"  # a word joiner, invisible: what keeps a backslash a backslash for libass


@pytest.mark.parametrize(
    ("caption", "ass"),
    [
        ("}", "\\}"),
        ("{", "\\{"),
        ("a}b{c", "a\\}b\\{c"),
        ("{\\an8}up", "\\{\\" + WJ + "an8\\}up"),
        ("\\N not a break", "\\" + WJ + "N not a break"),
        ("\\h\\n", "\\" + WJ + "h\\" + WJ + "n"),
        ("two\nlines", "two\\Nlines"),
        ("smile \U0001f642}", "smile {\\fnSymbola}\U0001f642{\\fn}\\}"),
    ],
)
def test_ass_text_escapes_every_special(caption: str, ass: str) -> None:
    assert captions.ass_text(caption) == ass


@pytest.mark.parametrize(
    ("caption", "soft"),
    [
        ("}{", "}{"),  # braces alone are text to ffmpeg's MP4-text encoder
        ("{\\i1}x", "{" + WJ + "\\" + WJ + "i1}x"),
        ("a\\Nb\nc", "a\\" + WJ + "Nb\\Nc"),
    ],
)
def test_soft_text_escapes_every_special(caption: str, soft: str) -> None:
    assert captions.soft_text(caption) == soft


def test_vtt_text_escapes_markup() -> None:
    assert captions.vtt_text("<b>you & me</b> -->") == "&lt;b&gt;you &amp; me&lt;/b&gt; --&gt;"


def test_title_card_text_is_escaped_as_captions_are() -> None:
    """The reel's title and date go through the same escaping (after cleaning: a CR LF is one break)."""
    assert titlecard.ass_text("Our {day}\\N out\r\ntogether}") == (
        "Our \\{day\\}\\" + WJ + "N out\\Ntogether\\}"
    )


def test_a_file_name_in_a_filter_graph_is_escaped_at_both_levels() -> None:
    """By hand: first for the option parser (backslash, quote, colon get a backslash), then for the
    graph parser (backslash, quote, brackets, comma, semicolon get one more)."""
    # we'ird: [dir], ;x\y.ass
    #  level 1: we\'ird\: [dir], ;x\\y.ass
    #  level 2: we\\\'ird\\: \[dir\]\, \;x\\\\y.ass
    assert titlecard.filter_path(Path("/tmp/we'ird: [dir], ;x\\y.ass")) == (
        "/tmp/we\\\\\\'ird\\\\: \\[dir\\]\\, \\;x\\\\\\\\y.ass"
    )
