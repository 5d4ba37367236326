"""The handout: a printable A4 sheet of the moments' pictures with their captions, a title and a date,
to take home.

Warm and simple, for a parent rather than a file: the title and date at the top of every page, then
up to four moments a page (one alone fills the page, two are stacked, three or four sit 2 x 2), each
picture with its caption beneath in large warm type and, where the clinician typed them, the family's
own words under the caption. Pictures keep their shape and get softly rounded corners. Small page
numbers at the foot.

The same painting serves the PDF (``render_handout``) and a printer (``paint_handout`` onto the
window's ``QPrinter``), so what is printed is what is kept. Only caption TEXT and the family's words
come in: no codes, no notes, ever.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QImageReader,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
)

from vfeedback.core.errors import BadInput
from vfeedback.core.text import clean_caption, quoted_name
from vfeedback.export.captions import SYMBOL_FONT
from vfeedback.system.files import write_private

DPI = 150  # plenty for photos on paper, and keeps the file small
FONT = "DejaVu Sans"
TITLE_COLOUR = "#5A4636"
DATE_COLOUR = "#8C7360"
CAPTION_COLOUR = "#4A3B30"
FOOT_COLOUR = "#A8957F"
RULE_COLOUR = "#E6D3BF"
WORDS_COLOUR = "#7A6350"
PER_PAGE = 4  # 2 x 2

_app: QGuiApplication | None = None


def _mm(value: float) -> float:
    return value / 25.4 * DPI


MARGIN = _mm(18)
TOP = _mm(15)
BOTTOM = _mm(16)
GAP = _mm(8)


def ensure_app() -> QGuiApplication:
    """The running QGuiApplication, or a new offscreen one (fonts and painting need it)."""
    global _app
    existing = QGuiApplication.instance()
    if isinstance(existing, QGuiApplication):
        return existing
    if existing is not None:
        raise RuntimeError("render needs a QGuiApplication, but a plain QCoreApplication is running")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication(["vfeedback-render"])
    return _app


@dataclass(frozen=True, slots=True)
class HandoutPicture:
    """One moment on the handout: its picture (a PNG of the exact frame), its caption and, where
    typed, the family's own words."""

    path: Path
    caption: str
    family_words: str = ""


@dataclass(frozen=True, slots=True)
class _Still:
    image: QImage
    caption: str
    words: str


def _load(picture: HandoutPicture) -> _Still:
    path = picture.path
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # a JPEG's EXIF orientation, should one be given
    image = reader.read()
    if image.isNull():
        raise BadInput(f"The still {quoted_name(path)} cannot be read as a picture.")
    if image.hasAlphaChannel():  # flatten onto white paper: no soft masks in the PDF
        flat = QImage(image.size(), QImage.Format.Format_RGB32)
        flat.fill(QColor("white"))
        with _painting(flat) as painter:
            painter.drawImage(0, 0, image)
        image = flat
    return _Still(image, clean_caption(picture.caption), clean_caption(picture.family_words))


class _painting:
    """``with _painting(device) as painter``: a QPainter that is always ended."""

    def __init__(self, device: QImage | QPagedPaintDevice) -> None:
        self._painter = QPainter()
        self._device = device

    def __enter__(self) -> QPainter:
        if not self._painter.begin(self._device):
            raise RuntimeError("Qt could not start painting the handout")
        self._painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        return self._painter

    def __exit__(self, *exc: object) -> None:
        self._painter.end()


def _font(points: float, *, bold: bool = False, italic: bool = False) -> QFont:
    # Emoji come from the symbol font, named here as in the burned captions: left to the system's
    # fallback, a colour emoji font may be chosen, or none, and a box drawn.
    font = QFont(FONT)
    font.setFamilies([FONT, SYMBOL_FONT])
    # Sized in the page's own units (DPI), not in points of the device: the printer's resolution
    # differs from the PDF's, and the painter is scaled to it (``paint_handout``).
    font.setPixelSize(max(1, round(points / 72 * DPI)))
    font.setBold(bold)
    font.setItalic(italic)
    return font


Picture = HandoutPicture | tuple[Path, str]


def _as_picture(item: Picture) -> HandoutPicture:
    return item if isinstance(item, HandoutPicture) else HandoutPicture(item[0], item[1])


def render_handout(out: Path, title: str, date_text: str, stills: Sequence[Picture]) -> Path:
    """Write the handout PDF to ``out`` (atomically) and return ``out``.

    ``stills`` are the moments' pictures (or (PNG path, caption) pairs) in the order to print.
    Raises BadInput with one sentence for no stills or a picture that cannot be read.
    """
    pictures = [_as_picture(s) for s in stills]
    if not pictures:
        raise BadInput("A handout needs at least one still.")
    ensure_app()
    loaded = [_load(p) for p in pictures]
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF())
    )
    writer.setTitle(clean_caption(title).replace("\n", " "))
    writer.setCreator("vfeedback")
    _paint(writer, title, date_text, loaded)
    buffer.close()
    write_private(out, bytes(data.data()))
    return out


def paint_handout(device: QPagedPaintDevice, title: str, date_text: str, stills: Sequence[Picture]) -> None:
    """Paint the handout onto ``device`` (a ``QPrinter`` set to the full page, or any paged device),
    page by page, exactly as ``render_handout`` writes it."""
    pictures = [_as_picture(s) for s in stills]
    if not pictures:
        raise BadInput("A handout needs at least one still.")
    ensure_app()
    _paint(device, title, date_text, [_load(p) for p in pictures])


def _paint(device: QPagedPaintDevice, title: str, date_text: str, loaded: list[_Still]) -> None:
    pages = [loaded[i : i + PER_PAGE] for i in range(0, len(loaded), PER_PAGE)]
    # The layout is drawn on an A4 sheet at DPI; any other device is scaled to it.
    sheet = QPageSize(QPageSize.PageSizeId.A4).sizePixels(DPI)
    scale = min(device.width() / sheet.width(), device.height() / sheet.height())
    with _painting(device) as painter:
        painter.scale(scale, scale)
        for number, on_page in enumerate(pages, start=1):
            if number > 1:
                device.newPage()
            _page(painter, sheet, title, date_text, on_page, f"{number} / {len(pages)}")


def _page(
    painter: QPainter, sheet: QSize, title: str, date_text: str, on_page: list[_Still], folio: str
) -> None:
    page = QRectF(0, 0, sheet.width(), sheet.height())
    top = _header(painter, page, title, date_text)
    area = QRectF(page.left() + MARGIN, top, page.width() - 2 * MARGIN, page.bottom() - BOTTOM - top)
    _grid(painter, area, on_page)
    _footer(painter, page, folio)


def _text_height(painter: QPainter, font: QFont, width: float, text: str) -> float:
    if not text:
        return 0.0
    metrics = QFontMetricsF(font, painter.device())
    flags = int(Qt.AlignmentFlag.AlignHCenter) | int(Qt.TextFlag.TextWordWrap)
    return metrics.boundingRect(QRectF(0, 0, width, 1e6), flags, text).height()


def _draw_text(painter: QPainter, font: QFont, colour: str, rect: QRectF, text: str) -> None:
    painter.setFont(font)
    painter.setPen(QColor(colour))
    flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)
    painter.drawText(rect, flags, text)


def _header(painter: QPainter, page: QRectF, title: str, date_text: str) -> float:
    """Draw the title and date centred at the top; return where the pictures may start."""
    width = page.width() - 2 * MARGIN
    y = TOP
    for text, font, colour, after in (
        (clean_caption(title), _font(20), TITLE_COLOUR, _mm(2.5)),
        (clean_caption(date_text), _font(11.5), DATE_COLOUR, 0.0),
    ):
        if text:
            height = _text_height(painter, font, width, text)
            _draw_text(painter, font, colour, QRectF(MARGIN, y, width, height), text)
            y += height + after
    y += _mm(5)
    painter.setPen(QColor(RULE_COLOUR))
    painter.drawLine(QRectF(page.center().x() - _mm(20), y, _mm(40), 0).topLeft(),
                     QRectF(page.center().x() + _mm(20), y, 0, 0).topLeft())  # fmt: skip
    return y + GAP


def _cells(area: QRectF, count: int) -> list[QRectF]:
    """Where each of ``count`` (1-4) moments goes: one fills the area, two are stacked, three or four
    sit 2 x 2 (a third alone in its row is centred under the first two)."""
    if count == 1:
        return [area]
    rows = 2
    cols = 1 if count == 2 else 2
    w = (area.width() - GAP * (cols - 1)) / cols
    h = (area.height() - GAP * (rows - 1)) / rows
    cells = []
    for i in range(count):
        row, col = divmod(i, cols)
        left = area.left() + col * (w + GAP)
        if count == 3 and i == 2:
            left = area.left() + (area.width() - w) / 2
        cells.append(QRectF(left, area.top() + row * (h + GAP), w, h))
    return cells


def _grid(painter: QPainter, area: QRectF, stills: list[_Still]) -> None:
    """The pictures as large as fit above their captions; in a row the pictures and captions line up
    (the tallest picture sets the row's line), and each cell's whole is centred in it."""
    cells = _cells(area, len(stills))
    caption_font, words_font = _font(15), _font(12.5, italic=True)
    cols = 1 if len(stills) <= 2 else 2
    for start in range(0, len(stills), cols):
        row = list(zip(stills[start : start + cols], cells[start : start + cols], strict=True))
        texts = []
        for still, cell in row:
            caption_h = _text_height(painter, caption_font, cell.width(), still.caption)
            words_h = _text_height(painter, words_font, cell.width(), still.words)
            texts.append((caption_h, words_h))
        text_h = max(c + (_mm(2) + w if w else 0.0) for c, w in texts)
        sizes = []
        for still, cell in row:
            room = max(cell.height() - text_h - _mm(4), cell.height() * 0.35)
            scale = min(cell.width() / still.image.width(), room / still.image.height())
            sizes.append((still.image.width() * scale, still.image.height() * scale))
        tallest = max(h for _, h in sizes)
        cell0 = row[0][1]
        y0 = cell0.top() + max(0.0, (cell0.height() - (tallest + _mm(4) + text_h)) / 2)
        for (still, cell), (w, h), (caption_h, words_h) in zip(row, sizes, texts, strict=True):
            target = QRectF(cell.left() + (cell.width() - w) / 2, y0 + (tallest - h) / 2, w, h)
            _picture(painter, target, still.image)
            y = y0 + tallest + _mm(4)
            if still.caption:
                box = QRectF(cell.left(), y, cell.width(), caption_h)
                _draw_text(painter, caption_font, CAPTION_COLOUR, box, still.caption)
                y += caption_h + _mm(2)
            if still.words:
                box = QRectF(cell.left(), y, cell.width(), words_h)
                _draw_text(painter, words_font, WORDS_COLOUR, box, still.words)


def _picture(painter: QPainter, target: QRectF, image: QImage) -> None:
    """``image`` resampled to exactly the pixels it covers at DPI (a small file), softly rounded."""
    pixels = image.scaled(
        max(1, round(target.width())), max(1, round(target.height())),
        Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation,
    )  # fmt: skip
    painter.save()
    path = QPainterPath()
    path.addRoundedRect(target, _mm(2.5), _mm(2.5))
    painter.setClipPath(path)
    painter.drawImage(target, pixels)
    painter.restore()


def _footer(painter: QPainter, page: QRectF, text: str) -> None:
    font = _font(8)
    height = _text_height(painter, font, page.width(), text)
    _draw_text(painter, font, FOOT_COLOUR, QRectF(0, page.bottom() - _mm(10), page.width(), height), text)


def first_page(title: str, date_text: str, stills: Sequence[Picture], width: int = 420) -> QImage:
    """The handout's first page as a picture ``width`` pixels wide (its thumbnail in the highlights
    browser), painted by the same code as the PDF at the PDF's resolution, then scaled down: a
    clinician's machine has no PDF rasteriser to ask."""
    pictures = [_as_picture(s) for s in stills]
    if not pictures:
        raise BadInput("A handout needs at least one still.")
    ensure_app()
    pages = (len(pictures) + PER_PAGE - 1) // PER_PAGE
    sheet = QPageSize(QPageSize.PageSizeId.A4).sizePixels(DPI)
    image = QImage(sheet, QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(DPI / 0.0254))  # type sized in points comes out as on paper
    image.setDotsPerMeterY(round(DPI / 0.0254))
    image.fill(QColor("white"))
    with _painting(image) as painter:
        _page(painter, sheet, title, date_text, [_load(p) for p in pictures[:PER_PAGE]], f"1 / {pages}")
    return image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
