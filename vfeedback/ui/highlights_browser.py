"""The highlights browser: every exported clip, still, reel and handout, with thumbnails, filters and
caption search; play a clip in place, open its folder, delete it, and build a reel by dragging
moments into order.

It only shows captions (what a parent may see); notes never appear here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.errors import VfeedbackError
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Highlight, HighlightKind
from vfeedback.core.timecode import format_time
from vfeedback.services import Library
from vfeedback.ui.tasks import TaskRunner

THUMB = QSize(192, 108)
ALL = "All"


def _thumbnail(path: Path, kind: HighlightKind) -> Any:
    """A small picture for the grid (worker thread): the still itself, or a frame 0.5 s into a clip."""
    import cv2

    if kind is HighlightKind.STILL:
        image = cv2.imread(str(path))
        if image is None:
            return None
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if kind is HighlightKind.HANDOUT:
        return None
    capture = cv2.VideoCapture(str(path))
    try:
        capture.set(cv2.CAP_PROP_POS_MSEC, 500)
        ok, frame = capture.read()
    finally:
        capture.release()
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if ok else None


class HighlightsBrowser(QWidget):
    """Shown from the workbench (Moment › Highlights)."""

    def __init__(self, library: Library, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Highlights — vfeedback")
        self.library = library
        self.tasks = tasks
        self._items: dict[int, Highlight] = {}
        self._thumbs: dict[int, QPixmap] = {}
        self._pending: set[int] = set()
        self._placeholder = QPixmap(THUMB)
        self._placeholder.fill(QColor("#e4e8eb"))

        self.family = QComboBox()
        self.kind = QComboBox()
        for label, value in ((ALL, None), ("Clips", "clip"), ("Stills", "still"), ("Reels", "reel"),
                             ("Handouts", "handout")):  # fmt: skip
            self.kind.addItem(label, value)
        self.recording = QComboBox()
        self.recording.setMaximumWidth(200)
        self.code = QComboBox()
        self.code.setMaximumWidth(200)
        self.family.setMinimumContentsLength(8)
        self.since = QDateEdit()
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.since.setDate(QDate(2000, 1, 1))
        self.since.setToolTip("Only exports made on or after this day")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search captions…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(180)
        filters = QHBoxLayout()
        for label, widget in (("Family", self.family), ("Recording", self.recording), ("Kind", self.kind),
                              ("Code", self.code), ("Since", self.since)):  # fmt: skip
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.search, 1)

        self.model = QStandardItemModel(self)
        self.grid = QListView()
        self.grid.setObjectName("highlightGrid")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(THUMB)
        self.grid.setGridSize(QSize(THUMB.width() + 24, THUMB.height() + 56))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setWordWrap(True)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setModel(self.model)
        self.grid.doubleClicked.connect(lambda _i: self.play_selected())
        # Right-click on a reel or a handout: make the handout, print it (ui/session_pack.py).
        from vfeedback.ui.session_pack import handout_menu

        self.grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.grid.customContextMenuRequested.connect(lambda at: handout_menu(self, at))

        self.play = QPushButton("Play")
        self.folder = QPushButton("Open folder")
        self.delete = QPushButton("Delete…")
        self.add_to_reel = QPushButton("Add to reel →")
        buttons = QHBoxLayout()
        for b in (self.play, self.folder, self.delete):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.add_to_reel)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(filters)
        column.addWidget(self.grid, 1)
        column.addLayout(buttons)

        self.reel_title = QLineEdit()
        self.reel_title.setPlaceholderText("Reel title, e.g. “Our moments together”")
        self.reel_list = QListWidget()
        self.reel_list.setObjectName("reelMoments")
        self.reel_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.reel_list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.remove_from_reel = QPushButton("Remove")
        self.export_reel = QPushButton("Make the reel")
        from vfeedback.ui.clip_preview import ClipPreview

        self.preview = ClipPreview()
        right = QWidget()
        reel_column = QVBoxLayout(right)
        reel_column.setContentsMargins(0, 0, 0, 0)
        reel_column.addWidget(self.preview, 2)
        reel_column.addWidget(QLabel("<b>Reel</b> — drag to change the order"))
        reel_column.addWidget(self.reel_title)
        reel_column.addWidget(self.reel_list, 2)
        row = QHBoxLayout()
        row.addWidget(self.remove_from_reel)
        row.addStretch(1)
        row.addWidget(self.export_reel)
        reel_column.addLayout(row)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.status = QLabel()
        layout.addWidget(self.status)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.family.currentIndexChanged.connect(lambda _i: self._family_changed())
        for combo in (self.recording, self.kind, self.code):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.since.dateChanged.connect(lambda _d: self.refresh())
        self.play.clicked.connect(self.play_selected)
        self.folder.clicked.connect(self.open_folder)
        self.delete.clicked.connect(self.delete_selected)
        self.add_to_reel.clicked.connect(self.add_selected_to_reel)
        self.remove_from_reel.clicked.connect(self._remove_reel_rows)
        self.export_reel.clicked.connect(self.make_reel)
        self.resize(1100, 700)
        self.reload_filters()

    # --- data -----------------------------------------------------------------------------------
    def reload_filters(self) -> None:
        keep = self.family.currentData()
        self.family.blockSignals(True)
        self.family.clear()
        self.family.addItem(ALL, None)
        for fam in self.library.families.all():
            self.family.addItem(fam.code, fam.code)
        self.family.setCurrentIndex(max(0, self.family.findData(keep)))
        self.family.blockSignals(False)
        self._fill_recordings()
        self.code.blockSignals(True)
        self.code.clear()
        self.code.addItem(ALL, None)
        for c in self.library.schemes.get().codes:
            self.code.addItem(("" if c.parent_id is None else "   ") + c.name, c.id)
        self.code.blockSignals(False)
        self.refresh()

    def _fill_recordings(self) -> None:
        self.recording.blockSignals(True)
        self.recording.clear()
        self.recording.addItem(ALL, None)
        for rec in self.library.recordings.all(self.family.currentData()):
            when = rec.recorded_on.isoformat() if rec.recorded_on else f"recording {rec.id}"
            self.recording.addItem(f"{rec.family_code} · {when}", rec.id)
        self.recording.blockSignals(False)

    def _family_changed(self) -> None:
        self._fill_recordings()
        self.refresh()

    def visible_highlights(self) -> list[Highlight]:
        kind = self.kind.currentData()
        found = self.library.exports.all(
            self.family.currentData(),
            kind=HighlightKind(kind) if kind else None,
            recording_id=self.recording.currentData(),
            text=self.search.text().strip() or None,
        )
        picked = self.since.date()
        since = date(picked.year(), picked.month(), picked.day())
        found = [h for h in found if h.created_at.date() >= since]
        code = self.code.currentData()
        if code is not None:
            wanted = {code} | {c.id for c in self.library.schemes.get().codes if c.parent_id == code}
            found = [h for h in found if any(self._code_of(m) in wanted for m in h.moment_ids)]
        return found

    def _code_of(self, moment_id: int) -> int | None:
        try:
            return self.library.moments.get(moment_id).code_id
        except VfeedbackError:
            return None

    def refresh(self) -> None:
        shown = self.visible_highlights()
        self._items = {h.id: h for h in shown}
        self.model.clear()
        for h in shown:
            item = QStandardItem(_label(h))
            item.setData(h.id, Qt.ItemDataRole.UserRole)
            item.setEditable(False)
            item.setToolTip(h.caption or Path(h.path).name)
            item.setIcon(self._thumbs.get(h.id, self._placeholder))
            if h.id not in self._thumbs:
                self._load_thumbnail(h)
            self.model.appendRow(item)
        self.status.setText(f"{len(shown)} item(s)")

    def _load_thumbnail(self, h: Highlight) -> None:
        if h.id in self._pending:
            return
        self._pending.add(h.id)
        path = self.library.exports.path(h)

        def job(_progress: Progress, _cancel: ShouldCancel) -> Any:
            return _thumbnail(path, h.kind)

        self.tasks.submit(
            "Making thumbnails",
            job,
            on_done=lambda image: self._thumb_ready(h.id, image),
            on_error=lambda _message: self._pending.discard(h.id),
        )

    def _thumb_ready(self, highlight_id: int, image: Any) -> None:
        self._pending.discard(highlight_id)
        if image is None:
            return
        from vfeedback.ui.player.frame_worker import to_qimage

        picture = to_qimage(image).scaled(
            THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        pixmap = QPixmap.fromImage(picture)
        self._thumbs[highlight_id] = pixmap
        for row in range(self.model.rowCount()):
            item = self.model.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == highlight_id:
                item.setIcon(pixmap)

    def selected(self) -> list[Highlight]:
        ids = [i.data(Qt.ItemDataRole.UserRole) for i in self.grid.selectionModel().selectedIndexes()]
        return [self._items[i] for i in ids if i in self._items]

    # --- actions --------------------------------------------------------------------------------
    def play_selected(self) -> None:
        chosen = [h for h in self.selected() if h.kind in (HighlightKind.CLIP, HighlightKind.REEL)]
        if chosen:
            self.preview.play(self.library.exports.path(chosen[0]))

    def closeEvent(self, event: Any) -> None:
        self.preview.stop()
        super().closeEvent(event)

    def open_folder(self) -> None:
        chosen = self.selected()
        folder = self.library.exports.path(chosen[0]).parent if chosen else self.library.path / "clips"
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def delete_selected(self) -> None:
        chosen = self.selected()
        if not chosen:
            return
        answer = QMessageBox.question(
            self,
            "Delete",
            f"Delete {len(chosen)} exported file(s) from the library? The moments stay.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_now(chosen)

    def delete_now(self, chosen: list[Highlight]) -> None:
        for h in chosen:
            self.library.exports.delete(h.id)
            self._thumbs.pop(h.id, None)
        self.refresh()

    def add_selected_to_reel(self) -> None:
        present = {
            self.reel_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.reel_list.count())
        }
        for h in self.selected():
            if h.kind not in (HighlightKind.CLIP, HighlightKind.STILL):
                continue
            for moment_id in h.moment_ids:
                if moment_id in present:
                    continue
                present.add(moment_id)
                try:
                    m = self.library.moments.get(moment_id)
                except VfeedbackError:
                    continue
                item = QListWidgetItem(f"{format_time(m.start_us)[3:]}  {m.caption or '(no caption)'}")
                item.setData(Qt.ItemDataRole.UserRole, moment_id)
                self.reel_list.addItem(item)

    def _remove_reel_rows(self) -> None:
        for item in self.reel_list.selectedItems():
            self.reel_list.takeItem(self.reel_list.row(item))

    def reel_moment_ids(self) -> list[int]:
        return [
            int(self.reel_list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.reel_list.count())
        ]

    def make_reel(self) -> None:
        ids = self.reel_moment_ids()
        try:
            reel = self.library.reels.create(self.reel_title.text(), ids)
        except VfeedbackError as exc:
            QMessageBox.information(self, "Reel", str(exc))
            return

        def job(progress: Progress, cancel: ShouldCancel) -> Highlight:
            return self.library.exports.reel(reel.id, progress=progress, should_cancel=cancel)

        made = f"reel {reel.id}"  # never its title: this note is kept in the library until shown
        self.tasks.submit("Making the reel", job, on_done=lambda _h: self.refresh(), export=made)


def _label(h: Highlight) -> str:
    kind = {"clip": "Clip", "still": "Still", "reel": "Reel", "handout": "Handout"}[h.kind.value]
    length = f" · {h.duration_us / 1e6:.1f} s" if h.duration_us else ""
    caption = h.caption if len(h.caption) <= 60 else h.caption[:59] + "…"
    return f"{kind}{length}\n{caption}" if caption else f"{kind}{length}"
