"""Before moments leave the library as a file (ELAN, spreadsheet, subtitles, a video editor's
timeline): what it is for, which needs the family's consent, and whether the private notes go too.
Notes are off unless ticked, every time. A file that links the film (ELAN, a timeline) links it
without naming the family unless "link the film by its own name and folder" is ticked (also off
every time; the audit record notes it)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.model import Purpose


class DataExportDialog(QDialog):
    def __init__(
        self,
        what: str,
        *,
        offers_notes: bool,
        default: str = "research",
        parent: QWidget | None = None,
        offers_link: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export {what}")
        self.setMinimumWidth(460)
        intro = QLabel(
            f"What is the {what} for? The family must have consented to that purpose. "
            "The export is noted in the audit record."
        )
        intro.setWordWrap(True)
        self.purpose = QComboBox()
        for purpose in Purpose:
            self.purpose.addItem(purpose.wording.capitalize(), purpose.value)
        self.purpose.setCurrentIndex(max(0, self.purpose.findData(default)))
        self.notes = QCheckBox("Include the private clinical notes")
        self.notes.setToolTip("Notes are for the clinical record; never for anything a family sees.")
        self._offers_notes = offers_notes
        self.notes.setVisible(offers_notes)
        self.notes_warning = QLabel("Captions are always included. Notes only when ticked.")
        self.notes_warning.setStyleSheet("color: #6b7780;")
        self.notes_warning.setVisible(offers_notes)
        self.link = QCheckBox("Link the film by its own file name and folder")
        self.link.setToolTip(
            "These often name the family. Unticked, a film kept in the library is linked by its "
            "anonymous library name, and one used where it lies by a neutral name (case code, date, "
            "number) to give a copy placed beside the file."
        )
        self._offers_link = offers_link
        self.link.setVisible(offers_link)

        form = QFormLayout()
        form.addRow("For", self.purpose)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(form)
        column.addWidget(self.notes)
        column.addWidget(self.notes_warning)
        column.addWidget(self.link)
        column.addWidget(buttons)

    def chosen_purpose(self) -> str:
        return str(self.purpose.currentData())

    def include_notes(self) -> bool:
        return self._offers_notes and self.notes.isChecked()

    def link_original(self) -> bool:
        return self._offers_link and self.link.isChecked()
