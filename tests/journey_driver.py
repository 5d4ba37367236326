"""A clinician's whole session preparation, driven through the real window, for tests/test_journey.py.

    python tests/journey_driver.py FILM

Runs on a real X server (Xvfb, the xcb platform) with real VLC and real ffmpeg, in a fresh home (the
caller sets HOME and XDG_*), and starts the app the way a clinician does (``vfeedback``: the
default library, the first-start question). Every step is a real key or mouse event on a real
widget, dialogs included; nothing calls into the services. Each event a person would make is
counted as one action (typing a word into a field is one action, as is a drag on the timeline).
Prints a JSON report on its last line: the actions per phase, and what the test checks afterwards.
A screenshot of the whole screen is saved after each step into ``$VFEEDBACK_JOURNEY_SHOTS`` when set.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)
from stepper import Step, run_steps

W = TypeVar("W", bound=QWidget)

NO_MODS = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton
S = 1_000_000


class Hands:
    """The clinician's hands: every event goes to a real widget and is counted in the current phase."""

    def __init__(self, app: QApplication, shots: Path | None) -> None:
        self.app = app
        self.shots = shots
        self.phase = "start"
        self.actions: dict[str, list[str]] = {}
        self.shot_count = 0

    def count(self, what: str) -> None:
        self.actions.setdefault(self.phase, []).append(what)

    def click(self, widget: QWidget, what: str, pos: QPoint | None = None) -> None:
        self.count(what)
        QTest.mouseClick(widget, LEFT, NO_MODS, pos if pos is not None else widget.rect().center())

    def double_click(self, widget: QWidget, what: str, pos: QPoint) -> None:
        self.count(what)
        QTest.mouseDClick(widget, LEFT, NO_MODS, pos)

    def key(self, widget: QWidget, key: Qt.Key, what: str, mods: Qt.KeyboardModifier = NO_MODS) -> None:
        self.count(what)
        QTest.keyClick(widget, key, mods)

    def type(self, widget: QWidget, text: str, what: str) -> None:
        self.count(what)
        QTest.keyClicks(widget, text)

    def drag(self, widget: QWidget, a: QPoint, b: QPoint, what: str, steps: int = 6) -> None:
        """A press, moves with the button held, a release: one gesture."""
        self.count(what)
        QTest.mousePress(widget, LEFT, NO_MODS, a)
        for k in range(1, steps + 1):
            at = a + (b - a) * k / steps
            # QTest.mouseMove does not carry the held button; deliver the move a real drag delivers.
            move = QMouseEvent(QEvent.Type.MouseMove, QPointF(at), QPointF(widget.mapToGlobal(at)),
                               Qt.MouseButton.NoButton, LEFT, NO_MODS)  # fmt: skip
            QApplication.sendEvent(widget, move)
        QTest.mouseRelease(widget, LEFT, NO_MODS, b)

    def drop(self, target: QWidget, path: Path, what: str) -> None:
        """A file dragged from the file manager and let go over ``target``: one gesture."""
        self.count(what)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        at = target.rect().center()
        enter = QDragEnterEvent(at, Qt.DropAction.CopyAction, mime, LEFT, NO_MODS)
        QApplication.sendEvent(target, enter)
        assert enter.isAccepted(), "the window refused the dragged film"
        QApplication.sendEvent(target, QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, LEFT, NO_MODS))

    def later(self, event: Callable[[], None]) -> None:
        """An event that opens a modal dialog (which runs its own loop) is sent from the loop, so the
        script goes on inside the dialog."""
        QTimer.singleShot(0, event)

    def shot(self, name: str) -> None:
        if self.shots is None:
            return
        self.shot_count += 1
        screen = self.app.primaryScreen()
        screen.grabWindow(0).save(str(self.shots / f"{self.shot_count:02d}-{name}.png"))


def find(kind: type[W], name: str = "") -> W | None:
    """The visible widget of ``kind`` (and object name) among the top-level windows."""
    for top in QApplication.topLevelWidgets():
        candidates: list[QWidget] = [top] if isinstance(top, kind) else []
        candidates += top.findChildren(kind)
        for w in candidates:
            if w.isVisible() and (not name or w.objectName() == name):
                return w  # type: ignore[return-value]
    return None


def button(parent: QWidget, text: str) -> QAbstractButton:
    """The visible button whose words start with ``text``."""
    for b in parent.findChildren(QAbstractButton):
        if b.isVisible() and b.text().replace("&", "").startswith(text):
            return b
    raise LookupError(f"no visible button {text!r} in {parent.objectName() or parent}")


def child(parent: QWidget, kind: type[W], name: str) -> W:
    found = parent.findChild(kind, name)
    if found is None:
        raise LookupError(f"no {kind.__name__} {name!r} in {parent.objectName() or parent}")
    return found


def main() -> int:
    film = Path(sys.argv[1])
    shots_env = os.environ.get("VFEEDBACK_JOURNEY_SHOTS")
    shots = Path(shots_env) if shots_env else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    from vfeedback.ui import app as app_module

    built = app_module.build(None)
    if built is None:
        print(json.dumps({"error": "the app did not start"}))
        return 1
    app, window = built
    screen = app.primaryScreen().availableGeometry()
    window.setGeometry(screen)
    window.activateWindow()
    hands = Hands(app, shots)
    report: dict[str, Any] = {}

    def script() -> Iterator[Step]:
        # 1. First start: the app asks once for the clinician's name.
        hands.phase = "new film"
        yield lambda: find(QDialog, "nameDialog")
        asked = find(QDialog, "nameDialog")
        assert asked is not None
        hands.shot("first-start")
        field = asked.findChild(QLineEdit)
        assert field is not None
        field.selectAll()  # the offered login name is selected when the question opens
        hands.type(field, "Dr Ana Lee", "type my name")
        hands.key(field, Qt.Key.Key_Return, "save my name")
        yield lambda: find(QDialog, "nameDialog") is None
        greeting = find(QWidget, "greeting")
        report["greeting_shown"] = greeting is not None
        yield 0.3
        hands.shot("greeting")

        # 2. Import: the film dragged from the file manager onto the window, then one small dialog.
        hands.drop(window, film, "drop the film on the window")
        yield lambda: find(QDialog, "importDialog")
        dialog = find(QDialog, "importDialog")
        assert dialog is not None
        family = dialog.findChild(QComboBox, "family")
        dialog.activateWindow()  # what a window manager does for a new dialog (Xvfb has none)
        context = dialog.findChild(QComboBox, "context")
        assert family is not None and context is not None
        hands.type(family, "F7", "type a new case code")
        hands.click(context, "click the context")
        hands.type(context, "bath time", "type the context")
        yield 0.2
        hands.shot("import-dialog")
        hands.key(context, Qt.Key.Key_Return, "import")
        yield lambda: window.coding.index is not None and window.coding.recording is not None
        yield lambda: window.video.frames.exact
        yield 0.5
        hands.shot("film-open")
        report["title_after_import"] = window.windowTitle()

        # 3. Tagging: three moments dragged on the timeline, each given its code and a caption.
        timeline = window.timeline
        tags = [(1.0, 3.0, Qt.Key.Key_1, "You turned towards her"),
                (4.0, 6.4, Qt.Key.Key_2, "You waited for her"),
                (7.2, 9.0, Qt.Key.Key_1, "She looked back at you")]  # fmt: skip
        for start_s, end_s, code_key, caption in tags:
            band = timeline.rows.slot_band(0, 0, timeline.state.slots(0))
            y = band.y + band.h // 2

            def x(seconds: float) -> int:
                return timeline.rows.label_w + timeline.viewport.x_of(round(seconds * S))

            before = len(window.coding.moments)
            hands.drag(timeline, QPoint(x(start_s), y), QPoint(x(end_s), y), "drag a moment on the timeline")
            yield lambda before=before: len(window.coding.moments) == before + 1  # type: ignore[misc]
            hands.key(timeline, code_key, "its code")
            yield 0.2
            hands.click(window.inspector.caption, "click the caption")
            hands.type(window.inspector.caption, caption, "type the caption")
            yield 0.1
        hands.click(timeline, "click the timeline (the caption is saved)", QPoint(x(9.6), 5))
        yield lambda: all(m.caption for m in window.coding.moments)
        yield 0.3
        hands.shot("tagged")
        report["tagged"] = [
            {"id": m.id, "start_us": m.start_us, "end_us": m.end_us, "caption": m.caption,
             "picture_us": m.picture_us} for m in sorted(window.coding.moments, key=lambda m: m.start_us)
        ]  # fmt: skip

        # 4. The session pack: one action; the consent recorded in the dialog; the first picture one
        #    frame later; the family's own words under the second; then everything made at once.
        hands.phase = "pack"
        window.activateWindow()  # a window manager gives the window back its focus after a dialog
        yield lambda: window.isActiveWindow()
        hands.key(timeline, Qt.Key.Key_P, "Moment › Prepare session… (Ctrl+Shift+P)", CTRL | SHIFT)
        yield lambda: find(QDialog, "prepareSession")
        pack = find(QDialog, "prepareSession")
        assert pack is not None
        pack.activateWindow()
        yield 0.5
        hands.shot("prepare-session")
        report["consent_before"] = child(pack, QLabel, "consentState").text()
        make = child(pack, QPushButton, "makePack")
        report["make_enabled_before_consent"] = make.isEnabled()
        hands.click(child(pack, QPushButton, "recordConsent"), "Record consent")
        yield lambda: make.isEnabled()
        first_row = child(pack, QFrame, "packMoment1")
        report["first_picture_default"] = child(first_row, QLabel, "pictureTime").text()
        hands.click(child(first_row, QAbstractButton, "later"), "the first picture one frame later")
        words = child(child(pack, QFrame, "packMoment2"), QLineEdit, "familyWords")
        hands.click(words, "click the family's words")
        hands.type(words, "She always looks for me", "type the family's words")
        yield 0.3
        hands.shot("pack-chosen")
        report["consent_after"] = child(pack, QLabel, "consentState").text()
        hands.click(make, "Make the session pack")
        yield 0.5
        hands.shot("pack-working")
        ready = child(pack, QLabel, "packReady")
        yield lambda: ready.isVisible() and ready.text() != ""
        yield 0.3
        hands.shot("pack-ready")
        report["ready"] = ready.text()
        report["ready_buttons"] = [b.text() for b in pack.findChildren(QPushButton) if b.isVisible()]
        report["consent_panel"] = " ".join(
            w.text() for w in window.panel.consent.findChildren(QLabel) if w.isVisible()
        )

        # 7. Play the reel full screen, as the family will see it, and come back.
        hands.phase = "after"
        hands.click(child(pack, QPushButton, "playReel"), "Play the reel")
        yield lambda: find(QWidget, "resultPlayer")
        yield 1.5
        hands.shot("reel-playing")
        player = find(QWidget, "resultPlayer")
        assert player is not None
        hands.key(player, Qt.Key.Key_Escape, "Escape")
        yield lambda: find(QWidget, "resultPlayer") is None
        # 5. The highlights browser lists what was made, by session.
        hands.click(child(pack, QPushButton, "closePack"), "Close")
        yield lambda: find(QDialog, "prepareSession") is None
        window.activateWindow()
        yield lambda: window.isActiveWindow()
        hands.key(timeline, Qt.Key.Key_H, "Highlights… (Ctrl+H)", CTRL)
        yield lambda: find(QWidget, "highlightGrid")
        yield 1.5
        hands.shot("highlights")
        browser = find(QWidget, "highlightGrid")
        assert browser is not None
        top = browser.window()
        shelf = next(w for w in [top, *top.findChildren(QWidget)] if type(w).__name__ == "HighlightsBrowser")
        report["highlights"] = shelf.rows()  # type: ignore[attr-defined]

    def timed_out() -> str:
        report["where"] = [f"{type(w).__name__} {w.objectName()!r} {w.windowTitle()!r}"
                           for w in QApplication.topLevelWidgets() if w.isVisible()]  # fmt: skip
        hands.shot("timed-out")
        return f"timed out waiting in phase {hands.phase!r}"

    run_steps(app, script(), report, timed_out=timed_out, wait_s=60)  # one step may wait a minute
    report["actions"] = hands.actions
    report["window_title"] = window.windowTitle()
    window.close()
    window.library.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
