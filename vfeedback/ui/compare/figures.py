"""The agreement figures in words a clinician reads, and the per-code table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from vfeedback.core.agreement import Agreement, Place, landis_koch
from vfeedback.core.timecode import format_time

BANDS_TIP = (
    "Cohen's kappa: agreement beyond what chance alone would give (1 = complete, 0 = chance).\n"
    "Words after Landis & Koch (1977): below 0 poor, up to 0.20 slight, 0.40 fair, 0.60 moderate,\n"
    "0.80 substantial, above that almost perfect."
)


def seconds(us: int) -> str:
    """``1``, ``0.5``, ``2.25``: a length in seconds without trailing zeros."""
    return f"{us / 1_000_000:g}"


def kappa_sentence(a: Agreement) -> str:
    slices = f"{seconds(a.slice_us)}-second slices"
    if a.kappa is None:
        return f"Agreement over {slices}: κ cannot be worked out — both put every slice the same way."
    return f"Agreement over {slices}: κ = {a.kappa:.2f} ({landis_koch(a.kappa)})"


def observed_sentence(a: Agreement) -> str:
    if a.observed is None or a.expected is None:
        return ""
    return (
        f"They saw the same in {a.observed:.0%} of the {a.slices} slices; "
        f"chance alone would give {a.expected:.0%}."
    )


def events_sentence(a: Agreement) -> str:
    name_a, name_b = a.coders
    e = a.events
    return (
        f"Moments starting within {seconds(a.tolerance_us)} s of each other: {e.matched} matched · "
        f"only {name_a}: {e.only_a} · only {name_b}: {e.only_b}"
    )


def short_time(us: int, duration_us: int) -> str:
    """``01:05.2`` in a recording under an hour, else ``01:01:05.2``."""
    text = format_time(us)[:-2]
    return text[3:] if duration_us < 3_600_000_000 else text


def describe(place: Place, coders: tuple[str, str]) -> str:
    """What differs at a place, in a few words."""
    if not place.b_labels:
        return f"only {coders[0]}"
    if not place.a_labels:
        return f"only {coders[1]}"
    if place.a_labels == place.b_labels:
        return "same code, other time"
    return "different codes"


def swatch(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class PerCodeTable(QTableWidget):
    """One row per code: slice kappa and event counts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 5, parent)
        self.setObjectName("perCode")
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def show_agreement(self, a: Agreement | None, colours: dict[str, str]) -> None:
        name_a, name_b = a.coders if a is not None else ("A", "B")
        self.setHorizontalHeaderLabels(["Code", "κ", "Matched", f"Only {name_a}", f"Only {name_b}"])
        kappa_header = self.horizontalHeaderItem(1)
        if kappa_header is not None:
            kappa_header.setToolTip(BANDS_TIP)
        rows = list(a.per_code.values()) if a is not None else []
        self.setRowCount(len(rows))
        for row, c in enumerate(rows):
            name = QTableWidgetItem(swatch(colours.get(c.code, "#9aa5b1")), c.code)
            name.setToolTip(c.code)
            kappa = "—" if c.kappa is None else f"{c.kappa:.2f}"
            cells = [name, QTableWidgetItem(kappa)] + [
                QTableWidgetItem(str(n)) for n in (c.events.matched, c.events.only_a, c.events.only_b)
            ]
            if c.kappa is not None:
                cells[1].setToolTip(landis_koch(c.kappa))
            for column, item in enumerate(cells):
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, item)
