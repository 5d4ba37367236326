"""A recording's right-click in the library list: add it as an angle of another film of the same family,
or make an angle a film of its own again. Each is one undoable action (Edit › Undo)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
from vfeedback.core.errors import BadInput, VfeedbackError
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Recording
from vfeedback.services import Library
from vfeedback.ui.player.angles import angle_name, signed_seconds

if TYPE_CHECKING:
    from vfeedback.ui.tasks import TaskRunner

Say = Callable[[str], object]


@dataclass(frozen=True)
class Added:
    angle: Angle
    why_manual: str = ""
    """Why the offset is not from the sound (the sync's refusal, in its sentence), if it was tried."""


def add_angle_job(
    library: Library, recording_id: int, main_id: int
) -> Callable[[Progress, ShouldCancel], Added]:
    """THE one place the window adds an angle: a job for the window's task runner. The offset is found
    from the two sounds (``add_auto``: both tracks are read, hence the task runner); when the sounds
    cannot line them up (no sound, no match), the angle is added starting together, to be lined up with
    the nudge keys (Alt+Left / Alt+Right, paused), and the sentence says why. What ``add`` itself would
    refuse (another family, a fifth angle) is refused first, as it is."""

    def job(progress: Progress, should_cancel: ShouldCancel) -> Added:
        library.angles.check_add(recording_id, main_id, 0)
        try:
            return Added(library.angles.add_auto(recording_id, main_id, progress, should_cancel))
        except BadInput as exc:
            return Added(library.angles.add(recording_id, main_id, 0), why_manual=str(exc))

    return job


def added_sentence(added: Added, name: str, main_name: str) -> str:
    """What the status bar says once the angle is added."""
    angle = added.angle
    if angle.method == "auto":
        sure = f", confidence {angle.confidence:.2f}" if angle.confidence is not None else ""
        return (
            f"'{name}' is now an angle of '{main_name}', offset {signed_seconds(angle.offset_us)} "
            f"found from the sound{sure}."
        )
    lead = f"{added.why_manual} " if added.why_manual else ""
    return (
        f"{lead}'{name}' is now an angle of '{main_name}', starting together: line it up with Alt+Left "
        "and Alt+Right while paused."
    )


def candidates(library: Library, rec: Recording) -> list[Recording]:
    """The films ``rec`` can be an angle of: its family's others that are not angles themselves."""
    return [
        other
        for other in library.recordings.all(rec.family_code)
        if other.id != rec.id and library.angles.get(other.id) is None
    ]


class AngleOfDialog(QDialog):
    """Pick the main recording; OK adds the angle (one undoable action)."""

    def __init__(
        self,
        library: Library,
        recording_id: int,
        say: Say,
        parent: QWidget | None = None,
        tasks: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.tasks = tasks
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
        """Adds the angle through the task runner (finding an offset from the sound takes a while);
        the dialog stays, saying so, until it is added, and says a refusal in one sentence."""
        item = self.choices.currentItem()
        if item is None or not self.buttons.isEnabled():
            return
        try:
            main = self.library.recordings.get(int(item.data(Qt.ItemDataRole.UserRole)))
        except VfeedbackError as exc:
            self._refuse(str(exc))
            return
        job = add_angle_job(self.library, self.recording.id, main.id)
        self.buttons.setEnabled(False)
        self.choices.setEnabled(False)
        self.refusal.hide()
        name = angle_name(self.recording)
        if self.tasks is None:
            try:
                self._added(job(lambda _fraction: None, lambda: False), name, angle_name(main))
            except VfeedbackError as exc:
                self._refuse(str(exc))
            return
        self.tasks.submit(
            f"Adding '{name}' as an angle",
            job,
            on_done=lambda added: self._added(added, name, angle_name(main)),
            on_error=self._refuse,
        )

    def reject(self) -> None:
        if self.buttons.isEnabled():  # not while the angle is being added: it is said when done
            super().reject()

    def _added(self, added: Added, name: str, main_name: str) -> None:
        self._say(added_sentence(added, name, main_name))
        super().accept()

    def _refuse(self, sentence: str) -> None:
        """Said here, in one sentence; nothing changed, and another main can be picked."""
        self.refusal.setText(sentence)
        self.refusal.show()
        self.buttons.setEnabled(True)
        self.choices.setEnabled(True)


def fill(
    menu: QMenu,
    library: Library,
    recording_id: int,
    safely: Callable[[Callable[[], object]], None],
    say: Say,
    tasks: TaskRunner | None = None,
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
        dialog = AngleOfDialog(library, recording_id, say, parent, tasks)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    menu.addAction("Add as an angle of…", lambda: safely(ask))
