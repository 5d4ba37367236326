"""The Moment menu's way out of the workbench: clips and stills of the selection (in the background),
the highlights browser, and review with the family, full screen, the workbench hidden until it ends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QInputDialog, QMenu

from vfeedback.core.errors import VfeedbackError
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Highlight, Reel

if TYPE_CHECKING:
    from vfeedback.ui.main_window import MainWindow


class HighlightActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.library = window.library
        self.browser: Any = None
        self.review: Any = None

    def build(self, menu: QMenu) -> None:
        w = self.window
        menu.addAction(w._action("Export &clips of the selection…", "Ctrl+E", self.export_clips))
        menu.addAction(w._action("Export a &still of this frame", "Ctrl+Shift+E", self.export_still))
        menu.addSeparator()
        menu.addAction(w._action("&Highlights…", "Ctrl+H", self.show_highlights))
        menu.addAction(w._action("&Review with the family…", "Ctrl+R", self.review_with_family))

    def choose_reel(self, title: str) -> Reel | None:
        """One of the current family's reels, asked for by name; None if there is none or no choice."""
        family = self.window.panel.current_family()
        reels = self.library.reels.all(family) if family is not None else []
        if not reels:
            self.window._show_error(
                "Make a reel for this family first (Moment › Highlights › Make the reel)."
            )
            return None
        labels = [f"{r.title} — {r.date_text} ({len(r.moment_ids)} moments)" for r in reels]
        choice, ok = QInputDialog.getItem(self.window, title, "Which reel?", labels, 0, False)
        return reels[labels.index(choice)] if ok else None

    # --- exporting ------------------------------------------------------------------------------
    def export_clips(self) -> None:
        from vfeedback.ui.export_dialog import ExportDialog

        w = self.window
        ids = [m.id for m in w.moments if m.id in w.coding.selected]
        if not ids:
            w._show_error("Select the moments to export first (click them on the timeline or in the list).")
            return
        # The pause holds the frame at the playhead, which only the moments holding it show: the
        # others export without a pause, as the dialog says before anything starts.
        at = w.controller.time_us()
        holding = {i for i in ids if self._moment_contains(i, at)}
        # The exact picture on screen, upright, for drawing areas to blur on.
        dialog = ExportDialog(len(ids), w, frame=w.video.frames.image(), at_playhead=len(holding))
        if not dialog.exec():
            return
        purpose = dialog.chosen_purpose()
        if w.recording is not None:
            try:
                self.library.consent.require(w.recording.family_id, purpose)
            except VfeedbackError as exc:
                w._show_error(str(exc))
                return
        try:
            per_moment = {i: dialog.options(at if i in holding else None) for i in ids}
        except VfeedbackError as exc:
            w._show_error(str(exc))  # before any export starts: nothing half done
            return
        for moment_id in ids:
            options = per_moment[moment_id]

            def job(
                progress: Progress,
                cancel: ShouldCancel,
                mid: int = moment_id,
                chosen: Any = options,
            ) -> Any:
                return self.library.exports.clip(
                    mid, chosen, progress=progress, should_cancel=cancel, purpose=purpose
                )

            made = f"the clip of moment {moment_id}"
            w.tasks.submit(f"Exporting moment {moment_id}", job, on_done=self._exported, export=made)

    def export_still(self) -> None:
        w = self.window
        ids = [m.id for m in w.moments if m.id in w.coding.selected]
        if len(ids) != 1:
            w._show_error("Select one moment; the still is the frame on screen now.")
            return
        at = w.controller.time_us()

        def job(progress: Progress, cancel: ShouldCancel) -> Any:
            return self.library.exports.still(ids[0], at, progress=progress, should_cancel=cancel)

        made = f"the still of moment {ids[0]}"
        w.tasks.submit("Exporting a still", job, on_done=self._exported, export=made)

    def _moment_contains(self, moment_id: int, us: int) -> bool:
        return any(m.id == moment_id and m.start_us <= us <= m.end_us for m in self.window.moments)

    def _exported(self, highlight: Highlight) -> None:
        name = Path(highlight.path).name
        self.window.statusBar().showMessage(f"Saved {name} in the library.", 8000)
        if highlight.faces_found == 0:
            from vfeedback.ui.export_dialog import NO_FACES_FOUND

            self.window._show_error(f"{name}: {NO_FACES_FOUND}")
        if self.browser is not None:
            self.browser.refresh()

    def show_highlights(self) -> None:
        from vfeedback.ui.highlights_browser import HighlightsBrowser

        if self.browser is None:
            self.browser = HighlightsBrowser(self.library, self.window.tasks)
            self.browser.setWindowIcon(self.window.windowIcon())
        self.browser.reload_filters()
        self.browser.show()
        self.browser.raise_()

    # --- review with the family -----------------------------------------------------------------
    def review_with_family(self) -> None:
        """Full screen, the chosen reel only; the workbench (and its case list) stays hidden until the
        review has ended on its neutral screen."""
        from vfeedback.ui.review import ReviewWindow

        reel = self.choose_reel("Review with the family")
        if reel is None:
            return
        w = self.window
        w.controller.pause()
        try:
            review = ReviewWindow(self.library, reel.id)
        except VfeedbackError as exc:  # consent missing: the family saw nothing
            w._show_error(str(exc))
            return
        self.review = review
        review.finished.connect(self._review_finished)
        w.hide()
        review.present()

    def _review_finished(self) -> None:
        review, self.review = self.review, None
        if review is not None:
            review.release()
            review.deleteLater()
        self.window.show()

    def close_all(self) -> None:
        if self.browser is not None:
            self.browser.close()
        if self.review is not None:
            self.review.release()
