"""A recording's right-click in the library list: add it as an angle of another film of the same family,
or make an angle a film of its own again. Each is one undoable action (Edit › Undo)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.angles import MAX_ANGLES, Angle
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import Recording
from vfeedback.services import Library
from vfeedback.ui.player.angles import angle_name

Say = Callable[[str], object]


def add_angle(library: Library, recording_id: int, main_id: int) -> Angle:
    """THE one place the window adds an angle (merge point for the sync engineer's work).

    MERGE(i15-sync): once ``lib.angles.add_auto`` is on main, call it here through the window's task
    runner (it reads both sound tracks) and fall back to this manual offset of 0 when it refuses; the
    nudge keys (Alt+Left / Alt+Right while paused) then line the pictures up by hand."""
    return library.angles.add(recording_id, main_id, 0)


def candidates(library: Library, rec: Recording) -> list[Recording]:
    """The films ``rec`` can be an angle of: its family's others that are not angles themselves."""
    return [
        other
        for other in library.recordings.all(rec.family_code)
        if other.id != rec.id and library.angles.get(other.id) is None
    ]


class AngleOfDialog(QDialog):
    """Pick the main recording; OK adds the angle (one undoable action)."""

    def __init__(self, library: Library, recording_id: int, say: Say, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.recording = library.recordings.get(recording_id)
        self._say = say
        self.setWindowTitle("Add as an angle")
        column = QVBoxLayout(self)
        intro = QLabel(
            f"'{angle_name(self.recording)}' was filmed at the same time as which recording? It will "
            f"play beside it, on its clock (up to {MAX_ANGLES} films in one session)."
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.choices = QListWidget()
        self.choices.setObjectName("angleMains")
        for other in candidates(library, self.recording):
            item = QListWidgetItem(angle_name(other))
            item.setData(Qt.ItemDataRole.UserRole, other.id)
            self.choices.addItem(item)
        column.addWidget(self.choices)
        self.refusal = QLabel()
        self.refusal.setObjectName("refusal")
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet("color: #8a4b2f;")
        self.refusal.hide()
        column.addWidget(self.refusal)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.choices.itemDoubleClicked.connect(lambda _item: self.accept())
        self.choices.currentRowChanged.connect(self._enable)
        column.addWidget(self.buttons)
        self._enable()

    def _enable(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.choices.currentItem() is not None)

    def accept(self) -> None:
        item = self.choices.currentItem()
        if item is None:
            return
        try:
            main = self.library.recordings.get(int(item.data(Qt.ItemDataRole.UserRole)))
            add_angle(self.library, self.recording.id, main.id)
        except VfeedbackError as exc:  # said here, in one sentence; nothing changed
            self.refusal.setText(str(exc))
            self.refusal.show()
            return
        self._say(
            f"'{angle_name(self.recording)}' is now an angle of '{angle_name(main)}', starting together: "
            "line it up with Alt+Left and Alt+Right while paused."
        )
        super().accept()


def fill(
    menu: QMenu,
    library: Library,
    recording_id: int,
    safely: Callable[[Callable[[], object]], None],
    say: Say,
) -> None:
    """The angle items of a recording's right-click menu."""
    parent = menu.parentWidget()
    angle = library.angles.get(recording_id)
    if angle is not None:
        main = library.recordings.get(angle.main_id)
        text = f"Remove angle (of '{angle_name(main)}')".replace("&", "&&")

        def remove() -> None:
            library.angles.remove(recording_id)
            say(f"'{angle_name(library.recordings.get(recording_id))}' is a film of its own again.")

        menu.addAction(text, lambda: safely(remove))
        return

    def ask() -> None:
        dialog = AngleOfDialog(library, recording_id, say, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    menu.addAction("Add as an angle of…", lambda: safely(ask))
