"""A destination the clinician names can never damage the library, and a copy made there is whole.

Each test is the attack as a user (or a mistyping one) would make it, through the real command line:
the sentence, the exit status, and that nothing in the library changed (every file's bytes and mode,
every row).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from mediagen import MediaSet
from pytestqt.qtbot import QtBot

from vfeedback.cli.main import run
from vfeedback.services import Library

NOTE = "private: mother tearful at 00:12"


@dataclass
class World:
    root: Path
    outside: Path
    stored: Path  # the library's copy of recording 1
    referenced: Path  # recording 2, kept where it was filmed
    recording: int
    moment: int
    reel: int


@pytest.fixture
def world(tmp_path: Path, media: MediaSet) -> World:
    root = tmp_path / "lib"
    outside = tmp_path / "outside"
    outside.mkdir()
    filmed = tmp_path / "Smith baby" / "bath.mp4"
    filmed.parent.mkdir()
    shutil.copyfile(media["no_audio"], filmed)
    with Library.open(root) as lib:
        lib.families.add("F01")
        lib.consent.give("F01", "feedback", "Dr Test")
        rec = lib.recordings.import_file(media["cfr25"], "F01")
        ref = lib.recordings.import_file(filmed, "F01", reference=True)
        m = lib.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait", note=NOTE)
        lib.moments.add(ref.id, 500_000, code="Waiting", caption="She looks")
        reel = lib.reels.create("Our moments", [m.id])
        stored = lib.recordings.path(rec)
    return World(root, outside, stored, filmed, rec.id, m.id, reel.id)


def state(world: World) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """Every file of the library (and the referenced film) by content and mode, and every row."""
    files = {}
    for path in sorted([*world.root.rglob("*"), world.referenced]):
        if path.is_file() and not path.name.endswith(("-shm", "-wal")):
            files[str(path)] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode)
    with sqlite3.connect(world.root / "vfeedback.db") as conn:
        rows = list(conn.iterdump())
    return files, rows


def cli(world: World, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = run(["--library", str(world.root), *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _attacks(w: World) -> list[list[str]]:
    lib, m, r, reel = w.root, str(w.moment), str(w.recording), str(w.reel)
    db = str(lib / "vfeedback.db")
    return [
        ["export", "reel", "--title", "T", m, "--out", db],
        ["export", "reel", "--title", "T", m, "--out", str(w.stored)],
        ["export", "reel", "--title", "T", m, "--out", str(lib / "clips" / ".." / "vfeedback.db")],
        ["export", "reel", "--title", "T", m, "--out", str(lib / "recordings" / "new.mp4")],
        ["export", "reel", "--title", "T", m, "--out", str(w.referenced)],
        ["export", "clip", m, "--out", str(lib / "clips")],
        ["export", "clip", m, "--out", str(lib / "a new folder in the library")],
        ["export", "still", m, "--out", str(lib)],
        ["export", "handout", reel, "--pdf", db],
        ["export", "csv", r, "--out", db],
        ["export", "csv", r, "--out", str(w.referenced)],
        ["export", "eaf", r, "--out", str(lib / "recordings")],
        ["export", "srt", r, "--out", str(lib / "stills" / "x.srt")],
        ["export", "otio", reel, "--out", str(lib / "x.otio")],
        ["audit", "--csv", db],
        ["progress", "F01", "--png", str(w.stored)],
        ["progress", "F01", "--csv", str(lib / "cache" / "x.csv")],
    ]


def test_no_destination_inside_the_library_or_on_its_files_is_written(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = state(world)
    for argv in _attacks(world):
        status, out, err = cli(world, capsys, *argv)
        assert status == 3, (argv, out, err)
        assert err.count("\n") == 1 and err.startswith("vfeedback: "), (argv, err)
        assert "inside the vfeedback library" in err or "the film of recording" in err or "database" in err
        assert state(world) == before, argv


def test_a_symlinked_folder_or_home_does_not_hide_the_library(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    alias = world.outside / "looks harmless"
    alias.symlink_to(world.root)
    monkeypatch.setenv("HOME", str(world.root.parent))
    before = state(world)
    for out in [str(alias / "vfeedback.db"), "~/lib/vfeedback.db", str(alias / "recordings")]:
        status, _, err = cli(world, capsys, "export", "reel", "--title", "T", str(world.moment), "--out", out)
        assert status == 3 and "inside the vfeedback library" in err, out
    monkeypatch.chdir(world.root / "clips")
    status, _, err = cli(world, capsys, "export", "csv", str(world.recording), "--out", "../vfeedback.db")
    assert status == 3 and "inside the vfeedback library" in err
    assert state(world) == before


def test_another_mount_of_the_library_folder_is_still_the_library(world: World) -> None:
    """The same folder under another name (a bind mount here; a case-insensitive disk spells it in
    other letters) is recognised by what it is, not by how its path is spelled."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rm", "true"], check=False).returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("CI must be able to make a private mount namespace (unshare -rm)")
        pytest.skip("no user and mount namespaces here")
    alias = world.outside / "alias"
    alias.mkdir()
    before = state(world)
    script = (
        f'mount --bind "{world.root}" "{alias}" && exec "{sys.executable}" -m vfeedback '
        f'--library "{world.root}" export csv {world.recording} --out "{alias}/vfeedback.db"'
    )
    done = subprocess.run([unshare, "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert "inside the vfeedback library" in done.stderr and done.stderr.count("\n") == 1
    assert state(world) == before


def test_an_existing_symlink_is_replaced_never_written_through(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = world.outside / "precious.txt"
    precious.write_text("a family's letter")
    link = world.outside / "reel.mp4"
    link.symlink_to(precious)
    into_library = world.outside / "table.csv"
    into_library.symlink_to(world.root / "vfeedback.db")
    before = state(world)
    status, out, err = cli(
        world, capsys, "export", "reel", "--title", "T", str(world.moment), "--out", str(link), "--json"
    )
    assert status == 0, err
    made = json.loads(out)
    assert precious.read_text() == "a family's letter"
    assert not link.is_symlink() and link.read_bytes() == Path(made["path"]).read_bytes()
    assert link.stat().st_mode & 0o777 == 0o600
    status, _, err = cli(world, capsys, "export", "csv", str(world.recording), "--out", str(into_library))
    assert status == 0, err
    assert not into_library.is_symlink() and into_library.read_text().startswith("\ufeffrecording,")
    files, _ = state(world)
    kept = {k: v for k, v in before[0].items() if not k.endswith("vfeedback.db")}
    assert {k: v for k, v in files.items() if k in kept} == kept  # the films untouched
    with sqlite3.connect(world.root / "vfeedback.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_folder_destination_gets_the_export_under_its_own_name(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(
        world,
        capsys,
        "export",
        "reel",
        "--title",
        "T",
        str(world.moment),
        "--out",
        str(world.outside),
        "--json",
    )
    assert status == 0, err
    made = json.loads(out)
    copy = world.outside / Path(made["path"]).name
    assert made["copy"] == str(copy) and copy.read_bytes() == Path(made["path"]).read_bytes()
    status, _, err = cli(world, capsys, "export", "csv", str(world.recording), "--out", str(world.outside))
    assert status == 3 and "is a folder" in err
    missing = world.outside / "no such folder" / "reel.mp4"
    status, _, err = cli(
        world, capsys, "export", "reel", "--title", "T", str(world.moment), "--out", str(missing)
    )
    assert status == 3 and "does not exist" in err


def test_every_copy_is_recorded_with_where_it_went(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    target = world.outside / "for the supervisor.mp4"
    status, _, err = cli(
        world, capsys, "export", "reel", "--title", "T", str(world.moment), "--out", str(target)
    )
    assert status == 0, err
    with Library.open(world.root) as lib:
        copies = [e for e in lib.audit.entries("F01") if e.destination == str(target)]
        listed = [f.path for f in lib.audit.exported_files("F01", "feedback")]
    assert len(copies) == 1 and copies[0].action == "export" and copies[0].notes is False
    assert str(target) in listed  # a withdrawal of consent would name this copy


def _full_disk_run(
    world: World, argv: list[str], folder: Path, keep: Path | None
) -> subprocess.CompletedProcess[str]:
    """Run the real command with ``folder`` a 64 KiB disk that is already nearly full."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rm", "true"], check=False).returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("CI must be able to make a private mount namespace (unshare -rm)")
        pytest.skip("no user and mount namespaces here")
    folder.mkdir(exist_ok=True)
    keep_step = f'&& printf "the editor\'s old file" > "{keep}" ' if keep is not None else ""
    quoted = " ".join(f'"{a}"' for a in argv)
    script = (
        f'mount -t tmpfs -o size=64k tmpfs "{folder}" {keep_step}'
        f'&& head -c 40000 /dev/zero > "{folder}/filler" '
        f'&& "{sys.executable}" -m vfeedback --library "{world.root}" {quoted}; status=$?; '
        f'ls -A "{folder}"; cat "{keep}" 2>/dev/null; exit $status'
    )
    return subprocess.run([unshare, "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=180)


def test_a_full_disk_leaves_the_destination_as_it_was_and_says_so(world: World) -> None:
    folder = world.outside / "usb stick"
    reel = folder / "reel.mp4"
    done = _full_disk_run(
        world, ["export", "reel", "--title", "T", str(world.moment), "--out", str(reel)], folder, keep=reel
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip().splitlines() == [
        "vfeedback: The disk is full; 'reel.mp4' was not written. Free some space and try again."
    ]
    # Nothing half-written: only what was there before (the old file, unchanged, and the filler).
    assert done.stdout.split("\n")[:2] == ["filler", "reel.mp4"]
    assert done.stdout.rstrip().endswith("the editor's old file")
    for argv in (["export", "clip", str(world.moment), "--out", str(folder)],
                 ["export", "handout", str(world.reel), "--pdf", str(folder / "h.pdf")]):  # fmt: skip
        done = _full_disk_run(world, argv, folder, keep=None)
        assert done.returncode == 3, done.stderr
        assert "The disk is full" in done.stderr and done.stderr.count("\n") == 1
        assert done.stdout.split() == ["filler"]


def test_the_apps_save_dialog_goes_through_the_same_check(
    qtbot: QtBot, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clinician picks the library's own database in the save dialog: the one sentence shows in
    the window, nothing is written, and saving somewhere sensible then works."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    from vfeedback.ui.audit_view import AuditView

    before = state(world)
    chosen = [str(world.root / "vfeedback.db")]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (chosen[0], "Spreadsheet (*.csv)"))
    with Library.open(world.root) as lib:
        view = AuditView(lib, "F01")
        qtbot.addWidget(view)
        view.show()
        qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
        assert "inside the vfeedback library" in view.empty.text() and view.empty.isVisible()
        assert state(world) == before
        chosen[0] = str(world.outside / "record.csv")
        qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    assert (world.outside / "record.csv").read_text(encoding="utf-8").startswith("id,at,actor")


def test_a_folder_of_the_users_keeps_its_mode_and_a_new_one_is_owner_only(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """``export clip --out DIR``: the clinician's own folder (a Desktop, a shared folder, /tmp with its
    sticky bit) is theirs; exporting into it must not narrow it to owner-only (it did: 0755 became
    0700, and /tmp with it). A folder the export makes is owner-only, as every folder vfeedback makes."""
    shared = world.outside / "for the team"
    shared.mkdir()
    shared.chmod(0o1777)
    status, out, err = cli(world, capsys, "export", "clip", str(world.moment), "--out", str(shared), "--json")
    assert status == 0, err
    assert (shared.stat().st_mode & 0o7777) == 0o1777
    made = json.loads(out)
    assert Path(made["copy"]).parent == shared
    fresh = world.outside / "new" / "copies"
    status, _, err = cli(world, capsys, "export", "clip", str(world.moment), "--out", str(fresh))
    assert status == 0, err
    assert (fresh.stat().st_mode & 0o777) == 0o700 and ((fresh.parent.stat().st_mode & 0o777) == 0o700)
