"""Ask how another tool's names map onto ours before anything is imported: ELAN tiers to an actor (and
a coder), BORIS behaviours to codes. Nothing is imported until every row is mapped and confirmed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

CHOOSE = "Choose…"


@dataclass(frozen=True, slots=True)
class MappingRow:
    source: str
    """The name in the other tool's file (a tier, a behaviour)."""
    detail: str
    """What it holds, e.g. "14 annotations"."""
    guess: str | None = None
    """The target value proposed, when the name makes it obvious."""
    coder: str | None = None
    """A proposed coder (ELAN's annotator), when the dialog asks for coders."""


class MappingDialog(QDialog):
    def __init__(
        self,
        title: str,
        intro: str,
        rows: Sequence[MappingRow],
        targets: Sequence[tuple[str, str]],
        *,
        target_heading: str,
        with_coder: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self._rows = list(rows)
        self._combos: list[QComboBox] = []
        self._coders: list[QLineEdit] = []

        layout = QVBoxLayout(self)
        intro_label = QLabel(intro)
        intro_label.setWordWrap(True)
        layout.addWidget(intro_label)

        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setHorizontalSpacing(16)
        headings = ["In the file", "Holds", target_heading] + (["Coder"] if with_coder else [])
        for col, heading in enumerate(headings):
            grid.addWidget(QLabel(f"<b>{heading}</b>"), 0, col)
        for n, row in enumerate(self._rows, 1):
            name = QLabel(row.source)
            name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(name, n, 0)
            grid.addWidget(QLabel(row.detail), n, 1)
            combo = QComboBox()
            combo.setAccessibleName(f"{target_heading} for {row.source}")
            combo.addItem(CHOOSE, None)
            for text, value in targets:
                combo.addItem(text, value)
            if row.guess is not None:
                found = combo.findData(row.guess)
                if found >= 0:
                    combo.setCurrentIndex(found)
            combo.currentIndexChanged.connect(self._update)
            grid.addWidget(combo, n, 2)
            self._combos.append(combo)
            if with_coder:
                coder = QLineEdit(row.coder or "")
                coder.setPlaceholderText("you")
                coder.setAccessibleName(f"Coder for {row.source}")
                grid.addWidget(coder, n, 3)
                self._coders.append(coder)
        grid.setColumnStretch(2, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(grid_host)
        layout.addWidget(scroll, 1)

        self.hint = QLabel()
        self.hint.setObjectName("hint")
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self) -> None:
        missing = [r.source for r, c in zip(self._rows, self._combos, strict=True) if c.currentData() is None]
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not missing)
        self.hint.setText(
            "Choose where each one belongs; nothing is imported until all are chosen."
            if missing
            else "Ready: everything is imported at once, and Undo takes it all back."
        )

    def mapping(self) -> dict[str, str]:
        """Source name to the chosen target value (only meaningful once accepted)."""
        return {r.source: str(c.currentData()) for r, c in zip(self._rows, self._combos, strict=True)}

    def coders(self) -> dict[str, str | None]:
        return {r.source: (e.text().strip() or None) for r, e in zip(self._rows, self._coders, strict=True)}

    def choose(self, source: str, value: str) -> None:
        """Set one row (for keyboard-free tests and scripted use)."""
        for row, combo in zip(self._rows, self._combos, strict=True):
            if row.source == source:
                combo.setCurrentIndex(combo.findData(value))
