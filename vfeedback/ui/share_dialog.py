"""Supervision › Share with…: the selected moments, to one supervisor, with or without my note."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.errors import VfeedbackError
from vfeedback.services import Library
from vfeedback.services.team import Member


class ShareDialog(QDialog):
    """Lists the team's supervisors by name; Share shares ``moment_ids`` with the one chosen."""

    def __init__(self, library: Library, moment_ids: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shareDialog")
        self.setWindowTitle("Share for supervision")
        self.library = library
        self.moment_ids = list(moment_ids)
        self.shared_with: Member | None = None
        count = len(self.moment_ids)
        what = "this moment" if count == 1 else f"these {count} moments"
        intro = QLabel(
            f"Share {what} with a supervisor. They see it only while the family's consent for "
            "supervision is given, and you can withdraw it at any time."
        )
        intro.setWordWrap(True)
        self.supervisors = QListWidget()
        self.supervisors.setObjectName("supervisors")
        for member in library.team.supervisors():
            item = QListWidgetItem(member.name)
            item.setData(Qt.ItemDataRole.UserRole, member)
            self.supervisors.addItem(item)
        self.include_note = QCheckBox("Include my note")
        self.include_note.setObjectName("includeNote")
        self.include_note.setToolTip(
            "Without it the supervisor sees the moment and its caption, never your note."
        )
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.share_button = self.buttons.addButton("Share", QDialogButtonBox.ButtonRole.AcceptRole)
        self.share_button.setObjectName("shareButton")
        self.share_button.setEnabled(False)
        self.buttons.accepted.connect(self._share)
        self.buttons.rejected.connect(self.reject)
        self.supervisors.currentItemChanged.connect(
            lambda cur, _prev: self.share_button.setEnabled(cur is not None)
        )
        self.error = QLabel()
        self.error.setObjectName("shareError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if self.supervisors.count() == 0:
            layout.addWidget(
                QLabel("The team has no supervisor yet (vfeedback team add LOGIN --role supervisor).")
            )
        layout.addWidget(self.supervisors)
        layout.addWidget(self.include_note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(440, 250)  # a team has a few supervisors: a short list, not a tall empty box

    def _share(self) -> None:
        item = self.supervisors.currentItem()
        if item is None:
            return
        member: Member = item.data(Qt.ItemDataRole.UserRole)
        try:
            self.library.team.share(
                [str(i) for i in self.moment_ids], member.login, include_note=self.include_note.isChecked()
            )
        except VfeedbackError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.shared_with = member
        self.accept()
