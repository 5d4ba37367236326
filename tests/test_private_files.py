"""Everything vfeedback writes about a family is readable by the clinician's login only, whatever the
umask, and the support log keeps nothing private.

Owner-only means files 0600 and folders 0700: in the library (the database, copies of films, exports,
their sidecars, caches, temporaries) and wherever a clinician saves a copy (``--out``, a handout, a
chart, a record). The tests run with umask 000, the loosest a desktop or a shell can hand us.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.cli import cmd_moments
from vfeedback.cli import main as cli_main
from vfeedback.export.options import ClipOptions
from vfeedback.services import Library

NOTE = "mother disclosed the private matter"


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def loose(*roots: Path) -> list[str]:
    """Every file not 0600 and every folder not 0700 under ``roots`` (and the roots themselves)."""
    found = []
    for root in roots:
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path.is_symlink():
                continue
            wanted = 0o700 if path.is_dir() else 0o600
            if mode != wanted:
                found.append(f"{path.relative_to(root.parent)} {oct(mode)}")
    return found


def test_the_library_api_writes_owner_only_whatever_the_umask(
    tmp_path: Path, media: MediaSet, open_umask: None
) -> None:
    root, out = tmp_path / "lib", tmp_path / "out"
    out.mkdir(mode=0o700)
    with Library.open(root) as lib:
        lib.families.add("F01")
        lib.consent.give("F01", "feedback", "Dr Test")
        rec = lib.recordings.import_file(media["cfr25"], "F01")
        index = lib.media.frame_index(rec.id)
        m = lib.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait", note=NOTE)
        clip = lib.exports.clip(m.id, ClipOptions(captions="both", padding_us=0))
        still = lib.exports.still(m.id)
        reel = lib.reels.create("Our moments", [m.id])
        lib.exports.reel(reel.id)
        lib.exports.handout(reel.id)
        cache = lib.media.cache_dir(rec.id)
        lib.media.proxy(rec.id, index)
        lib.media.filmstrip(rec.id, index, height=54)
        lib.media.waveform(rec.id, bucket_us=10_000)
        lib.exports.deliver(clip, lib.files.destination(out, default_name=Path(clip.path).name))
        lib.exports.deliver(still, lib.files.destination(out / "still.png"))
        lib.interchange.export_table(rec.id, lib.files.destination(out / "moments.csv"))
        lib.interchange.export_eaf(rec.id, out / "moments.eaf")
        lib.interchange.export_subtitles(rec.id, out / "captions.srt")
        lib.interchange.export_otio(reel.id, out / "reel.otio")
        lib.audit.write_csv(out / "audit.csv")
        lib.supervision.progress_csv("F01", out / "progress.csv")
        lib.supervision.progress_png("F01", out / "progress.png")
    sidecars = {p.suffix for p in (root / "clips").iterdir()} | {
        p.suffix for p in (root / "stills").iterdir()
    }
    assert {".mp4", ".vtt", ".png", ".txt", ".pdf"} <= sidecars  # the test covers every kind it claims
    assert {"proxy.mp4", "filmstrip.npz", "waveform.npz"} <= {p.name for p in cache.iterdir()}
    assert len(list(out.iterdir())) == 9
    assert loose(root, out) == []


def test_the_command_line_writes_owner_only_whatever_the_umask(tmp_path: Path, media: MediaSet) -> None:
    root, out = tmp_path / "lib", tmp_path / "copies"
    env = dict(os.environ, VFEEDBACK_LIBRARY=str(root))

    def vf(*argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "vfeedback", *argv], capture_output=True, text=True, env=env,
            preexec_fn=lambda: os.umask(0), timeout=180, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    vf("family", "add", "F01")
    vf("consent", "F01", "--give", "feedback", "--by", "Dr Test")
    vf("import", str(media["cfr25"]), "--family", "F01")
    vf("moments", "add", "1", "--start", "1", "--end", "2", "--code", "Waiting", "--caption", "Hi")
    vf("export", "clip", "1", "--captions", "soft", "--out", str(out))
    vf("export", "reel", "--title", "T", "1", "--out", str(out / "reel.mp4"))
    vf("export", "handout", "1", "--pdf", str(out / "handout.pdf"))
    assert len(list(out.iterdir())) == 3
    assert loose(root, out) == []


def test_a_loosened_library_is_tightened_when_it_opens(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    Library.open(root).close()
    (root / "vfeedback.db").chmod(0o644)
    (root / "clips").chmod(0o755)
    root.chmod(0o777)
    Library.open(root).close()
    assert loose(root) == []


def test_the_error_log_keeps_no_private_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unexpected failure is logged for support with the command's name and the code's path, never
    the values typed (a note) nor an exception's message (a database error quotes its parameters)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(os, "umask", os.umask)  # restored by monkeypatch
    os.umask(0)
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("F01")

    def broken(lib: Library, args: object) -> int:
        # A bug deep down whose message quotes what it was given, as a database error does.
        raise RuntimeError(f"statement failed with parameters ({getattr(args, 'note', '')!r}, 'F01 Smith')")

    monkeypatch.setitem(cmd_moments.HANDLERS, ("moments", "edit"), broken)
    status = cli_main.run(["--library", str(root), "moments", "edit", "7", "--note", NOTE])
    os.umask(0o022)
    err = capsys.readouterr().err
    assert status == 70 and err.count("\n") == 1 and "errors.log" in err
    log = cli_main.log_file()
    text = log.read_text()
    assert "moments edit" in text and "RuntimeError" in text and "in broken" in text
    assert NOTE not in text and "Smith" not in text and "--note" not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
