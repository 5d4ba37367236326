"""Exports kept in the library: naming, rows, reuse, deletion, the CLI, and crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.cli.main import run
from vfeedback.core.model import HighlightKind, Moment, Recording
from vfeedback.export.options import ClipOptions
from vfeedback.services import Library

NOTE = "PRIVATE-NOTE-7f3a: mother low mood"
HIGHLIGHT_KEYS = {
    "id",
    "kind",
    "path",
    "moment_ids",
    "duration_us",
    "frame_count",
    "width",
    "height",
    "sha256",
}


@pytest.fixture
def tagged(library: Library, media: MediaSet) -> tuple[Recording, Moment]:
    library.families.add("PIP-7")
    library.consent.give("PIP-7", "feedback", "Dr Test")
    rec = library.recordings.import_file(media["cfr25"], "PIP-7")
    moment = library.moments.add(
        rec.id, 2_000_000, 4_000_000, code="Waiting", caption="You wait for her", note=NOTE
    )
    return rec, moment


def test_clip_is_stored_named_by_case_date_and_sequence_and_reused(
    library: Library, tagged: tuple[Recording, Moment]
) -> None:
    rec, moment = tagged
    clip = library.exports.clip(moment.id)
    path = library.exports.path(clip)
    assert path.parent == library.path / "clips" and path.is_file()
    assert path.name.startswith("PIP-7_") and path.name.endswith("_001.mp4")
    assert clip.kind is HighlightKind.CLIP and clip.moment_ids == (moment.id,)
    assert clip.recording_id == rec.id and clip.caption == "You wait for her"
    assert clip.duration_us > 3_900_000 and clip.frame_count > 90  # 2 s plus 1 s padding each side
    assert library.exports.clip(moment.id).id == clip.id  # same settings: the stored file
    other = library.exports.clip(moment.id, ClipOptions(padding_us=0, captions="none"))
    assert other.id != clip.id and library.exports.path(other).name.endswith("_002.mp4")
    assert {h.id for h in library.exports.all("PIP-7")} == {clip.id, other.id}
    assert [h.id for h in library.exports.all(text="WAIT for")] == [other.id, clip.id]
    for f in (library.path / "clips").iterdir():
        assert NOTE.encode() not in f.read_bytes()
    library.exports.delete(clip.id)
    assert not path.exists() and not path.with_suffix(".vtt").exists()
    assert [h.id for h in library.exports.all()] == [other.id]


def test_still_keeps_its_caption_beside_it(library: Library, tagged: tuple[Recording, Moment]) -> None:
    _, moment = tagged
    still = library.exports.still(moment.id, 3_000_000)
    path = library.exports.path(still)
    assert path.suffix == ".png" and path.parent == library.path / "stills"
    assert path.with_suffix(".txt").read_text(encoding="utf-8") == "You wait for her\n"
    assert (still.width, still.height) == (320, 240)
    assert library.exports.still(moment.id, 3_000_000).id == still.id


def test_moment_without_caption_exports_without_one(
    library: Library, tagged: tuple[Recording, Moment]
) -> None:
    rec, _ = tagged
    bare = library.moments.add(rec.id, 5_000_000, 6_000_000, code="Waiting")
    clip = library.exports.clip(bare.id)
    assert not library.exports.path(clip).with_suffix(".vtt").exists()


def test_cli_export_and_highlights(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = str(tmp_path / "lib")
    with Library.open(lib) as library:
        library.families.add("F9")
        library.consent.give("F9", "feedback", "Dr Test")
        rec = library.recordings.import_file(media["cfr25"], "F9")
        m = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="Together", note=NOTE)
    capsys.readouterr()
    assert (
        run(
            [
                "--library",
                lib,
                "export",
                "clip",
                str(m.id),
                "--padding",
                "0.5",
                "--out",
                str(tmp_path / "out"),
                "--json",
            ]
        )
        == 0
    )
    made = json.loads(capsys.readouterr().out)
    assert set(made) >= HIGHLIGHT_KEYS and made["kind"] == "clip" and made["moment_ids"] == [m.id]
    assert Path(made["path"]).is_absolute() and Path(made["path"]).is_file()
    assert (tmp_path / "out" / Path(made["path"]).name).is_file()
    assert run(["--library", lib, "export", "still", str(m.id), "--at", "1.5", "--json"]) == 0
    still = json.loads(capsys.readouterr().out)
    assert still["kind"] == "still" and still["frame_count"] == 1
    assert run(["--library", lib, "highlights", "--family", "F9", "--json"]) == 0
    assert {h["id"] for h in json.loads(capsys.readouterr().out)} == {made["id"], still["id"]}
    assert run(["--library", lib, "export", "clip", "999"]) == 3
    assert run(["--library", lib, "export", "clip", str(m.id), "--freeze", "nonsense"]) == 3
    err = capsys.readouterr().err
    assert all(line.startswith("vfeedback: ") for line in err.strip().splitlines())


EXPORTER = """
import sys
from vfeedback.services import Library
from vfeedback.export.options import ClipOptions
lib = Library.open(sys.argv[1])
print("started", flush=True)
lib.exports.clip(int(sys.argv[2]), ClipOptions(padding_us=0, slow_replay=True, quality="high"))
print("finished", flush=True)
"""


def test_killing_an_export_leaves_no_file_and_no_row(tmp_path: Path, media: MediaSet) -> None:
    root = tmp_path / "lib"
    with Library.open(root) as library:
        library.families.add("K1")
        library.consent.give("K1", "feedback", "Dr Test")
        rec = library.recordings.import_file(media["cfr25"], "K1")
        m = library.moments.add(rec.id, 0, 9_000_000, code="Waiting", caption="x")
        library.media.frame_index(rec.id)
    proc = subprocess.Popen(
        [sys.executable, "-c", EXPORTER, str(root), str(m.id)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any((root / "clips").glob(".*.part")):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Library.open(root) as library:  # opening sweeps what the killed export left
        assert library.exports.all() == []
        assert library.integrity.check() == []
        assert [p.name for p in (root / "clips").iterdir()] == []
        assert list((root / "cache" / "export").iterdir()) == []


@pytest.mark.slow
def test_reel_and_handout_from_the_cli(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = str(tmp_path / "lib")
    with Library.open(lib) as library:
        library.families.add("R1")
        library.consent.give("R1", "feedback", "Dr Test")
        a = library.recordings.import_file(media["cfr25"], "R1")
        b = library.recordings.import_file(media["no_audio"], "R1")
        m1 = library.moments.add(a.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait", note=NOTE)
        m2 = library.moments.add(b.id, 500_000, 1_500_000, code="Waiting", caption="She smiles", note=NOTE)
    capsys.readouterr()
    status = run(["--library", lib, "export", "reel", "--title", "Our moments", "--date", "26 November 2026",
                  str(m2.id), str(m1.id), "--out", str(tmp_path / "copy.mp4"), "--json"])  # fmt: skip
    assert status == 0, capsys.readouterr().err
    reel = json.loads(capsys.readouterr().out)
    assert reel["kind"] == "reel" and reel["moment_ids"] == [m2.id, m1.id]
    assert reel["duration_us"] > 4_000_000 and (tmp_path / "copy.mp4").is_file()
    with Library.open(lib) as library:
        [made] = library.reels.all("R1")
    assert (
        run(["--library", lib, "export", "handout", str(made.id), "--pdf", str(tmp_path / "h.pdf"), "--json"])
        == 0
    )
    handout = json.loads(capsys.readouterr().out)
    assert handout["kind"] == "handout" and handout["path"].endswith(".pdf")
    text = subprocess.run(
        ["pdftotext", handout["path"], "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Our moments" in text and "You wait" in text and "She smiles" in text and NOTE not in text
    for f in [Path(reel["path"]), Path(handout["path"]), tmp_path / "h.pdf"]:
        assert NOTE.encode() not in f.read_bytes()


def test_exports_running_at_once_never_share_a_name(
    library: Library, tagged: tuple[Recording, Moment]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    rec, _ = tagged
    moments = [
        library.moments.add(rec.id, t, t + 500_000, code="Waiting", caption=f"c{t}")
        for t in (1_000_000, 5_000_000, 7_000_000)
    ]
    with ThreadPoolExecutor(3) as pool:
        made = list(pool.map(lambda m: library.exports.clip(m.id, ClipOptions(padding_us=0)), moments))
    paths = {h.path for h in made}
    assert len(paths) == 3 and all(library.exports.path(h).stat().st_size == h.size_bytes for h in made)


def test_check_reports_a_missing_export(library: Library, tagged: tuple[Recording, Moment]) -> None:
    _, moment = tagged
    still = library.exports.still(moment.id)
    library.exports.path(still).unlink()
    [problem] = library.integrity.check()
    assert "missing" in problem.what and str(still.id) in problem.what


def test_a_reel_is_named_by_the_filming_date_like_its_clips(library: Library, media: MediaSet) -> None:
    """Filmed on 12 March 2025 and made today: the reel's file carries 20250312, as its clips do."""
    library.families.add("PIP-8")
    library.consent.give("PIP-8", "feedback", "Dr Test")
    rec = library.recordings.import_file(media["cfr25"], "PIP-8", recorded_on=date(2025, 3, 12))
    moment = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait for her")
    clip = library.exports.clip(moment.id)
    _, made = library.exports.new_reel("Our moments", [moment.id], "12 March 2025")
    assert Path(clip.path).name.startswith("PIP-8_20250312_")
    assert Path(made.path).name == "PIP-8_20250312_002.mp4"  # the clip took 001 in the same folder
    assert (made.width, made.height) == (426, 240)  # 320x240 source: 16:9 at its height
