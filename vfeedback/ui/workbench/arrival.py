"""Arriving with a new film: the greeting of an empty library, File › Import… and a video dropped on the
window (both through the one small import dialog, then the copy on the task runner, then the film
opens), and File › Open Recent (this person's last recordings in this library)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QSettings, Qt
from PySide6.QtWidgets import QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from vfeedback.core.errors import NotFound, VfeedbackError
from vfeedback.ui.workbench.protocol import Workbench

if TYPE_CHECKING:
    from vfeedback.core.jobs import Progress, ShouldCancel
    from vfeedback.core.model import Recording
    from vfeedback.ui.import_dialog import ImportChoice, ImportDialog

VIDEO_SUFFIXES = frozenset(
    (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".3gp", ".mts", ".m2ts", ".webm", ".mpg", ".mpeg", ".ts", ".wmv")
)
VIDEO_FILTER = "Videos (*.mp4 *.mov *.m4v *.mkv *.avi *.3gp *.mts *.webm);;All files (*)"
RECENT = 8
GREETING_TITLE = "Start with a film"
GREETING_TEXT = (
    "Import a film of a family, or drop a video here.\n"
    "vfeedback asks which family it belongs to and when it was filmed, keeps its own copy, "
    "and opens it ready for you to tag moments."
)


class Greeting(QWidget):
    """What an empty library shows where the film would be: one action and what happens next."""

    def __init__(self, on_import: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("greeting")
        self.setAutoFillBackground(True)
        title = QLabel(GREETING_TITLE)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(GREETING_TEXT)
        text.setObjectName("greetingText")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A word-wrapped label in a centred row is otherwise squeezed to a sliver: give it its size.
        text.setFixedWidth(480)
        text.setMinimumHeight(text.heightForWidth(480))
        self.button = QPushButton("Import a film…")
        self.button.setObjectName("importFilm")
        self.button.setDefault(True)
        self.button.setMinimumHeight(40)
        self.button.setMinimumWidth(200)
        self.button.clicked.connect(on_import)
        column = QVBoxLayout(self)
        column.addStretch(2)
        column.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addSpacing(12)
        column.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addSpacing(20)
        column.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(3)


def dropped_video(mime: QMimeData | None) -> Path | None:
    """The one local video file a drag carries (None for anything else: a folder, text, two files)."""
    if mime is None or not mime.hasUrls():
        return None
    urls = mime.urls()
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.suffix.lower() in VIDEO_SUFFIXES and path.is_file() else None


class ArrivalActions:
    """File › Import…, Open Recent and drops, for the window that ``open_recording`` opens a film in."""

    def __init__(self, bench: Workbench, open_recording: Callable[[int], None]) -> None:
        self.bench = bench
        self.open_recording = open_recording
        self.dialog: ImportDialog | None = None
        self.recent_menu: QMenu | None = None

    def build(self, file_menu: QMenu) -> None:
        file_menu.addAction(self.bench.add_action("&Import a film…", "Ctrl+I", self.choose_file))
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("openRecent")
        self.recent_menu.aboutToShow.connect(self.fill_recent)

    # --- import ---------------------------------------------------------------------------------
    def choose_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self.bench.widget(), "Import a film", "", VIDEO_FILTER)
        if path:
            self.ask(Path(path))

    def ask(self, path: Path) -> ImportDialog | None:
        """The import dialog for ``path`` (shown without blocking), or None after saying in one
        sentence why this file cannot be imported."""
        from vfeedback.ui.import_dialog import ImportDialog

        try:
            dialog = ImportDialog(self.bench.library, path, self.bench.current_family(), self.bench.widget())
        except VfeedbackError as exc:
            self.bench.show_error(str(exc))
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self.start)  # a bound method: see LibraryPanel._confirm
        dialog.destroyed.connect(self._forget_dialog)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _forget_dialog(self) -> None:
        self.dialog = None

    def start(self, choice: ImportChoice) -> None:
        """Copy the film in on the task runner (progress and Cancel in the status bar), then open it."""
        library = self.bench.library

        def job(progress: Progress, _cancel: ShouldCancel) -> Recording:
            # A new family is made with the import, in one undoable action: a cancelled or failed
            # import leaves no empty family behind.
            return library.recordings.import_file(
                choice.path,
                choice.family,
                recorded_on=choice.recorded_on,
                context=choice.context,
                title=choice.title,
                progress=lambda done, total: progress(done / max(total, 1)),
                new_family=choice.new_family,
            )

        self.bench.tasks.submit(f"Importing {choice.path.name}", job, on_done=self._imported)

    def _imported(self, rec: Recording) -> None:
        self.open_recording(rec.id)

    # --- open recent ----------------------------------------------------------------------------
    def _key(self) -> str:
        # Per library (by its location), in this person's own settings.
        where = hashlib.sha256(str(self.bench.library.path).encode()).hexdigest()[:16]
        return f"recent/{where}"

    def recent_ids(self) -> list[int]:
        value = QSettings("vfeedback", "vfeedback").value(self._key())
        items = value if isinstance(value, list) else [value] if value is not None else []
        return [int(v) for v in items if str(v).isdigit()]

    def remember(self, recording_id: int) -> None:
        ids = [recording_id, *[i for i in self.recent_ids() if i != recording_id]][:RECENT]
        QSettings("vfeedback", "vfeedback").setValue(self._key(), [str(i) for i in ids])

    def fill_recent(self) -> None:
        """The menu's entries, from the recordings that still exist (a deleted one has gone)."""
        from vfeedback.ui.import_dialog import recording_name

        menu = self.recent_menu
        assert menu is not None
        menu.clear()
        kept: list[int] = []
        for rid in self.recent_ids():
            try:
                rec = self.bench.library.recordings.get(rid)
            except NotFound:
                continue
            kept.append(rid)
            action = menu.addAction(recording_name(rec))
            action.triggered.connect(lambda _checked=False, rid=rid: self._open(rid))
        if not kept:
            menu.addAction("No recordings opened yet").setEnabled(False)
        QSettings("vfeedback", "vfeedback").setValue(self._key(), [str(i) for i in kept])

    def _open(self, recording_id: int) -> None:
        try:
            self.open_recording(recording_id)
        except VfeedbackError as exc:
            self.bench.show_error(str(exc))
