"""A few clear choices before exporting the selected moments as clips; the defaults suit a review."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import Purpose
from vfeedback.export.options import ClipOptions

CAPTION_MODES = (
    ("On the picture", "burn"),
    ("As subtitles that can be switched off", "soft"),
    ("Both", "both"),
    ("No caption", "none"),
)
SIZES: tuple[tuple[str, int | None], ...] = (("Same as the recording", None), ("1080p", 1080), ("720p", 720))


class ExportDialog(QDialog):
    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export clips")
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
        form.addRow("Size", self.max_height)
        form.addRow("", self.mute)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen_purpose(self) -> str:
        return str(self.purpose.currentData())

    def options(self, freeze_at_us: int | None) -> ClipOptions:
        """The chosen options; ``freeze_at_us`` is the playhead (used only when a pause is asked for).

        Raises VfeedbackError (one sentence) for a combination that cannot work.
        """
        seconds = float(self.freeze.value())
        return ClipOptions(
            padding_us=round(self.padding.value() * 1_000_000),
            captions=self.captions.currentData(),
            slow_replay=self.slow.isChecked(),
            freeze_at_us=freeze_at_us if seconds > 0 else None,
            freeze_s=seconds,
            max_height=self.max_height.currentData(),
            mute=self.mute.isChecked(),
        )


__all__ = ["ExportDialog", "VfeedbackError"]
