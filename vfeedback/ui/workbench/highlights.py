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
        self.pack_dialog: Any = None
        self.player: Any = None
        self.prepare_action = bench.add_action("&Prepare session…", "Ctrl+Shift+P", self.prepare_session)
        self.prepare_action.setObjectName("prepareSessionAction")

    def build(self, menu: QMenu) -> None:
        b = self.bench
        menu.addAction(self.prepare_action)
        menu.addSeparator()
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
        dialog = ExportDialog(
            len(ids), b.widget(), frame=b.picture(), at_playhead=len(holding), cameras=self._cameras()
        )
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

    def _cameras(self) -> list[tuple[int, str]]:
        """The open session's films (the main one first) when it has camera angles, else none."""
        from vfeedback.ui.player.angles import angle_name

        rec = self.bench.coding.recording
        if rec is None:
            return []
        angles = self.library.angles.of(rec.id)
        films = [rec, *(self.library.recordings.get(a.recording_id) for a in angles)]
        return [(f.id, angle_name(f)) for f in films] if angles else []

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

    # --- the session pack -----------------------------------------------------------------------
    def prepare_session(self) -> None:
        """The session pack of the selection (two moments or more), else of the strengths tagged on
        this recording, in timeline order."""
        from vfeedback.ui.session_pack import PrepareSessionDialog, default_moments

        b = self.bench
        rec = b.coding.recording
        if rec is None:
            b.show_error("Open a recording first; its strengths become the session pack.")
            return
        selected = b.coding.selected_moments()
        if len(selected) > 1:
            moments = sorted(selected, key=lambda m: (m.start_us, m.end_us, m.id))
        else:
            moments = default_moments(self.library, rec.id)
        b.playhead.pause()
        dialog = PrepareSessionDialog(self.library, b.tasks, rec, moments, b.widget())
        dialog.play_requested.connect(self.play_file)
        dialog.review_requested.connect(self.review_reel)
        dialog.finished.connect(self._pack_closed)
        self.pack_dialog = dialog
        dialog.open()

    def _pack_closed(self) -> None:
        dialog, self.pack_dialog = self.pack_dialog, None
        if dialog is not None:
            if dialog.pack is not None and self.browser is not None:
                self.browser.refresh()
            dialog.deleteLater()

    def play_file(self, path: Path) -> None:
        """A clip or a reel played full screen on the workbench's screen, as the family will see it
        (Escape comes back; it closes by itself at the end)."""
        from vfeedback.core.errors import VfeedbackError
        from vfeedback.ui.clip_preview import FullScreenPlayer

        if self.player is not None:
            self.player.close()
        try:
            player = FullScreenPlayer(path)
        except VfeedbackError as exc:
            self.bench.show_error(str(exc))
            return
        if not player.opened:
            return
        player.setObjectName("resultPlayer")
        self.player = player

        def closed() -> None:
            if self.player is player:
                self.player = None
            player.deleteLater()
            self.bench.widget().activateWindow()

        player.closed.connect(closed)
        handle = self.bench.widget().windowHandle()
        if handle is not None and handle.screen() is not None:
            player.setScreen(handle.screen())
        player.present()

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
        reel = choose_reel(self.bench, "Review with the family")
        if reel is not None:
            self.review_reel(reel.id)

    def review_reel(self, reel_id: int) -> None:
        from vfeedback.ui.review import ReviewWindow

        self.bench.playhead.pause()
        try:
            review = ReviewWindow(self.library, reel_id)
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
        if self.pack_dialog is not None:
            self.pack_dialog.reject()
        if self.player is not None:
            self.player.stop()
            self.player.close()
        if self.browser is not None:
            self.browser.close()
        if self.review is not None:
            self.review.release()
