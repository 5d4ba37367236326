"""Every key of the workbench in one table, so the ``?`` overlay can never fall out of date."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from vfeedback.core.model import Code


@dataclass(frozen=True)
class KeyBinding:
    keys: tuple[str, ...]
    """QKeySequence strings; the first is the one shown in the overlay."""
    action: str
    """Name of the window method to call."""
    label: str
    group: str


BINDINGS: tuple[KeyBinding, ...] = (
    KeyBinding(("Space",), "toggle_play", "Play / pause", "Playing"),
    KeyBinding(("L",), "shuttle_forward", "Play; press again to play faster", "Playing"),
    KeyBinding(("K",), "pause", "Pause", "Playing"),
    KeyBinding(("J",), "shuttle_back", "Step backwards continuously", "Playing"),
    KeyBinding(("Right",), "step_forward", "One frame forward", "Playing"),
    KeyBinding(("Left",), "step_back", "One frame back", "Playing"),
    KeyBinding(("Shift+Right",), "second_forward", "One second forward", "Playing"),
    KeyBinding(("Shift+Left",), "second_back", "One second back", "Playing"),
    KeyBinding(("I",), "set_in", "Mark the start (in)", "Tagging"),
    KeyBinding(("O",), "set_out", "Mark the end (out)", "Tagging"),
    KeyBinding(("Return", "Enter"), "create_moment", "Tag a moment from in to out", "Tagging"),
    KeyBinding(("M",), "point_moment", "Tag a point in time here", "Tagging"),
    KeyBinding(("Tab",), "next_moment", "Next moment", "Tagging"),
    KeyBinding(("Shift+Tab", "Backtab"), "previous_moment", "Previous moment", "Tagging"),
    KeyBinding(("Delete", "Backspace"), "delete_selected", "Delete the selected moments", "Tagging"),
    KeyBinding(("Escape",), "escape", "Clear the marks and the selection", "Tagging"),
    KeyBinding(("+", "="), "zoom_in", "Zoom the timeline in", "Timeline"),
    KeyBinding(("-",), "zoom_out", "Zoom the timeline out", "Timeline"),
    KeyBinding(("0",), "zoom_fit", "Show the whole recording", "Timeline"),
    KeyBinding(("Ctrl+Z",), "undo", "Undo", "Editing"),
    KeyBinding(("Ctrl+Shift+Z", "Ctrl+Y"), "redo", "Redo", "Editing"),
    KeyBinding(("?",), "toggle_help", "Show or hide this list", "Editing"),
)

_TEXT_INPUTS = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)


def typing_in(widget: QWidget | None) -> bool:
    """True while the focus is in a field that takes text: keys then belong to the field."""
    while widget is not None:
        if isinstance(widget, _TEXT_INPUTS) or (isinstance(widget, QComboBox) and widget.isEditable()):
            return True
        widget = widget.parentWidget()
    return False


def _first(sequence: QKeySequence) -> int:
    return int(sequence[0].toCombined())  # type: ignore[index]


class KeyRouter(QObject):
    """Routes the workbench keys to window methods, except while the clinician types in a field.

    Shortcuts alone would steal Space, Tab and letters from the caption editor, so this filter sees
    each key first and lets text fields keep theirs.
    """

    def __init__(self, window: QWidget, code_key: Callable[[str], bool]) -> None:
        super().__init__(window)
        self._window = window
        self._code_key = code_key
        self._table: dict[int, str] = {}
        for binding in BINDINGS:
            for key in binding.keys:
                sequence = QKeySequence(key)
                if sequence.count():
                    self._table[_first(sequence)] = binding.action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        assert isinstance(event, QKeyEvent)
        # Only keys aimed at our window (a dialog keeps its own), and never while typing in a field.
        if not isinstance(watched, QWidget) or watched.window() is not self._window:
            return False
        if typing_in(watched):
            return False
        action = self.action_for(event)
        is_code_key = action is None and self._is_code_candidate(event)
        if action is None and not is_code_key:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # claim the key so no widget-level shortcut takes it
            return True
        if action is not None:
            getattr(self._window, action)()
            return True
        return self._code_key(event.text())

    def action_for(self, event: QKeyEvent) -> str | None:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        combined = event.keyCombination().key().value | modifiers.value
        action = self._table.get(combined)
        if action is None and event.text() in ("?", "+"):
            # "?" and "+" need Shift on most layouts; match the character typed.
            action = self._table.get(_first(QKeySequence(event.text())))
        return action

    @staticmethod
    def _is_code_candidate(event: QKeyEvent) -> bool:
        text = event.text()
        plain = not (
            event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        )
        return plain and len(text) == 1 and text.isalnum()


class HelpOverlay(QWidget):
    """A calm panel over the window listing every key and the scheme's code keys."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("keyHelp")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.hide()
        self._codes: list[Code] = []
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close = QShortcut(QKeySequence("Escape"), self)
        close.activated.connect(self.hide)

    def set_codes(self, codes: list[Code]) -> None:
        self._codes = codes

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            parent = self.parentWidget()
            if parent is not None:
                self.setGeometry(parent.rect())
            self.raise_()
            self.show()

    def mousePressEvent(self, _event: object) -> None:
        self.hide()

    def lines(self) -> list[tuple[str, str, str]]:
        """(group, key, what) rows, as drawn."""
        rows = [(b.group, b.keys[0], b.label) for b in BINDINGS]
        for code in self._codes:
            if code.key:
                indent = "" if code.parent_id is None else "   "
                rows.append(("Codes", code.key.upper(), f"{indent}{code.name}"))
        return rows

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(20, 28, 34, 242))
        rows = self.lines()
        font = painter.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.0))
        painter.setFont(font)
        line = painter.fontMetrics().height() + 4
        columns = [[r for r in rows if r[0] != "Codes"], [r for r in rows if r[0] == "Codes"]]
        width = min(460, (self.width() - 80) // 2)
        left = max(30, (self.width() - 2 * width - 40) // 2)
        for c, column in enumerate(columns):
            x = left + c * (width + 40)
            y = 50
            group = None
            for grp, key, what in column:
                if y > self.height() - line:
                    break
                if grp != group:
                    group = grp
                    painter.setPen(QColor("#f2c98b"))
                    painter.drawText(x, y, grp)
                    y += line
                painter.setPen(QColor("#9fd3c7"))
                painter.drawText(x + 8, y, key)
                painter.setPen(QColor("#eef2f4"))
                painter.drawText(x + 120, y, what)
                y += line
            if c == 0:
                painter.setPen(QColor("#b5c0c7"))
                painter.drawText(
                    x, self.height() - 24, "Press ? or Esc to close. Keys work whenever you are not typing."
                )
        painter.end()
