"""The highlights browser: every exported clip, still, reel and handout, grouped by the session it
came from (newest first), each with a real thumbnail (a handout's first page, painted by the
handout's own renderer), its title or caption once, and the numbers the CLI takes ("reel 3 · item
12"); filters and search; play a clip or reel in place or full screen, open its folder, delete it,
and build a reel by dragging moments into order.

It only shows captions (what a parent may see); notes never appear here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, QPoint, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QImage,
    QPainter,
    QPixmap,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.dates import long_date
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.jobs import Progress, ShouldCancel
from vfeedback.core.model import Highlight, HighlightKind, Moment, Recording
from vfeedback.core.timecode import format_time
from vfeedback.services import Library
from vfeedback.ui.clip_preview import FullScreenPlayer
from vfeedback.ui.tasks import TaskRunner

THUMB = QSize(144, 81)
ALL = "All"
SINCE_ALL = QDate(2000, 1, 1)  # the "Made since" box at this day shows "All": no date filter
REEL_CARD_MS = 1500  # into a reel: the middle of its title card, which shows the title
ID = Qt.ItemDataRole.UserRole


def _thumbnail(path: Path, kind: HighlightKind, duration_us: int) -> Any:
    """A picture for the list (worker thread): the still itself, the middle frame of a clip, the
    title card of a reel."""
    import cv2

    if kind is HighlightKind.STILL:
        image = cv2.imread(str(path))
        if image is None:
            return None
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    capture = cv2.VideoCapture(str(path))
    at_ms = REEL_CARD_MS if kind is HighlightKind.REEL else duration_us / 2000
    try:
        capture.set(cv2.CAP_PROP_POS_MSEC, min(at_ms, max(0.0, duration_us / 1000 - 100)))
        ok, frame = capture.read()
    finally:
        capture.release()
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if ok else None


def _handout_page(library: Library, reel_id: int, purpose: str) -> Any:
    """The handout's first page, painted by the handout's own renderer from the pictures it printed
    (worker thread)."""
    from vfeedback.render.handout import first_page

    reel = library.reels.get(reel_id)
    pictures = library.exports.handout_pictures(reel_id, purpose=purpose)
    return first_page(reel.title, reel.date_text, pictures, width=THUMB.height() * 3)


def _framed(image: QImage) -> QPixmap:
    """``image`` fitted into the thumbnail box and centred on a quiet ground, so every row's text
    starts at the same place whatever the picture's shape (a portrait page, a wide film)."""
    picture = image.scaled(
        THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    pixmap = QPixmap(THUMB)
    pixmap.fill(QColor(GROUND))
    painter = QPainter(pixmap)
    painter.drawImage(
        (THUMB.width() - picture.width()) // 2, (THUMB.height() - picture.height()) // 2, picture
    )
    painter.end()
    return pixmap


GROUND = "#e9e4dd"
KIND_ORDER = {HighlightKind.REEL: 0, HighlightKind.HANDOUT: 1, HighlightKind.CLIP: 2, HighlightKind.STILL: 3}


@dataclass(frozen=True, slots=True)
class Entry:
    """One export as the list shows it: its session, where it sorts, and its three lines."""

    highlight: Highlight
    session: tuple[int, ...]  # sorts newest first; () for exports whose moments are all gone
    session_label: str
    order: tuple[int, ...]
    lines: tuple[str, str, str]
    tooltip: str


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _clock(us: int) -> str:
    """A time in the film as a clinician reads it: 1:05, or 1:02:05 past the hour."""
    seconds = max(0, us) // 1_000_000
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= 70 else text[:69] + '…'}”"


def session_label(rec: Recording) -> str:
    """``PIP-7 · filmed 12 March 2025 · Bath time``: the case, the day, the clinician's own name."""
    parts = [rec.family_code]
    parts.append(f"filmed {long_date(rec.recorded_on)}" if rec.recorded_on else f"recording {rec.id}")
    name = (rec.title or "").strip() or (rec.context or "").strip()
    if name:
        parts.append(name)
    return " · ".join(parts)



class HighlightsBrowser(QWidget):
    """Shown from the workbench (Moment › Highlights)."""

    def __init__(self, library: Library, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Highlights")
        self.library = library
        self.tasks = tasks
        self._items: dict[int, Highlight] = {}
        self._entries: dict[int, Entry] = {}
        self._thumbs: dict[int, QPixmap] = {}
        self._drawn_from: dict[int, str] = {}  # the file (its sha256) each thumbnail shows
        self._pending: set[int] = set()
        self._placeholder = QPixmap(THUMB)
        self._placeholder.fill(QColor(GROUND))
        self.full_screen: FullScreenPlayer | None = None

        self.family = QComboBox()
        self.kind = QComboBox()
        for label, value in ((ALL, None), ("Clips", "clip"), ("Stills", "still"), ("Reels", "reel"),
                             ("Handouts", "handout")):  # fmt: skip
            self.kind.addItem(label, value)
        self.recording = QComboBox()
        self.recording.setMaximumWidth(240)
        self.code = QComboBox()
        self.code.setMaximumWidth(200)
        self.family.setMinimumContentsLength(8)
        self.since = QDateEdit()
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("d MMM yyyy")
        self.since.setMinimumDate(SINCE_ALL)
        self.since.setSpecialValueText(ALL)  # shown at the minimum: every export, whenever made
        self.since.setDate(SINCE_ALL)
        self.since.setToolTip("Only exports made on or after this day")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search captions and titles…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(180)
        filters = QHBoxLayout()
        for label, widget in (("Family", self.family), ("Recording", self.recording), ("Kind", self.kind),
                              ("Code", self.code), ("Made since", self.since)):  # fmt: skip
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.search, 1)

        self.model = QStandardItemModel(self)
        self.grid = QTreeView()
        self.grid.setObjectName("highlightGrid")
        self.grid.setHeaderHidden(True)
        self.grid.setIconSize(THUMB)
        self.grid.setIndentation(14)
        self.grid.setRootIsDecorated(False)
        self.grid.setItemsExpandable(False)
        self.grid.setExpandsOnDoubleClick(False)
        self.grid.setUniformRowHeights(False)
        self.grid.setWordWrap(True)
        self.grid.setAlternatingRowColors(False)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setModel(self.model)
        self.grid.doubleClicked.connect(lambda _i: self.play_selected())
        self.grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.grid.customContextMenuRequested.connect(self._context_menu)
        self.grid.selectionModel().selectionChanged.connect(lambda *_a: self._selection_changed())

        self.play = QPushButton("Play")
        self.play_full = QPushButton("Full screen")
        self.play_full.setToolTip("Watch it full screen, as the family will (Escape to come back)")
        self.folder = QPushButton("Open folder")
        self.delete = QPushButton("Delete…")
        self.add_to_reel = QPushButton("Add to reel →")
        buttons = QHBoxLayout()
        for b in (self.play, self.play_full, self.folder, self.delete):
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
        layout.addWidget(splitter, 1)
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
        self.play_full.clicked.connect(self.play_full_screen)
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
        keep = self.recording.currentData()
        self.recording.blockSignals(True)
        self.recording.clear()
        self.recording.addItem(ALL, None)
        recordings = self.library.recordings.all(self.family.currentData())
        for rec in sorted(recordings, key=_newest_first):
            self.recording.addItem(session_label(rec), rec.id)
        self.recording.setCurrentIndex(max(0, self.recording.findData(keep)))
        self.recording.blockSignals(False)

    def _family_changed(self) -> None:
        self._fill_recordings()
        self.refresh()

    def visible_highlights(self) -> list[Highlight]:
        """What the filters let through, in the order the list shows them."""
        return [e.highlight for e in self._visible_entries()]

    def _visible_entries(self) -> list[Entry]:
        kind = self.kind.currentData()
        found = self.library.exports.all(
            self.family.currentData(), kind=HighlightKind(kind) if kind else None
        )
        if self.since.date() != SINCE_ALL:
            picked = self.since.date()
            since = date(picked.year(), picked.month(), picked.day())
            found = [h for h in found if h.created_at.date() >= since]
        code = self.code.currentData()
        moments = _Lookup(self.library)
        if code is not None:
            wanted = {code} | {c.id for c in self.library.schemes.get().codes if c.parent_id == code}
            found = [h for h in found if any(_code(moments.moment(m)) in wanted for m in h.moment_ids)]
        entries = [self._entry(h, moments) for h in found]
        recording = self.recording.currentData()
        if recording is not None:
            entries = [e for e in entries if e.session[2:3] == (recording,)]
        text = " ".join(self.search.text().split()).casefold()
        if text:
            entries = [e for e in entries if text in " ".join((e.highlight.caption, *e.lines)).casefold()]
        return sorted(entries, key=lambda e: (_descending(e.session), e.order))

    def _entry(self, h: Highlight, lookup: _Lookup) -> Entry:
        moments = [m for m in (lookup.moment(i) for i in h.moment_ids) if m is not None]
        recordings = [r for r in (lookup.recording(m.recording_id) for m in moments) if r is not None]
        if h.recording_id is not None and (own := lookup.recording(h.recording_id)) is not None:
            recordings = [own]
        # A reel of several sessions stands with the latest of them, where it was most likely made.
        rec = min(recordings, key=_newest_first) if recordings else None
        if rec is not None:
            day = rec.recorded_on.toordinal() if rec.recorded_on else 0
            session: tuple[int, ...] = (day, rec.id, rec.id)
            label = session_label(rec)
        else:
            session, label = (), "Other exports (their moments are gone)"
        first = moments[0] if moments else None
        start = first.start_us if first is not None else 0
        order: tuple[int, ...]
        if h.kind in (HighlightKind.REEL, HighlightKind.HANDOUT):
            order = (KIND_ORDER[h.kind], -h.id)  # newest reel first, each with its handout below
            title = lookup.reel_title(h.reel_id)
            what = "Reel" if h.kind is HighlightKind.REEL else "Handout"
            length = f" · {h.duration_us / 1e6:.0f} s" if h.kind is HighlightKind.REEL else " · A4 to print"
            lines = (
                _quoted(title) if title else f"{what} of {_plural(len(h.moment_ids), 'moment')}",
                f"{what} · {_plural(len(h.moment_ids), 'moment')}{length}",
                f"reel {h.reel_id} · item {h.id}" if h.reel_id is not None else f"item {h.id}",
            )
            tooltip = "\n".join(_quoted(c) for c in h.caption.split("\n") if c.strip())
        else:
            order = (KIND_ORDER[HighlightKind.CLIP], start, KIND_ORDER[h.kind], h.id)  # timeline order
            if h.kind is HighlightKind.CLIP:
                where = f"Clip · {_clock(start)} in the film · {h.duration_us / 1e6:.1f} s"
            else:
                where = f"Still · {_clock(start)} in the film"
            ids = f"moment {h.moment_ids[0]} · item {h.id}" if h.moment_ids else f"item {h.id}"
            lines = (_quoted(h.caption) if h.caption.strip() else "No caption", where, ids)
            tooltip = Path(h.path).name
        return Entry(h, session, label, order, lines, tooltip)

    def refresh(self) -> None:
        entries = self._visible_entries()
        self._items = {e.highlight.id: e.highlight for e in entries}
        self._entries = {e.highlight.id: e for e in entries}
        self.model.clear()
        heading_font = QFont(self.font())
        heading_font.setBold(True)
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.1)
        group: QStandardItem | None = None
        last: tuple[int, ...] | None = None
        same: object = None
        for e in entries:
            if group is None or e.session != last:
                group = QStandardItem(e.session_label)
                group.setFont(heading_font)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setSizeHint(QSize(0, 40))
                self.model.appendRow(group)
                last, same = e.session, None
            h = e.highlight
            # Captions once: the still under the clip of the same moment (the handout under its
            # reel) does not say the same words again.
            of = ("reel", h.reel_id) if h.reel_id is not None else ("moments", h.moment_ids)
            lines = e.lines[1:] if of == same else e.lines
            same = of
            item = QStandardItem("\n".join(lines))
            item.setSizeHint(QSize(0, THUMB.height() + 8))
            item.setData(h.id, ID)
            item.setEditable(False)
            item.setToolTip(e.tooltip)
            if self._drawn_from.get(h.id, h.sha256) != h.sha256:
                self._thumbs.pop(h.id, None)  # made again in place (a handout regenerated)
            item.setIcon(self._thumbs.get(h.id, self._placeholder))
            if h.id not in self._thumbs:
                self._load_thumbnail(h)
            group.appendRow(item)
        self.grid.expandAll()
        sessions = self.model.rowCount()
        self.status.setText(f"{_plural(len(entries), 'item')} from {_plural(sessions, 'session')}")
        self._selection_changed()

    def rows(self) -> list[tuple[str, list[str]]]:
        """What the list shows, top to bottom: each session's heading and its items' text."""
        shown = []
        for g in range(self.model.rowCount()):
            group = self.model.item(g)
            shown.append((group.text(), [group.child(r).text() for r in range(group.rowCount())]))
        return shown

    def index_of(self, highlight_id: int) -> QModelIndex:
        for g in range(self.model.rowCount()):
            group = self.model.item(g)
            for r in range(group.rowCount()):
                if group.child(r).data(ID) == highlight_id:
                    return group.child(r).index()
        return QModelIndex()

    def _load_thumbnail(self, h: Highlight) -> None:
        if h.id in self._pending:
            return
        self._pending.add(h.id)
        path = self.library.exports.path(h)
        job: Callable[[Progress, ShouldCancel], Any]
        if h.kind is HighlightKind.HANDOUT:
            if h.reel_id is None:
                self._pending.discard(h.id)
                return
            library, reel_id, purpose = self.library, h.reel_id, h.purpose

            def job(_progress: Progress, _cancel: ShouldCancel) -> Any:
                return _handout_page(library, reel_id, purpose)

        else:

            def job(_progress: Progress, _cancel: ShouldCancel) -> Any:
                return _thumbnail(path, h.kind, h.duration_us)

        self.tasks.submit(
            "Making thumbnails",
            job,
            on_done=lambda image: self._thumb_ready(h.id, image, h.sha256),
            on_error=lambda _message: self._pending.discard(h.id),
        )

    def _thumb_ready(self, highlight_id: int, image: Any, sha256: str = "") -> None:
        self._pending.discard(highlight_id)
        self._drawn_from[highlight_id] = sha256
        if image is None:
            return
        if not isinstance(image, QImage):
            from vfeedback.ui.player.frame_worker import to_qimage

            image = to_qimage(image)
        pixmap = _framed(image)
        self._thumbs[highlight_id] = pixmap
        index = self.index_of(highlight_id)
        if index.isValid():
            self.model.itemFromIndex(index).setIcon(pixmap)

    def selected(self) -> list[Highlight]:
        ids = [i.data(ID) for i in self.grid.selectionModel().selectedIndexes()]
        return [self._items[i] for i in ids if i in self._items]

    def _selection_changed(self) -> None:
        chosen = self.selected()
        playable = any(h.kind in (HighlightKind.CLIP, HighlightKind.REEL) for h in chosen)
        self.play.setEnabled(playable)
        self.play_full.setEnabled(playable)
        self.delete.setEnabled(bool(chosen))

    def _context_menu(self, at: QPoint) -> None:
        index = self.grid.indexAt(at)
        if not index.isValid() or index.data(ID) is None:
            return
        if not self.grid.selectionModel().isSelected(index):
            self.grid.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        menu = self.context_menu(self.selected())
        menu.popup(self.grid.viewport().mapToGlobal(at))

    def context_menu(self, chosen: list[Highlight]) -> QMenu:
        """The right-click menu for ``chosen`` (built apart from showing it, so tests can read it)."""
        from vfeedback.ui.session_pack import add_handout_entries

        menu = QMenu(self)
        menu.setObjectName("highlightMenu")
        playable = [h for h in chosen if h.kind in (HighlightKind.CLIP, HighlightKind.REEL)]
        if playable:
            menu.addAction("Play here", self.play_selected)
            menu.addAction("Play full screen", self.play_full_screen)
        menu.addSeparator()
        add_handout_entries(menu, self, chosen)  # a reel's or a handout's: make it (again), print it
        menu.addSeparator()
        menu.addAction("Open folder", self.open_folder)
        menu.addAction("Delete…", self.delete_selected)
        return menu

    # --- actions --------------------------------------------------------------------------------
    def play_selected(self) -> None:
        chosen = [h for h in self.selected() if h.kind in (HighlightKind.CLIP, HighlightKind.REEL)]
        if chosen:
            self.preview.play(self.library.exports.path(chosen[0]))

    def play_full_screen(self) -> None:
        """The first chosen clip or reel, full screen on this window's screen."""
        chosen = [h for h in self.selected() if h.kind in (HighlightKind.CLIP, HighlightKind.REEL)]
        if not chosen:
            return
        self.preview.stop()
        if self.full_screen is not None:
            self.full_screen.close()
        try:
            window = FullScreenPlayer(self.library.exports.path(chosen[0]))
        except VfeedbackError as exc:
            QMessageBox.information(self, "Play", str(exc))
            return
        if not window.opened:
            return
        self.full_screen = window
        window.closed.connect(self._full_screen_closed)
        handle = self.windowHandle()
        if handle is not None and handle.screen() is not None:
            window.setScreen(handle.screen())
        window.present()

    def _full_screen_closed(self) -> None:
        window, self.full_screen = self.full_screen, None
        if window is not None:
            window.deleteLater()
        self.activateWindow()

    def closeEvent(self, event: Any) -> None:
        self.preview.stop()
        if self.full_screen is not None:
            self.full_screen.close()
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
        """The chosen clips' and stills' moments, each once, added in film order (sessions oldest
        first, then time in the film), whatever order they were clicked in; dragging reorders."""
        present = {
            self.reel_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.reel_list.count())
        }
        lookup = _Lookup(self.library)
        adding: list[tuple[tuple[int, int, int], Moment]] = []
        for h in self.selected():
            if h.kind not in (HighlightKind.CLIP, HighlightKind.STILL):
                continue
            for moment_id in h.moment_ids:
                m = lookup.moment(moment_id)
                if moment_id in present or m is None:
                    continue
                present.add(moment_id)
                rec = lookup.recording(m.recording_id)
                day = rec.recorded_on.toordinal() if rec is not None and rec.recorded_on else 0
                adding.append(((day, m.recording_id, m.start_us), m))
        for _, m in sorted(adding, key=lambda pair: pair[0]):
            item = QListWidgetItem(f"{format_time(m.start_us)[3:]}  {m.caption or '(no caption)'}")
            item.setData(Qt.ItemDataRole.UserRole, m.id)
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


def _newest_first(rec: Recording) -> tuple[int, int]:
    return (-(rec.recorded_on.toordinal() if rec.recorded_on else 0), -rec.id)


def _descending(session: tuple[int, ...]) -> tuple[int, ...]:
    # Sessions newest first; the exports whose moments are gone last.
    return tuple(-v for v in session) if session else (1,)


def _code(moment: Moment | None) -> int | None:
    return moment.code_id if moment is not None else None


class _Lookup:
    """Moments, recordings and reel titles read once per refresh (a library of a few hundred
    exports asks each only once)."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._moments: dict[int, Moment | None] = {}
        self._recordings: dict[int, Recording | None] = {}
        self._titles: dict[int, str] = {}

    def moment(self, moment_id: int) -> Moment | None:
        if moment_id not in self._moments:
            try:
                self._moments[moment_id] = self.library.moments.get(moment_id)
            except VfeedbackError:
                self._moments[moment_id] = None
        return self._moments[moment_id]

    def recording(self, recording_id: int) -> Recording | None:
        if recording_id not in self._recordings:
            try:
                self._recordings[recording_id] = self.library.recordings.get(recording_id)
            except VfeedbackError:
                self._recordings[recording_id] = None
        return self._recordings[recording_id]

    def reel_title(self, reel_id: int | None) -> str:
        if reel_id is None:
            return ""
        if reel_id not in self._titles:
            try:
                self._titles[reel_id] = self.library.reels.get(reel_id).title
            except VfeedbackError:
                self._titles[reel_id] = ""
        return self._titles[reel_id]
