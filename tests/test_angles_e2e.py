"""Angles on a real X server with real VLC: while VLC plays the large picture with its sound, the small
angle follows; after a pause, a seek and a seek while playing it shows the frame for the session time
(no drift: BORIS's complaint); a click makes it large and VLC plays its file on the main clock.

The frame numbers are read from the screen (VLC's own window only shows in a screen grab) with
``mediagen.read_frame_number``, and every expected frame is worked out here from ffprobe's frame times of
each file: the large picture's stamp gives the session time, and the small angle's stamp must be the
angle's frame at that time, within one frame.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anglegen
import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number
from xvfb import Xvfb

from vfeedback.services import Library

HERE = Path(__file__).resolve().parent
OFFSET = 1_370_000  # the angle's time zero on the main clock


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (make test installs it)")
    with Xvfb("1366x768", first=160) as number:
        yield number


def probe_times(path: Path) -> list[int]:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "frame=best_effort_timestamp_time", "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    )  # fmt: skip
    seconds = sorted(float(f["best_effort_timestamp_time"]) for f in json.loads(done.stdout)["frames"])
    return [round((s - seconds[0]) * 1e6) for s in seconds]


def read(path: Path, box: dict[str, Any]) -> int:
    import cv2

    image = cv2.imread(str(path))
    assert image is not None, path
    crop = image[box["y"] : box["y"] + box["h"], box["x"] : box["x"] + box["w"]][..., ::-1]
    # VLC letterboxes inside its surface: keep only what differs from the background.
    background = np.array([0x1D, 0x22, 0x26])
    ys, xs = np.where(np.abs(crop.astype(int) - background).sum(axis=2) > 12)
    assert len(ys), f"{path.name}: the picture shows nothing but its background"
    return read_frame_number(crop[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1])


def test_the_small_angle_stays_with_vlc_through_play_pause_and_seeks(
    display: str, media: MediaSet, tmp_path: Path
) -> None:
    pair = anglegen.make_pair(media.folder, "ntsc")  # 25 fps 320x240; 29.97 fps 480x270 from 1.37 s
    assert pair.offsets_us == [0, OFFSET]
    main_times, angle_times = probe_times(pair.paths[0]), probe_times(pair.paths[1])
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("E2E")
        main = lib.recordings.import_file(pair.paths[0], "E2E", title="Bath time")
        angle = lib.recordings.import_file(pair.paths[1], "E2E", title="Parent")
        lib.angles.add(angle.id, main.id, OFFSET)
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(HERE / "angles_e2e_driver.py"), str(root), str(main.id), str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in report, (report, done.stderr[-2000:])
    assert report["vlc"], "libvlc should be installed for this test"
    shots = report["shots"]

    def angle_frame_at(session_us: int) -> int:
        return bisect_right(angle_times, session_us - OFFSET) - 1

    def check(name: str, *, tolerance: int) -> tuple[int, int]:
        """The large (main) picture's stamp, and the small angle's: within ``tolerance`` of its frame
        at the session time the large picture shows."""
        shot = shots[name]
        png = tmp_path / name
        main_frame = read(png, shot["large"])
        small_frame = read(png, shot["small"][str(angle.id)])
        expected = angle_frame_at(main_times[main_frame])
        assert abs(small_frame - expected) <= tolerance, (name, main_frame, small_frame, expected)
        return main_frame, small_frame

    # Paused at S = 2 s: main frame 50, the parent at 0.63 s: its frame 18, exactly.
    assert check("start.png", tolerance=0) == (50, 18)
    # Playing (VLC's picture large): the small angle follows.
    assert not shots["playing.png"]["large"]["exact"]
    main_playing, _ = check("playing.png", tolerance=2)
    assert main_playing > 50
    # Paused, seeked while paused, seeked while playing, paused again: the frame for the session time
    # the large picture shows, within one frame (exactly, as the window decodes both when paused).
    for name in ("paused.png", "seeked.png", "paused2.png"):
        assert shots[name]["large"]["exact"]
        check(name, tolerance=0)
    check("seeked_playing.png", tolerance=2)
    seeked = shots["seeked.png"]["session_us"]
    assert seeked == shots["paused.png"]["session_us"] + 1_000_000
    # The angle made large: its picture large (exact when paused), the main one small, same session time.
    assert report["made_large"] == angle.id
    for name in ("large.png", "large_paused.png"):
        shot = shots[name]
        png = tmp_path / name
        assert shot["large"]["id"] == angle.id and shot["large"]["exact"]
        large_frame = read(png, shot["large"])
        small_main = read(png, shot["small"][str(main.id)])
        session = shot["session_us"]
        assert small_main == bisect_right(main_times, session) - 1
        assert abs(large_frame - angle_frame_at(session)) <= 1, (name, large_frame, angle_frame_at(session))
    assert not shots["large_playing.png"]["large"]["exact"]
    playing_angle = read(tmp_path / "large_playing.png", shots["large_playing.png"]["large"])
    assert playing_angle > read(tmp_path / "large.png", shots["large.png"]["large"]), "VLC played the angle"
