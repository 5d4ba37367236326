"""The one confirmation before a family or a recording is deleted for good.

Deletion cannot be undone, so the dialog says exactly what goes (counted from the library, not guessed),
that only the audit record stays, and asks for a deliberate act (typing the case code, or ticking a box)
before "Delete for good" wakes up. Cancel is the default: a stray Enter never deletes anything.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.dates import long_date
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import HighlightKind, Recording
from vfeedback.services import Library
from vfeedback.ui.tasks import TaskRunner

DELETE_STYLE = """
QPushButton#deleteForGood { background: #b4583f; color: white; border: 1px solid #9c4a34;
  border-radius: 4px; padding: 5px 16px; }
QPushButton#deleteForGood:hover { background: #a64f38; }
QPushButton#deleteForGood:disabled { background: #ecdcd6; color: #fbf7f5; border-color: #e2cdc5; }
"""
QUIET = "#5f6b73"


# --- what goes (counted through the Library API) --------------------------------------------------
def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def size_words(size: int) -> str:
    if size >= 1_000_000_000:
        return f"{size / 1_000_000_000:.1f} GB"
    if size >= 1_000_000:
        return f"{size / 1_000_000:.0f} MB"
    return f"{max(1, round(size / 1000))} KB"


def _listing(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


_KIND_WORDS = {
    HighlightKind.CLIP: ("clip", "clips"),
    HighlightKind.STILL: ("still", "stills"),
    HighlightKind.REEL: ("exported reel", "exported reels"),
    HighlightKind.HANDOUT: ("handout", "handouts"),
}


def _exports(kinds: list[HighlightKind]) -> str | None:
    parts = [plural(kinds.count(k), *words) for k, words in _KIND_WORDS.items() if k in kinds]
    return _listing(parts) if parts else None


@dataclass(frozen=True)
class Inventory:
    """What a deletion removes, in sentences, and which recordings it takes."""

    heading: str
    lines: list[str]
    recording_ids: list[int]
    stays_outside: list[str] = field(default_factory=list)


def _moment_line(count: int) -> str | None:
    if not count:
        return None
    return f"{plural(count, 'tagged moment')}, with {'its' if count == 1 else 'their'} captions and notes"


def family_inventory(library: Library, code: str) -> Inventory:
    fam = library.families.get(code)
    recs = library.recordings.all(fam.id)
    stored = [r for r in recs if r.stored]
    lines = []
    if recs:
        size = f" ({size_words(sum(r.size_bytes for r in stored))})" if stored else ""
        lines.append(plural(len(recs), "recording") + size)
    moments = sum(len(library.moments.all(r.id)) for r in recs)
    lines.append(_moment_line(moments) or "")
    exports = _exports([h.kind for h in library.exports.all(fam.id)])
    if exports:
        lines.append(exports)
    reels = library.reels.all(fam.id)
    register = library.consent.register(fam.id)
    extra = [plural(len(reels), "reel")] if reels else []
    extra.append(
        "the consent register" + (f" ({plural(len(register), 'entry', 'entries')})" if register else "")
    )
    lines.append(_listing(extra))
    if recs:
        lines.append("the previews, filmstrips and frame indexes made for its recordings")
    return Inventory(
        heading=f"Delete case {fam.code} for good?",
        lines=[line for line in lines if line],
        recording_ids=[r.id for r in recs],
        stays_outside=[_outside(r) for r in recs if not r.stored],
    )


def recording_inventory(library: Library, recording_id: int) -> Inventory:
    rec = library.recordings.get(recording_id)
    moment_ids = {m.id for m in library.moments.all(rec.id)}
    made = [
        h
        for h in library.exports.all(rec.family_id)
        if h.recording_id == rec.id or moment_ids & set(h.moment_ids)
    ]
    lines = ["the video file" + (f" ({size_words(rec.size_bytes)})" if rec.stored else "")]
    lines.append(_moment_line(len(moment_ids)) or "")
    exports = _exports([h.kind for h in made])
    if exports:
        lines.append(f"{exports} made from it")
    reels = [r for r in library.reels.all(rec.family_id) if moment_ids & set(r.moment_ids)]
    if reels:
        stays = "the reel itself stays" if len(reels) == 1 else "the reels themselves stay"
        lines.append(f"its moments in {plural(len(reels), 'reel')} ({stays})")
    lines.append("its previews, filmstrip and frame index")
    which = f"the recording of {long_date(rec.recorded_on)}" if rec.recorded_on else f"recording {rec.id}"
    context = f", {rec.context}," if rec.context else ""
    return Inventory(
        heading=f"Delete {which}{context} from case {rec.family_code} for good?",
        lines=[line for line in lines if line],
        recording_ids=[rec.id],
        stays_outside=[] if rec.stored else [_outside(rec)],
    )


def _outside(rec: Recording) -> str:
    return f"{rec.original_name} was referenced, not copied: the original stays where it is ({rec.path})."


# --- the dialog -----------------------------------------------------------------------------------
class _SwallowEnter(QObject):
    """Enter in the confirmation field neither deletes nor cancels: the clinician was only typing."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        return False


class ConfirmDeleteDialog(QDialog):
    """Asks, then deletes through the services (on ``tasks`` when given, else with a busy cursor).

    ``aboutToDelete(list)`` carries the ids of the recordings about to go, just before anything is
    touched, so an open recording can be closed first. After it finishes: ``accepted`` when done
    (``left`` names originals left outside the library), ``rejected`` with ``error`` set on failure.
    """

    aboutToDelete = Signal(list)

    def __init__(
        self,
        library: Library,
        *,
        family: str | None = None,
        recording: int | None = None,
        tasks: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if (family is None) == (recording is None):
            raise ValueError("ConfirmDeleteDialog deletes either a family or a recording")
        self.library, self.tasks = library, tasks
        self.left: list[str] = []
        self.error: str | None = None
        self.busy = False
        self.code: str | None = None
        if family is not None:
            fam = library.families.get(family)
            self.code = fam.code
            self.inventory = family_inventory(library, fam.code)
            self._job: Callable[[], list[str]] = lambda: library.cases.delete_family(fam.code)
            self.setWindowTitle(f"Delete case {self.code}")
        else:
            assert recording is not None
            self.inventory = recording_inventory(library, recording)
            self._job = lambda: library.cases.delete_recording(recording)
            self.setWindowTitle(f"Delete recording {recording}")
        self.setMinimumWidth(500)
        self.setStyleSheet(DELETE_STYLE)
        self._build()
        self._update()

    def _build(self) -> None:
        inv = self.inventory
        heading = QLabel(inv.heading)
        heading.setTextFormat(Qt.TextFormat.PlainText)  # it holds the clinician's own words
        heading.setWordWrap(True)
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        heading.setFont(font)
        items = "".join(f"<li>{line}</li>" for line in inv.lines)
        what = QLabel(f"This removes from this computer:<ul style='margin-left:-18px'>{items}</ul>")
        what.setObjectName("whatGoes")
        what.setWordWrap(True)
        after = QLabel(
            "Only the audit record remains: it says that this was deleted, when and by whom, never what "
            "the recordings showed. This cannot be undone (and the Undo history is cleared)."
        )
        after.setWordWrap(True)
        after.setStyleSheet(f"color: {QUIET};")
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(what)
        for sentence in inv.stays_outside:
            outside = QLabel(sentence)
            outside.setTextFormat(Qt.TextFormat.PlainText)
            outside.setWordWrap(True)
            outside.setStyleSheet(f"color: {QUIET};")
            layout.addWidget(outside)
        layout.addWidget(after)
        layout.addSpacing(4)

        self.typed = QLineEdit()
        self.typed.setObjectName("typedCode")
        self.ticked = QCheckBox(
            "I understand that this recording and everything made from it is deleted for good."
        )
        self.ticked.setObjectName("understood")
        if self.code is not None:
            ask = QHBoxLayout()
            ask.addWidget(QLabel(f"To confirm, type the case code <b>{self.code}</b>:"))
            self.typed.setMaximumWidth(200)
            self.typed.installEventFilter(_SwallowEnter(self.typed))
            self.typed.textChanged.connect(self._update)
            ask.addWidget(self.typed)
            ask.addStretch(1)
            layout.addLayout(ask)
        else:
            self.ticked.toggled.connect(self._update)
            layout.addWidget(self.ticked)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.status = QLabel("Deleting… large recordings can take a moment.")
        self.status.setStyleSheet(f"color: {QUIET};")
        self.progress.hide()
        self.status.hide()
        layout.addWidget(self.status)
        layout.addWidget(self.progress)

        self.buttons = QDialogButtonBox()
        self.cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.delete = QPushButton("Delete for good")
        self.delete.setObjectName("deleteForGood")
        self.buttons.addButton(self.delete, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.delete.setAutoDefault(False)
        self.cancel.setDefault(True)
        self.cancel.clicked.connect(self.reject)
        self.delete.clicked.connect(self.start)
        layout.addWidget(self.buttons)

    def confirmed(self) -> bool:
        if self.code is not None:
            return self.typed.text().strip().casefold() == self.code.casefold()
        return self.ticked.isChecked()

    def _update(self) -> None:
        self.delete.setEnabled(self.confirmed() and not self.busy)

    # --- deleting -------------------------------------------------------------------------------
    def start(self) -> None:
        if not self.confirmed() or self.busy:
            return
        self.busy = True
        for widget in (self.typed, self.ticked, self.cancel, self.delete):
            widget.setEnabled(False)
        self.status.show()
        self.progress.show()
        self.aboutToDelete.emit(list(self.inventory.recording_ids))
        if self.tasks is not None:
            label = self.windowTitle()
            self.tasks.submit(label, lambda _p, _c: self._job(), on_done=self._done, on_error=self._failed)
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            left = self._job()
        except VfeedbackError as exc:
            self._failed(str(exc))
        except Exception as exc:  # one sentence for the clinician; the details go to stderr
            traceback.print_exc()
            self._failed(f"Deleting failed unexpectedly ({type(exc).__name__}: {exc}).")
        else:
            self._done(left)
        finally:
            QGuiApplication.restoreOverrideCursor()

    def _done(self, left: list[str]) -> None:
        self.busy = False
        self.left = list(left)
        self.accept()

    def _failed(self, message: str) -> None:
        self.busy = False
        self.error = message
        super().reject()

    def reject(self) -> None:
        if not self.busy:  # Esc or the window's close button while deleting: it finishes first
            super().reject()


def report_outcome(parent: QWidget, dialog: ConfirmDeleteDialog) -> QMessageBox | None:
    """The one sentence after a deletion, if there is anything to say (an error, or an original left
    where it was); shown without blocking. Returns the box (tests read it)."""
    if dialog.error:
        text, title = dialog.error, "Deletion did not finish"
    elif dialog.left:
        text, title = " ".join(dialog.left), "Deleted"
    else:
        return None
    box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
