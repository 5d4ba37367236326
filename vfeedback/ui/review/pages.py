"""The pages of review mode. Each is plain: a few words in large type, a few large buttons.

Buttons take no keyboard focus (except on the "leave?" page): the window handles every key itself,
so Space never clicks whichever button happened to be focused. The pages only lay things out; the
window decides what each button does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from vfeedback.ui.player.view import PlayerView
from vfeedback.ui.review.style import Metrics

NO_CAPTION = "Watch this moment"
UNAVAILABLE = "This moment cannot be shown right now"


def label(text: str, role: str) -> QLabel:
    widget = QLabel(text)
    widget.setProperty("role", role)
    widget.setWordWrap(True)
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    widget.setTextFormat(Qt.TextFormat.PlainText)  # a caption is the clinician's text, never markup
    return widget


def button(text: str, role: str = "plain") -> QPushButton:
    widget = QPushButton(text)
    widget.setProperty("role", role)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    return widget


def dots_text(index: int, count: int) -> str:
    return "   ".join("●" if i == index else "○" for i in range(count))


class Bar(QWidget):
    """Previous on the left, the page's own actions in the middle, the way forward on the right: the
    same places on every page, so a hand finds them without looking."""

    def __init__(self, left: list[QPushButton], centre: list[QPushButton], right: list[QPushButton]) -> None:
        super().__init__()
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        for group in (left, centre, right):
            for widget in group:
                self.row.addWidget(widget)
            if group is not right:
                self.row.addStretch(1)

    def set_gap(self, gap: int) -> None:
        self.row.setSpacing(gap)


class Page(QWidget):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.column = QVBoxLayout(self)
        self.bars: list[Bar] = []

    def fit(self, m: Metrics, width: int) -> None:
        """Margins and gaps for this window size; text is kept to a comfortable line length."""
        side = max(m.margin, (width - int(m.unit * 160)) // 2)
        self.column.setContentsMargins(side, m.margin, side, m.margin)
        self.column.setSpacing(m.gap)
        for bar in self.bars:
            bar.set_gap(m.gap)


class CardPage(Page):
    """The caption, large, before its clip."""

    def __init__(self) -> None:
        super().__init__("card")
        self.dots = label("", "dots")
        self.caption = label("", "caption")
        self.previous = button("Previous", "quiet")
        self.watch = button("Watch", "primary")
        bar = Bar([self.previous], [], [self.watch])
        self.bars.append(bar)
        self.column.addWidget(self.dots)
        self.column.addStretch(2)
        self.column.addWidget(self.caption)
        self.column.addStretch(3)
        self.column.addWidget(bar)

    def show_moment(self, caption: str, index: int, count: int) -> None:
        self.caption.setText(caption or NO_CAPTION)
        show_dots(self.dots, index, count)
        self.previous.setVisible(index > 0)


class AspectBox(QWidget):
    """Holds one widget at the largest size of the picture's shape, centred: the video sits on the
    page like a photograph, with no black bars around it."""

    def __init__(self, child: QWidget) -> None:
        super().__init__()
        self.child = child
        child.setParent(self)
        self._aspect = 16 / 9
        self.placed: Callable[[QRect], None] | None = None  # told where the picture went

    def set_aspect(self, aspect: float) -> None:
        self._aspect = aspect if aspect > 0 else 16 / 9
        self._place()

    def resizeEvent(self, _event: object) -> None:
        self._place()

    def _place(self) -> None:
        where = fitted(QSize(round(1000 * self._aspect), 1000), self.rect())
        self.child.setGeometry(where)
        if self.placed is not None:
            self.placed(where)


def fitted(size: QSize, box: QRect) -> QRect:
    """``size`` scaled to fit in ``box``, its shape kept, centred."""
    if size.isEmpty() or box.isEmpty():
        return QRect()
    scaled = size.scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    return QRect(
        box.x() + (box.width() - scaled.width()) // 2,
        box.y() + (box.height() - scaled.height()) // 2,
        scaled.width(),
        scaled.height(),
    )


class ClipPage(Page):
    """The clip, with controls below it that fade while it plays (the video is never covered: VLC
    draws into a native window, which no Qt widget can lie on top of)."""

    def __init__(self) -> None:
        super().__init__("clip")
        self.view = PlayerView()
        self.view.setMinimumSize(0, 0)
        self.video = AspectBox(self.view)
        self.previous = button("Previous", "quiet")
        self.play_pause = button("Pause")
        self.again = button("Watch again")
        self.slower = button("Slower")
        self.next = button("Next", "primary")
        self.controls = Bar([self.previous], [self.play_pause, self.again, self.slower], [self.next])
        self.bars.append(self.controls)
        # The caption stays in view while the clip plays, on its own band UNDER the picture (VLC's
        # native window cannot be drawn over, and the words must never cover a face).
        self.band = label("", "subtitle")
        self._reading_width = 0
        # As wide as the picture it belongs to (a narrow portrait film gets the reading width).
        self.video.placed = lambda picture: self.band.setMaximumWidth(
            max(picture.width(), self._reading_width)
        )
        band_row = QHBoxLayout()
        band_row.addStretch(1)
        band_row.addWidget(self.band, 100)
        band_row.addStretch(1)
        self.column.addWidget(self.video, 1)
        self.column.addLayout(band_row)
        self.column.addWidget(self.controls)

    def fit(self, m: Metrics, width: int) -> None:
        super().fit(m, width)
        # The picture may use the whole width; only the controls keep to the reading width.
        self.column.setContentsMargins(m.margin, m.margin, m.margin, m.margin)
        self._reading_width = int(m.unit * 90)
        self.band.setMaximumWidth(max(self.view.width(), self._reading_width))

    def show_caption(self, caption: str) -> None:
        self.band.setText(caption)
        self.band.setVisible(bool(caption))

    def show_playing(self, playing: bool) -> None:
        self.play_pause.setText("Pause" if playing else "Play")

    def show_slower(self, slower: bool) -> None:
        """The Slower button stays lit while the clip plays at half speed, so nobody wonders why."""
        self.slower.setProperty("active", slower)
        style = self.slower.style()
        style.unpolish(self.slower)
        style.polish(self.slower)


class ChoicePage(Page):
    """After a clip: watch it again, slower, stay on its first picture, or go on."""

    def __init__(self) -> None:
        super().__init__("choice")
        self.dots = label("", "dots")
        self.reminder = label("", "reminder")
        self.again = button("Watch again", "tile")
        self.slower = button("Slower", "tile")
        self.freeze = button("Pause on this moment", "tile")
        self.tiles = QHBoxLayout()
        for tile in (self.again, self.slower, self.freeze):
            self.tiles.addWidget(tile, 1)
        self.previous = button("Previous", "quiet")
        self.next = button("Next", "primary")
        bar = Bar([self.previous], [], [self.next])
        self.bars.append(bar)
        self.column.addWidget(self.dots)
        self.column.addStretch(2)
        self.column.addWidget(self.reminder)
        self.column.addStretch(1)
        self.column.addLayout(self.tiles)
        self.column.addStretch(2)
        self.column.addWidget(bar)

    def fit(self, m: Metrics, width: int) -> None:
        super().fit(m, width)
        self.tiles.setSpacing(m.gap)

    def show_moment(self, caption: str, index: int, count: int) -> None:
        self.reminder.setText(caption)
        self.reminder.setVisible(bool(caption))
        show_dots(self.dots, index, count)


class FreezePicture(QWidget):
    """The moment's first frame, as large as fits, with softly rounded corners."""

    def __init__(self) -> None:
        super().__init__()
        self._image: QImage | None = None
        self.frame_number = -1

    def set_image(self, image: QImage | None, frame: int = -1) -> None:
        self._image, self.frame_number = image, frame
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def picture_rect(self) -> QRect:
        if self._image is None or self._image.isNull():
            return QRect()
        return fitted(self._image.size(), self.rect())

    def paintEvent(self, _event: QPaintEvent) -> None:
        rect = self.picture_rect()
        if rect.isEmpty() or self._image is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        path = QPainterPath()
        radius = min(rect.width(), rect.height()) * 0.02
        path.addRoundedRect(rect.toRectF(), radius, radius)
        painter.setClipPath(path)
        painter.drawImage(rect, self._image)
        painter.end()


class FreezePage(Page):
    """The picture above, its caption on a soft band below: the words never cover anyone's face."""

    def __init__(self) -> None:
        super().__init__("freeze")
        self.picture = FreezePicture()
        self.band = label("", "band")
        self.previous = button("Previous", "quiet")
        self.again = button("Watch again")
        self.slower = button("Slower")
        self.next = button("Next", "primary")
        bar = Bar([self.previous], [self.again, self.slower], [self.next])
        self.bars.append(bar)
        # Centred by stretches, not by alignment: an aligned label loses its height-for-width and
        # a wrapped caption is cut in half.
        band_row = QHBoxLayout()
        band_row.addStretch(1)
        band_row.addWidget(self.band, 100)
        band_row.addStretch(1)
        self.column.addWidget(self.picture, 1)
        self.column.addLayout(band_row)
        self.column.addWidget(bar)

    def fit(self, m: Metrics, width: int) -> None:
        super().fit(m, width)
        self.column.setContentsMargins(m.margin, m.margin, m.margin, m.margin)
        self.band.setMaximumWidth(int(m.unit * 160))

    def show_moment(self, caption: str) -> None:
        self.band.setText(caption)
        self.band.setVisible(bool(caption))
        self.picture.set_image(None)


class UnavailablePage(Page):
    def __init__(self) -> None:
        super().__init__("unavailable")
        self.message = label(UNAVAILABLE, "title")
        self.previous = button("Previous", "quiet")
        self.next = button("Next", "primary")
        bar = Bar([self.previous], [], [self.next])
        self.bars.append(bar)
        self.column.addStretch(1)
        self.column.addWidget(self.message)
        self.column.addStretch(1)
        self.column.addWidget(bar)

    def show_moment(self, index: int) -> None:
        self.previous.setVisible(index > 0)


class ThanksPage(Page):
    def __init__(self) -> None:
        super().__init__("thanks")
        self.message = label("Thank you for watching together", "title")
        self.restart = button("Watch again from the start", "primary")
        self.finish = button("Finish", "quiet")
        self.column.addStretch(3)
        self.column.addWidget(self.message)
        self.column.addStretch(1)
        self.column.addWidget(self.restart, 0, Qt.AlignmentFlag.AlignHCenter)
        self.column.addWidget(self.finish, 0, Qt.AlignmentFlag.AlignHCenter)
        self.column.addStretch(3)


class LeavePage(Page):
    """The question before leaving, on a sheet over a dimmed page. Staying is the default: Enter,
    Space and Escape all keep watching; leaving takes a click or Tab first."""

    def __init__(self) -> None:
        super().__init__("leave")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        sheet = QFrame()
        sheet.setObjectName("sheet")
        self.question = label("Leave review?", "title")
        self.keep = button("Keep watching", "primary")
        self.leave = button("Leave")
        for b in (self.keep, self.leave):
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            b.setAutoDefault(True)
        self.keep.setDefault(True)
        self.sheet_column = QVBoxLayout(sheet)
        self.sheet_column.addWidget(self.question)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.keep)
        self.buttons.addWidget(self.leave)
        self.buttons.addStretch(1)
        self.sheet_column.addLayout(self.buttons)
        self.column.addStretch(1)
        self.column.addWidget(sheet, 0, Qt.AlignmentFlag.AlignHCenter)
        self.column.addStretch(1)
        self.setTabOrder(self.keep, self.leave)

    def fit(self, m: Metrics, width: int) -> None:
        super().fit(m, width)
        pad = m.px(5)
        self.sheet_column.setContentsMargins(pad, pad, pad, pad)
        self.sheet_column.setSpacing(m.px(4))
        self.buttons.setSpacing(m.gap)


class FinishedPage(Page):
    """Where leaving lands: nothing of the family and nothing of the clinician's work."""

    def __init__(self) -> None:
        super().__init__("finished")
        self.message = label("Review finished", "title")
        self.app = label("vfeedback", "small")
        self.close_button = button("Close", "primary")
        self.column.addStretch(3)
        self.column.addWidget(self.message)
        self.column.addWidget(self.app)
        self.column.addStretch(1)
        self.column.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.column.addStretch(3)


class BlankPage(QWidget):
    """An empty, nearly black screen, as a presentation clicker's B key gives; a click comes back."""

    clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("blank")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setCursor(Qt.CursorShape.BlankCursor)

    def fit(self, m: Metrics, width: int) -> None:
        pass

    def mousePressEvent(self, _event: QMouseEvent) -> None:
        self.clicked.emit()


def show_dots(widget: QLabel, index: int, count: int) -> None:
    widget.setText(dots_text(index, count) if count > 1 else "")
    widget.setAccessibleName(f"{index + 1} of {count}")
