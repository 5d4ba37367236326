"""Review mode, as a family sees it: captions only, calm pages, keys and clicker, a deliberate exit.

The fallback player (no libvlc) runs on a clock the test moves by hand, so a clip ends exactly when
the test says so. Every page is checked by walking the whole widget tree for anything private.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from mediagen import MediaSet, read_frame_number
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from vfeedback.core.errors import ConsentMissing
from vfeedback.core.model import Moment, Recording
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.media.player import PlayerState
from vfeedback.services import Library
from vfeedback.ui.review import ReviewWindow
from vfeedback.ui.review.flow import PAD_US, ReviewFlow, Screen, Step, load_reel
from vfeedback.ui.review.pages import NO_CAPTION, UNAVAILABLE

CAPTIONS = ("She looks at you, and you wait for her", "", "You take turns, like a little conversation")
NOTES = ("NOTE-ALPHA mother tearful after", "NOTE-BETA sleep worries", "NOTE-GAMMA discuss at supervision")
OTHER_CAPTION = "OTHER-FAMILY you sing together"
OTHER_NOTE = "NOTE-OTHER never here"
CASE, OTHER_CASE = "FAM-0417", "ZX-9921"
LABEL, OTHER_LABEL = "Household Ashworth", "Household Okonkwo"
OTHER_DAY = date(2024, 3, 14)


class FakeClock:
    """Wall time for the ClockPlayer that moves only when the test moves it."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Review:
    window: ReviewWindow
    clock: FakeClock
    recording: Recording
    moments: list[Moment]
    forbidden: list[str]


def open_review(qtbot: QtBot, library: Library, reel_id: int, clock: FakeClock) -> ReviewWindow:
    window = ReviewWindow(library, reel_id, player=ClockPlayer(now=clock))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


@pytest.fixture
def review(qtbot: QtBot, library: Library, media: MediaSet) -> Iterator[Review]:
    library.families.add(CASE, LABEL)
    library.families.add(OTHER_CASE, OTHER_LABEL)
    library.consent.give(CASE, "feedback", "Dr Test")
    rec = library.recordings.import_file(media["cfr25"], CASE)
    other = library.recordings.import_file(media["no_audio"], OTHER_CASE, recorded_on=OTHER_DAY)
    spans: tuple[tuple[int, int, str, str], ...] = (
        (1_000_000, 2_000_000, "Waiting", "parent"),
        (4_000_000, 4_600_000, "Turned towards", "parent"),
    )
    spans += ((6_000_000, 7_000_000, "Taking turns", "infant"),)
    moments = [
        library.moments.add(rec.id, a, b, code=code, actor=actor, caption=caption, note=note)
        for (a, b, code, actor), caption, note in zip(spans, CAPTIONS, NOTES, strict=True)
    ]
    theirs = library.moments.add(
        other.id, 500_000, 1_500_000, code="Waiting", caption=OTHER_CAPTION, note=OTHER_NOTE
    )
    reel = library.reels.create("Our moments together", [m.id for m in moments])
    other_reel = library.reels.create("Their moments", [theirs.id])
    codes = [c for s in library.schemes.all() for c in s.codes]
    forbidden = [
        *NOTES,
        OTHER_NOTE,
        OTHER_CAPTION,
        *(c.name for c in codes),
        *(c.principle for c in codes),
        "parent",
        "infant",
        "clinician",
        CASE,
        OTHER_CASE,
        LABEL,
        OTHER_LABEL,
        rec.original_name,
        other.original_name,
        rec.path.rsplit("/", 1)[-1],
        other.path.rsplit("/", 1)[-1],
        ".mp4",
        "cfr25",
        str(library.path),
        "2024",
        "14 March",
        other_reel.title,
        other_reel.date_text,
        reel.date_text,
    ]
    clock = FakeClock()
    window = open_review(qtbot, library, reel.id, clock)
    qtbot.waitUntil(lambda: rec.id in window.clips.indexes, timeout=20_000)
    yield Review(window, clock, rec, moments, forbidden)
    window.release()
    window.close()


def shown_texts(window: QWidget) -> list[str]:
    """Every string the window could put in front of someone: texts, titles, tips, accessible names."""
    texts = [window.windowTitle()]
    for w in [window, *window.findChildren(QWidget)]:
        texts += [w.toolTip(), w.statusTip(), w.whatsThis(), w.accessibleName(), w.accessibleDescription()]
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        if w.isWindow():
            texts.append(w.windowTitle())
    texts += [a.text() for a in window.findChildren(QAction)]
    texts += [a.toolTip() for a in window.findChildren(QAction)]
    return [t for t in texts if t]


def assert_private(r: Review) -> list[str]:
    texts = shown_texts(r.window)
    for text in texts:
        for word in r.forbidden:
            assert word.lower() not in text.lower(), f"{word!r} is on screen in {text!r}"
    return texts


def visible_texts(window: ReviewWindow) -> list[str]:
    page = window.current_page()
    assert page is not None
    return [
        w.text()
        for w in page.findChildren(QWidget)
        if isinstance(w, QLabel | QAbstractButton) and w.isVisible() and w.text()
    ]


def press(window: QWidget, key: Qt.Key) -> None:
    QTest.keyClick(QApplication.focusWidget() or window, key)


def wait_page(qtbot: QtBot, window: ReviewWindow, page: QWidget) -> None:
    qtbot.waitUntil(lambda: window.current_page() is page, timeout=10_000)


def finish_clip(qtbot: QtBot, r: Review) -> None:
    r.clock.advance(30)
    wait_page(qtbot, r.window, r.window.choice)


def to_array(image: QImage) -> np.ndarray:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = rgb.width(), rgb.height()
    data = np.frombuffer(rgb.constBits(), np.uint8).reshape(height, rgb.bytesPerLine())
    return data[:, : width * 3].reshape(height, width, 3).copy()


# --- what is shown --------------------------------------------------------------------------------


def test_every_page_shows_captions_and_nothing_private(qtbot: QtBot, review: Review) -> None:
    w = review.window
    finished: list[bool] = []
    w.finished.connect(lambda: finished.append(True))

    assert w.current_page() is w.card
    assert CAPTIONS[0] in visible_texts(w)
    assert_private(review)

    press(w, Qt.Key.Key_PageDown)
    assert w.current_page() is w.clip and w.clips.playing
    assert_private(review)

    finish_clip(qtbot, review)
    assert CAPTIONS[0] in visible_texts(w)
    assert {"Watch again", "Slower", "Pause on this moment", "Next"} <= set(visible_texts(w))
    assert_private(review)

    press(w, Qt.Key.Key_F)
    assert w.current_page() is w.freeze_page
    qtbot.waitUntil(lambda: w.freeze_page.picture.image() is not None, timeout=10_000)
    assert CAPTIONS[0] in visible_texts(w)
    assert_private(review)

    press(w, Qt.Key.Key_PageDown)  # the second moment has no caption: a gentle neutral card
    assert w.current_page() is w.card and NO_CAPTION in visible_texts(w)
    assert_private(review)

    press(w, Qt.Key.Key_Escape)
    assert w.current_page() is w.leave_page
    assert {"Leave review?", "Keep watching", "Leave"} <= set(visible_texts(w))
    assert_private(review)

    qtbot.mouseClick(w.leave_page.leave, Qt.MouseButton.LeftButton)
    assert w.current_page() is w.finished_page
    assert set(visible_texts(w)) == {"Review finished", "vfeedback", "Close"}
    assert_private(review)
    assert not finished, "finished must wait for the neutral page to be closed"

    with qtbot.waitSignal(w.finished, timeout=2_000):
        qtbot.mouseClick(w.finished_page.close_button, Qt.MouseButton.LeftButton)
    assert finished == [True] and not w.isVisible()


def test_caption_card_then_clip_from_the_recording_with_a_second_of_padding(
    qtbot: QtBot, review: Review, library: Library
) -> None:
    w, m1 = review.window, review.moments[0]
    items, sources = load_reel(library, library.reels.all(CASE)[0].id)
    assert [i.caption for i in items] == list(CAPTIONS)
    assert not hasattr(items[0], "note") and not hasattr(sources[review.recording.id], "family_code")
    assert (items[0].clip_start_us, items[0].clip_end_us) == (m1.start_us - PAD_US, m1.end_us + PAD_US)
    press(w, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.clips.controller.time_us() == m1.start_us - PAD_US, timeout=5_000)
    review.clock.advance((m1.end_us + PAD_US - (m1.start_us - PAD_US)) / 1e6 - 0.2)
    qtbot.wait(150)
    assert w.current_page() is w.clip and w.clips.playing  # not yet at the end
    review.clock.advance(0.3)
    wait_page(qtbot, w, w.choice)
    assert not w.clips.playing


def test_the_caption_stays_under_the_picture_while_the_clip_plays(qtbot: QtBot, review: Review) -> None:
    """Not only on the cards before and after: during the clip, on a warm band below the video, in
    type larger than the reminder after it, and still there when the controls have faded."""
    w = review.window
    w.fader._idle.setInterval(60)
    press(w, Qt.Key.Key_PageDown)
    assert w.current_page() is w.clip and w.clips.playing
    band = w.clip.band
    assert band.isVisible() and band.text() == CAPTIONS[0]
    video = w.clip.video.geometry()
    assert band.geometry().top() >= video.bottom(), "the caption must not cover the picture"
    assert band.geometry().bottom() <= w.clip.controls.geometry().top()
    assert band.font().pixelSize() > w.choice.reminder.font().pixelSize() > 0
    qtbot.waitUntil(lambda: not w.fader.shown, timeout=3_000)
    assert band.isVisible() and band.graphicsEffect() is None  # it does not fade with the buttons
    assert_private(review)
    finish_clip(qtbot, review)
    press(w, Qt.Key.Key_PageDown)  # the second moment's card (no caption), then its clip
    press(w, Qt.Key.Key_PageDown)
    assert w.current_page() is w.clip and not w.clip.band.isVisible()  # no empty band


def test_padding_is_clamped_to_the_recording(library: Library, media: MediaSet) -> None:
    library.families.add("P1")
    rec = library.recordings.import_file(media["cfr25"], "P1")
    first = library.moments.add(rec.id, 200_000, 600_000, code="Waiting", caption="a")
    last = library.moments.add(rec.id, 9_500_000, 9_800_000, code="Waiting", caption="b")
    items, _ = load_reel(library, library.reels.create("r", [first.id, last.id]).id)
    assert items[0].clip_start_us == 0
    assert items[1].clip_end_us == rec.media.duration_us


# --- keys -----------------------------------------------------------------------------------------


def test_keys_and_clicker_do_what_they_say(qtbot: QtBot, review: Review) -> None:
    w, player = review.window, review.window.clips.controller.player
    press(w, Qt.Key.Key_Space)  # on a card, Space plays its clip
    assert w.current_page() is w.clip and w.clips.playing
    press(w, Qt.Key.Key_Space)
    assert not w.clips.playing and w.clip.play_pause.text() == "Play"
    press(w, Qt.Key.Key_Space)
    assert w.clips.playing and w.clip.play_pause.text() == "Pause"

    press(w, Qt.Key.Key_B)  # blank, as a clicker's B does
    assert w.current_page() is w.blank and not w.clips.playing
    assert visible_texts(w) == []
    press(w, Qt.Key.Key_PageDown)  # nothing moves behind a blank screen
    assert w.current_page() is w.blank
    press(w, Qt.Key.Key_B)
    assert w.current_page() is w.clip and w.clips.playing

    review.clock.advance(1.0)
    qtbot.waitUntil(lambda: w.clips.controller.time_us() > 500_000, timeout=5_000)
    press(w, Qt.Key.Key_R)  # watch again: from the clip's start, at normal speed
    assert w.clips.controller.time_us() == 0 and player.rate() == 1.0 and w.clips.playing
    assert w.clip.slower.property("active") is False
    press(w, Qt.Key.Key_S)
    assert player.rate() == 0.5 and w.clips.playing and w.clips.controller.time_us() == 0
    assert w.clip.slower.property("active") is True  # lit while slow
    press(w, Qt.Key.Key_F)
    assert w.current_page() is w.freeze_page and not w.clips.playing
    press(w, Qt.Key.Key_R)
    assert w.current_page() is w.clip and player.rate() == 1.0
    assert w.clip.slower.property("active") is False

    press(w, Qt.Key.Key_PageDown)  # a clip: on to its choices
    assert w.current_page() is w.choice
    press(w, Qt.Key.Key_PageDown)
    assert w.current_page() is w.card and NO_CAPTION in visible_texts(w)
    press(w, Qt.Key.Key_PageUp)
    assert w.current_page() is w.card and CAPTIONS[0] in visible_texts(w)
    press(w, Qt.Key.Key_Right)
    press(w, Qt.Key.Key_Left)  # back from a clip: to its own card
    assert w.current_page() is w.card and CAPTIONS[0] in visible_texts(w)

    for _ in range(3 * 3):
        press(w, Qt.Key.Key_PageDown)
    assert w.current_page() is w.thanks
    assert "Thank you for watching together" in visible_texts(w)
    press(w, Qt.Key.Key_PageDown)
    assert w.current_page() is w.thanks
    press(w, Qt.Key.Key_PageUp)
    assert w.current_page() is w.card and CAPTIONS[2] in visible_texts(w)
    press(w, Qt.Key.Key_PageDown)
    finish_clip(qtbot, review)
    press(w, Qt.Key.Key_Right)
    assert w.current_page() is w.thanks
    qtbot.mouseClick(w.thanks.restart, Qt.MouseButton.LeftButton)
    assert w.current_page() is w.card and CAPTIONS[0] in visible_texts(w)


def test_escape_then_keep_watching_resumes_the_clip(qtbot: QtBot, review: Review) -> None:
    w = review.window
    press(w, Qt.Key.Key_PageDown)
    assert w.clips.playing
    press(w, Qt.Key.Key_Escape)
    assert w.current_page() is w.leave_page and not w.clips.playing
    assert QApplication.focusWidget() is w.leave_page.keep  # staying is where the keyboard starts
    qtbot.mouseClick(w.leave_page.keep, Qt.MouseButton.LeftButton)
    assert w.current_page() is w.clip and w.clips.playing

    press(w, Qt.Key.Key_Escape)
    press(w, Qt.Key.Key_Escape)  # Escape again means stay
    assert w.current_page() is w.clip and w.clips.playing
    press(w, Qt.Key.Key_Escape)
    QTest.keyClick(w, Qt.Key.Key_Return)  # so does Enter: staying is the default
    assert w.current_page() is w.clip and w.clips.playing


def test_the_window_manager_close_asks_first(qtbot: QtBot, review: Review) -> None:
    w = review.window
    finished: list[bool] = []
    w.finished.connect(lambda: finished.append(True))
    w.close()
    assert w.isVisible() and w.current_page() is w.leave_page
    press(w, Qt.Key.Key_Escape)
    assert w.current_page() is w.card
    w.thanks.finish.click()  # "Finish" on the last page lands on the same neutral page
    assert w.current_page() is w.finished_page and not finished
    QTest.keyClick(w, Qt.Key.Key_Return)
    assert finished == [True] and not w.isVisible()


# --- look and feel --------------------------------------------------------------------------------


def test_buttons_are_touch_sized_on_every_page(qtbot: QtBot, review: Review) -> None:
    w = review.window
    pages = [w.card, w.clip, w.choice, w.freeze_page, w.unavailable, w.thanks, w.leave_page, w.finished_page]
    for page in pages:
        w.stack.setCurrentWidget(page)
        qtbot.wait(10)
        for b in page.findChildren(QPushButton):
            if b.isVisible():
                assert b.height() >= 64, (b.text(), b.height())


def test_controls_fade_while_playing_and_return_on_movement(qtbot: QtBot, review: Review) -> None:
    w = review.window
    w.fader._idle.setInterval(60)
    press(w, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: not w.fader.shown, timeout=3_000)
    assert w.clip.controls.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    QTest.mouseMove(w.clip.video, QPoint(50, 50))
    QTest.mouseMove(w.clip.video, QPoint(80, 90))
    assert w.fader.shown
    qtbot.waitUntil(lambda: not w.fader.shown, timeout=3_000)
    press(w, Qt.Key.Key_Space)  # a key brings them back, and pausing keeps them
    assert w.fader.shown and not w.clips.playing
    qtbot.wait(200)
    assert w.fader.shown


def test_pause_on_this_moment_shows_its_exact_first_frame(
    qtbot: QtBot, review: Review, library: Library
) -> None:
    w, m3 = review.window, review.moments[2]
    for _ in range(8):  # card, clip, choice for each of three moments
        press(w, Qt.Key.Key_PageDown)
    assert w.current_page() is w.choice and CAPTIONS[2] in visible_texts(w)
    qtbot.mouseClick(w.choice.freeze, Qt.MouseButton.LeftButton)
    picture = w.freeze_page.picture
    qtbot.waitUntil(lambda: picture.image() is not None, timeout=10_000)
    expected = library.media.frame_index(review.recording.id).frame_at(m3.start_us)
    assert picture.frame_number == expected
    shot = w.grab()  # the whole window, as the family sees it
    rect = picture.picture_rect().translated(picture.mapTo(w, QPoint(0, 0)))
    ratio = shot.devicePixelRatio()
    region = shot.toImage().copy(
        int(rect.x() * ratio), int(rect.y() * ratio), int(rect.width() * ratio), int(rect.height() * ratio)
    )
    assert read_frame_number(to_array(region)) == expected
    assert w.freeze_page.band.text() == CAPTIONS[2] and w.freeze_page.band.isVisible()
    band_top = w.freeze_page.band.mapTo(w, QPoint(0, 0)).y()
    assert band_top >= rect.bottom(), "the caption never covers the picture"


# --- trouble --------------------------------------------------------------------------------------


def test_a_missing_recording_is_a_gentle_card(
    qtbot: QtBot, library: Library, media: MediaSet, tmp_path: Path
) -> None:
    library.families.add(CASE)
    library.consent.give(CASE, "feedback", "Dr Test")
    copy = tmp_path / "kitchen visit.mp4"
    shutil.copy(media["no_audio"], copy)
    gone = library.recordings.import_file(copy, CASE, reference=True)
    kept = library.recordings.import_file(media["cfr25"], CASE)
    lost = library.moments.add(gone.id, 500_000, 1_000_000, code="Waiting", caption="You hold her", note="N1")
    fine = library.moments.add(kept.id, 1_000_000, 2_000_000, code="Waiting", caption="She smiles", note="N2")
    reel = library.reels.create("r", [lost.id, fine.id])
    copy.unlink()
    window = open_review(qtbot, library, reel.id, FakeClock())
    try:
        assert window.current_page() is window.unavailable
        shown = " ".join(shown_texts(window))
        assert UNAVAILABLE in visible_texts(window)
        for word in ("kitchen", "missing", "relink", "file", "N1", CASE, "You hold her"):
            assert word.lower() not in shown.lower()
        press(window, Qt.Key.Key_F)  # nothing to freeze or replay; nothing breaks
        press(window, Qt.Key.Key_R)
        assert window.current_page() is window.unavailable
        qtbot.mouseClick(window.unavailable.next, Qt.MouseButton.LeftButton)
        assert window.current_page() is window.card and "She smiles" in visible_texts(window)
        press(window, Qt.Key.Key_PageUp)
        assert window.current_page() is window.unavailable
    finally:
        window.release()
        window.close()


def test_a_recording_that_fails_while_playing_becomes_the_gentle_card(qtbot: QtBot, review: Review) -> None:
    w = review.window
    press(w, Qt.Key.Key_PageDown)
    player = w.clips.controller.player
    assert isinstance(player, ClockPlayer)
    player._fail("The file 'cfr25.mp4' could not be read.")
    wait_page(qtbot, w, w.unavailable)
    assert player.state() is PlayerState.ERROR
    assert_private(review)
    press(w, Qt.Key.Key_PageDown)
    assert w.current_page() is w.unavailable  # the other moments are in the same recording


def test_trouble_behind_the_leave_question_is_shown_after_it(qtbot: QtBot, review: Review) -> None:
    w = review.window
    press(w, Qt.Key.Key_PageDown)
    press(w, Qt.Key.Key_Escape)
    player = w.clips.controller.player
    assert isinstance(player, ClockPlayer)
    player._fail("The file 'cfr25.mp4' could not be read.")
    qtbot.waitUntil(lambda: not w.flow.is_available(0), timeout=5_000)
    assert w.current_page() is w.leave_page  # the question stays until answered
    qtbot.mouseClick(w.leave_page.keep, Qt.MouseButton.LeftButton)
    assert w.current_page() is w.unavailable and not w.clips.playing


# --- consent -------------------------------------------------------------------------------------


def test_opening_needs_consent_for_feedback_and_is_recorded(
    qtbot: QtBot, library: Library, media: MediaSet
) -> None:
    library.families.add(CASE)
    rec = library.recordings.import_file(media["cfr25"], CASE)
    moment = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You wait")
    reel = library.reels.create("r", [moment.id])
    with pytest.raises(ConsentMissing):
        ReviewWindow(library, reel.id, player=ClockPlayer())
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, ReviewWindow) and w.isVisible()]
    assert not [e for e in library.audit.entries(CASE) if e.action == "review"]
    library.consent.give(CASE, "feedback", "Dr Test")
    window = open_review(qtbot, library, reel.id, FakeClock())
    try:
        [entry] = [e for e in library.audit.entries(CASE) if e.action == "review"]
        assert entry.purpose == "feedback"
    finally:
        window.release()
        window.close()


# --- the order of pages, without Qt ---------------------------------------------------------------


def test_flow_goes_card_clip_choice_and_back_by_moment() -> None:
    flow = ReviewFlow(2)
    assert flow.step == Step(Screen.CARD, 0)
    assert flow.next() == Step(Screen.CLIP, 0)
    assert flow.clip_done() == Step(Screen.CHOICE, 0)
    assert flow.freeze() == Step(Screen.FREEZE, 0)
    assert flow.watch() == Step(Screen.CLIP, 0)
    assert flow.previous() == Step(Screen.CARD, 0)
    assert flow.previous() == Step(Screen.CARD, 0)
    flow.next()
    flow.next()
    assert flow.next() == Step(Screen.CARD, 1)
    flow.mark_unavailable(1)
    assert flow.step == Step(Screen.UNAVAILABLE, 1)
    assert flow.watch() == Step(Screen.UNAVAILABLE, 1)
    assert flow.next() == Step(Screen.THANKS, 2)
    assert flow.next() == Step(Screen.THANKS, 2)
    assert flow.previous() == Step(Screen.UNAVAILABLE, 1)
    assert flow.previous() == Step(Screen.CARD, 0)
    flow.next()
    flow.next()
    flow.next()
    assert flow.next() == Step(Screen.THANKS, 2)
    assert flow.watch() == Step(Screen.CARD, 0)
