"""Every key of the workbench in one table, so the ``?`` overlay can never fall out of date.

Each key names a typed action on what the keys act on (``Keys``: the coding state, the playback,
the timeline, the overlay, and undo); the window's menus call the same actions. The overlay lists
these keys, the menus' Ctrl shortcuts (read from the window's actions), the mouse gestures (``MOUSE``)
and every code of the scheme: its key, or for a code without one, the Code menu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

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


class Suggested(Protocol):
    """The suggested moments (``workbench.suggestions.SuggestionActions``)."""

    @property
    def focused(self) -> int | None:
        """The suggestion Enter and Delete act on, if one is focused."""
        ...

    def step(self, forward: bool) -> object: ...

    def accept(self) -> object: ...

    def reject(self) -> object: ...

    def unfocus(self) -> None: ...


class Angled(Protocol):
    """The angles of the open session (``ui.player.angles.AngleSession``)."""

    def nudge(self, frames: int) -> None: ...

    def choose(self, step: int) -> None: ...



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

    @property
    def suggestions(self) -> Suggested: ...

    @property
    def angles(self) -> Angled: ...

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
    """Closes the key list if it is open, else lets go of a focused suggestion, the marks and the
    selection."""
    if keys.help.isVisible():
        keys.help.hide()
    else:
        keys.suggestions.unfocus()
        keys.coding.clear()


def enter(keys: Keys) -> None:
    """Accepts the focused suggestion; with none focused, tags a moment from in to out."""
    if keys.suggestions.focused is not None:
        keys.suggestions.accept()
    else:
        keys.coding.create()


def delete(keys: Keys) -> None:
    """Sets the focused suggestion aside; with none focused, deletes the selected moments."""
    if keys.suggestions.focused is not None:
        keys.suggestions.reject()
    else:
        keys.coding.delete_selected()


def nudge_angle(keys: Keys, frames: int) -> None:
    """Moves the chosen angle by its own frames at the paused time (one undoable action)."""
    if keys.coding.recording is not None:
        keys.angles.nudge(frames)


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
    # Alt with the arrows: the plain and Shift arrows step the playhead; nothing else uses Alt. (Which
    # angle they move: Playback › Choose the angle to move, Alt+Down, listed with the menus' keys.)
    KeyBinding(("Alt+Right",), lambda k: nudge_angle(k, 1), "Angle: one frame later (paused)", "Playing"),
    KeyBinding(("Alt+Left",), lambda k: nudge_angle(k, -1), "Angle: one frame earlier", "Playing"),
    KeyBinding(("I",), lambda k: k.coding.set_in(), "Mark the start (in)", "Tagging"),
    KeyBinding(("O",), lambda k: k.coding.set_out(), "Mark the end (out)", "Tagging"),
    KeyBinding(("Return", "Enter"), enter, "Tag in→out, or accept a suggestion", "Tagging"),
    KeyBinding(("M",), lambda k: k.coding.point(), "Tag a point in time here", "Tagging"),
    KeyBinding(("Tab",), lambda k: k.coding.next_moment(), "Next moment", "Tagging"),
    # X11 sends Shift+Tab as Backtab with Shift held; other platforms as Backtab or Shift+Tab.
    KeyBinding(
        ("Shift+Tab", "Backtab", "Shift+Backtab"),
        lambda k: k.coding.previous_moment(),
        "Previous moment",
        "Tagging",
    ),
    KeyBinding(("Delete", "Backspace"), delete, "Delete, or set a suggestion aside", "Tagging"),
    KeyBinding(("Escape",), escape, "Clear the marks and the selection", "Tagging"),
    KeyBinding(("N",), lambda k: k.suggestions.step(True), "Next suggestion, from 1 s before", "Tagging"),
    KeyBinding(("Shift+N",), lambda k: k.suggestions.step(False), "Previous suggestion", "Tagging"),
    KeyBinding(("X",), lambda k: k.suggestions.reject(), "Set the focused suggestion aside", "Tagging"),
    KeyBinding(("+", "="), lambda k: k.timeline.zoom_in(), "Zoom the timeline in", "Timeline"),
    KeyBinding(("-",), lambda k: k.timeline.zoom_out(), "Zoom the timeline out", "Timeline"),
    KeyBinding(("0",), lambda k: k.timeline.fit(), "Show the whole recording", "Timeline"),
    KeyBinding(("Ctrl+Z",), lambda k: k.undo(), "Undo", "Editing"),
    KeyBinding(("Ctrl+Shift+Z", "Ctrl+Y"), lambda k: k.redo(), "Redo", "Editing"),
    KeyBinding(("?",), toggle_help, "Show or hide this list", "Editing"),
)

MOUSE: tuple[tuple[str, str], ...] = (
    ("Click a moment", "Select it; Shift or Ctrl+click adds to the selection"),
    ("Drag on an empty lane", "Tag a moment from there to there"),
    ("Double-click an empty lane", "Tag a point in time"),
    ("Drag a moment's edge", "Trim it (Alt: frames only, no snapping)"),
    ("Drag a moment", "Move it, with every selected moment"),
    ("Shift+drag on the lanes", "Select with a rectangle"),
    ("Click or drag the ruler", "Go to that frame"),
    ("Wheel", "Zoom around the pointer; Shift+wheel scrolls"),
    ("Wheel over lane names", "Scroll the lanes (lanes by code)"),
    ("Double-click in the list", "Go to that moment"),
    ("Click a suggestion", "Focus it for Enter, X or Delete"),
    ("Click a small angle", "Make it large, with its sound"),
)
"""What the mouse does on the timeline and the moment list (``ui/timeline/view.py`` does it)."""

_COLUMN_STARTS = frozenset({"Menus", "Codes"})

CODE_MENU = "Code menu"
"""How a code without a key of its own is reached."""


def fill_code_menu(menu: QMenu, coding: CodingState, refused: Callable[[str], object]) -> None:
    """The Code menu: every code of the scheme under its principle, with its key when it has one.
    Choosing one does what its key does (recodes the selected moments, else picks the next code)."""
    menu.clear()

    def choose(code: Code) -> None:
        try:
            coding.choose(code)
        except VfeedbackError as exc:
            refused(str(exc))

    target = menu
    for code in coding.codes:
        if code.parent_id is None:
            key = f"{code.key}  " if code.key else ""
            target = menu.addMenu(f"{key}{code.name}".replace("&", "&&"))
        text = code.name.replace("&", "&&") + (f"\t{code.key.upper()}" if code.key else "")
        action = target.addAction(text)
        action.triggered.connect(lambda _checked=False, c=code: choose(c))


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
            # "?" and "+" need Shift on most layouts: match the character typed.
            binding = self._table.get(_first(QKeySequence(event.text())))
        return binding

    @staticmethod
    def _is_code_candidate(event: QKeyEvent) -> bool:
        text = event.text()
        plain = not (
            event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        )
        return plain and len(text) == 1 and text.isalnum()


COLUMN_GAP = 48
GROUP_AIR = 4
FOOTER = (
    "Press ? or Esc to close. Keys work whenever you are not typing; a code key with moments selected "
    "recodes them. Enter, X and Delete act on a suggestion only while one is focused (by N, Shift+N or "
    "a click)."
)
FOOTER_FLAGS = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
Row = tuple[str, str, str]


@dataclass(frozen=True)
class Arrangement:
    """The overlay laid out: its type, the columns (a str is a group title) and where they go."""

    font: QFont
    line_h: int
    columns: list[list[Row | str]]
    widths: list[tuple[int, int]]
    """Per column: the keys' width, then the descriptions'."""
    left: int
    top: int
    width: int
    height: int

    def footer_y(self, window_h: int) -> int:
        return min(window_h - 20, self.top + self.height + 24)


class HelpOverlay(QWidget):
    """A calm panel over the window listing every key, the menus' Ctrl shortcuts, the mouse gestures
    and every code of the scheme, in columns that flow to fit the window (1366x768 included)."""

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
        """(group, key or gesture, what) rows, as drawn."""
        rows = [(b.group, b.keys[0], b.label) for b in BINDINGS]
        rows += [("Menus", key, what) for key, what in self.menu_shortcuts()]
        rows += [("Mouse", gesture, what) for gesture, what in MOUSE]
        for code in self._codes:
            indent = "" if code.parent_id is None else "   "
            rows.append(("Codes", code.key.upper() if code.key else CODE_MENU, f"{indent}{code.name}"))
        return rows

    def menu_shortcuts(self) -> list[tuple[str, str]]:
        """The window's own Ctrl shortcuts (its menus), except those the key table already lists."""
        parent = self.parentWidget()
        if parent is None:
            return []
        listed = {QKeySequence(k).toString() for b in BINDINGS for k in b.keys}
        found: list[tuple[str, str]] = []
        for action in parent.actions():  # the window's menu actions (``add_action`` adds them)
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if key and action.shortcut().toString() not in listed:
                what = action.text().split("\t")[0].replace("&&", "\0").replace("&", "").replace("\0", "&")
                found.append((key, what.rstrip(".…")))
        return sorted(set(found), key=lambda kw: (kw[0].count("+"), kw[0]))

    def columns(self, line_h: int, height: int) -> list[list[Row | str]]:
        """The rows flowed into columns at most ``height`` tall: a group title (a str) starts each
        group; a group never starts at the foot of a column, the keys, the menus and mouse, and the
        codes each start a column, and a group too long for one column goes on in the next."""
        room = max(4, height // line_h)
        groups: dict[str, list[tuple[str, str, str]]] = {}
        for row in self.lines():
            groups.setdefault(row[0], []).append(row)
        columns: list[list[Row | str]] = [[]]
        for name, rows in groups.items():
            column = columns[-1]
            if column and (name in _COLUMN_STARTS or len(column) + 1 + min(len(rows), 3) > room):
                column = []
                columns.append(column)
            column.append(name)
            for row in rows:
                if len(column) >= room:
                    column = [name + " (continued)"]
                    columns.append(column)
                column.append(row)
        return columns

    def arrange(self) -> Arrangement:
        """Where everything goes: the largest type (10.5 pt down to 8) at which every column fits
        across the window, the block centred; each column's height counts the air above its groups."""
        margin, top, foot = 36, 40, 44
        size = 10.5
        while True:
            font = QFont(self.font())
            font.setPointSizeF(size)
            metrics = QFontMetrics(font)
            line_h = metrics.height() + 5
            columns = self.columns(line_h + 1, self.height() - top - foot)
            widths = [self._column_widths(c, metrics) for c in columns]
            total = sum(k + w for k, w in widths) + COLUMN_GAP * (len(columns) - 1)
            if total <= self.width() - 2 * margin or size <= 8:
                break
            size -= 0.5
        tallest = max(len(c) * line_h + GROUP_AIR * sum(isinstance(r, str) for r in c) for c in columns)
        top = max(top, (self.height() - tallest - foot) // 2)  # calm: the list sits in the middle
        left = max(margin, (self.width() - total) // 2)
        return Arrangement(font, line_h, columns, widths, left, top, total, tallest)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(22, 30, 36))
        a = self.arrange()
        painter.setFont(a.font)
        ascent = QFontMetrics(a.font).ascent()
        x = a.left
        for column, (key_w, what_w) in zip(a.columns, a.widths, strict=True):
            y = a.top + ascent
            for row in column:
                if isinstance(row, str):
                    if y > a.top + ascent:
                        y += GROUP_AIR
                    painter.setPen(QColor("#f2c98b"))
                    painter.drawText(x, y, row)
                else:
                    _group, key, what = row
                    painter.setPen(QColor("#8d9aa3") if key == CODE_MENU else QColor("#9fd3c7"))
                    painter.drawText(x + 8, y, key)
                    painter.setPen(QColor("#eef2f4"))
                    painter.drawText(x + 8 + key_w, y, what)
                y += a.line_h
            x += key_w + what_w + COLUMN_GAP
        painter.setPen(QColor("#b5c0c7"))
        painter.drawText(self.footer_rect(a), FOOTER_FLAGS, FOOTER)
        painter.end()

    def footer_rect(self, a: Arrangement) -> QRect:
        """Where the closing line goes: under the list, as wide as the list (or the window less its
        margins, if wider), wrapped onto a second line rather than cut at the window's edge."""
        metrics = QFontMetrics(a.font)
        width = max(a.width, min(metrics.horizontalAdvance(FOOTER), self.width() - 2 * a.left))
        top = a.footer_y(self.height()) - metrics.ascent()
        needed = metrics.boundingRect(QRect(0, 0, width, 10_000), FOOTER_FLAGS, FOOTER).height()
        return QRect(a.left, min(top, self.height() - needed - 8), width, needed)

    @staticmethod
    def _column_widths(column: list[Row | str], metrics: QFontMetrics) -> tuple[int, int]:
        keys = [metrics.horizontalAdvance(r[1]) for r in column if not isinstance(r, str)]
        whats = [metrics.horizontalAdvance(r[2]) for r in column if not isinstance(r, str)]
        titles = [metrics.horizontalAdvance(r) for r in column if isinstance(r, str)]
        key_w = max(keys, default=0) + 24
        return key_w, max(max(whats, default=0), max(titles, default=0) - key_w)
