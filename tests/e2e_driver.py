"""Drives the real window on a real X server (Xvfb) with real VLC, for tests/test_e2e.py.

    python tests/e2e_driver.py LIBRARY RECORDING_ID OUT_DIR

Opens the recording and drives it with real key events sent to the focused widget, as a keyboard
would (the window's key table decides what they do): Right x5, Left x2, Shift+Right (one second),
Space (play), Space (pause), Right x3. After each it waits until the window has settled (its own
exact frame shown, or a fixed time while playing) and saves a screenshot of the whole screen (VLC's
native window only shows in a screen grab) with where the video area was. The report (JSON, last line)
says what the window claims; the test reads the frame numbers stamped into the pictures itself.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from stepper import Step, run_steps

from vfeedback.services import Library
from vfeedback.ui.main_window import MainWindow


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
        exact = window.video.showing_exact()
        rect = window.video.frames.picture_rect() if exact else window.video.rect()
        top_left = (window.video.frames if exact else window.video).mapToGlobal(QPoint(rect.x(), rect.y()))
        report[name] = {
            "x": top_left.x(), "y": top_left.y(), "w": rect.width(), "h": rect.height(),
            "exact": exact, "frame": window.controller.frame(), "at": time.monotonic(),
            "position_text": window.transport.position.text(),
        }  # fmt: skip

    def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        """One key press and release, delivered to the widget that has the keyboard focus."""
        target = app.focusWidget() or window
        QTest.keyClick(target, key, modifier)

    def settled() -> bool:
        """The window shows its own decoded frame, and it is the one it says it is at."""
        frames = window.video.frames
        return (
            window.video.showing_exact() and frames.exact and frames.frame_number == window.controller.frame()
        )

    def script() -> Iterator[Step]:
        window.open_recording(recording_id)
        yield lambda: window.coding.index is not None
        yield lambda: window.video.frames.exact and window.video.frames.frame_number == 0
        window.video.setFocus()
        yield 0.3
        grab("start.png")
        for key in [Qt.Key.Key_Right] * 5 + [Qt.Key.Key_Left] * 2:
            press(key)
            yield 0.05
        yield settled
        yield 0.3
        grab("stepped.png")
        press(Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        yield settled
        yield 0.3
        grab("second.png")
        press(Qt.Key.Key_Space)
        yield 0.5
        grab("playing1.png")
        yield 0.5
        grab("playing2.png")
        press(Qt.Key.Key_Space)
        yield lambda: not window.controller.playing
        yield settled
        yield 0.3
        grab("paused.png")
        for _ in range(3):
            press(Qt.Key.Key_Right)
            yield 0.05
        yield settled
        yield 0.3
        grab("after.png")

    run_steps(app, script(), report, timed_out=lambda: "timed out", whole_s=60)
    window.close()
    library.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
