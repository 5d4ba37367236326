"""Bad input at the command line gets one sentence and exit 3 (2 for grammar), never exit 70, a
traceback, an endless job, or a changed library (issue 10, section 5).

Each test is the attack as typed (or the hostile file as written). It asserts the exact sentence,
the exit status, and that the library is exactly as before: every database row and every file
with its mode and content hash (``_state``). Sentences are written out by hand here, not taken
from the code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mediagen
import pytest

from vfeedback.cli.main import run

ROOT = Path(__file__).resolve().parent.parent
BIG = "99999999999999999999999"  # 23 digits: beyond 64 bits
TOO_LARGE = f"{BIG} is too large: ids and numbers in vfeedback go up to 9223372036854775807."


class Cli:
    """The CLI in-process against one library; every call returns (status, stdout, stderr)."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        status = run(["--library", str(self.root), *args])
        out, err = self.capsys.readouterr()
        return status, out, err

    def json(self, *args: str) -> Any:
        status, out, err = self(*args, "--json")
        assert status == 0, err
        return json.loads(out)

    def refuses(self, *args: str, status: int = 3) -> str:
        """Runs an attack: the exit status, one line on stderr, nothing on stdout, nothing changed
        in the library; returns the sentence (without ``vfeedback: ``)."""
        before = _state(self.root)
        said = self.fails(*args, status=status)
        assert _state(self.root) == before
        return said

    def fails(self, *args: str, status: int = 3) -> str:
        """``refuses`` without the library check (for commands that keep what they did first)."""
        got, out, err = self(*args)
        assert (got, out) == (status, ""), (got, out, err)
        assert err.startswith("vfeedback: ") and err.endswith("\n") and err.count("\n") == 1, err
        assert "Traceback" not in err and "\x1b" not in err
        return err[len("vfeedback: ") : -1]


def _state(root: Path) -> tuple[dict[str, list[str]], dict[str, tuple[int, str]] | set[str]]:
    """Every row of every table, and every file (mode, sha256) except the database's own files."""
    if not (root / "vfeedback.db").exists():
        return {}, {str(p) for p in root.rglob("*")} if root.exists() else set()
    con = sqlite3.connect(root / "vfeedback.db")
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"'))) for t in sorted(tables)}
    finally:
        con.close()
    files = {
        str(p.relative_to(root)): (p.stat().st_mode, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith("vfeedback.db")
    }
    return rows, files


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    # Any internal error would log here: the tests check that none did.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("VFEEDBACK_CODER", "ana")
    return Cli(tmp_path / "lib", capsys)


@pytest.fixture
def fdcli(tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """As ``cli``, capturing at the file descriptors: what C code writes is seen too."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("VFEEDBACK_CODER", "ana")
    return Cli(tmp_path / "lib", capfd)


@pytest.fixture
def ready(cli: Cli, media: mediagen.MediaSet) -> Iterator[Cli]:
    """Family F01 with consent for feedback, recording 1 (cfr25: 250 frames at 25 fps) indexed, and
    moment 1 on it (1 s to 2 s, captioned)."""
    assert cli("family", "add", "F01")[0] == 0
    assert cli("consent", "F01", "--give", "feedback", "--by", "Dr Lee")[0] == 0
    assert cli.json("import", str(media["cfr25"]), "--family", "F01")["id"] == 1
    assert cli("index", "1")[0] == 0
    moment = cli.json("moments", "add", "1", "--start", "1", "--end", "2", "--code", "Waiting",
                      "--caption", "You waited for her")  # fmt: skip
    assert moment["id"] == 1
    yield cli
    assert not (cli.root.parent / "state").exists(), "an internal error was logged"


# --- numbers: BORIS times, --padding, ids ----------------------------------------------------------


def _boris(path: Path, time_token: str, offset_token: str = "0") -> Path:
    """A BORIS project whose one point event is at ``time_token``, written into the JSON as is
    (``1e308``, a 400-digit integer, ``NaN``, ``Infinity``: Python's json reads them all)."""
    text = (
        '{"project_format_version": "7.0", "project_name": "visits",'
        ' "behaviors_conf": {"0": {"code": "smile", "type": "Point event"}},'
        ' "observations": {"visit": {"type": "MEDIA", "file": {"1": ["cfr25.mp4"]},'
        f' "time offset": {offset_token}, "events": [[{time_token}, "Mother", "smile", "", ""]]}}}}}}'
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("token", "shown"),
    [
        ("1e308", "1e+308"),  # finite, but 1e308 s * 1e6 overflowed into exit 70
        ("1" + "0" * 400, "1" + "0" * 18 + "…"),  # 10**400: too large for a float at all
        ("NaN", "nan"),
        ("Infinity", "inf"),
        ("-Infinity", "-inf"),
        ("20000000", "20000000"),  # finite and a float, but 231 days: past any recording
    ],
)
def test_boris_times_that_are_not_times(ready: Cli, tmp_path: Path, token: str, shown: str) -> None:
    project = _boris(tmp_path / "b.boris", token)
    said = ready.refuses("import", "boris", str(project), "--recording", "1", "--map", "smile=Waiting")
    assert (
        said == f"b.boris is damaged: the time of event 1 of observation 'visit' is not a time ('{shown}')."
    )


def test_a_boris_time_offset_of_1e308(ready: Cli, tmp_path: Path) -> None:
    project = _boris(tmp_path / "b.boris", "1.5", offset_token="1e308")
    said = ready.refuses("import", "boris", str(project), "--recording", "1", "--map", "smile=Waiting")
    assert said == "b.boris is damaged: the time offset of observation 'visit' is not a time ('1e+308')."


@pytest.mark.parametrize(
    ("padding", "sentence"),
    [
        ("1e308", "'1e308' is not a usable number of seconds: it is far too large."),
        ("nan", "'nan' is not a usable number of seconds: it is not a finite number."),
        ("inf", "'inf' is not a usable number of seconds: it is not a finite number."),
        ("-inf", "'-inf' is not a usable number of seconds: it is not a finite number."),
        ("-1", "The padding around a clip must be zero or more seconds."),
        ("61", "The padding around a clip can be at most 60 seconds."),
    ],
)
def test_export_clip_padding_that_is_not_a_padding(ready: Cli, padding: str, sentence: str) -> None:
    assert ready.refuses("export", "clip", "1", f"--padding={padding}") == sentence


@pytest.mark.parametrize(
    "args",
    [
        ("moments", "edit", BIG, "--note", "She cried when I left the room"),
        ("moments", "delete", BIG),
        ("moments", "list", BIG),
        ("moments", "add", BIG, "--start", "1", "--code", "Waiting"),
        ("index", BIG),
        ("export", "clip", BIG),
        ("export", "still", BIG),
        ("export", "reel", "--title", "Us", "1", BIG),
        ("export", "handout", BIG),
        ("export", "clip", "1", "--max-height", BIG),
        ("delete", "recording", BIG, "--yes"),
        ("import", "eaf", "x.eaf", "--recording", BIG),
        ("agreement", BIG, "--coders", "ana", "bob"),
        ("export", "csv", BIG, "--out", "x.csv"),
    ],
)
def test_ids_beyond_64_bits_are_bad_input_not_an_overflow(ready: Cli, args: tuple[str, ...]) -> None:
    assert ready.refuses(*args) == TOO_LARGE


def test_open_with_an_id_beyond_64_bits(ready: Cli) -> None:
    """``open RECORDING`` takes its id as text (it may be a file name): the same check applies."""
    started: list[int] = []
    before = _state(ready.root)

    def start_gui(_lib: str | None, rec: int) -> int:
        started.append(rec)
        return 0

    status = run(["--library", str(ready.root), "open", BIG], start_gui=start_gui)
    assert (status, ready.capsys.readouterr().err, started) == (3, f"vfeedback: {TOO_LARGE}\n", [])
    assert _state(ready.root) == before


def test_the_largest_64_bit_id_is_just_not_there(ready: Cli) -> None:
    largest = str(2**63 - 1)
    assert ready.refuses("moments", "edit", largest, "--note", "x") == (
        f"There is no moment {largest} in this library."
    )
    assert ready.refuses("moments", "edit", str(2**63), "--note", "x") == (
        f"{2**63} is too large: ids and numbers in vfeedback go up to 9223372036854775807."
    )


@pytest.mark.parametrize(
    ("start", "sentence"),
    [
        # Quoted as its first 39 characters and an ellipsis.
        ("f" + "9" * 5000, "'f" + "9" * 38 + "…' is not a time: use seconds (12.5), minutes:seconds "
         "(1:02.25), hours:minutes:seconds (00:01:02.250) or a frame number (f1234)."),
        ("9" * 5000 + ":00", "'" + "9" * 39 + "…' is not a time: use seconds (12.5), minutes:seconds "
         "(1:02.25), hours:minutes:seconds (00:01:02.250) or a frame number (f1234)."),
        ("99999999999", "'99999999999' is not a time: it is far longer than any recording."),
        ("f99999999999", "'f99999999999' is not a time: no recording has that many frames."),
    ],
)  # fmt: skip
def test_times_too_long_to_be_times(ready: Cli, start: str, sentence: str) -> None:
    assert ready.refuses("moments", "add", "1", "--start", start, "--code", "Waiting") == sentence


# --- a scheme nested 100,000 deep ------------------------------------------------------------------


@pytest.mark.parametrize(("open_", "close"), [("[", "]"), ("{a = ", "}")])
def test_a_scheme_nested_100000_deep(ready: Cli, tmp_path: Path, open_: str, close: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(f'name = "Deep"\nversion = "1"\nx = {open_ * 100_000}{close * 100_000}\n', "utf-8")
    assert path.stat().st_size < 1_000_000  # under the size cap: the nesting is what is refused
    assert ready.refuses("schemes", "import", str(path)) == (
        f"The coding scheme file {path} is nested far too deeply to be a coding scheme."
    )


# --- control characters in names ---------------------------------------------------------------


def _control(what: str, code: str) -> str:
    return f"The {what} holds a control character ({code}), which cannot be shown or stored."


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (("family", "add", "F02", "--label", "Mum\x07"), _control("family label", "U+0007")),
        (("family", "edit", "F01", "--label", "\x1b]0;owned\x07"), _control("family label", "U+001B")),
        (("moments", "add", "1", "--start", "3", "--code", "Waiting", "--caption", "You\x1b]0;owned\x07"),
         _control("caption", "U+001B")),
        (("moments", "add", "1", "--start", "3", "--code", "Waiting", "--note", "a\x7fb"),
         _control("note", "U+007F")),
        (("moments", "add", "1", "--start", "3", "--code", "Waiting", "--coder", "ana\x9b31m"),
         _control("coder's name", "U+009B")),
        (("moments", "add", "1", "--start", "3", "--code", "Waiting", "--coder", "ana\nbob"),
         "The coder's name must be one line."),
        (("moments", "edit", "1", "--caption", "x\x1b[2J"), _control("caption", "U+001B")),
        (("moments", "edit", "1", "--coder", "\x1b[31mana"), _control("coder's name", "U+001B")),
        (("export", "reel", "--title", "Us\x1b]0;x\x07", "1"), _control("title", "U+001B")),
        (("export", "reel", "--title", "Us", "--date", "May\x08", "1"), _control("date", "U+0008")),
        (("consent", "F01", "--give", "research", "--by", "Dr\x1b Lee"),
         _control("name of who recorded the consent", "U+001B")),
        (("moments", "add", "1", "--start", "3", "--code", "Waiting", "--caption", "a\udcffb"),
         "The caption holds bytes that are not text (U+DCFF)."),  # invalid UTF-8 in argv
    ],
)  # fmt: skip
def test_control_characters_in_names_are_refused(ready: Cli, args: tuple[str, ...], sentence: str) -> None:
    assert ready.refuses(*args) == sentence


def test_a_case_code_with_an_escape(ready: Cli) -> None:
    said = ready.refuses("family", "add", "F\x1b[31m")
    assert said == (
        "'F\\u001b[31m' is not a usable case code: use up to 64 letters, digits, '-', '_' or '.', "
        "starting with a letter or digit (and no real names)."
    )


def test_a_context_with_a_control_character_copies_nothing(ready: Cli, media: mediagen.MediaSet) -> None:
    said = ready.refuses("import", str(media["no_audio"]), "--family", "F01", "--context", "play\x1b")
    assert said == _control("context", "U+001B")


def test_a_coder_from_the_environment(ready: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VFEEDBACK_CODER", "ana\x1b]0;x\x07")
    said = ready.refuses("moments", "add", "1", "--start", "3", "--code", "Waiting")
    assert said == _control("coder's name you work under", "U+001B")


def _scheme(path: Path, name: str, code: str) -> Path:
    path.write_text(
        f'name = "{name}"\nversion = "1"\n[[principle]]\nname = "{code}"\ncolour = "#77AADD"\n'
        'kind = "strength"\nparent_wording = "You and your baby"\n',
        encoding="utf-8",
    )
    return path


def test_scheme_names_and_codes_with_control_characters(ready: Cli, tmp_path: Path) -> None:
    """A scheme code with a control character made ``export eaf`` write XML that vfeedback itself
    refused to read; such names are now refused when the scheme is imported."""
    path = _scheme(tmp_path / "team.toml", "Team\\u001b", "Waiting together")
    assert ready.refuses("schemes", "import", str(path)) == (
        f"In the coding scheme file {path}, the name of the scheme holds a control character "
        "(U+001B), which cannot be shown or stored."
    )
    path = _scheme(tmp_path / "team.toml", "Team", "Wait\\u0085ing")  # NEL: a line break
    assert ready.refuses("schemes", "import", str(path)) == (
        f"In the coding scheme file {path}, the name of principle 1 ('Wait\\u0085ing') runs over "
        "several lines; keep it to one line."
    )
    path = _scheme(tmp_path / "team.toml", "Team", "Wait\\u0090")
    assert ready.refuses("schemes", "import", str(path)) == (
        f"In the coding scheme file {path}, the name of principle 1 ('Wait\\u0090') holds a control "
        "character (U+0090), which cannot be shown or stored."
    )


def test_a_scheme_with_unusual_but_printable_names_goes_to_elan_and_back(ready: Cli, tmp_path: Path) -> None:
    """What is accepted round-trips: ELAN reads back the file vfeedback writes."""
    scheme = ready.json(
        "schemes", "import", str(_scheme(tmp_path / "t.toml", "Équipe «Ω»", "Attente – é 🙂"))
    )
    code = scheme["codes"][0]["id"]
    ready.json("moments", "add", "1", "--start", "5", "--code", str(code), "--caption", "Tu attends 🙂")
    out = tmp_path / "back.eaf"
    assert ready("export", "eaf", "1", "--out", str(out))[0] == 0
    ready.json("moments", "delete", "2")
    back = ready.json("import", "eaf", str(out), "--recording", "1")[-1]
    assert (back["code_id"], back["caption"], back["start_us"]) == (code, "Tu attends 🙂", 5_000_000)


def _eaf(path: Path, tier: str, annotator: str = "rater") -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0"><HEADER TIME_UNITS="milliseconds"/>'
        '<TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="1000"/>'
        '<TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="2000"/></TIME_ORDER>'
        f'<TIER LINGUISTIC_TYPE_REF="lt" PARTICIPANT="Mum" ANNOTATOR="{annotator}" TIER_ID="{tier}">'
        '<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">'
        "<ANNOTATION_VALUE>Waiting</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>"
        '<LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="lt" TIME_ALIGNABLE="true"/></ANNOTATION_DOCUMENT>',
        encoding="utf-8",
    )
    return path


def test_an_elan_tier_name_with_a_c1_control(ready: Cli, tmp_path: Path) -> None:
    path = _eaf(tmp_path / "x.eaf", "Mother&#x9b;2J")  # CSI, which XML 1.0 carries
    said = ready.refuses("import", "eaf", str(path), "--recording", "1", "--map", "Mother=parent")
    assert (
        said
        == "In x.eaf, the name of a tier holds a control character (U+009B), which cannot be shown or stored."
    )


def test_a_boris_behaviour_with_an_escape(ready: Cli, tmp_path: Path) -> None:
    path = tmp_path / "b.boris"
    path.write_text(_boris(path, "1.5").read_text().replace('"smile"', '"smile\\u001b[2J"'), "utf-8")
    said = ready.refuses("import", "boris", str(path), "--recording", "1", "--map", "smile=Waiting")
    assert said == (
        "In b.boris, the code of a behaviour of its ethogram holds a control character (U+001B), "
        "which cannot be shown or stored."
    )


# --- what reaches the terminal -------------------------------------------------------------------


def test_a_name_in_an_error_stays_one_inert_line(ready: Cli) -> None:
    said = ready.refuses("consent", "F01\n\x1b]0;owned\x07\u202e")
    assert said == "There is no family with case code F01\\n\\u001b]0;owned\\u0007\\u202e."


def test_a_file_name_with_a_newline_in_an_error(ready: Cli, tmp_path: Path) -> None:
    said = ready.refuses("import", str(tmp_path / "clip\nname\x1b.mp4"), "--family", "F01")
    assert said == "The file 'clip?name?.mp4' does not exist."


def test_text_written_by_an_older_version_is_printed_escaped(ready: Cli, media: mediagen.MediaSet,
                                                              tmp_path: Path) -> None:  # fmt: skip
    """A caption holding ESC and BEL (as stored before they were refused) set the terminal's title
    when listed. Tables show it escaped on one line; JSON keeps it exactly."""
    hostile = "You\x1b]0;owned\x07 waited\u202e\nfor her"
    con = sqlite3.connect(ready.root / "vfeedback.db")
    with con:
        con.execute("UPDATE moments SET caption = ? WHERE id = 1", (hostile,))
    con.close()
    status, out, _ = ready("moments", "list", "1")
    assert status == 0 and "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    [row] = [line for line in out.splitlines() if line.startswith("1 ")]
    assert row.endswith("You\\u001b]0;owned\\u0007 waited\\u202e for her")
    assert ready.json("moments", "list", "1")[0]["caption"] == hostile
    status, out, _ = ready("moments", "search", "waited")
    assert status == 0 and "\x1b" not in out and "\\u001b" in out
    # Plain lines, not only tables: a code named with an escape, as a scheme imported before.
    con = sqlite3.connect(ready.root / "vfeedback.db")
    with con:
        con.execute("UPDATE codes SET name = ? WHERE name = 'Waiting'", ("Wait\x1b]0;owned\x07",))
    con.close()
    status, out, _ = ready("schemes")
    assert status == 0 and "\x1b" not in out and "\x07" not in out
    assert "Wait\\u001b]0;owned\\u0007  (id " in out
    status, out, _ = ready("moments", "edit", "1", "--start", "1.2")
    assert (
        out == "Saved moment 1: 00:00:01.200-00:00:02.000 (frame 30), Wait\\u001b]0;owned\\u0007, parent.\n"
    )

    named = tmp_path / "visit\none.mp4"  # a real file whose name holds a newline
    named.write_bytes(media["no_audio"].read_bytes())
    assert ready("import", str(named), "--family", "F01")[0] == 0
    status, out, _ = ready("recordings")
    assert next(line for line in out.splitlines() if line.startswith("2 ")).endswith("visit one.mp4")


def test_usage_errors_are_one_line(cli: Cli) -> None:
    assert cli.refuses("moments", "add", "notanumber", "--start", "1", "--code", "x", status=2) == (
        "argument recording: 'notanumber' is not a whole number (see `vfeedback moments add --help`)"
    )
    assert cli.refuses("import", "x.mp4", status=2) == (
        "say which family the recording belongs to: --family CODE (see `vfeedback import --help`)"
    )
    assert cli.refuses("export", "clip", "1", "--padding", "abc", status=2) == (
        "argument --padding: 'abc' is not a number of seconds (see `vfeedback export clip --help`)"
    )
    said = cli.fails("frobnicate\x1b", status=2)
    assert said.startswith("argument COMMAND: invalid choice: 'frobnicate\\x1b' (choose from 'open'")
    assert said.endswith("(see `vfeedback --help`)")


# --- bidi controls and emoji in what a family reads ----------------------------------------------


def test_bidi_controls_are_taken_out_of_captions(ready: Cli) -> None:
    moment = ready.json("moments", "add", "1", "--start", "3", "--code", "Waiting",
                        "--caption", "\u202eYou waited\u202c for \u2067her\u2069\u200f")  # fmt: skip
    assert moment["caption"] == "You waited for her"
    edited = ready.json("moments", "edit", str(moment["id"]), "--caption", "\u061cShe \u202dlooks\u202c")
    assert edited["caption"] == "She looks"


def test_bidi_controls_are_taken_out_of_titles(ready: Cli) -> None:
    from vfeedback.services import Library

    with Library.open(ready.root) as lib:
        reel = lib.reels.create("\u202eOur \u2066moments\u2069", [1], "May\u200e 2026")
    assert (reel.title, reel.date_text) == ("Our moments", "May 2026")


def test_an_emoji_no_font_draws_is_refused(ready: Cli) -> None:
    said = ready.refuses("moments", "edit", "1", "--caption", "We laughed \U0001faf6")
    assert said == (
        "The caption holds \U0001faf6 (U+1FAF6), which clips and handouts cannot draw (it would show "
        "as an empty box); use words or another emoji."
    )
    assert ready.json("moments", "edit", "1", "--caption", "We laughed 🙂")["caption"] == "We laughed 🙂"


# --- one length per kind, on every path ------------------------------------------------------------


def test_one_length_for_a_family_label(ready: Cli) -> None:
    assert ready.refuses("family", "add", "F02", "--label", "x" * 100_000) == (
        "The family label is 100000 characters long; keep it to 200."
    )
    assert ready.refuses("family", "edit", "F01", "--label", "x" * 201) == (
        "The family label is 201 characters long; keep it to 200."
    )
    assert ready.json("family", "add", "F02", "--label", "x" * 200)["label"] == "x" * 200


def test_one_length_for_a_coder_on_every_path(
    ready: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """100 characters whether typed, in the environment, or read from ELAN (which already capped
    it at 100 while --coder took 1,000)."""
    sentence = "The coder's name is 101 characters long; keep it to 100."
    add = ("moments", "add", "1", "--start", "3", "--code", "Waiting")
    assert ready.refuses(*add, "--coder", "c" * 101) == sentence
    assert ready.refuses("moments", "edit", "1", "--coder", "c" * 101) == sentence
    assert (
        ready.refuses(*add, "--coder", "c" * 1000)
        == "The coder's name is 1000 characters long; keep it to 100."
    )
    monkeypatch.setenv("VFEEDBACK_CODER", "c" * 101)
    assert ready.refuses(*add) == "The coder's name you work under is 101 characters long; keep it to 100."
    path = _eaf(tmp_path / "x.eaf", "Mother", annotator="c" * 101)
    assert ready.refuses("import", "eaf", str(path), "--recording", "1", "--map", "Mother=parent") == (
        "In x.eaf, the annotator of tier 'Mother' is 101 characters long; keep it to 100."
    )
    monkeypatch.setenv("VFEEDBACK_CODER", "ana")
    assert ready.json(*add, "--coder", "c" * 100)["coder"] == "c" * 100


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (("moments", "edit", "1", "--caption", "y" * 301),
         "The caption is 301 characters long; keep it to 300."),
        (("moments", "edit", "1", "--note", "n" * 20_001),
         "The note is 20001 characters long; keep it to 20000."),
        (("export", "reel", "--title", "t" * 121, "1"),
         "The title is 121 characters long; keep it to 120."),
        (("export", "reel", "--title", "Us", "--date", "d" * 61, "1"),
         "The date is 61 characters long; keep it to 60."),
        (("consent", "F01", "--give", "research", "--by", "b" * 101),
         "The name of who recorded the consent is 101 characters long; keep it to 100."),
    ],
)  # fmt: skip
def test_one_length_per_kind(ready: Cli, args: tuple[str, ...], sentence: str) -> None:
    assert ready.refuses(*args) == sentence


# --- ELAN files of one huge attribute or text ------------------------------------------------------

_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0">'
_SIZE = 49 * 1024 * 1024


@pytest.mark.parametrize(
    "body",
    [
        b'<TIER TIER_ID="' + b"a" * _SIZE + b'"/>',  # expat: quadratic (16 MB took 77 s)
        b"<HEADER>" + b"a" * _SIZE + b"</HEADER>",
        b'<TIER TIER_ID="' + (b"a" * 1023 + b">") * (_SIZE // 1024) + b'"/>',  # '>' may sit in a value
    ],
    ids=["one attribute", "one text", "one attribute with >"],
)
def test_a_49_mb_elan_file_of_one_value_is_refused_at_once(ready: Cli, tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "big.eaf"
    path.write_bytes(_HEAD + body + b"</ANNOTATION_DOCUMENT>\n")
    started = time.monotonic()
    said = ready.refuses("import", "eaf", str(path), "--recording", "1")
    assert time.monotonic() - started < 10  # loosely: well under the 5 s figure on a quiet machine
    assert (
        said
        == "big.eaf holds a tag or text longer than 256 KB, which an ELAN file never needs; it was not read."
    )


# --- media that does not decode ---------------------------------------------------------------------


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(type, offset of the payload, end) of every MP4 box, descending into the sample tables."""
    end = len(data) if end is None else end
    offset = start
    while offset + 8 <= end:
        size, kind = int.from_bytes(data[offset : offset + 4], "big"), data[offset + 4 : offset + 8]
        head = 8
        if size == 1:
            size, head = int.from_bytes(data[offset + 8 : offset + 16], "big"), 16
        stop = offset + size
        yield kind, offset + head, stop
        if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl"):
            yield from _boxes(data, offset + head, stop)
        elif kind == b"stsd":
            yield from _boxes(data, offset + head + 8, stop)  # version, flags, entry count
        elif kind in (b"avc1", b"hvc1"):
            yield from _boxes(data, offset + head + 78, stop)  # the visual sample entry's fields
        offset = stop


def _damaged(source: Path, target: Path, box: bytes, entries: range | None = None) -> Path:
    """``source`` with the first (video) ``stsz`` or ``avcC`` box corrupted byte-wise."""
    data = bytearray(source.read_bytes())
    _, payload, _ = next(b for b in _boxes(bytes(data)) if b[0] == box)
    if box == b"stsz":  # version/flags, sample size, count, then one size per sample
        count = int.from_bytes(data[payload + 8 : payload + 12], "big")
        for i in entries or range(1, count):
            at = payload + 12 + 4 * i
            size = int.from_bytes(data[at : at + 4], "big")
            data[at : at + 4] = (size // 3 + 17).to_bytes(4, "big")
    else:  # avcC: version, profile, compatibility, level, length size, SPS count, SPS length, SPS
        sps = int.from_bytes(data[payload + 6 : payload + 8], "big")
        for i in range(payload + 9, payload + 8 + sps):
            data[i] ^= 0x5A
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize(
    ("box", "entries"),
    [(b"stsz", None), (b"avcC", None), (b"stsz", range(150, 152))],
    ids=["every stsz entry", "the avcC's SPS", "two stsz entries mid-file"],
)
def test_a_recording_that_does_not_decode_is_refused_when_indexed(
    fdcli: Cli, media: mediagen.MediaSet, tmp_path: Path, box: bytes, entries: range | None
) -> None:
    """It probes (and so imports), but the first use that indexes it says so in one sentence,
    with nothing from ffmpeg, PyAV or our decoder on the terminal (fd-level capture: C code's
    writes are seen too). Before, a still of it printed 251 lines."""
    cli = fdcli
    cli("family", "add", "F01")
    cli("consent", "F01", "--give", "feedback", "--by", "Dr Lee")
    damaged = _damaged(media["cfr25"], tmp_path / "visit two.mp4", box, entries)
    assert cli("import", str(damaged), "--family", "F01")[0] == 0
    for args in (("index", "1"), ("moments", "add", "1", "--start", "1", "--code", "Waiting")):
        assert cli.refuses(*args) == "The file 'visit two.mp4' is damaged or incomplete."


def test_nothing_chatters_when_a_file_is_damaged_after_indexing(
    cli: Cli, media: mediagen.MediaSet, tmp_path: Path
) -> None:
    """The decoder skips a damaged packet with a warning for whoever embeds us; on the command line
    only the sentence appears. Run as a real process: pytest's own log handlers would hide what
    Python's last-resort handler prints to stderr."""
    cli("family", "add", "F01")
    cli("consent", "F01", "--give", "feedback", "--by", "Dr Lee")
    source = tmp_path / "visit.mp4"
    source.write_bytes(media["cfr25"].read_bytes())
    assert cli("import", str(source), "--family", "F01", "--reference")[0] == 0
    assert cli("moments", "add", "1", "--start", "1", "--code", "Waiting")[0] == 0
    _damaged(media["cfr25"], source, b"stsz")  # the referenced file is damaged afterwards
    done = subprocess.run(
        [sys.executable, "-m", "vfeedback", "--library", str(cli.root), "export", "still", "1"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr == (
        "vfeedback: The still could not be made: frame 25 of 'visit.mp4' cannot be decoded: the file "
        "is damaged there.\n"
    )


# --- timestamps that are absurd, and a video of one frame ----------------------------------------


def _absurd(folder: Path) -> Path:
    """Three frames 100,000 s apart (a 1/1000 time base keeps the MP4's durations in 32 bits)."""
    args = shlex.split(
        "-f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 3 -vf settb=1/1000,setpts=N*100000/TB "
        "-fps_mode passthrough -c:v libx264 -bf 0 -g 1 -pix_fmt yuv420p -video_track_timescale 1000"
    )
    return mediagen._make(folder / "absurd_times.mp4", lambda out: mediagen._ffmpeg(*args, str(out)))


def _one_frame(folder: Path) -> Path:
    """One frame of a 10 fps video: it lasts 100 ms (not the 40 ms a guess at 25 fps would give)."""
    args = shlex.split("-f lavfi -i testsrc2=size=320x240:rate=10 -frames:v 1 -c:v libx264 -pix_fmt yuv420p")
    return mediagen._make(folder / "one_frame_10fps.mp4", lambda out: mediagen._ffmpeg(*args, str(out)))


def _frames(path: Path) -> int:
    data = mediagen.ffprobe_json(path, "-select_streams", "v", "-count_frames", "-show_entries",
                                 "stream=nb_read_frames")  # fmt: skip
    return int(data["streams"][0]["nb_read_frames"])


def test_absurd_timestamps_never_plan_millions_of_frames(cli: Cli, media: mediagen.MediaSet) -> None:
    """Frames at 0, 100,000 and 200,000 s: a clip of one frame with 1 s padding planned 4.8 million
    frames (200,000 s at 24 fps). No frame is shown more than 10 s: 10 s at 24 fps is 240 frames."""
    path = _absurd(media.folder)
    cli("family", "add", "F01")
    cli("consent", "F01", "--give", "feedback", "--by", "Dr Lee")
    cli.json("import", str(path), "--family", "F01")
    assert cli.json("index", "1")["frame_count"] == 3
    cli.json("moments", "add", "1", "--start", "f1", "--code", "Waiting")
    cli.json("moments", "add", "1", "--start", "f0", "--end", "f2", "--code", "Waiting")
    started = time.monotonic()
    clip = cli.json("export", "clip", "1", "--captions", "none")
    assert time.monotonic() - started < 60
    assert (clip["frame_count"], clip["duration_us"]) == (240, 10_000_000)
    assert _frames(Path(clip["path"])) == 240
    assert cli.refuses("export", "clip", "2", "--captions", "none") == (
        "The recording's frames jump from 00:00:00.000 to 27:46:40.000 inside this clip, so its "
        "timestamps are damaged; the clip cannot be made."
    )
    # (The reel itself is created first and kept, as the app creates one before exporting it.)
    assert cli.fails("export", "reel", "--title", "Us", "2") == (
        "The recording's frames jump from 00:00:00.000 to 27:46:40.000 inside this clip, so its "
        "timestamps are damaged; the clip cannot be made."
    )
    assert cli.refuses("export", "still", "1", "--at", "50000") == (
        "No frame of the recording is shown at 13:53:20.000: the file's timestamps leave a gap there."
    )


def test_a_one_frame_video_exports_as_still_clip_and_reel(cli: Cli, media: mediagen.MediaSet) -> None:
    """Its index said it lasts 0 s, so its only frame was "outside the recording, which runs from
    00:00:00.000 to 00:00:00.000". The frame lasts 100 ms (one frame at 10 fps), as probe says."""
    path = _one_frame(media.folder)
    cli("family", "add", "F01")
    cli("consent", "F01", "--give", "feedback", "--by", "Dr Lee")
    probed = cli.json("import", str(path), "--family", "F01")
    index = cli.json("index", "1")
    assert (index["frame_count"], index["duration_us"]) == (1, 100_000)
    assert (probed["frame_count"], probed["duration_us"]) == (1, 100_000)
    cli.json("moments", "add", "1", "--start", "0", "--code", "Waiting", "--caption", "Look")
    still = cli.json("export", "still", "1")
    assert (still["width"], still["height"]) == (320, 240)
    clip = cli.json("export", "clip", "1")
    assert (clip["frame_count"], clip["duration_us"]) == (1, 100_000) and _frames(Path(clip["path"])) == 1
    reel = cli.json("export", "reel", "--title", "Us", "1")
    assert reel["frame_count"] == 3 * 24 + 2  # at 24 fps (nearest to 10): 3 s of title, then 0.1 s


def test_an_index_stored_by_the_previous_version_still_serves(cli: Cli, media: mediagen.MediaSet) -> None:
    """Format 1 (no last frame's length) is read, not rebuilt: a referenced recording whose file is
    offline keeps its moments' frames."""
    import zlib
    from array import array

    cli("family", "add", "F01")
    cli.json("import", str(media["cfr25"]), "--family", "F01")
    cli.json("moments", "add", "1", "--start", "1", "--code", "Waiting")
    deltas = array("q", [0] + [40_000] * 249)
    con = sqlite3.connect(cli.root / "vfeedback.db")
    with con:
        con.execute("UPDATE frame_indexes SET data = ?", (b"\x01" + zlib.compress(deltas.tobytes()),))
    con.close()
    recording = cli.json("recordings")[0]
    Path(recording["path"]).replace(recording["path"] + ".away")
    [moment] = cli.json("moments", "list", "1")
    assert (moment["start_frame"], moment["end_frame"]) == (25, 25)


@pytest.mark.parametrize(("box", "entries"), [(b"stsz", None), (b"avcC", None), (b"stsz", range(150, 152))])
def test_the_damaged_media_do_not_decode_in_ffmpeg_either(
    media: mediagen.MediaSet, tmp_path: Path, box: bytes, entries: range | None
) -> None:
    """A guard on the corruption above, by another decoder run: ffmpeg itself reports errors
    decoding each file (and none decoding the original), so the refusals are not false alarms."""

    def errors(path: Path) -> str:
        done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v",
                               "-f", "null", "-"], capture_output=True, text=True, check=False)  # fmt: skip
        return done.stderr

    assert errors(media["cfr25"]) == ""
    assert errors(_damaged(media["cfr25"], tmp_path / "d.mp4", box, entries)) != ""


def test_a_progress_bar_names_a_file_inertly(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal the bar's label names the user's file ("Importing <name>"): escaped too."""
    import io

    from vfeedback.cli.progress import progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with progress("Importing visit\x1b]0;owned\x07.mp4", enabled=True, unit="B") as bar:
        bar.bytes(10, 100)
    shown = screen.getvalue()
    assert "Importing visit\\u001b]0;owned\\u0007.mp4" in shown and "\x07" not in shown
