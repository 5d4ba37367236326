"""Drives the real window with a session of angles on a real X server with real VLC, for
tests/test_angles_e2e.py.

    python tests/angles_e2e_driver.py LIBRARY MAIN_ID OUT_DIR

Opens the main recording (its angles beside it) and drives it with real key and mouse events: Space
(play) for a second, Space (pause), Shift+Right (a seek while paused), Space again with a seek back
while playing (Shift+Left), Space (pause), then a click on the small angle (it becomes large: VLC plays its
file), Space for half a second, Space. After each step it waits until the window has settled and saves
a screenshot of the whole screen, with where the large picture and each small angle's picture were.
The report (JSON, last line) says what the window claims; the test reads the stamps itself.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from stepper import Step, run_steps

from vfeedback.services import Library
from vfeedback.ui.main_window import MainWindow


def main() -> int:
    library_root, main_id, out_dir = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    app = QApplication([sys.argv[0]])
    library = Library.open(library_root)
    window = MainWindow(library)
    window.resize(1366, 740)
    window.show()
    report: dict[str, Any] = {"vlc": window._player_missing is None, "shots": {}}
    angles = window.angles

    def box(widget: QWidget, exact: bool) -> dict[str, int]:
        frames = getattr(widget, "frames", None)
        if exact and frames is not None:
            rect = frames.picture_rect()
            top_left = frames.mapToGlobal(QPoint(rect.x(), rect.y()))
        else:
            rect = widget.rect()
            top_left = widget.mapToGlobal(QPoint(0, 0))
        return {"x": top_left.x(), "y": top_left.y(), "w": rect.width(), "h": rect.height()}

    def grab(name: str) -> None:
        app.primaryScreen().grabWindow(0).save(str(out_dir / name))
        exact = window.video.showing_exact()
        shot: dict[str, Any] = {
            "large": {"id": angles.large_id, "exact": exact, **box(window.video, exact)},
            "small": {},
            "session_us": window.controller.time_us(),
            "playing": window.controller.playing,
            "at": time.monotonic(),
        }
        for cell in angles.area.small():
            shot["small"][str(cell.recording_id)] = {
                **box(cell, True), "placeholder": cell.frames.placeholder(),
                "frame": cell.frames.frame_number,
            }  # fmt: skip
        report["shots"][name] = shot

    def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        QTest.keyClick(app.focusWidget() or window, key, modifier)

    def settled() -> bool:
        """Paused; the large picture and every small one show the exact frame they were asked for."""
        if window.controller.playing or not window.video.showing_exact():
            return False
        for m in angles.members.values():
            view = angles.area.frame_view(m.id)
            if m.id == angles.large_id and m.angle is None:
                if not (view.exact and view.frame_number == window.controller.frame()):
                    return False
            elif isinstance(m.wanted, str):
                if view.placeholder() != m.wanted:
                    return False
            elif m.wanted is None or not (view.exact and view.frame_number == m.wanted):
                return False
        return True

    def script() -> Iterator[Step]:
        window.open_recording(main_id)
        yield lambda: window.coding.index is not None and angles.is_session()
        yield lambda: all(m.index is not None for m in angles.members.values())
        window.video.setFocus()
        window.controller.seek_us(2_000_000)
        yield settled
        yield 0.3
        grab("start.png")
        press(Qt.Key.Key_Space)
        yield 1.0
        grab("playing.png")
        press(Qt.Key.Key_Space)
        yield settled
        yield 0.3
        grab("paused.png")
        press(Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        yield settled
        yield 0.3
        grab("seeked.png")
        press(Qt.Key.Key_Space)
        yield 0.5
        press(Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)  # a seek (back) while playing
        yield 0.6
        grab("seeked_playing.png")
        press(Qt.Key.Key_Space)
        yield settled
        yield 0.3
        grab("paused2.png")
        cell = angles.area.small()[0]
        QTest.mouseClick(cell, Qt.MouseButton.LeftButton)
        report["made_large"] = cell.recording_id
        yield lambda: angles.large_id == cell.recording_id
        yield settled
        yield 0.3
        grab("large.png")
        press(Qt.Key.Key_Space)
        yield 0.8
        grab("large_playing.png")
        press(Qt.Key.Key_Space)
        yield settled
        yield 0.3
        grab("large_paused.png")

    def timed_out() -> str:
        return f"timed out after {sorted(report['shots'])}"

    run_steps(app, script(), report, timed_out=timed_out, whole_s=90)
    window.close()
    library.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
