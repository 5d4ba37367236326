"""Moment › Prepare session…, driven as the clinician drives it: real key and mouse events on the
dialog's widgets, the real task runner, ffmpeg and the library; the system's print dialog answered
with a key press and the handout printed to a PDF file, read back with poppler."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest
from mediagen import MediaSet
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QAction, QContextMenuEvent, QDesktopServices
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMenu, QPushButton, QToolButton, QWidget
from pytestqt.qtbot import QtBot
from test_session_pack import _handout_frames

from vfeedback.core.dates import long_date
from vfeedback.core.model import HighlightKind, Moment, Recording
from vfeedback.services import Library
from vfeedback.ui.highlights_browser import HighlightsBrowser
from vfeedback.ui.session_pack import (
    STOPPED,
    PrepareSessionDialog,
    browser_printer,
    default_moments,
)
from vfeedback.ui.tasks import TaskRunner

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils reads the handout")

S = 1_000_000
W = TypeVar("W", bound=QWidget)
NOTE = "PRIVATE zq4: not for the family"


@pytest.fixture
def tagged(library: Library, media: MediaSet) -> tuple[Recording, list[Moment]]:
    library.families.add("D1")
    rec = library.recordings.import_file(media["cfr25"], "D1")
    concern = next(c for s in library.schemes.all() for c in s.codes if c.kind.value == "concern")
    made = [
        library.moments.add(rec.id, 5 * S, 6 * S, code="Waiting", caption="Together", note=NOTE),
        library.moments.add(
            rec.id, 1 * S, 2 * S, code="Waiting", caption="You waited for her", picture=1_520_000
        ),
        library.moments.add(rec.id, 3 * S, 4 * S, code=concern.id, caption="Not for the handout"),
        library.moments.add(rec.id, 7 * S, 8 * S, code="Turned towards", caption="She smiled back"),
    ]
    return rec, made


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.wait(60_000)
    tasks.shutdown()


def _find(parent: QWidget, kind: type[W], name: str) -> W:
    found = parent.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} named {name}"
    return found


def _type(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


def _click(qtbot: QtBot, button: QPushButton | QToolButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


class _Urls(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url)


def test_the_strengths_in_timeline_order_are_the_default(
    library: Library, tagged: tuple[Recording, list[Moment]]
) -> None:
    rec, (together, waited, _, smiled) = tagged
    assert [m.id for m in default_moments(library, rec.id)] == [waited.id, together.id, smiled.id]


def test_consent_recorded_in_the_dialog_then_the_pack_and_the_four_ways_on(
    qtbot: QtBot, library: Library, tagged: tuple[Recording, list[Moment]], runner: TaskRunner, tmp_path: Path
) -> None:
    rec, _ = tagged
    moments = default_moments(library, rec.id)
    dialog = PrepareSessionDialog(library, runner, rec, moments)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    make = _find(dialog, QPushButton, "makePack")
    consent = _find(dialog, QLabel, "consentState")
    assert consent.text() == (
        "Family D1 has not given consent for feedback with the family. "
        "Record it here once they have given it:"
    )
    assert not make.isEnabled()
    # The clinician's settings first, then the consent: nothing typed is lost by recording it.
    _type(qtbot, _find(dialog, QLineEdit, "packTitle"), "Mia and you")
    _type(qtbot, _find(dialog, QLineEdit, "packDate"), "7 December 2026")
    second = _find(dialog, QWidget, "packMoment2")
    _click(qtbot, _find(second, QToolButton, "later"))
    _click(qtbot, _find(second, QToolButton, "later"))  # 5..6 s: frames 125..150, 137 the middle, + 2
    third = _find(dialog, QWidget, "packMoment3")
    qtbot.keyClicks(_find(third, QLineEdit, "familyWords"), "She was so happy")
    _type(qtbot, _find(dialog, QLineEdit, "consentBy"), "Dr Rowe")
    _click(qtbot, _find(dialog, QPushButton, "recordConsent"))
    today = date.today()
    assert consent.text() == (
        f"Consent for feedback with the family: given on {long_date(today)} (recorded by Dr Rowe)."
    )
    assert _find(dialog, QLineEdit, "packTitle").text() == "Mia and you"
    assert _find(third, QLineEdit, "familyWords").text() == "She was so happy"
    assert library.consent.has("D1", "feedback")

    _click(qtbot, make)
    ready = _find(dialog, QLabel, "packReady")
    qtbot.waitUntil(lambda: ready.isVisible(), timeout=120_000)
    assert ready.text() == "3 clips, a reel and a handout are ready"
    pack = dialog.pack
    assert pack is not None
    assert (pack.reel.title, pack.reel.date_text) == ("Mia and you", "7 December 2026")
    assert [m.id for m in moments] == list(pack.reel.moment_ids)
    assert library.moments.get(moments[1].id).picture_us == 139 * 40_000
    assert library.moments.get(moments[2].id).family_words == "She was so happy"
    (tmp_path / "kept").mkdir()
    kept = library.exports.path(pack.handout)
    # 7..8 s: frames 175..200, 187 the middle.
    assert _handout_frames(kept, tmp_path / "kept") == [38, 139, 187]

    urls = _Urls()
    QDesktopServices.setUrlHandler("file", urls, "open")  # type: ignore[arg-type]  # stubs say bytes
    try:
        _click(qtbot, _find(dialog, QPushButton, "openFolder"))
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in urls.opened] == [str(kept.parent)]

    with qtbot.waitSignal(dialog.play_requested) as played:
        _click(qtbot, _find(dialog, QPushButton, "playReel"))
    assert played.args == [library.exports.path(pack.film)]

    printed = tmp_path / "printed.pdf"
    dialog.printer().setOutputFileName(str(printed))
    answered: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if box is None or box is dialog:
            QTimer.singleShot(50, answer)
            return
        answered.append(box.objectName())
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(50, answer)
    _click(qtbot, _find(dialog, QPushButton, "printHandout"))
    assert answered == ["printDialog"]
    (tmp_path / "printed").mkdir()
    assert _handout_frames(printed, tmp_path / "printed") == [38, 139, 187]

    with qtbot.waitSignal(dialog.review_requested) as review:
        _click(qtbot, _find(dialog, QPushButton, "reviewWithFamily"))
    assert review.args == [pack.reel.id] and not dialog.isVisible()
    assert NOTE.encode() not in kept.read_bytes() and NOTE.encode() not in printed.read_bytes()


def test_stop_keeps_nothing_and_the_dialog_as_it_was(
    qtbot: QtBot, library: Library, tagged: tuple[Recording, list[Moment]], runner: TaskRunner
) -> None:
    rec, _ = tagged
    library.consent.give("D1", "feedback", "Dr Rowe")
    dialog = PrepareSessionDialog(library, runner, rec, default_moments(library, rec.id))
    qtbot.addWidget(dialog)
    dialog.show()
    _type(qtbot, _find(dialog, QLineEdit, "packTitle"), "Mia and you")
    _click(qtbot, _find(dialog, QPushButton, "makePack"))
    stop = _find(dialog, QPushButton, "stopPack")
    qtbot.waitUntil(stop.isVisible, timeout=5_000)
    _click(qtbot, stop)
    make = _find(dialog, QPushButton, "makePack")
    qtbot.waitUntil(make.isVisible, timeout=60_000)
    assert _find(dialog, QLabel, "packError").text() == STOPPED
    assert _find(dialog, QLineEdit, "packTitle").text() == "Mia and you"
    assert library.exports.all() == [] and library.reels.all() == []
    assert library.exports.all(kind=HighlightKind.HANDOUT) == []


def _right_click(view: HighlightsBrowser, highlight_id: int) -> QMenu:
    """A right-click on the item of ``highlight_id`` in the browser's grid; returns the menu shown."""
    index = view.index_of(highlight_id)
    assert index.isValid()
    at = view.grid.visualRect(index).center()
    viewport = view.grid.viewport()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, viewport.mapToGlobal(at))
    QApplication.sendEvent(viewport, event)
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu) and menu.objectName() == "highlightMenu"
    return menu


def _entry(menu: QMenu, name: str) -> QAction:
    (action,) = [a for a in menu.actions() if a.objectName() == name]
    return action


def test_a_handout_made_and_printed_from_any_reel_in_the_highlights_browser(
    qtbot: QtBot, library: Library, tagged: tuple[Recording, list[Moment]], runner: TaskRunner, tmp_path: Path
) -> None:
    _, (together, waited, _, _) = tagged
    library.consent.give("D1", "feedback", "Dr Rowe")
    reel = library.reels.create("Mia and you", [waited.id, together.id], "7 December 2026")
    film = library.exports.reel(reel.id)
    view = HighlightsBrowser(library, runner)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)

    menu = _right_click(view, film.id)
    entries = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert entries == ["Play here", "Play full screen", "Make the handout", "Print the handout…",
                       "Open folder", "Delete…"]  # fmt: skip
    assert not _entry(menu, "printHandout").isEnabled()  # nothing to print yet
    for _ in range(3):  # down to "Make the handout", as a person does with the keys
        qtbot.keyClick(menu, Qt.Key.Key_Down)
    assert menu.activeAction() is _entry(menu, "makeHandout")
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(library.exports.all(kind=HighlightKind.HANDOUT)) == 1, timeout=60_000)
    handout = library.exports.all(kind=HighlightKind.HANDOUT)[0]
    assert handout.reel_id == reel.id
    qtbot.waitUntil(  # the grid refreshed when the job reported back, after the row was written
        lambda: view.index_of(handout.id).isValid(), timeout=5_000
    )

    menu = _right_click(view, handout.id)
    assert _entry(menu, "makeHandout").text() == "Make the handout again"
    assert _entry(menu, "printHandout").isEnabled()
    printed = tmp_path / "printed.pdf"
    browser_printer(view).setOutputFileName(str(printed))
    answered: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(50, answer)
            return
        answered.append(box.objectName())
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(50, answer)
    qtbot.keyClick(menu, Qt.Key.Key_Down)
    qtbot.keyClick(menu, Qt.Key.Key_Down)
    qtbot.keyClick(menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: answered == ["printDialog"] and printed.exists(), timeout=10_000)
    # 1..2 s: frames 25..50, 38 chosen when tagging; 5..6 s: frames 125..150, 137 the middle.
    assert _handout_frames(printed, tmp_path) == [38, 137]


def test_the_pictures_are_decoded_off_the_gui_thread_and_a_quick_step_shows_the_last_frame(
    qtbot: QtBot, library: Library, tagged: tuple[Recording, list[Moment]], runner: TaskRunner
) -> None:
    """The dialog opens before any picture is decoded (each is asked of the task runner), then each
    row shows its exact frame; five quick clicks on ▶ end on the fifth frame later, whatever order the
    decodes finish in. Expected pixels come from a decoder of our own opened in the test."""
    from vfeedback.media.decoder import FrameDecoder
    from vfeedback.ui.player.frame_worker import to_qimage
    from vfeedback.ui.session_pack import THUMB, MomentRow

    rec, _ = tagged
    dialog = PrepareSessionDialog(library, runner, rec, default_moments(library, rec.id))
    qtbot.addWidget(dialog)
    rows = dialog.findChildren(MomentRow)
    assert len(rows) == 3 and all(row.shown_frame is None for row in rows)  # nothing decoded yet
    dialog.show()
    qtbot.waitUntil(lambda: all(row.shown_frame is not None for row in rows), timeout=20_000)
    assert [row.shown_frame for row in rows] == [38, 137, 187]  # the chosen picture, the middles
    second = rows[1]
    for _ in range(5):
        _click(qtbot, _find(second, QToolButton, "later"))
    qtbot.waitUntil(lambda: second.shown_frame == 142, timeout=20_000)
    index = library.media.frame_index(rec.id)
    with FrameDecoder(library.recordings.path(rec), index, 0, max_size=(THUMB[0] * 2, THUMB[1] * 2)) as own:
        assert second.image == to_qimage(own.frame(142).image)
        assert rows[0].image == to_qimage(own.frame(38).image)
    dialog.reject()
