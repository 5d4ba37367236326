"""Moments in and out of other tools from the workbench: ELAN and BORIS imports (with the mapping asked
first), ELAN, spreadsheet and subtitle exports of the open recording, a reel for a video editor. Each
action is one service call; a refusal is shown as its one sentence and nothing changes. A file already
imported into the recording is imported again only when the clinician says so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from vfeedback.core.dates import long_date
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import Actor
from vfeedback.ui.workbench.highlights import choose_reel
from vfeedback.ui.workbench.protocol import Workbench

if TYPE_CHECKING:
    from vfeedback.services.interchange import Written
    from vfeedback.ui.data_export_dialog import DataExportDialog

SKIP = "skip"
ELAN_FILTER = "ELAN files (*.eaf);;All files (*)"
BORIS_FILTER = "BORIS projects (*.boris *.boris.gz *.json *.gz);;All files (*)"
LINKS_FILM = ("ELAN file", "timeline for a video editor")
"""The exports (by their ``what``) that link the film, so may be asked to link it by its own path."""


class ExchangeActions:
    """Owns the File menu's "Import moments" and "Export moments" submenus."""

    def __init__(self, bench: Workbench) -> None:
        self.bench = bench
        self.library = bench.library

    def build(self, file_menu: QMenu) -> None:
        b = self.bench
        imports = QMenu("Import &moments", b.widget())
        imports.addAction(b.add_action("From &ELAN (.eaf)…", None, self.import_eaf))
        imports.addAction(b.add_action("From &BORIS project…", None, self.import_boris))
        exports = QMenu("E&xport moments", b.widget())
        exports.addAction(b.add_action("To &ELAN (.eaf)…", None, self.export_eaf))
        exports.addAction(b.add_action("As a &spreadsheet (CSV/TSV)…", None, self.export_table))
        exports.addAction(b.add_action("Captions as s&ubtitles (SRT/WebVTT)…", None, self.export_subtitles))
        exports.addSeparator()
        exports.addAction(
            b.add_action("A reel for a &video editor (OpenTimelineIO)…", None, self.export_otio)
        )
        file_menu.addMenu(imports)
        file_menu.addMenu(exports)

    # --- helpers --------------------------------------------------------------------------------
    def _recording_id(self) -> int | None:
        rec = self.bench.coding.recording
        if rec is None:
            self.bench.show_error("Open a recording first: moments belong to one recording.")
            return None
        return rec.id

    def _run(self, job: Callable[[], Any]) -> Any:
        try:
            return job()
        except VfeedbackError as exc:
            self.bench.show_error(str(exc))
            return None

    def _open_path(self, title: str, filter_: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self.bench.widget(), title, "", filter_)
        return Path(name) if name else None

    def _save_path(self, title: str, suggested: str, filter_: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.bench.widget(), title, suggested, filter_)
        return Path(name) if name else None

    def _done(self, text: str) -> None:
        self.bench.show_status(text)

    def _suggested(self, suffix: str) -> str:
        rec = self.bench.coding.recording
        assert rec is not None
        return f"{rec.family_code}-recording-{rec.id}{suffix}"

    # --- imports --------------------------------------------------------------------------------
    def import_eaf(self, path: Path | None = None, mapping: dict[str, Any] | None = None) -> None:
        rec_id = self._recording_id()
        if rec_id is None:
            return
        path = path or self._open_path("Import moments from ELAN", ELAN_FILTER)
        if path is None:
            return
        again = self._again(path, rec_id, boris=False)
        if again is None:
            return
        if mapping is None:
            mapping = self._ask_tier_mapping(path)
            if mapping is None:
                return
        made = self._run(lambda: self.library.interchange.import_eaf(path, rec_id, mapping, again=again))
        if made is not None:
            self._done(f"Imported {_moments(len(made))} from {path.name}. Undo takes them all back.")

    def _again(self, path: Path, rec_id: int, *, boris: bool) -> bool | None:
        """False: a first import. True: imported before, and the clinician wants it again. None:
        imported before and not wanted again, or the file cannot be read (said already)."""
        when = self._run(lambda: self.library.interchange.previous_import(path, rec_id, boris=boris) or False)
        if when is None:
            return None
        if when is False:
            return False
        return True if self._ask_again(path, when) else None

    def _ask_again(self, path: Path, when: datetime) -> bool:
        answer = QMessageBox.question(
            self.bench.widget(),
            "Import again?",
            f"{path.name} was already imported into this recording on {long_date(when.astimezone().date())}. "
            "Importing it again adds every one of its moments a second time. Import it again?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _ask_tier_mapping(self, path: Path) -> dict[str, Any] | None:
        from vfeedback.services.elan_boris import default_tier_mapping
        from vfeedback.ui.mapping_dialog import MappingDialog, MappingRow

        tiers = self._run(lambda: self.library.interchange.eaf_tiers(path))
        if tiers is None:
            return None
        coding = [t for t in tiers if t.kind == "codes" and t.annotations]
        if not coding:
            self.bench.show_error(f"{path.name} has no annotations on a coding tier to import.")
            return None
        known = default_tier_mapping(coding)
        rows = [
            MappingRow(
                t.tier_id,
                f"{t.annotations} annotations",
                known[t.tier_id][0].value if t.tier_id in known else None,
                t.annotator or None,
            )
            for t in coding
        ]
        targets = [(a.value.capitalize(), a.value) for a in Actor] + [("Leave this tier out", SKIP)]
        dialog = MappingDialog(
            "Import moments from ELAN",
            f"Whose behaviour does each tier of {path.name} describe? The coder is who tagged it "
            "(ELAN's annotator, when the file names one).",
            rows,
            targets,
            target_heading="Actor",
            with_coder=True,
            parent=self.bench.widget(),
        )
        if not dialog.exec():
            return None
        coders = dialog.coders()
        return {
            tier: None if actor == SKIP else (actor, coders.get(tier))
            for tier, actor in dialog.mapping().items()
        }

    def import_boris(self, path: Path | None = None, mapping: dict[str, str | None] | None = None) -> None:
        rec_id = self._recording_id()
        if rec_id is None:
            return
        path = path or self._open_path("Import moments from BORIS", BORIS_FILTER)
        if path is None:
            return
        again = self._again(path, rec_id, boris=True)
        if again is None:
            return
        if mapping is None:
            mapping = self._ask_behaviour_mapping(path, rec_id)
            if mapping is None:
                return
        made = self._run(lambda: self.library.interchange.import_boris(path, rec_id, mapping, again=again))
        if made is not None:
            self._done(f"Imported {_moments(len(made))} from {path.name}. Undo takes them all back.")

    def _ask_behaviour_mapping(self, path: Path, rec_id: int) -> dict[str, str | None] | None:
        from vfeedback.ui.mapping_dialog import MappingDialog, MappingRow

        behaviours = self._run(lambda: self.library.interchange.boris_behaviours(path, recording_id=rec_id))
        if behaviours is None:
            return None
        codes = self.library.schemes.get().codes
        by_name = {c.name.lower(): c for c in codes}
        rows = [
            MappingRow(b, "behaviour", str(by_name[b.lower()].id) if b.lower() in by_name else None)
            for b in behaviours
        ]
        targets = [(c.label, str(c.id)) for c in codes] + [("Leave this behaviour out", SKIP)]
        dialog = MappingDialog(
            "Import moments from BORIS",
            f"Which code does each behaviour of {path.name} stand for? State events become moments "
            "with a length, point events moments in time.",
            rows,
            targets,
            target_heading="Code",
            parent=self.bench.widget(),
        )
        if not dialog.exec():
            return None
        return {b: None if v == SKIP else v for b, v in dialog.mapping().items()}

    # --- exports --------------------------------------------------------------------------------
    def export_eaf(self) -> None:
        self._export_recording(
            "ELAN file", ".eaf", ELAN_FILTER, True,
            lambda rec, out, ask: self.library.interchange.export_eaf(
                rec, out, include_notes=ask.include_notes(), purpose=ask.chosen_purpose(),
                link_original=ask.link_original(),
            ),
        )  # fmt: skip

    def export_table(self) -> None:
        self._export_recording(
            "spreadsheet", ".csv", "Spreadsheet, comma separated (*.csv);;Spreadsheet, tab separated (*.tsv)",
            True,
            lambda rec, out, ask: self.library.interchange.export_table(
                rec, out, include_notes=ask.include_notes(), purpose=ask.chosen_purpose()
            ),
        )  # fmt: skip

    def export_subtitles(self) -> None:
        self._export_recording(
            "subtitles", ".srt", "SubRip subtitles (*.srt);;WebVTT subtitles (*.vtt)", False,
            lambda rec, out, ask: self.library.interchange.export_subtitles(
                rec, out, purpose=ask.chosen_purpose()
            ),
        )  # fmt: skip

    def _export_recording(
        self,
        what: str,
        suffix: str,
        filter_: str,
        offers_notes: bool,
        export: Callable[[int, Path, DataExportDialog], Written],
    ) -> None:
        rec_id = self._recording_id()
        if rec_id is None:
            return
        # ELAN files and spreadsheets go mostly to research; subtitles with a family's own clips.
        ask = self._ask(what, offers_notes, default="research" if offers_notes else "feedback")
        if ask is None:
            return
        out = self._save_path(f"Export the {what}", self._suggested(suffix), filter_)
        if out is not None:
            done = self._run(lambda: export(rec_id, out, ask))
            if done is not None:
                self._done(f"Wrote {_moments(done.moments)} to {done.path.name}{_beside(done)}.")

    def export_otio(self) -> None:
        reel = choose_reel(self.bench, "A reel for a video editor")
        if reel is None:
            return
        ask = self._ask("timeline for a video editor", False, default="feedback")
        if ask is None:
            return
        out = self._save_path(
            "Save the reel as an OpenTimelineIO timeline",
            f"{self.library.families.get(reel.family_id).code}-reel-{reel.id}.otio",
            "OpenTimelineIO (*.otio)",
        )
        if out is not None:
            done = self._run(
                lambda: self.library.interchange.export_otio(
                    reel.id, out, purpose=ask.chosen_purpose(), link_original=ask.link_original()
                )
            )
            if done is not None:
                self._done(
                    f"Wrote {done.path.name}: open it in a video editor that reads OpenTimelineIO"
                    f"{_beside(done)}."
                )

    def _ask(self, what: str, offers_notes: bool, default: str = "research") -> DataExportDialog | None:
        """The purpose (its consent is checked by the export) and, where they apply, the notes and how
        the film is linked."""
        from vfeedback.ui.data_export_dialog import DataExportDialog

        links = what in LINKS_FILM
        dialog = DataExportDialog(
            what, offers_notes=offers_notes, default=default, parent=self.bench.widget(), offers_link=links
        )
        return dialog if dialog.exec() else None


def _moments(n: int) -> str:
    return "1 moment" if n == 1 else f"{n} moments"


def _beside(done: Written) -> str:
    """Where a referenced film's copy must go for the link to find it."""
    if not done.place_beside:
        return ""
    return f"; put a copy of the film beside it named {', '.join(done.place_beside)}"
