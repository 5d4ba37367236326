"""The whole session preparation, as a new clinician meets it, through the real window.

A fresh home and a new library, a film generated on the spot, the app started as a clinician starts
it, on a real X server (Xvfb, the xcb platform) with real VLC and real ffmpeg. tests/journey_driver.py
does every step with real key and mouse events on the real widgets, dialogs included, and counts the
actions; this test then checks what came out against values worked out from the film itself.

Set VFEEDBACK_JOURNEY_SHOTS=/some/folder to keep a screenshot of every step, and
VFEEDBACK_JOURNEY_SCREEN=1920x1080 to run it on a larger screen (default 1366x768).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from mediagen import ffprobe_json, read_frame_number
from xvfb import Xvfb

HERE = Path(__file__).resolve().parent
FPS = 25


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (make test installs it)")
    with Xvfb(os.environ.get("VFEEDBACK_JOURNEY_SCREEN", "1366x768"), first=170) as number:
        yield number


def _film(folder: Path) -> Path:
    """Twelve seconds of 720p at 25 fps, every frame stamped with its number, with a voice-like tone.
    The picture is turned upside down after stamping, so the stamp sits at the top, clear of the
    caption burned along the bottom of a family's clip (the reader tries every quarter turn)."""
    from mediagen import code_filter

    out = folder / "visit 1.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi",
         "-i", f"testsrc2=s=1280x720:r={FPS}:d=12,{code_filter(1280, 720)},vflip,hflip",
         "-f", "lavfi", "-i", "sine=f=330:d=12", "-c:v", "libx264", "-preset", "veryfast",
         "-pix_fmt", "yuv420p", "-g", "50", "-c:a", "aac", "-shortest", str(out)],
        check=True,
    )  # fmt: skip
    return out


def _run(display: str, home: Path, film: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VFEEDBACK_CODER", "XDG_"))}
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    done = subprocess.run(
        [sys.executable, str(HERE / "journey_driver.py"), str(film)],
        capture_output=True,
        text=True,
        env=env,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in report, f"{report['error']}; {report.get('where')}; {report.get('actions')}"
    return report


def _frames_of(path: Path) -> list[int]:
    """The frame number stamped in each picture of a film, in order (the whole picture is the
    source's: a clip keeps the source's size)."""
    import av

    with av.open(str(path)) as container:
        return [read_frame_number(f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]


def _handout_frames(pdf: Path, folder: Path) -> list[int]:
    """The frame numbers of the pictures on the handout's first page as poppler renders it, in
    reading order (rows top to bottom, each left to right)."""
    import cv2
    import numpy as np

    subprocess.run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(pdf), str(folder / "p")],
                   check=True)  # fmt: skip
    page = cv2.imread(str(next(folder.glob("p*.png"))))
    assert page is not None
    ink = (np.abs(page.astype(int) - 255).max(axis=2) > 40).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    boxes = [tuple(int(v) for v in stats[i][:4]) for i in range(1, count) if stats[i][4] > 5000]
    boxes.sort(key=lambda b: (b[1] // 50, b[0]))
    return [read_frame_number(page[y : y + h, x : x + w]) for x, y, w, h in boxes]


def test_a_new_clinician_prepares_a_session_from_a_new_film(display: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    film = _film(tmp_path)
    report = _run(display, home, film)
    actions: dict[str, list[str]] = report["actions"]

    # 1-2. Greeted, asked once, imported into a new family; the window names the film.
    assert report["greeting_shown"]
    assert report["title_after_import"].startswith("F7 · ")
    # 3. Three moments where they were dragged (to the nearest frame), with their captions.
    tagged = report["tagged"]
    assert [m["caption"] for m in tagged] == ["You turned towards her", "You waited for her",
                                              "She looked back at you"]  # fmt: skip
    for m, (start_s, end_s) in zip(tagged, [(1.0, 3.0), (4.0, 6.4), (7.2, 9.0)], strict=True):
        assert abs(m["start_us"] - start_s * 1e6) <= 40_000 and abs(m["end_us"] - end_s * 1e6) <= 40_000
    # 4. The consent was asked for in the dialog, before anything ran, and recorded there.
    assert "has not given consent for feedback with the family" in report["consent_before"]
    assert not report["make_enabled_before_consent"]
    assert report["consent_after"].startswith("Consent for feedback with the family: given on")
    assert "Dr Ana Lee" in report["consent_after"]
    assert "not recorded" not in report["consent_panel"].split("Supervision")[0]  # the panel followed
    today = date.today()  # written as the dialog writes it ("7 December 2026"), not "07 Dec 2026"
    assert f"given</span> {today.day} {today:%B %Y}" in report["consent_panel"].split("Supervision")[0]
    assert report["ready"] == "3 clips, a reel and a handout are ready"
    assert {"Open folder", "Play the reel", "Print the handout…", "Review with the family"} <= set(
        report["ready_buttons"]
    )

    # What came out, read back from the library and the files themselves.
    from vfeedback.core.model import HighlightKind
    from vfeedback.services import Library

    (db,) = list(home.rglob("vfeedback.db"))
    with Library.open(db.parent) as lib:
        (family,) = lib.families.all()
        assert family.code == "F7"
        (rec,) = lib.recordings.all()
        assert rec.context == "bath time"
        made = lib.exports.all()
        clips = sorted((h for h in made if h.kind is HighlightKind.CLIP), key=lambda h: h.moment_ids[0])
        reels = [h for h in made if h.kind is HighlightKind.REEL]
        handouts = [h for h in made if h.kind is HighlightKind.HANDOUT]
        assert (len(clips), len(reels), len(handouts)) == (3, 1, 1)
        moments = sorted(lib.moments.all(rec.id), key=lambda m: m.start_us)
        assert {c.moment_ids[0] for c in clips} == {m.id for m in moments}
        assert all(m.coder == "Dr Ana Lee" for m in moments)  # the name given at the first start
        clip_paths = [lib.exports.path(c) for c in clips]
        reel_path, handout_path = lib.exports.path(reels[0]), lib.exports.path(handouts[0])
        audit_actors = {e.actor for e in lib.audit.entries(family.code)}
    assert audit_actors == {"Dr Ana Lee"}, "the app and the audit name one person"

    # Each clip holds exactly its moment's frames and a second each side (a family's clip shows
    # what led up to the moment and what followed), every frame once, in order (25 fps, 300 frames;
    # as everywhere in vfeedback, a span's end time names the last frame it shows).
    for m, path in zip(tagged, clip_paths, strict=True):
        first, last = round(m["start_us"] * FPS / 1e6), round(m["end_us"] * FPS / 1e6)
        wanted = list(range(max(0, first - FPS), min(12 * FPS - 1, last + FPS) + 1))
        assert _frames_of(path) == wanted, m["caption"]
    # The reel: 16:9 at the film's own 720 lines.
    stream = ffprobe_json(reel_path, "-show_streams")["streams"][0]
    assert (stream["width"], stream["height"]) == (1280, 720)
    # The handout's pictures are the chosen frames: the first moment's one frame after its
    # default, the others their default (the frame on screen when tagged inside the moment, else
    # the middle frame of the moment).
    expected = []
    for m in tagged:
        first, last = round(m["start_us"] * FPS / 1e6), round(m["end_us"] * FPS / 1e6)
        picture = m["picture_us"]
        default = round(picture * FPS / 1e6) if picture is not None else first + (last - first) // 2
        expected.append(default)
    expected[0] += 1
    assert _handout_frames(handout_path, tmp_path) == expected

    # 5. The highlights browser shows the session with its reel and handout.
    (heading, items), *_ = report["highlights"]
    assert heading.startswith("F7 · filmed")
    assert any("Our moments together" in i for i in items) and any(i.startswith("Handout") for i in items)

    # The counts: from an already-tagged film to the pack, and from a new film to the pack.
    pack, new = len(actions["pack"]), len(actions["new film"])
    print(json.dumps({"actions_tagged_film_to_pack": pack, "actions_new_film_to_pack": new + pack}))
    assert pack <= 12, actions["pack"]
    assert new + pack <= 30, actions
