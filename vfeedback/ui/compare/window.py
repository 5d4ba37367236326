"""The compare view for supervision: two coders of one recording side by side, how far they agree,
and every place they saw it differently (a click there asks the player to go to it).

The figures are worked out on the window's task runner, never on the GUI thread: a long recording
keeps the window responsive, says "Comparing…" if it takes a moment, and a result that arrives
after the coders or settings changed, or after the window closed, is dropped."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.agreement import Agreement, Place, places
from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel
from vfeedback.services import Library
from vfeedback.ui.compare.figures import (
    BANDS_TIP,
    PerCodeTable,
    describe,
    events_sentence,
    kappa_sentence,
    observed_sentence,
    short_time,
)
from vfeedback.ui.compare.lanes import LanesView
from vfeedback.ui.tasks import Task, TaskRunner

NO_CODE = "—"
RECOMPUTE_DELAY_MS = 150
BUSY_DELAY_MS = 250
"""A comparison quicker than this swaps the figures without a "Comparing…" in between."""
COMPARING = "Comparing…"
MIN_BESIDE_WIDTH = 560
"""Narrower than this, the figures and lanes stop being readable: the window then covers part of
the player's far side rather than shrink further."""


def beside(player: QRect, screen: QRect, width: int, height: int, minimum: int = MIN_BESIDE_WIDTH) -> QRect:
    """Where a window of ``width`` x ``height`` goes so it covers none of ``player`` (the video a
    click in it moves), on ``screen`` (the available area, global coordinates): on the side with
    more room, as wide as wanted if it fits, else as wide as that side (at least ``minimum``), as
    tall as wanted and within the screen, level with the player's top where it can be."""
    room_right = screen.right() - player.right()
    room_left = player.left() - screen.left()
    right = room_right >= room_left
    w = max(min(width, max(room_right, room_left)), min(minimum, screen.width()))
    h = min(height, screen.height())
    x = player.right() + 1 if right else player.left() - w
    x = max(screen.left(), min(x, screen.right() + 1 - w))
    y = max(screen.top(), min(player.top(), screen.bottom() + 1 - h))
    return QRect(x, y, w, h)


class CompareWindow(QWidget):
    """Opened for one recording; ``seek_requested`` carries microseconds for the player."""

    seek_requested = Signal(int)

    def __init__(
        self,
        library: Library,
        recording_id: int,
        parent: QWidget | None = None,
        tasks: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self._supervision = library.supervision
        self.recording_id = recording_id
        self._own_tasks = tasks is None
        self.tasks = TaskRunner(self, max_threads=1) if tasks is None else tasks
        self._pending: Task | None = None
        """The comparison under way; only its result is shown."""
        rec = library.recordings.get(recording_id)
        self.setWindowTitle(f"Compare coders — {rec.family_code} · recording {recording_id} — vfeedback")
        self.agreement: Agreement | None = None
        self.places: list[Place] = []
        self._place_of: dict[int, int] = {}
        self._colours: dict[str, str] = {}

        self.coder_a = QComboBox()
        self.coder_b = QComboBox()
        for combo in (self.coder_a, self.coder_b):
            combo.setMinimumContentsLength(12)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.slice = _seconds_box(1.0, 0.1, 60.0, "Each slice of the film gets one code per coder")
        self.tolerance = _seconds_box(
            1.0, 0.0, 30.0, "How far apart two moments' starts may be and still match"
        )
        self.whole = QPushButton("Whole film")
        self.whole.setToolTip("Show the whole recording (or double-click the strip)")
        controls = QHBoxLayout()
        controls.setSpacing(8)
        pieces: tuple[QWidget, ...] = (QLabel("Compare"), self.coder_a, QLabel("with"), self.coder_b)
        for widget in pieces:
            controls.addWidget(widget)
        controls.addSpacing(24)
        pieces = (QLabel("Slices"), self.slice, QLabel("Tolerance"), self.tolerance)
        for widget in pieces:
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.whole)

        self.kappa_label = QLabel()
        self.kappa_label.setObjectName("kappaSentence")
        big = QFont(self.kappa_label.font())
        big.setPointSizeF(big.pointSizeF() * 1.3)
        self.kappa_label.setFont(big)
        self.kappa_label.setToolTip(BANDS_TIP)
        self.observed_label = QLabel()
        self.events_label = QLabel()
        for label in (self.kappa_label, self.observed_label, self.events_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        figures = QVBoxLayout()
        figures.setSpacing(2)
        figures.addWidget(self.kappa_label)
        figures.addWidget(self.observed_label)
        figures.addWidget(self.events_label)

        self.lanes = LanesView()
        strip = QFrame()
        strip.setFrameShape(QFrame.Shape.StyledPanel)
        strip_layout = QVBoxLayout(strip)
        strip_layout.setContentsMargins(1, 1, 1, 1)
        strip_layout.addWidget(self.lanes)

        self.per_code = PerCodeTable()
        self.differences = QTreeWidget()
        self.differences.setObjectName("disagreements")
        self.differences.setRootIsDecorated(False)
        self.differences.setAlternatingRowColors(True)
        self.differences.setUniformRowHeights(True)
        self.differences.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.differences_title = QLabel()
        self._row_height = self.fontMetrics().height() + 10
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(_titled("By code", self.per_code))
        splitter.addWidget(_titled(self.differences_title, self.differences))
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(12)
        layout.addLayout(controls)
        layout.addLayout(figures)
        layout.addWidget(strip)
        layout.addWidget(splitter, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RECOMPUTE_DELAY_MS)
        self._timer.timeout.connect(self.recompute)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(self._show_busy)
        self.kappa_label.setText(COMPARING)
        self.coder_a.currentIndexChanged.connect(lambda _i: self._coder_changed(self.coder_a))
        self.coder_b.currentIndexChanged.connect(lambda _i: self._coder_changed(self.coder_b))
        self.slice.valueChanged.connect(lambda _v: self._timer.start())
        self.tolerance.valueChanged.connect(lambda _v: self._timer.start())
        self.whole.clicked.connect(self.lanes.fit)
        self.lanes.seek_requested.connect(self.seek_requested)
        self.lanes.disagreement_clicked.connect(self._select_row)
        self.differences.itemClicked.connect(lambda item, _c: self._row_clicked(item))
        self.differences.itemActivated.connect(lambda item, _c: self._row_clicked(item))
        self.resize(1100, 700)
        self._placed = False
        self.refresh()

    # --- data ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the coders (someone may have coded meanwhile) and recompute."""
        counts = self._supervision.coder_counts(self.recording_id)
        keep = (self.coder_a.currentData(), self.coder_b.currentData())
        names = list(counts)
        picks = [n for n in keep if n in counts]
        picks = [*picks, *[n for n in names if n not in picks]][:2]
        for combo, pick in zip((self.coder_a, self.coder_b), picks + [None] * (2 - len(picks)), strict=True):
            combo.blockSignals(True)
            combo.clear()
            for name in names:
                combo.addItem(f"{name}  ({counts[name]})", name)
            combo.setCurrentIndex(max(0, combo.findData(pick)) if pick is not None else -1)
            combo.blockSignals(False)
        self._previous = (self.coder_a.currentData(), self.coder_b.currentData())
        self.recompute()

    def recompute(self) -> None:
        """Compare the chosen coders again, on the task runner; the figures follow when it is done."""
        self._timer.stop()
        self._drop_pending()
        a, b = self.coder_a.currentData(), self.coder_b.currentData()
        enough = self.coder_a.count() >= 2
        for widget in (self.coder_a, self.coder_b, self.slice, self.tolerance):
            widget.setEnabled(enough)
        if not enough:
            self._show(None, self._not_enough(self.coder_a.count()))
            return
        supervision, recording_id = self._supervision, self.recording_id
        slice_s, tolerance_s = self.slice.value(), self.tolerance.value()

        def job(_progress: Progress, should_cancel: ShouldCancel) -> Agreement:
            if should_cancel():  # a newer comparison was asked for while this one waited its turn
                raise Cancelled
            return supervision.agreement(recording_id, a, b, slice_s=slice_s, tolerance_s=tolerance_s)

        task: Task | None = None

        def done(found: Any) -> None:
            if task is self._pending:
                self._show(found, None)

        def failed(sentence: str) -> None:
            if task is self._pending:
                self._show(None, sentence)

        task = self.tasks.submit("Comparing coders", job, on_done=done, on_error=failed)
        self._pending = task
        self._busy_timer.start()

    @property
    def busy(self) -> bool:
        """Whether a comparison is under way (its figures not shown yet)."""
        return self._pending is not None

    def _drop_pending(self) -> None:
        # Whatever the comparison under way finds now answers a question nobody is asking.
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._busy_timer.stop()

    def _show_busy(self) -> None:
        """Still comparing after a moment: say so, and dim what is shown (it answers the old choice)."""
        if self._pending is None:
            return
        self.kappa_label.setText(COMPARING)
        for widget in self._results():
            widget.setEnabled(False)

    def _results(self) -> tuple[QWidget, ...]:
        return (self.observed_label, self.events_label, self.lanes, self.per_code, self.differences)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._placed:
            self._placed = True
            self.place_beside_player()

    def place_beside_player(self) -> None:
        """Beside the video of the window that opened this one (the player its clicks move), not
        over it; with no such window it stays where the system puts it."""
        from vfeedback.ui.player.view import PlayerView

        owner = self.parentWidget()
        if owner is None or not self.isWindow():
            return
        views = [v for v in owner.window().findChildren(PlayerView) if v.isVisible()]
        target = views[0] if views else owner.window()
        screen = target.screen()
        if screen is None:
            return
        area = QRect(target.mapToGlobal(QPoint(0, 0)), target.size())
        frame = self.frameGeometry().size() - self.geometry().size()  # the title bar and borders
        least = max(MIN_BESIDE_WIDTH, self.minimumSizeHint().width()) + frame.width()
        place = beside(area, screen.availableGeometry(), self.width() + frame.width(),
                       self.height() + frame.height(), least)  # fmt: skip
        self.resize(place.width() - frame.width(), place.height() - frame.height())
        self.move(place.topLeft())

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()
        self._drop_pending()
        if self._own_tasks:
            self.tasks.shutdown()
        super().closeEvent(event)

    def _not_enough(self, coders: int) -> str:
        if coders == 0:
            return "Nobody has coded this recording yet; a comparison needs two coders."
        only = self.coder_a.itemData(0)
        return f"Only {only} has coded this recording; a comparison needs two coders."

    def _colours_for(self, a: Agreement) -> dict[str, str]:
        by_id = {c.id: c.colour for s in self.library.schemes.all() for c in s.codes}
        return {name: by_id.get(code_id, "#9aa5b1") for name, code_id in a.code_ids.items()}

    def _show(self, a: Agreement | None, message: str | None) -> None:
        self._pending = None
        self._busy_timer.stop()
        for widget in self._results():
            widget.setEnabled(True)
        self.agreement = a
        self._colours = self._colours_for(a) if a is not None else {}
        if a is None:
            self.kappa_label.setText(message or "")
            self.observed_label.setText("")
            self.events_label.setText("")
        else:
            self.kappa_label.setText(kappa_sentence(a))
            self.observed_label.setText(observed_sentence(a))
            self.events_label.setText(events_sentence(a))
        self.lanes.set_agreement(a, self._colours)
        self.per_code.show_agreement(a, self._colours)
        self._fill_differences(a)

    def _fill_differences(self, a: Agreement | None) -> None:
        tree = self.differences
        tree.clear()
        name_a, name_b = a.coders if a is not None else ("A", "B")
        tree.setHeaderLabels(["When", f"{name_a} says", f"{name_b} says", ""])
        self.places = places(a.disagreements) if a is not None else []
        self._place_of = {i: row for row, p in enumerate(self.places) for i in p.indices}
        count = len(self.places)
        self.differences_title.setText(
            f"Where they differ ({count})" if count or a is None else "Where they differ: nowhere"
        )
        if a is None:
            return
        items = []
        for row, place in enumerate(self.places):
            begin, end = short_time(place.start_us, a.duration_us), short_time(place.end_us, a.duration_us)
            when = begin if begin == end else f"{begin} – {end}"  # a one-frame moment: one time
            says_a = ", ".join(place.a_labels) or NO_CODE
            says_b = ", ".join(place.b_labels) or NO_CODE
            item = QTreeWidgetItem([when, says_a, says_b, describe(place, a.coders)])
            item.setData(0, Qt.ItemDataRole.UserRole, row)
            item.setSizeHint(1, QSize(0, self._row_height))  # a stretched column: only the height counts
            for column, text in ((1, says_a), (2, says_b)):
                item.setToolTip(column, text)
            items.append(item)
        tree.addTopLevelItems(items)
        header = tree.header()
        header.setStretchLastSection(False)
        for column, mode in enumerate(
            (QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch,
             QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.ResizeToContents)
        ):  # fmt: skip
            header.setSectionResizeMode(column, mode)

    # --- interaction ---------------------------------------------------------------------------------

    def _coder_changed(self, combo: QComboBox) -> None:
        # Picking the other side's coder swaps the two rather than comparing someone with themself.
        a, b = self.coder_a.currentData(), self.coder_b.currentData()
        if a == b and a is not None:
            other = self.coder_b if combo is self.coder_a else self.coder_a
            old = self._previous[0] if combo is self.coder_a else self._previous[1]
            other.blockSignals(True)
            other.setCurrentIndex(other.findData(old))
            other.blockSignals(False)
        self._previous = (self.coder_a.currentData(), self.coder_b.currentData())
        self.recompute()

    def _row_clicked(self, item: QTreeWidgetItem) -> None:
        row = item.data(0, Qt.ItemDataRole.UserRole)
        if row is None:
            return
        place = self.places[int(row)]
        self.lanes.select(place.indices)
        self.seek_requested.emit(place.start_us)

    def _select_row(self, index: int) -> None:
        """A disagreement clicked on the strip: select its place in the list."""
        row = self._place_of.get(index)
        item = self.differences.topLevelItem(row) if row is not None else None
        if item is not None and row is not None:
            self.differences.setCurrentItem(item)
            self.differences.scrollToItem(item)
            self.lanes.select(self.places[row].indices)


def _seconds_box(value: float, low: float, high: float, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(2)
    box.setSingleStep(0.5)
    box.setSuffix(" s")
    box.setValue(value)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)
    return box


def _titled(title: str | QLabel, body: QWidget) -> QWidget:
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(4)
    label = title if isinstance(title, QLabel) else QLabel(title)
    bold = QFont(label.font())
    bold.setBold(True)
    label.setFont(bold)
    column.addWidget(label)
    column.addWidget(body)
    return box
