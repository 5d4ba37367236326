"""The command line: exit statuses, one-line errors, stable JSON, progress only on a terminal."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mediagen import MediaSet

from vfeedback.cli import parser, registry
from vfeedback.cli.main import run

PROBE_KEYS = {
    "container", "duration_us", "frame_count", "width", "height", "rotation", "display_width",
    "display_height", "avg_fps", "variable_frame_rate", "video_codec", "has_audio", "audio_codec",
}  # fmt: skip
RECORDING_KEYS = {"id", "family", "path", "fingerprint"} | PROBE_KEYS
MOMENT_KEYS = {
    "id", "recording_id", "start_us", "end_us", "start_frame", "end_frame", "code", "actor",
    "caption", "note", "coder",
}  # fmt: skip


class Cli:
    """Runs the CLI in-process (fast), against one library folder."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        status = run(["--library", str(self.root), *args])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err  # the CLI says one sentence, never a traceback
        return status, out, err

    def json(self, *args: str) -> Any:
        status, out, err = self(*args, "--json")
        assert status == 0, err
        return json.loads(out)


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path / "lib", capsys)


def _one_line_error(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vfeedback: "), err
    assert "Traceback" not in err


def test_probe_json_has_the_documented_keys(cli: Cli, media: MediaSet) -> None:
    data = cli.json("probe", str(media["rotated_mov"]))
    assert set(data) >= PROBE_KEYS
    assert data["rotation"] == 90
    assert (data["display_width"], data["display_height"]) == (data["height"], data["width"])


@pytest.mark.parametrize("kind", ["empty", "truncated", "text_mp4", "jpeg_mov", "audio_only"])
def test_bad_media_exits_3_with_one_line(cli: Cli, media: MediaSet, kind: str) -> None:
    status, out, err = cli("probe", str(media[kind]))
    assert status == 3 and out == ""
    _one_line_error(err)
    cli("family", "add", "F1")
    status, _, err = cli("import", str(media[kind]), "--family", "F1")
    assert status == 3
    _one_line_error(err)
    assert cli.json("recordings") == []


def test_whole_workflow(cli: Cli, media: MediaSet) -> None:
    assert cli.json("family", "add", "F1", "--label", "referral 12")["code"] == "F1"
    rec = cli.json("import", str(media["cfr25"]), "--family", "F1", "--recorded", "2026-03-14",
                   "--context", "free play")  # fmt: skip
    assert set(rec) >= RECORDING_KEYS and Path(rec["path"]).is_file()
    assert rec["family"] == "F1" and rec["recorded_on"] == "2026-03-14"
    rid = str(rec["id"])
    a = cli.json("moments", "add", rid, "--start", "0:04.5", "--code", "Waiting")
    assert a["start_us"] == a["end_us"] == 4_480_000  # the frame on screen at 4.5 s (25 fps)
    b = cli.json("moments", "add", rid, "--start", "2.02", "--end", "f75", "--code", "Waiting",
                 "--actor", "parent", "--caption", "You waited", "--note", "private")  # fmt: skip
    assert set(b) >= MOMENT_KEYS
    assert (b["start_frame"], b["end_frame"]) == (50, 75)
    assert (b["start_us"], b["end_us"]) == (2_000_000, 3_000_000)
    listed = cli.json("moments", "list", rid)
    assert [m["id"] for m in listed] == [b["id"], a["id"]]  # in time order
    assert listed[0]["note"] == "private" and listed[0]["caption"] == "You waited"
    edited = cli.json("moments", "edit", str(b["id"]), "--caption", "You waited for her")
    assert edited["caption"] == "You waited for her" and edited["note"] == "private"
    assert cli.json("undo") == {"undone": "Edit moment at 00:00:02.000"}
    assert cli.json("redo") == {"redone": "Edit moment at 00:00:02.000"}
    status, out, _ = cli("moments", "delete", str(b["id"]))
    assert status == 0 and "undo" in out
    cli("undo")
    assert [m["caption"] for m in cli.json("moments", "search", "waited FOR")] == [
        "You waited for her"
    ]
    assert cli.json("check") == {
        "ok": True, "problems": [], "audit_chain_ok": True, "repaired": [], "notices": []
    }  # fmt: skip


def test_times_past_the_end_are_refused(cli: Cli, media: MediaSet) -> None:
    cli("family", "add", "F1")
    rid = str(cli.json("import", str(media["cfr25"]), "--family", "F1")["id"])
    status, _, err = cli("moments", "add", rid, "--start", "1:00.5", "--code", "Waiting")
    assert status == 3 and "outside the recording" in err
    _one_line_error(err)
    status, _, err = cli("moments", "add", rid, "--start", "1:2:3:4", "--code", "Waiting")
    assert status == 3 and "not a time" in err


def test_unknown_ids_and_usage_errors(cli: Cli) -> None:
    status, _, err = cli("moments", "list", "42")
    assert status == 3
    _one_line_error(err)
    status, _, err = cli("moments", "edit", "7", "--caption", "x")
    assert status == 3
    status, _, err = cli("moments", "add", "notanumber", "--start", "1", "--code", "x")
    assert status == 2 and "Traceback" not in err
    status, _, err = cli("frobnicate")
    assert status == 2
    status, _, err = cli("undo")
    assert status == 3 and "nothing to undo" in err


def test_check_reports_problems_with_status_1(cli: Cli, media: MediaSet) -> None:
    cli("family", "add", "F1")
    rec = cli.json("import", str(media["no_audio"]), "--family", "F1")
    Path(rec["path"]).unlink()
    status, out, _ = cli("check")
    assert status == 1 and "missing" in out
    data = json.loads(cli("check", "--json")[1])
    assert data["ok"] is False and data["problems"][0]["recording_id"] == rec["id"]


def test_schemes_lists_the_default_and_imports_one(cli: Cli, tmp_path: Path) -> None:
    schemes = cli.json("schemes")
    [default] = [s for s in schemes if s["default"]]
    assert "VIG" in default["name"] and default["codes"]
    scheme_file = tmp_path / "team.toml"
    scheme_file.write_text("this is = = not toml")
    status, _, err = cli("schemes", "import", str(scheme_file))
    assert status == 3
    _one_line_error(err)


def _subprocess(
    args: list[str], env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "vfeedback", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_real_process_never_prints_a_traceback(tmp_path: Path, media: MediaSet) -> None:
    lib = str(tmp_path / "lib")
    result = _subprocess(["--library", lib, "probe", str(media["jpeg_mov"])])
    assert result.returncode == 3 and result.stderr.count("\n") == 1
    assert "still image" in result.stderr
    result = _subprocess(["--library", lib, "family", "add", "F1"])
    assert result.returncode == 0
    # Piped output: no progress bar noise on stderr.
    result = _subprocess(["--library", lib, "import", str(media["cfr25"]), "--family", "F1"])
    assert result.returncode == 0 and result.stderr == ""
    # A library from the future: refused in one line, exit 3.
    import sqlite3

    with sqlite3.connect(tmp_path / "lib" / "vfeedback.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zzz'")
    conn.close()
    result = _subprocess(["--library", lib, "families"])
    assert result.returncode == 3 and result.stderr.count("\n") == 1
    assert "newer version" in result.stderr and "Traceback" not in result.stderr


def test_open_prepares_the_recording_then_starts_the_app(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[tuple[str | None, int]] = []

    def fake_gui(library: str | None, recording_id: int) -> int:
        started.append((library, recording_id))
        return 0

    lib = str(tmp_path / "lib")
    assert run(["--library", lib, "open", str(media["cfr25"])], start_gui=fake_gui) == 0
    assert run(["--library", lib, "open", str(media["cfr25"])], start_gui=fake_gui) == 0
    assert started == [(lib, 1), (lib, 1)]  # the second open reuses the import
    assert run(["--library", lib, "open", "1"], start_gui=fake_gui) == 0
    capsys.readouterr()
    assert run(["--library", lib, "open", "42"], start_gui=fake_gui) == 3
    assert run(["--library", lib, "open", str(tmp_path / "nope.mp4")], start_gui=fake_gui) == 3
    assert run(["--library", lib, "open", str(media["text_mp4"])], start_gui=fake_gui) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 3 and all(line.startswith("vfeedback: ") for line in err.splitlines())
    assert len(started) == 3


def test_import_takes_a_recording_or_a_kind_of_moments_file(
    cli: Cli, media: MediaSet, tmp_path: Path
) -> None:
    """`import FILE --family` and `import eaf|boris FILE --recording` share one command."""
    for args, reason in (
        (("import", "x.mp4"), "--family"),
        (("import", "eaf", "x.eaf"), "--recording"),
        (("import", "eaf", "x.eaf", "--recording", "1", "--family", "F"), "for importing a recording"),
        (("import", "x.mp4", "--family", "F", "--map", "a=b"), "for importing moments"),
        (("import", "a", "b", "c"), "import one file"),
    ):
        status, _, err = cli(*args)
        assert status == 2 and reason in err and "Traceback" not in err, (args, err)
    assert cli("family", "add", "F1")[0] == 0
    assert cli("consent", "F1", "--give", "feedback", "--by", "Dr Test")[0] == 0
    rec = cli.json("import", str(media["cfr25"]), "--family", "F1")
    moment = cli.json("moments", "add", str(rec["id"]), "--start", "1", "--end", "2", "--code", "Waiting",
                      "--caption", "You wait for her.", "--coder", "ana")  # fmt: skip
    out = tmp_path / "m.eaf"
    assert cli("export", "eaf", str(rec["id"]), "--out", str(out))[0] == 0
    assert cli("moments", "delete", str(moment["id"]))[0] == 0
    [back] = cli.json("import", "eaf", str(out), "--recording", str(rec["id"]))
    assert {k: back[k] for k in ("start_us", "end_us", "caption", "coder", "code")} == {
        k: moment[k] for k in ("start_us", "end_us", "caption", "coder", "code")
    }
    status, _, err = cli("import", "boris", str(out), "--recording", str(rec["id"]))
    assert status == 3 and "m.eaf" in err
    _one_line_error(err)


# --- the grammar: one module per command group, and only the command asked for is built ----------

# The README's command list, in its order (which `vfeedback --help` follows).
README_COMMANDS = [
    "open", "probe", "family", "families", "import", "recordings", "index", "relink", "moments",
    "consent", "audit", "retention", "due", "delete", "export", "highlights", "schemes", "undo",
    "redo", "check", "progress", "agreement", "suggest", "voices", "angle", "angles", "team", "caseload",
    "share", "shares",
]  # fmt: skip
# Every command that runs on a library, as (command, action); `open` and `probe` run without one.
README_HANDLERS = {
    ("family", "add"), ("family", "edit"), ("families", None), ("import", None), ("import", "eaf"),
    ("import", "boris"), ("recordings", None), ("index", None), ("relink", None), ("moments", "add"),
    ("moments", "list"), ("moments", "search"), ("moments", "edit"), ("moments", "delete"),
    ("undo", None), ("redo", None), ("schemes", None), ("schemes", "import"), ("check", None),
    ("export", "clip"), ("export", "still"), ("export", "reel"), ("export", "handout"),
    ("highlights", None), ("consent", None), ("audit", None), ("retention", None), ("due", None),
    ("delete", "family"), ("delete", "recording"), ("agreement", None), ("progress", None),
    ("export", "eaf"), ("export", "csv"), ("export", "srt"), ("export", "vtt"), ("export", "otio"),
    ("suggest", None), ("voices", None), ("angle", "add"), ("angle", "set"), ("angle", "remove"),
    ("angles", None),
    ("team", "add"), ("team", "list"), ("caseload", "add"), ("caseload", "remove"), ("caseload", "list"),
    ("share", None), ("shares", None),
}  # fmt: skip


def _listed(help_text: str) -> list[str]:
    """The command words of a top-level help, in order (each on a line indented four spaces)."""
    return re.findall(r"^    (\S+)", help_text, re.MULTILINE)


def _parsers(p: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every command and subcommand below ``p`` with its help text."""
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub.format_help()
                yield from _parsers(sub, (*path, name))


def test_help_lists_every_command_in_the_readme_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    assert _listed(capsys.readouterr().out) == README_COMMANDS
    assert list(registry.COMMANDS) == README_COMMANDS


def test_every_command_has_a_handler_in_its_own_group_module() -> None:
    assert set(registry.handlers()) == README_HANDLERS
    for command, group in registry.COMMANDS.items():
        module = registry.group(group)
        assert command in module.GRAMMAR, command
        assert {c for c, _ in module.HANDLERS} <= {c for c, g in registry.COMMANDS.items() if g == group}
    for command, action in README_HANDLERS:
        assert registry.handler(command, action) is registry.handlers()[(command, action)]


def test_one_command_built_alone_has_the_grammar_it_has_among_all() -> None:
    """A run builds only the command it names: its options, help and refusals must be the same as
    when every command is built (for --help)."""
    every = dict(_parsers(parser.build()))
    # commands; family, moments, delete and export actions; angle, team and caseload actions
    assert len(every) == 30 + 2 + 5 + 2 + 9 + 3 + 3 + 3
    for command in README_COMMANDS:
        alone = dict(_parsers(parser.build(command)))
        assert alone == {path: text for path, text in every.items() if path[0] == command}, command


def test_what_comes_before_the_command_decides_which_help(capsys: pytest.CaptureFixture[str]) -> None:
    """`-h families` is the top-level help, naming every command; `families -h` is the command's own;
    an unknown command is refused naming every command there is."""
    assert run(["-h", "families"]) == 0
    assert _listed(capsys.readouterr().out) == README_COMMANDS
    assert run(["--lib", "/nowhere", "families", "-h"]) == 0
    assert capsys.readouterr().out == "usage: vfeedback families [-h] [--json]\n\noptions:\n" + (
        "  -h, --help  show this help message and exit\n"
        "  --json      print JSON (stable keys; see README)\n"
    )
    assert run(["--library=/nowhere", "frobnicate"]) == 2
    choices = ", ".join(f"'{c}'" for c in README_COMMANDS)
    assert capsys.readouterr().err == (
        f"vfeedback: argument COMMAND: invalid choice: 'frobnicate' (choose from {choices}) "
        "(see `vfeedback --help`)\n"
    )
    assert run(["--library"]) == 2
    assert capsys.readouterr().err == (
        "vfeedback: argument --library: expected one argument (see `vfeedback --help`)\n"
    )
    assert run(["families", "--library", "/nowhere"]) == 2
    assert capsys.readouterr().err == (
        "vfeedback: unrecognized arguments: --library /nowhere (see `vfeedback --help`)\n"
    )
