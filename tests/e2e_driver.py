"""Drives the real window on a real X server (Xvfb) with real VLC, for tests/test_e2e.py.

    python tests/e2e_driver.py LIBRARY RECORDING_ID OUT_DIR

Opens the recording, plays for a moment, pauses, steps forward and back, then saves screenshots of the
whole screen (VLC's native window only shows in a screen grab) and prints a JSON report.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication

from vfeedback.services import Library
from vfeedback.ui.main_window import MainWindow

Step = Callable[[], bool] | float  # a condition to wait for, or seconds to wait


def main() -> int:
    library_root, recording_id, out_dir = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    app = QApplication([sys.argv[0]])
    library = Library.open(library_root)
    window = MainWindow(library)
    window.resize(1280, 800)
    window.show()
    report: dict[str, object] = {"vlc": window._player_missing is None}

    def grab(name: str) -> None:
        screen = app.primaryScreen()
        screen.grabWindow(0).save(str(out_dir / name))
        rect = window.video.frames.picture_rect() if window.video.showing_exact() else window.video.rect()
        top_left = (window.video.frames if window.video.showing_exact() else window.video).mapToGlobal(
            QPoint(rect.x(), rect.y())
        )
        report[name] = {"x": top_left.x(), "y": top_left.y(), "w": rect.width(), "h": rect.height()}

    def script() -> Iterator[Step]:
        window.open_recording(recording_id)
        yield lambda: window.coding.index is not None
        yield lambda: window.video.frames.exact and window.video.frames.frame_number == 0
        window.controller.toggle()
        yield 1.5
        report["playing_frame"] = window.controller.frame()
        grab("playing.png")
        report["showing_exact_while_playing"] = window.video.showing_exact()
        window.controller.toggle()
        for _ in range(5):
            window.controller.step_frames(1)
        window.controller.step_frames(-1)
        window.controller.step_frames(-1)
        expected = window.controller.frame()
        report["expected_frame"] = expected
        yield lambda: window.video.frames.exact and window.video.frames.frame_number == expected
        yield 0.3
        grab("paused.png")
        report["shown_frame"] = window.video.frames.frame_number
        report["position_text"] = window.transport.position.text()

    steps = script()
    state: dict[str, Any] = {"wait": None, "until": 0.0, "deadline": time.monotonic() + 60}

    def advance() -> None:
        if time.monotonic() > float(state["deadline"]):
            report["error"] = "timed out"
            app.quit()
            return
        wait = state["wait"]
        if callable(wait) and not wait():
            return
        if time.monotonic() < float(state["until"]):
            return
        try:
            step = next(steps)
        except StopIteration:
            app.quit()
            return
        state["wait"], state["until"] = (step, 0.0) if callable(step) else (None, time.monotonic() + step)

    timer = QTimer()
    timer.timeout.connect(advance)
    timer.start(40)
    app.exec()
    window.close()
    library.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
