"""The moment inspector: code, actor, times, the caption for the parent and the private note.

Every edit is saved through the Library as soon as the clinician pauses typing or leaves the field;
there is no Save button. The caption and the note look different on purpose, and the note says it is
never shown to families.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import Actor, Code, Moment
from vfeedback.core.timecode import format_time, parse_time
from vfeedback.services import Library

SAVE_AFTER_MS = 700

CAPTION_STYLE = """
QPlainTextEdit#caption { background: #fffaf0; border: 1px solid #e8d8b8; border-radius: 6px;
  padding: 6px; font-size: 14px; color: #3b3128; }
"""
NOTE_STYLE = """
QPlainTextEdit#note { background: #eef1f4; border: 1px dashed #9aa7b2; border-radius: 6px;
  padding: 6px; font-family: monospace; color: #2d3a45; }
"""


class Inspector(QWidget):
    message = Signal(str)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.moment: Moment | None = None
        self._codes: list[Code] = []
        self._loading = False

        self.empty = QLabel("Select a moment on the timeline,\nor press Enter to tag one.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #6b7780;")

        self.span = QLabel()
        self.span.setObjectName("span")
        self.coder = QLabel()
        self.coder.setObjectName("coder")
        self.coder.setStyleSheet("color: #6b7780;")
        self.code = QComboBox()
        self.code.setObjectName("code")
        self.actor = QComboBox()
        self.actor.setObjectName("actor")
        for actor in Actor:
            self.actor.addItem(actor.value.capitalize(), actor.value)
        self.start = QLineEdit()
        self.start.setObjectName("start")
        self.end = QLineEdit()
        self.end.setObjectName("end")
        for field in (self.start, self.end):
            field.setToolTip("12.5, 1:02.25, 00:01:02.250 or a frame number such as f1234")

        self.caption = QPlainTextEdit()
        self.caption.setObjectName("caption")
        self.caption.setPlaceholderText(
            "Words for the parent, e.g. “She looks at you, and you wait for her.”"
        )
        self.caption.setStyleSheet(CAPTION_STYLE)
        self.caption.setTabChangesFocus(True)
        caption_label = QLabel("Caption for the parent")
        caption_label.setStyleSheet("font-weight: bold; color: #7a5a2f;")

        self.note = QPlainTextEdit()
        self.note.setObjectName("note")
        self.note.setPlaceholderText("Clinical observations for the record")
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.setTabChangesFocus(True)
        note_label = QLabel("Private clinical note — never shown to families")
        note_label.setObjectName("noteLabel")
        note_label.setStyleSheet("font-weight: bold; color: #46535e;")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Code", self.code)
        form.addRow("Actor", self.actor)
        times = QHBoxLayout()
        times.addWidget(self.start)
        times.addWidget(QLabel("to"))
        times.addWidget(self.end)
        form.addRow("Time", times)

        editor = QWidget()
        column = QVBoxLayout(editor)
        column.setContentsMargins(10, 10, 10, 10)
        column.addWidget(self.span)
        column.addWidget(self.coder)
        column.addLayout(form)
        column.addSpacing(6)
        column.addWidget(caption_label)
        column.addWidget(self.caption, 2)
        column.addSpacing(6)
        column.addWidget(note_label)
        column.addWidget(self.note, 2)

        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.empty)
        self._stack.addWidget(editor)

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_AFTER_MS)
        self._save_timer.timeout.connect(self.save_texts)
        self.caption.textChanged.connect(self._typed)
        self.note.textChanged.connect(self._typed)
        for text_field in (self.caption, self.note):
            text_field.installEventFilter(self)
        self.code.activated.connect(lambda _i: self._save(code=self.code.currentData()))
        self.actor.activated.connect(lambda _i: self._save(actor=self.actor.currentData()))
        self.start.editingFinished.connect(lambda: self._save_time("start", self.start))
        self.end.editingFinished.connect(lambda: self._save_time("end", self.end))
        self.set_moment(None)

    # --- showing --------------------------------------------------------------------------------
    def set_codes(self, codes: list[Code]) -> None:
        self._codes = codes
        self._loading = True
        self.code.clear()
        for c in codes:
            prefix = "" if c.parent_id is None else "    "
            key = f"  [{c.key}]" if c.key else ""
            self.code.addItem(f"{prefix}{c.name}{key}", c.id)
        self._loading = False

    def set_moment(self, moment: Moment | None) -> None:
        """Show ``moment`` (or the empty state). Unsaved typing is saved first: for the moment shown
        before, and for this one too when it is shown again fresh (a refresh of the views while the
        clinician types must not put back the caption stored before the typing)."""
        if (
            self.moment is not None
            and self.save_texts()
            and moment is not None
            and moment.id == self.moment.id
        ):
            moment = self.moment  # the library's answer to that save is newer than the refresh's copy
        self.moment = moment
        if moment is None:
            self._stack.setCurrentIndex(0)
            return
        self._stack.setCurrentIndex(1)
        self._loading = True
        span = format_time(moment.start_us)
        if not moment.is_point:
            span += f" – {format_time(moment.end_us)}  ({moment.duration_us / 1e6:.1f} s)"
        self.span.setText(f"<b>Moment</b>  {span}")
        # Who tagged it matters once two clinicians code the same film (supervision).
        self.coder.setText(f"Tagged by {moment.coder}")
        self.code.setCurrentIndex(max(0, self.code.findData(moment.code_id)))
        self.actor.setCurrentIndex(max(0, self.actor.findData(moment.actor.value)))
        self.start.setText(format_time(moment.start_us))
        self.end.setText(format_time(moment.end_us))
        if self.caption.toPlainText() != moment.caption:
            self.caption.setPlainText(moment.caption)
        if self.note.toPlainText() != moment.note:
            self.note.setPlainText(moment.note)
        self._loading = False

    # --- saving ---------------------------------------------------------------------------------
    def _typed(self) -> None:
        if not self._loading and self.moment is not None:
            self._save_timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut and watched in (self.caption, self.note):
            self.save_texts()
        return super().eventFilter(watched, event)

    def save_texts(self) -> bool:
        """Save caption and note if they differ from what the library holds; whether it saved."""
        self._save_timer.stop()
        if self.moment is None:
            return False
        caption, note = self.caption.toPlainText(), self.note.toPlainText()
        changes: dict[str, str] = {}
        if caption.strip() != self.moment.caption:
            changes["caption"] = caption
        if note.strip() != self.moment.note:
            changes["note"] = note
        if changes:
            self._save(**changes)
        return bool(changes)

    def _save_time(self, which: str, field: QLineEdit) -> None:
        if self._loading or self.moment is None:
            return
        current = self.moment.start_us if which == "start" else self.moment.end_us
        if field.text().strip() == format_time(current):
            return
        try:
            spec = parse_time(field.text())
        except VfeedbackError as exc:
            self.message.emit(str(exc))
            field.setText(format_time(current))
            return
        self._save(**{which: spec})

    def _save(self, **fields: object) -> None:
        if self._loading or self.moment is None:
            return
        edit: Callable[..., Moment] = self.library.moments.edit
        try:
            # seen: a colleague's save since this was shown is refused, not overwritten (issue 16)
            self.moment = edit(self.moment.id, seen=self.moment.updated_at, **fields)
        except VfeedbackError as exc:
            self.message.emit(str(exc))
            stored = self.library.moments.get(self.moment.id)
            self.moment = None  # the refused typing is not saved again: the stored words come back
            self.set_moment(stored)
