"""A few clear choices before exporting the selected moments as clips; the defaults suit a review.

For supervision, training or research a "Hide identities" section appears: faces blurred
automatically, areas drawn on the moment's picture to blur, and areas whose faces to keep. A
feedback clip is for the family itself, so nothing is hidden by default.

"Pause on the playhead frame" holds the frame on screen, so only a clip whose moment holds that frame
can pause on it; with several moments selected the others play straight through, and the dialog says
so before anything is exported.
"""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import Purpose
from vfeedback.export.blur import Region
from vfeedback.export.options import ClipOptions

CAPTION_MODES = (
    ("On the picture", "burn"),
    ("As subtitles that can be switched off", "soft"),
    ("Both", "both"),
    ("No caption", "none"),
)
SIZES: tuple[tuple[str, int | None], ...] = (("Same as the recording", None), ("1080p", 1080), ("720p", 720))
QUIET = "#5f6b73"
NO_FACES_FOUND = "No faces were found; check the clip before sharing."


class ExportDialog(QDialog):
    """``frame`` is the picture on screen (upright, exact): the areas to hide are drawn on it."""

    def __init__(
        self,
        count: int,
        parent: QWidget | None = None,
        frame: QImage | None = None,
        *,
        at_playhead: int | None = None,
    ) -> None:
        """``at_playhead``: how many of the ``count`` moments hold the playhead frame (None: all)."""
        super().__init__(parent)
        self.count = count
        self.at_playhead = count if at_playhead is None else max(0, min(count, at_playhead))
        self.setWindowTitle("Export clips")
        # Wide enough that the explanations wrap into a few calm lines rather than a tall column.
        self.setMinimumWidth(560)
        self.frame = frame if frame is not None and not frame.isNull() else None
        self.blur: tuple[Region, ...] = ()
        self.keep: tuple[Region, ...] = ()
        plural = "s" if count != 1 else ""
        intro = QLabel(
            f"Make {count} clip{plural} of the selected moment{plural}, each with its caption. "
            "Private notes are never included."
        )
        intro.setWordWrap(True)
        self.captions = QComboBox()
        for label, value in CAPTION_MODES:
            self.captions.addItem(label, value)
        self.padding = QDoubleSpinBox()
        self.padding.setRange(0.0, 10.0)
        self.padding.setSingleStep(0.5)
        self.padding.setValue(1.0)
        self.padding.setSuffix(" s")
        self.slow = QCheckBox("Replay it at half speed afterwards")
        self.freeze = QDoubleSpinBox()
        self.freeze.setRange(0.0, 10.0)
        self.freeze.setSingleStep(0.5)
        self.freeze.setSuffix(" s")
        self.freeze.setToolTip("Hold the picture at the playhead for this long (0: no pause)")
        self.freeze_note = QLabel()
        self.freeze_note.setObjectName("freezeNote")
        self.freeze_note.setWordWrap(True)
        self.freeze_note.setStyleSheet(f"color: {QUIET};")
        if self.at_playhead == 0:
            self.freeze.setEnabled(False)
            self.freeze.setToolTip("Move the playhead onto a selected moment to pause on its frame")
        self.max_height = QComboBox()
        for size_label, height in SIZES:
            self.max_height.addItem(size_label, height)
        self.mute = QCheckBox("Without sound")
        self.purpose = QComboBox()
        for purpose in Purpose:
            self.purpose.addItem(purpose.wording.capitalize(), purpose.value)
        self.purpose.setToolTip("What the clips are for; the family must have consented to it")
        form = QFormLayout()
        form.addRow("For", self.purpose)
        form.addRow("Caption", self.captions)
        form.addRow("Before and after", self.padding)
        form.addRow("", self.slow)
        form.addRow("Pause on the playhead frame", self.freeze)
        form.addRow("", self.freeze_note)
        form.addRow("Size", self.max_height)
        form.addRow("", self.mute)
        self.hide_box = self._hide_section()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.hide_box)
        layout.addWidget(buttons)
        self.purpose.currentIndexChanged.connect(self._purpose_changed)
        self.freeze.valueChanged.connect(lambda _v: self._refresh_freeze_note())
        self._refresh_freeze_note()
        self._purpose_changed()

    def _hide_section(self) -> QGroupBox:
        box = QGroupBox("Hide identities")
        self.blur_faces = QCheckBox("Blur faces automatically")
        self.blur_faces.toggled.connect(self._refresh_areas)
        self.faces_warning = QLabel(
            "Automatic detection can miss a face — a turned head, a hand in the way, a face far off. "
            "Watch the clip before sharing it, and draw an area over anything it missed."
        )
        self.faces_warning.setWordWrap(True)
        self.faces_warning.setStyleSheet(f"color: {QUIET};")
        self.draw_blur = QPushButton("Draw areas to blur…")
        self.draw_keep = QPushButton("Draw areas to keep…")
        self.draw_keep.setToolTip("Faces inside these areas stay visible, for example the parent and baby")
        self.draw_blur.clicked.connect(lambda: self._draw("blur"))
        self.draw_keep.clicked.connect(lambda: self._draw("keep"))
        self.areas_label = QLabel()
        self.areas_label.setStyleSheet(f"color: {QUIET};")
        self.areas_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.draw_blur)
        row.addWidget(self.draw_keep)
        row.addStretch(1)
        inner = QVBoxLayout(box)
        inner.addWidget(self.blur_faces)
        inner.addWidget(self.faces_warning)
        inner.addLayout(row)
        inner.addWidget(self.areas_label)
        if self.frame is None:
            for button in (self.draw_blur, self.draw_keep):
                button.setEnabled(False)
                button.setToolTip("Pause on a frame of the recording to draw on its picture")
        return box

    def freeze_note_text(self) -> str:
        """Which clips will pause, when that is not simply "the clip" (empty otherwise)."""
        held, others = self.at_playhead, self.count - self.at_playhead
        if held == 0:
            return "The playhead is on none of the selected moments, so no clip can pause on it."
        if not others or self.freeze.value() <= 0:
            return ""
        paused = (
            "Only the clip of the moment at the playhead pauses there"
            if held == 1
            else f"The {held} clips of the moments at the playhead pause there"
        )
        rest = "the other one plays" if others == 1 else f"the other {others} play"
        return f"{paused}; {rest} straight through."

    def _refresh_freeze_note(self) -> None:
        text = self.freeze_note_text()
        self.freeze_note.setText(text)
        self.freeze_note.setVisible(bool(text))

    def _purpose_changed(self) -> None:
        # Parents see their own family: a feedback clip hides nothing unless asked elsewhere.
        self.hide_box.setVisible(self.hides_identities_offered())
        self._refresh_areas()
        self.adjustSize()

    def hides_identities_offered(self) -> bool:
        return self.chosen_purpose() != Purpose.FEEDBACK.value

    def _refresh_areas(self) -> None:
        faces = self.blur_faces.isChecked()
        self.draw_keep.setEnabled(faces and self.frame is not None)
        self.faces_warning.setVisible(faces)
        parts = []
        if self.blur:
            parts.append(
                f"{len(self.blur)} area{'s' if len(self.blur) != 1 else ''} blurred for the whole clip"
            )
        if self.keep and faces:
            parts.append(f"faces kept in {len(self.keep)} area{'s' if len(self.keep) != 1 else ''}")
        self.areas_label.setText("; ".join(parts).capitalize() + "." if parts else "No areas drawn.")

    def _draw(self, kind: str) -> None:
        from vfeedback.ui.blur_editor import BlurEditor

        if self.frame is None:
            return
        editor = BlurEditor(
            self.frame, self.blur, self.keep, kind="keep" if kind == "keep" else "blur",
            keep_allowed=self.blur_faces.isChecked(), parent=self,
        )  # fmt: skip
        if editor.exec():
            self.blur = editor.blur_regions()
            if self.blur_faces.isChecked():
                self.keep = editor.keep_regions()
            self._refresh_areas()

    def chosen_purpose(self) -> str:
        return str(self.purpose.currentData())

    def options(self, freeze_at_us: int | None) -> ClipOptions:
        """The chosen options for one moment; ``freeze_at_us`` is the playhead when that moment holds
        it, else None: that clip then plays through without the pause.

        Raises VfeedbackError (one sentence) for a combination that cannot work.
        """
        seconds = float(self.freeze.value()) if freeze_at_us is not None and self.freeze.isEnabled() else 0.0
        hiding = self.hides_identities_offered()
        faces = hiding and self.blur_faces.isChecked()
        return ClipOptions(
            padding_us=round(self.padding.value() * 1_000_000),
            captions=self.captions.currentData(),
            slow_replay=self.slow.isChecked(),
            freeze_at_us=freeze_at_us if seconds > 0 else None,
            freeze_s=seconds,
            max_height=self.max_height.currentData(),
            mute=self.mute.isChecked(),
            blur=self.blur if hiding else (),
            blur_faces=faces,
            keep=self.keep if faces else (),
        )


__all__ = ["NO_FACES_FOUND", "ExportDialog", "VfeedbackError"]
