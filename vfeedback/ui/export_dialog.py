"""A few clear choices before exporting the selected moments as clips; the defaults suit a review.

For supervision, training or research a "Hide identities" section appears: faces blurred
automatically, areas drawn on the moment's picture to blur, and areas whose faces to keep. A
feedback clip is for the family itself, so nothing is hidden by default.

"Pause on the playhead frame" holds the frame on screen, so only a clip whose moment holds that frame
can pause on it; with several moments selected the others play straight through, and the dialog says
so before anything is exported.

The dialog remembers, on this computer, the last settings used for each purpose (and which purpose
was last used): a clinician who makes feedback clips one way and training clips another sets each
once. Areas drawn to blur belong to one picture and are never remembered.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings
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
from vfeedback.export.options import SINGLE, ClipOptions, Layout

CAPTION_MODES = (
    ("On the picture", "burn"),
    ("As subtitles that can be switched off", "soft"),
    ("Both", "both"),
    ("No caption", "none"),
)
SIZES: tuple[tuple[str, int | None], ...] = (("Same as the recording", None), ("1080p", 1080), ("720p", 720))
QUIET = "#5f6b73"
NO_FACES_FOUND = "No faces were found; check the clip before sharing."
SETTINGS_GROUP = "export-clips"


def clips_of(count: int) -> str:
    """``3 clips`` / ``the clip``: what the dialog's button says it will make."""
    return "the clip" if count == 1 else f"{count} clips"


def clip_label(position: int, count: int, caption: str) -> str:
    """A clip's name in the progress list, by its place and its caption: ``Clip 2 of 3: 'You waited
    for her'`` (the moments in timeline order; a long caption shortened)."""
    text = " ".join(caption.split())
    if not text:
        return f"Clip {position} of {count} (no caption)"
    return f"Clip {position} of {count}: '{text if len(text) <= 48 else text[:47] + '…'}'"


def _settings() -> QSettings:
    return QSettings("vfeedback", "vfeedback")


class ExportDialog(QDialog):
    """``frame`` is the picture on screen (upright, exact): the areas to hide are drawn on it."""

    def __init__(
        self,
        count: int,
        parent: QWidget | None = None,
        frame: QImage | None = None,
        *,
        at_playhead: int | None = None,
        cameras: list[tuple[int, str]] | None = None,
    ) -> None:
        """``at_playhead``: how many of the ``count`` moments hold the playhead frame (None: all).
        ``cameras``: the session's films (recording id, name), the main one first, when it has camera
        angles: the dialog then offers which of them the clips show, and how."""
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
        intro.setObjectName("intro")
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
        self.cameras = QComboBox(self)
        self.cameras.setObjectName("cameras")
        for label, choice in camera_choices(cameras or []):
            self.cameras.addItem(label, choice)
        self.cameras.setToolTip(
            "Which camera the clips show, or several at once; the sound is the large one's"
        )
        if self.cameras.count() > 1:
            form.addRow("Cameras", self.cameras)
        else:
            self.cameras.hide()
        self.hide_box = self._hide_section()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.make = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.make.setText(f"Make {clips_of(count)}")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.hide_box)
        layout.addWidget(buttons)
        self.purpose.currentIndexChanged.connect(self._purpose_changed)
        self.freeze.valueChanged.connect(lambda _v: self._refresh_freeze_note())
        self._shown_purpose = self.chosen_purpose()
        last = _settings().value(f"{SETTINGS_GROUP}/purpose")
        if isinstance(last, str) and self.purpose.findData(last) >= 0:
            self.purpose.blockSignals(True)
            self.purpose.setCurrentIndex(self.purpose.findData(last))
            self.purpose.blockSignals(False)
        self._recall(self.chosen_purpose())
        self._refresh_freeze_note()
        self._purpose_changed()

    # --- remembered per purpose -----------------------------------------------------------------
    def _remembered(self) -> dict[str, Any]:
        return {
            "captions": self.captions.currentData(),
            "padding": float(self.padding.value()),
            "slow": self.slow.isChecked(),
            "freeze": float(self.freeze.value()),
            "max_height": self.max_height.currentData() or 0,
            "mute": self.mute.isChecked(),
            "blur_faces": self.blur_faces.isChecked(),
        }

    def _recall(self, purpose: str) -> None:
        """Put back what was last used for ``purpose`` (the defaults when never used); a value
        that no longer fits (a size since removed) keeps its default."""
        self._shown_purpose = purpose
        store = _settings()
        store.beginGroup(f"{SETTINGS_GROUP}/{purpose}")
        try:
            saved = {key: store.value(key) for key in store.childKeys()}
        finally:
            store.endGroup()
        defaults = {"captions": "burn", "padding": 1.0, "slow": False, "freeze": 0.0, "max_height": 0,
                    "mute": False, "blur_faces": False}  # fmt: skip
        values = {**defaults, **saved}
        combo_index = self.captions.findData(str(values["captions"]))
        self.captions.setCurrentIndex(max(0, combo_index))
        size = _number(values["max_height"], 0.0)
        self.max_height.setCurrentIndex(max(0, self.max_height.findData(int(size) or None)))
        self.padding.setValue(_number(values["padding"], 1.0))
        self.freeze.setValue(_number(values["freeze"], 0.0))
        self.slow.setChecked(_flag(values["slow"]))
        self.mute.setChecked(_flag(values["mute"]))
        self.blur_faces.setChecked(_flag(values["blur_faces"]))

    def remember(self) -> None:
        """Keep these settings for the chosen purpose (called when the clips are made)."""
        store = _settings()
        purpose = self.chosen_purpose()
        store.setValue(f"{SETTINGS_GROUP}/purpose", purpose)
        for key, value in self._remembered().items():
            store.setValue(f"{SETTINGS_GROUP}/{purpose}/{key}", value)
        store.sync()

    def accept(self) -> None:
        self.remember()
        super().accept()

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
        changed = text != self.freeze_note.text()
        self.freeze_note.setText(text)
        self.freeze_note.setVisible(bool(text))
        if changed and self.isVisible():
            self.adjustSize()  # room for the note's lines, or none once it is gone

    def _purpose_changed(self) -> None:
        if self.chosen_purpose() != self._shown_purpose:
            self._recall(self.chosen_purpose())
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
            layout=self.cameras.currentData() if self.cameras.count() else SINGLE,
        )


def camera_choices(cameras: list[tuple[int, str]]) -> list[tuple[str, Layout]]:
    """What the Cameras list offers for a session's films (the main one first): each film alone, all
    of them side by side (with the main one's sound), and each one large with another small in the
    corner. One film (no angles): nothing to choose."""
    if len(cameras) < 2:
        return []
    (main_id, main_name), *others = cameras
    choices = [(f"{main_name} only", SINGLE)]
    choices += [(f"{name} only", Layout("single", rec_id)) for rec_id, name in others]
    choices.append(("All cameras side by side", Layout("side-by-side")))
    small = {main_id: others[0][1], **{rec_id: main_name for rec_id, _ in others}}
    for rec_id, name in cameras:
        large = Layout("pip", None if rec_id == main_id else rec_id)
        choices.append((f"{name} large, {small[rec_id]} small in the corner", large))
    return choices


def _number(value: object, default: float) -> float:
    # QSettings' INI files give back text: "1.5", "true".
    try:
        return float(str(value))
    except ValueError:
        return default


def _flag(value: object) -> bool:
    return value is True or str(value).lower() == "true"


__all__ = ["NO_FACES_FOUND", "ExportDialog", "VfeedbackError", "clip_label", "clips_of"]
