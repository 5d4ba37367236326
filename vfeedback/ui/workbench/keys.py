"""Every key of the workbench in one table, so the ``?`` overlay can never fall out of date.

Each key names a typed action on what the keys act on (``Keys``: the coding state, the playback,
the timeline, the overlay, and undo); the window's menus call the same actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from vfeedback.core.coding import CodingState
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import Code

ONE_SECOND_US = 1_000_000


class Playback(Protocol):
    """The transport the keys drive (the window's PlaybackController)."""

    def toggle(self) -> None: ...

    def pause(self) -> None: ...

    def faster(self) -> None: ...

    def reverse(self) -> None: ...

    def step_frames(self, count: int) -> None: ...

    def step_us(self, delta_us: int) -> None: ...


class Zoom(Protocol):
    """The timeline's zoom."""

    def zoom_in(self) -> None: ...

    def zoom_out(self) -> None: ...

    def fit(self) -> None: ...


class Keys(Protocol):
    """What the keys act on."""

    @property
    def coding(self) -> CodingState: ...

    @property
    def controller(self) -> Playback: ...

    @property
    def timeline(self) -> Zoom: ...

    @property
    def help(self) -> HelpOverlay: ...

    def undo(self) -> None: ...

    def redo(self) -> None: ...


Action = Callable[[Keys], object]


def play(keys: Keys) -> None:
    """Play or pause; nothing to play before a recording is open."""
    if keys.coding.recording is not None:
        keys.controller.toggle()


def faster(keys: Keys) -> None:
    if keys.coding.recording is not None:
        keys.controller.faster()


def backwards(keys: Keys) -> None:
    if keys.coding.recording is not None:
        keys.controller.reverse()


def toggle_help(keys: Keys) -> None:
    if not keys.help.isVisible():
        keys.controller.pause()  # VLC's native picture would cover the list while playing
    keys.help.toggle()


def escape(keys: Keys) -> None:
    """Closes the key list if it is open, else clears the marks and the selection."""
    if keys.help.isVisible():
        keys.help.hide()
    else:
        keys.coding.clear()


@dataclass(frozen=True)
class KeyBinding:
    keys: tuple[str, ...]
    """QKeySequence strings; the first is the one shown in the overlay."""
    action: Action
    label: str
    group: str


BINDINGS: tuple[KeyBinding, ...] = (
    KeyBinding(("Space",), play, "Play / pause", "Playing"),
    KeyBinding(("L",), faster, "Play; press again to play faster", "Playing"),
    KeyBinding(("K",), lambda k: k.controller.pause(), "Pause", "Playing"),
    KeyBinding(("J",), backwards, "Step backwards continuously", "Playing"),
    KeyBinding(("Right",), lambda k: k.controller.step_frames(1), "One frame forward", "Playing"),
    KeyBinding(("Left",), lambda k: k.controller.step_frames(-1), "One frame back", "Playing"),
    KeyBinding(
        ("Shift+Right",), lambda k: k.controller.step_us(ONE_SECOND_US), "One second forward", "Playing"
    ),
    KeyBinding(("Shift+Left",), lambda k: k.controller.step_us(-ONE_SECOND_US), "One second back", "Playing"),
    KeyBinding(("I",), lambda k: k.coding.set_in(), "Mark the start (in)", "Tagging"),
    KeyBinding(("O",), lambda k: k.coding.set_out(), "Mark the end (out)", "Tagging"),
    KeyBinding(("Return", "Enter"), lambda k: k.coding.create(), "Tag a moment from in to out", "Tagging"),
    KeyBinding(("M",), lambda k: k.coding.point(), "Tag a point in time here", "Tagging"),
    KeyBinding(("Tab",), lambda k: k.coding.next_moment(), "Next moment", "Tagging"),
    # X11 sends Shift+Tab as Backtab with Shift held; other platforms as Backtab or Shift+Tab.
    KeyBinding(
        ("Shift+Tab", "Backtab", "Shift+Backtab"),
        lambda k: k.coding.previous_moment(),
        "Previous moment",
        "Tagging",
    ),
    KeyBinding(
        ("Delete", "Backspace"),
        lambda k: k.coding.delete_selected(),
        "Delete the selected moments",
        "Tagging",
    ),
    KeyBinding(("Escape",), escape, "Clear the marks and the selection", "Tagging"),
    KeyBinding(("+", "="), lambda k: k.timeline.zoom_in(), "Zoom the timeline in", "Timeline"),
    KeyBinding(("-",), lambda k: k.timeline.zoom_out(), "Zoom the timeline out", "Timeline"),
    KeyBinding(("0",), lambda k: k.timeline.fit(), "Show the whole recording", "Timeline"),
    KeyBinding(("Ctrl+Z",), lambda k: k.undo(), "Undo", "Editing"),
    KeyBinding(("Ctrl+Shift+Z", "Ctrl+Y"), lambda k: k.redo(), "Redo", "Editing"),
    KeyBinding(("?",), toggle_help, "Show or hide this list", "Editing"),
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
    """Routes the workbench keys to their actions, except while the clinician types in a field.

    Shortcuts alone would steal Space, Tab and letters from the caption editor, so this filter sees
    each key first and lets text fields keep theirs. A refusal (no code picked, no recording open)
    is handed to ``refused`` as its sentence.
    """

    def __init__(self, window: QWidget, keys: Keys, refused: Callable[[str], object]) -> None:
        super().__init__(window)
        self._window = window
        self._keys = keys
        self._refused = refused
        self._table: dict[int, KeyBinding] = {}
        for binding in BINDINGS:
            for key in binding.keys:
                sequence = QKeySequence(key)
                if sequence.count():
                    self._table[_first(sequence)] = binding

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        assert isinstance(event, QKeyEvent)
        # Only keys aimed at our window (a dialog keeps its own), and never while typing in a field.
        if not isinstance(watched, QWidget) or watched.window() is not self._window:
            return False
        if typing_in(watched):
            return False
        binding = self.binding_for(event)
        is_code_key = binding is None and self._is_code_candidate(event)
        if binding is None and not is_code_key:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # claim the key so no widget-level shortcut takes it
            return True
        try:
            if binding is None:
                # A code key: recodes the selected moments, else picks the code for the next tag.
                return self._keys.coding.pick_key(event.text()) is not None
            binding.action(self._keys)
        except VfeedbackError as exc:
            self._refused(str(exc))
        return True

    def binding_for(self, event: QKeyEvent) -> KeyBinding | None:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        combined = event.keyCombination().key().value | modifiers.value
        binding = self._table.get(combined)
        if binding is None and event.text() in ("?", "+"):
            # "?" and "+" need Shift on most layouts; match the character typed.
            binding = self._table.get(_first(QKeySequence(event.text())))
        return binding

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
