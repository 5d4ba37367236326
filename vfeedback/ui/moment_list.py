"""The list of a recording's moments: time, code, actor, coder (once two people have coded the
recording) and caption. Never the private note.

The caption matters most, so it takes the room: Time shows where a moment starts (its whole span in
the tooltip), Code is narrow and elided (the whole name in the tooltip)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from vfeedback.core.model import Code, Moment
from vfeedback.core.timecode import format_time

COLUMNS = ("Time", "Code", "Actor", "Coder", "Caption")
CODER = COLUMNS.index("Coder")


def short_time(us: int) -> str:
    """``MM:SS.mmm`` under an hour (every recording we expect), else the full ``HH:MM:SS.mmm``."""
    text = format_time(us)
    return text[3:] if text.startswith("00:") else text


def span_text(m: Moment) -> str:
    """The whole span, for the Time column's tooltip: ``01:02.000–01:05.480 (3.5 s)``."""
    start = short_time(m.start_us)
    if m.is_point:
        return f"{start} (a point in time)"
    return f"{start}–{short_time(m.end_us)} ({(m.end_us - m.start_us) / 1_000_000:.1f} s)"


AnyIndex = QModelIndex | QPersistentModelIndex


class MomentTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.moments: list[Moment] = []
        self.codes: dict[int, Code] = {}

    def set_moments(self, moments: list[Moment], codes: dict[int, Code]) -> None:
        self.beginResetModel()
        self.moments, self.codes = moments, codes
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.moments)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        m = self.moments[index.row()]
        code = self.codes.get(m.code_id)
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "Time":
                return short_time(m.start_us)
            if column == "Code":
                return code.name if code else "?"
            if column == "Actor":
                return m.actor.value
            if column == "Coder":
                return m.coder
            return m.caption
        if role == Qt.ItemDataRole.DecorationRole and column == "Code" and code is not None:
            return QColor(code.colour)
        if role == Qt.ItemDataRole.ToolTipRole and column == "Caption":
            return m.caption or None
        if role == Qt.ItemDataRole.ToolTipRole and column == "Code" and code is not None:
            return code.label
        if role == Qt.ItemDataRole.ToolTipRole and column == "Time":
            return span_text(m)
        if role == Qt.ItemDataRole.ForegroundRole and column == "Time":
            return QBrush(QColor("#46535e"))
        if role == Qt.ItemDataRole.UserRole:
            return m.id
        return None

    def row_of(self, moment_id: int) -> int:
        for row, m in enumerate(self.moments):
            if m.id == moment_id:
                return row
        return -1


class MomentList(QTableView):
    selectionChangedIds = Signal(list)
    activated_moment = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("momentList")
        self.model_ = MomentTableModel()
        self.setModel(self.model_)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.setShowGrid(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        # Narrow columns sized by the font, so the caption keeps the rest at 1366 px as at 1920.
        metrics = self.fontMetrics()
        pad = 18
        widths = {
            "Time": metrics.horizontalAdvance("00:00.000") + pad,
            "Code": metrics.horizontalAdvance("Turned tow") + pad + 16,  # + the colour swatch
            "Actor": metrics.horizontalAdvance("parent") + pad,
            "Coder": metrics.horizontalAdvance("Coder's na") + pad,
        }
        for name, width in widths.items():
            header.resizeSection(COLUMNS.index(name), width)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setWordWrap(False)
        self.selectionModel().selectionChanged.connect(self._emit_selection)
        self.doubleClicked.connect(
            lambda index: self.activated_moment.emit(self.model_.moments[index.row()].id)
        )
        self._syncing = False

    def set_moments(self, moments: list[Moment], codes: dict[int, Code]) -> None:
        keep = self.selected_ids()
        self._syncing = True
        self.model_.set_moments(moments, codes)
        # One coder is the usual case: the column would repeat one name down the list.
        self.setColumnHidden(CODER, len({m.coder for m in moments}) < 2)
        self._syncing = False
        self.select_ids(keep)

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [self.model_.moments[r].id for r in rows if r < len(self.model_.moments)]

    def select_ids(self, ids: list[int]) -> None:
        self._syncing = True
        self.clearSelection()
        mode = self.selectionMode()
        self.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for moment_id in ids:
            row = self.model_.row_of(moment_id)
            if row >= 0:
                self.selectRow(row)
        self.setSelectionMode(mode)
        if ids and self.model_.row_of(ids[0]) >= 0:
            self.scrollTo(self.model_.index(self.model_.row_of(ids[0]), 0))
        self._syncing = False

    def _emit_selection(self) -> None:
        if not self._syncing:
            self.selectionChangedIds.emit(self.selected_ids())
