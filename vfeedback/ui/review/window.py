"""Review mode: the chosen reel, shown full screen to a family, one moment at a time.

For each moment: its caption as a card, its clip straight from the recording, then a choice (watch
again, slower, pause on this moment, next). A warm thank-you at the end. Leaving is a question
first, and lands on a plain "Review finished" page: the clinician's case list is never one key
away from a family's eyes. ``finished`` is emitted only when that page is closed.

Keys (mouse, keyboard, presentation clicker):
  Space play/pause (on a card or a choice: play the clip) · Right, PageDown next · Left, PageUp
  previous · B (or .) blank the screen and back · R watch again · S slower (half speed) · F pause on
  this moment · Escape asks "Leave review?" (Escape, Enter or Space again keeps watching).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QImage, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QStackedLayout, QWidget

from vfeedback.ui.review import pages
from vfeedback.ui.review.clips import ClipRunner
from vfeedback.ui.review.fader import ControlsFader
from vfeedback.ui.review.flow import ReviewFlow, Screen, Step, load_reel
from vfeedback.ui.review.style import Metrics, stylesheet

if TYPE_CHECKING:
    from vfeedback.media.player import Player
    from vfeedback.services import Library

SLOWER_RATE = 0.5
APP_NAME = "vfeedback"

_KEYS: dict[int, str] = {
    Qt.Key.Key_Space: "toggle_play",
    Qt.Key.Key_Right: "next",
    Qt.Key.Key_PageDown: "next",
    Qt.Key.Key_Left: "previous",
    Qt.Key.Key_PageUp: "previous",
    Qt.Key.Key_B: "toggle_blank",
    Qt.Key.Key_Period: "toggle_blank",  # what many clickers send for their "blank" button
    Qt.Key.Key_R: "watch_again",
    Qt.Key.Key_S: "slower",
    Qt.Key.Key_F: "freeze",
    Qt.Key.Key_Escape: "ask_leave",
}


class ReviewWindow(QWidget):
    """The review of one reel. Call ``present()`` to show it full screen.

    Opening checks the family's consent for feedback and records the review in the audit log
    (``Library.start_review``); without consent it raises ConsentMissing before anything is built,
    so the clinician sees the reason and the family sees nothing. The window owns ``player`` (made
    with ``make_player()`` when None) and releases it when done.
    """

    finished = Signal()

    def __init__(self, library: Library, reel_id: int, player: Player | None = None) -> None:
        library.exports.start_review(reel_id)
        super().__init__()
        from vfeedback.media.player import make_player

        self.setObjectName("review")
        self.setWindowTitle(APP_NAME)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.items, sources = load_reel(library, reel_id)
        self.flow = ReviewFlow(len(self.items))
        self.rate = 1.0
        self._released = False
        self._blank_under: QWidget | None = None
        self._leave_under: QWidget | None = None
        self._resume_after: bool = False

        self.card = pages.CardPage()
        self.clip = pages.ClipPage()
        self.choice = pages.ChoicePage()
        self.freeze_page = pages.FreezePage()
        self.unavailable = pages.UnavailablePage()
        self.thanks = pages.ThanksPage()
        self.leave_page = pages.LeavePage()
        self.finished_page = pages.FinishedPage()
        self.blank = pages.BlankPage()
        self.stack = QStackedLayout(self)
        self.stack.setContentsMargins(0, 0, 0, 0)
        for page in self._pages():
            self.stack.addWidget(page)

        self.clips = ClipRunner(library, player or make_player(), sources, self.clip.view, self)
        self.fader = ControlsFader(self, self.clip.controls)
        self._wire()
        for i, item in enumerate(self.items):
            source = sources.get(item.recording_id)
            if source is None or not source.present():
                self.flow.mark_unavailable(i)
        self.flow.step = self.flow.first(0)
        self.clips.prepare([item.recording_id for item in self.items])
        self._restyle()
        self._show(self.flow.step)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.release)

    def _pages(self) -> list[QWidget]:
        return [
            self.card,
            self.clip,
            self.choice,
            self.freeze_page,
            self.unavailable,
            self.thanks,
            self.leave_page,
            self.finished_page,
            self.blank,
        ]

    def _wire(self) -> None:
        for page in (self.card, self.clip, self.choice, self.freeze_page, self.unavailable):
            page.previous.clicked.connect(self.previous)
        for nxt in (self.clip.next, self.choice.next, self.freeze_page.next, self.unavailable.next):
            nxt.clicked.connect(self.next)
        self.card.watch.clicked.connect(self.next)
        for again in (self.clip.again, self.choice.again, self.freeze_page.again):
            again.clicked.connect(self.watch_again)
        for slower in (self.clip.slower, self.choice.slower, self.freeze_page.slower):
            slower.clicked.connect(self.slower)
        self.clip.play_pause.clicked.connect(self.toggle_play)
        self.choice.freeze.clicked.connect(self.freeze)
        self.thanks.restart.clicked.connect(self.restart)
        self.thanks.finish.clicked.connect(self.leave)
        self.leave_page.keep.clicked.connect(self.keep_watching)
        self.leave_page.leave.clicked.connect(self.leave)
        self.finished_page.close_button.clicked.connect(self.close_finished)
        self.blank.clicked.connect(self.toggle_blank)
        self.clips.clipFinished.connect(lambda: self._show(self.flow.clip_done()))
        self.clips.playingChanged.connect(self._on_playing)
        self.clips.freezeReady.connect(self._on_freeze)
        self.clips.unavailable.connect(self._on_unavailable)

    # --- showing --------------------------------------------------------------------------------
    def present(self) -> None:
        """Show full screen, on top of the workbench."""
        screen = self.screen()
        if screen is not None:
            # Without a window manager (a kiosk, a bare X server) the full-screen request is never
            # answered; the screen's size is then taken by hand.
            self.setGeometry(screen.geometry())
        self.showFullScreen()
        self.raise_()
        self.activateWindow()

    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _show(self, step: Step) -> None:
        count = len(self.items)
        item = self.items[step.index] if step.index < count else None
        if step.screen is not Screen.CLIP:
            self.clips.stop()
        if step.screen is Screen.CARD and item is not None:
            self.card.show_moment(item.caption, step.index, count)
            self.stack.setCurrentWidget(self.card)
        elif step.screen is Screen.CLIP and item is not None:
            self.clip.show_playing(True)
            self.clip.show_slower(self.rate < 1.0)
            self.clip.show_caption(item.caption)
            self.clip.video.set_aspect(self._aspect(item.recording_id))
            self.stack.setCurrentWidget(self.clip)
            self.clips.play(item, self.rate)
        elif step.screen is Screen.CHOICE and item is not None:
            self.choice.show_moment(item.caption, step.index, count)
            self.stack.setCurrentWidget(self.choice)
        elif step.screen is Screen.FREEZE and item is not None:
            self.freeze_page.show_moment(item.caption)
            self.stack.setCurrentWidget(self.freeze_page)
            self.clips.freeze(item)
        elif step.screen is Screen.UNAVAILABLE:
            self.unavailable.show_moment(step.index)
            self.stack.setCurrentWidget(self.unavailable)
        else:
            self.stack.setCurrentWidget(self.thanks)
        self.fader.set_playing(self.clips.playing)
        self.setFocus()

    def _aspect(self, recording_id: int) -> float:
        source = self.clips.sources.get(recording_id)
        return source.aspect if source is not None else 16 / 9

    def _in_overlay(self) -> bool:
        return self.current_page() in (self.blank, self.leave_page, self.finished_page)

    # --- actions (buttons and keys) -------------------------------------------------------------
    def next(self) -> None:
        if not self._in_overlay():
            self.rate = 1.0
            self._show(self.flow.next())

    def previous(self) -> None:
        if not self._in_overlay():
            self.rate = 1.0
            self._show(self.flow.previous())

    def watch_again(self) -> None:
        self._watch(1.0)

    def slower(self) -> None:
        self._watch(SLOWER_RATE)

    def _watch(self, rate: float) -> None:
        if self._in_overlay():
            return
        if self.flow.step.screen is Screen.THANKS:
            self.restart()
            return
        self.rate = rate
        self._show(self.flow.watch())

    def freeze(self) -> None:
        if not self._in_overlay():
            self._show(self.flow.freeze())

    def restart(self) -> None:
        if not self._in_overlay():
            self.rate = 1.0
            self._show(self.flow.restart())

    def toggle_play(self) -> None:
        if self._in_overlay():
            return
        screen = self.flow.step.screen
        if screen is Screen.CLIP:
            if self.clips.playing:
                self.clips.pause()
            else:
                self.clips.resume()
        elif screen in (Screen.CARD, Screen.CHOICE, Screen.FREEZE):
            self._watch(1.0)

    def toggle_blank(self) -> None:
        if self.current_page() is self.blank:
            under, self._blank_under = self._blank_under, None
            self._return_to(under)
        elif not self._in_overlay():
            self._blank_under = self.current_page()
            self._pause_for_overlay()
            self.stack.setCurrentWidget(self.blank)

    def ask_leave(self) -> None:
        page = self.current_page()
        if page in (self.leave_page, self.finished_page):
            return
        if page is self.blank:
            under, self._blank_under = self._blank_under, None
        else:
            under = page
            self._pause_for_overlay()
        self._leave_under = under
        self.stack.setCurrentWidget(self.leave_page)
        self.leave_page.keep.setFocus()

    def keep_watching(self) -> None:
        if self.current_page() is self.leave_page:
            under, self._leave_under = self._leave_under, None
            self._return_to(under)

    def leave(self) -> None:
        """Stop everything and show the neutral page; ``finished`` waits for its Close."""
        self._leave_under = self._blank_under = None
        self.clips.release()
        self.fader.stop()
        self.fader.set_playing(False)
        self.stack.setCurrentWidget(self.finished_page)
        self.setFocus()

    def close_finished(self) -> None:
        if self.current_page() is not self.finished_page:
            return
        self.release()
        self.close()
        self.finished.emit()

    def _pause_for_overlay(self) -> None:
        self._resume_after = self.clips.playing
        self.clips.pause()

    def _return_to(self, page: QWidget | None) -> None:
        resume, self._resume_after = self._resume_after, False
        if page is not self._page_for(self.flow.step):
            # Something changed behind the overlay (the recording became unreadable): show what
            # is true now rather than the page that was left.
            self._show(self.flow.step)
        else:
            self.stack.setCurrentWidget(page)
            if resume and page is self.clip:
                self.clips.resume()
        self.fader.poke()
        self.setFocus()

    def _page_for(self, step: Step) -> QWidget:
        return {
            Screen.CARD: self.card,
            Screen.CLIP: self.clip,
            Screen.CHOICE: self.choice,
            Screen.FREEZE: self.freeze_page,
            Screen.UNAVAILABLE: self.unavailable,
            Screen.THANKS: self.thanks,
        }[step.screen]

    # --- from playback --------------------------------------------------------------------------
    def _on_playing(self, playing: bool) -> None:
        self.clip.show_playing(playing)
        self.fader.set_playing(playing and self.current_page() is self.clip)

    def _on_freeze(self, image: QImage, frame: int) -> None:
        if self.flow.step.screen is Screen.FREEZE:
            self.freeze_page.picture.set_image(image, frame)

    def _on_unavailable(self, recording_id: int) -> None:
        for i, item in enumerate(self.items):
            if item.recording_id == recording_id:
                self.flow.mark_unavailable(i)
        if self.flow.step.screen is Screen.UNAVAILABLE and not self._in_overlay():
            self._show(self.flow.step)

    # --- Qt -------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.fader.poke()
        key = event.key()
        if self.current_page() is self.leave_page and key in (
            Qt.Key.Key_Escape,
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
            Qt.Key.Key_Space,
        ):
            self.keep_watching()
            return
        if self.current_page() is self.finished_page and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.close_finished()
            return
        action = _KEYS.get(key)
        if action is None or event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            super().keyPressEvent(event)
            return
        if event.isAutoRepeat() and action in ("toggle_blank", "ask_leave", "toggle_play"):
            return  # a held key must not flicker the screen on and off
        getattr(self, action)()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._restyle()

    def _restyle(self) -> None:
        m = Metrics(self.height())
        self.setStyleSheet(stylesheet(m))
        for page in self._pages():
            fit = getattr(page, "fit", None)
            if fit is not None:
                fit(m, self.width())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._released:
            self.fader.start()
        self.setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._released:
            event.accept()
            return
        # The window manager's close (Alt+F4, a title-bar button) is a stray touch as often as a
        # decision: ask, as Escape does.
        event.ignore()
        self.ask_leave()

    def release(self) -> None:
        """Stop playback and background work and let the window close. Safe to call twice."""
        if self._released:
            return
        self._released = True
        self.fader.stop()
        self.clips.release()
