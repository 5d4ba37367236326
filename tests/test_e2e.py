"""End to end on a real X server with real VLC: the video area shows the expected frame, exactly.

Starts Xvfb on a free display, runs the real window (tests/e2e_driver.py) on a generated recording,
plays, pauses, steps, and reads the frame number stamped into the video from the screenshot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number

from vfeedback.services import Library

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (make test installs it)")
    number = 140
    while Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
        number += 1
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1440x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            break
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(10)


def _crop(path: Path, box: dict[str, int]) -> np.ndarray:
    import cv2

    image = cv2.imread(str(path))
    assert image is not None, path
    crop = image[box["y"] : box["y"] + box["h"], box["x"] : box["x"] + box["w"]][..., ::-1]
    # VLC letterboxes inside its surface: keep only what differs from the surface's background.
    background = np.array([0x1D, 0x22, 0x26])
    ys, xs = np.where(np.abs(crop.astype(int) - background).sum(axis=2) > 12)
    assert len(ys), "the video area shows nothing but its background"
    return crop[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


@pytest.mark.parametrize("kind", ["cfr25", "rotated_mov"])
def test_real_window_shows_the_exact_frame_after_stepping(
    display: str, media: MediaSet, tmp_path: Path, kind: str
) -> None:
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("E2E")
        rec = lib.recordings.import_file(media[kind], "E2E")
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(HERE / "e2e_driver.py"), str(root), str(rec.id), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in report, (report, done.stderr[-2000:])
    assert report["vlc"], "libvlc should be installed for this test"
    # While playing, VLC's own picture is on screen (not our frame view) and it is not black.
    assert not report["showing_exact_while_playing"]
    playing = _crop(tmp_path / "playing.png", report["playing.png"])
    assert playing.mean() > 20, "the video area was black while playing"
    assert abs(read_frame_number(playing) - report["playing_frame"]) <= 12
    # Paused after stepping: exactly the expected frame, not a neighbour.
    paused = _crop(tmp_path / "paused.png", report["paused.png"])
    assert report["shown_frame"] == report["expected_frame"]
    assert read_frame_number(paused) == report["expected_frame"]
    assert f"frame {report['expected_frame']}" in report["position_text"]
