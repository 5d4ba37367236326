"""The Moment menu's way out of the workbench: clips and stills of the selection (in the background),
the highlights browser, and review with the family, full screen, the workbench hidden until it ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QInputDialog, QMenu

from vfeedback.core.errors import VfeedbackError
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Highlight, Reel
from vfeedback.ui.workbench.protocol import Workbench


def choose_reel(bench: Workbench, title: str) -> Reel | None:
    """One of the current family's reels, asked for by name; None if there is none or no choice."""
    family = bench.current_family()
    # Newest first, so the reel just made is the one offered.
    reels = sorted(bench.library.reels.all(family), key=lambda r: r.id, reverse=True) if family else []
    if not reels:
        bench.show_error("Make a reel for this family first (Moment › Highlights › Make the reel).")
        return None
    labels = [f"{r.title} — {r.date_text} ({_moments(len(r.moment_ids))}) · reel {r.id}" for r in reels]
    choice, ok = QInputDialog.getItem(bench.widget(), title, "Which reel?", labels, 0, False)
    return reels[labels.index(choice)] if ok else None


def _moments(count: int) -> str:
    return f"{count} moment" if count == 1 else f"{count} moments"


class HighlightActions:
    def __init__(self, bench: Workbench) -> None:
        self.bench = bench
        self.library = bench.library
        self.browser: Any = None
        self.review: Any = None

    def build(self, menu: QMenu) -> None:
        b = self.bench
        menu.addAction(b.add_action("Export &clips of the selection…", "Ctrl+E", self.export_clips))
        menu.addAction(b.add_action("Export a &still of this frame", "Ctrl+Shift+E", self.export_still))
        menu.addSeparator()
        menu.addAction(b.add_action("&Highlights…", "Ctrl+H", self.show_highlights))
        menu.addAction(b.add_action("&Review with the family…", "Ctrl+R", self.review_with_family))

    # --- exporting ------------------------------------------------------------------------------
    def export_clips(self) -> None:
        from vfeedback.ui.export_dialog import ExportDialog, clip_label

        b = self.bench
        # In timeline order: the progress list names each clip by its place and caption.
        chosen = sorted(b.coding.selected_moments(), key=lambda m: (m.start_us, m.id))
        ids = [m.id for m in chosen]
        if not ids:
            b.show_error("Select the moments to export first (click them on the timeline or in the list).")
            return
        # The pause holds the frame at the playhead, which only the moments holding it show: the
        # others export without a pause, as the dialog says before anything starts.
        at = b.playhead.time_us()
        holding = {i for i in ids if b.coding.holds(i, at)}
        # The exact picture on screen, upright, for drawing areas to blur on.
        dialog = ExportDialog(len(ids), b.widget(), frame=b.picture(), at_playhead=len(holding))
        if not dialog.exec():
            return
        purpose = dialog.chosen_purpose()
        rec = b.coding.recording
        if rec is not None:
            try:
                self.library.consent.require(rec.family_id, purpose)
            except VfeedbackError as exc:
                b.show_error(str(exc))
                return
        try:
            per_moment = {i: dialog.options(at if i in holding else None) for i in ids}
        except VfeedbackError as exc:
            b.show_error(str(exc))  # before any export starts: nothing half done
            return
        for position, moment in enumerate(chosen, start=1):
            moment_id = moment.id
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
            label = clip_label(position, len(chosen), moment.caption)
            b.tasks.submit(label, job, on_done=self._exported, export=made)

    def export_still(self) -> None:
        b = self.bench
        ids = [m.id for m in b.coding.selected_moments()]
        if len(ids) != 1:
            b.show_error("Select one moment; the still is the frame on screen now.")
            return
        at = b.playhead.time_us()

        def job(progress: Progress, cancel: ShouldCancel) -> Any:
            return self.library.exports.still(ids[0], at, progress=progress, should_cancel=cancel)

        made = f"the still of moment {ids[0]}"
        b.tasks.submit("Exporting a still", job, on_done=self._exported, export=made)

    def _exported(self, highlight: Highlight) -> None:
        name = Path(highlight.path).name
        self.bench.show_status(f"Saved {name} in the library.")
        if highlight.faces_found == 0:
            from vfeedback.ui.export_dialog import NO_FACES_FOUND

            self.bench.show_error(f"{name}: {NO_FACES_FOUND}")
        if self.browser is not None:
            self.browser.refresh()

    def show_highlights(self) -> None:
        from vfeedback.ui.highlights_browser import HighlightsBrowser

        if self.browser is None:
            self.browser = HighlightsBrowser(self.library, self.bench.tasks)
            self.browser.setWindowIcon(self.bench.widget().windowIcon())
        self.browser.reload_filters()
        self.browser.show()
        self.browser.raise_()

    # --- review with the family -----------------------------------------------------------------
    def review_with_family(self) -> None:
        """Full screen, the chosen reel only; the workbench (and its case list) stays hidden until the
        review has ended on its neutral screen."""
        from vfeedback.ui.review import ReviewWindow

        reel = choose_reel(self.bench, "Review with the family")
        if reel is None:
            return
        self.bench.playhead.pause()
        try:
            review = ReviewWindow(self.library, reel.id)
        except VfeedbackError as exc:  # consent missing: the family saw nothing
            self.bench.show_error(str(exc))
            return
        self.review = review
        review.finished.connect(self._review_finished)
        self.bench.widget().hide()
        review.present()

    def _review_finished(self) -> None:
        review, self.review = self.review, None
        if review is not None:
            review.release()
            review.deleteLater()
        self.bench.widget().show()

    def close_all(self) -> None:
        if self.browser is not None:
            self.browser.close()
        if self.review is not None:
            self.review.release()
