"""The left column: families (by case code) and the chosen family's recordings."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from vfeedback.core.timecode import format_time
from vfeedback.services import Library


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class LibraryPanel(QWidget):
    recordingChosen = Signal(int)
    familyChanged = Signal(str)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.families = QListWidget()
        self.families.setObjectName("families")
        self.recordings = QListWidget()
        self.recordings.setObjectName("recordings")
        self.recordings.setWordWrap(True)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 10, 4, 10)
        column.addWidget(_heading("Families"))
        column.addWidget(self.families, 2)
        column.addWidget(_heading("Recordings"))
        column.addWidget(self.recordings, 3)
        from vfeedback.ui.consent_panel import ConsentPanel

        self.consent = ConsentPanel(library)
        column.addWidget(self.consent)
        self.families.currentItemChanged.connect(self._family_changed)
        self.recordings.itemActivated.connect(self._activated)
        self.recordings.itemClicked.connect(self._activated)
        self.refresh()

    def current_family(self) -> str | None:
        item = self.families.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def refresh(self) -> None:
        keep = self.current_family()
        self.families.blockSignals(True)
        self.families.clear()
        for fam in self.library.families():
            item = QListWidgetItem(fam.code)
            item.setData(Qt.ItemDataRole.UserRole, fam.code)
            self.families.addItem(item)
            if fam.code == keep:
                self.families.setCurrentItem(item)
        if self.families.currentItem() is None and self.families.count():
            self.families.setCurrentRow(0)
        self.families.blockSignals(False)
        self.show_recordings()
        self.consent.show_family(self.current_family())

    def select_recording(self, recording_id: int) -> None:
        rec = self.library.recording(recording_id)
        for row in range(self.families.count()):
            if self.families.item(row).data(Qt.ItemDataRole.UserRole) == rec.family_code:
                self.families.setCurrentRow(row)
        for row in range(self.recordings.count()):
            if self.recordings.item(row).data(Qt.ItemDataRole.UserRole) == recording_id:
                self.recordings.setCurrentRow(row)

    def show_recordings(self) -> None:
        self.recordings.clear()
        family = self.current_family()
        if family is None:
            return
        for rec in self.library.recordings(family):
            when = rec.recorded_on.isoformat() if rec.recorded_on else "date unknown"
            context = f" · {rec.context}" if rec.context else ""
            item = QListWidgetItem(f"{when}{context}\n{format_time(rec.media.duration_us)[:8]}")
            item.setData(Qt.ItemDataRole.UserRole, rec.id)
            item.setToolTip(f"Recording {rec.id}")
            self.recordings.addItem(item)

    def _family_changed(self) -> None:
        self.show_recordings()
        family = self.current_family()
        self.consent.show_family(family)
        if family is not None:
            self.familyChanged.emit(family)

    def _activated(self, item: QListWidgetItem) -> None:
        self.recordingChosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
