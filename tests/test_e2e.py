"""End to end on a real X server with real VLC: the video area shows the expected frame, exactly.

Starts Xvfb on a free display, runs the real window (tests/e2e_driver.py) on a generated recording,
drives it with real key events (steps, a second forward, play, pause, steps) and reads the frame number
stamped into the video (``mediagen.read_frame_number``) from each screenshot. The expected frames are
worked out here by hand from the keys pressed, never taken from the window: while playing the picture
read is VLC's own (its native window, in a screen grab), while paused the window's exact frame.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number
from xvfb import Xvfb

from vfeedback.services import Library

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (make test installs it)")
    with Xvfb("1440x900", first=140) as number:
        yield number


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


# By hand, per recording: its frame rate, and the frame one second after frame 3 (Shift+Right goes to
# the frame on screen at that time): cfr25, 25 fps: 0.12 s + 1 s = 1.12 s, frame 28; rotated_mov,
# 30 fps: 0.1 s + 1 s = 1.1 s, frame 33.
RECORDINGS = {"cfr25": (25, 28), "rotated_mov": (30, 33)}


@pytest.mark.parametrize("kind", list(RECORDINGS))
def test_real_keys_step_exact_frames_and_playback_moves_forward(
    display: str, media: MediaSet, tmp_path: Path, kind: str
) -> None:
    fps, one_second_on = RECORDINGS[kind]
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

    def shown(name: str) -> int:
        """The frame number stamped into the picture in the video area of screenshot ``name``."""
        return read_frame_number(_crop(tmp_path / name, report[name]))

    # Opened: frame 0. Right x5, Left x2: frame 3, exactly (a step of two frames would show 6).
    assert shown("start.png") == 0
    assert shown("stepped.png") == 3
    assert report["stepped.png"]["exact"] and "frame 3" in report["stepped.png"]["position_text"]
    # Shift+Right: one second on.
    assert shown("second.png") == one_second_on
    # Playing (Space): VLC's own picture is on screen (not our frame view), not black, and it moves
    # forward: a later grab shows a later frame, both after where playing started, and no further on
    # than the time that passed allows (with half a second for VLC's start).
    for name in ("playing1.png", "playing2.png"):
        assert not report[name]["exact"], f"{name}: the window showed its own frame while playing"
        assert _crop(tmp_path / name, report[name]).mean() > 20, f"{name}: the video area was black"
    first, second = shown("playing1.png"), shown("playing2.png")
    elapsed = report["playing2.png"]["at"] - report["second.png"]["at"]
    assert one_second_on <= first < second <= one_second_on + round(fps * (elapsed + 0.5)), (first, second)
    # Paused (Space): the window's exact frame, the one it says, not going back from where VLC had
    # got to by more than libvlc's own report of its position can lag the picture it shows (two
    # frames here: ../shared/platform.md; one frame behind was seen in one run of three).
    paused = shown("paused.png")
    assert report["paused.png"]["exact"] and paused == report["paused.png"]["frame"]
    assert paused >= second - 2
    # Right x3 from there: three frames on, as read from the two pictures.
    assert shown("after.png") == paused + 3
    assert f"frame {paused + 3}" in report["after.png"]["position_text"]
