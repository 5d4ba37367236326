"""The handout: a printable A4 sheet of stills with their captions, a title and a date, to take home.

Warm and simple, for a parent rather than a file: the title and date at the top of every page, then
the stills, each with its caption beneath, on white paper with soft brown type. Two rows a page: a
landscape still fills a row; two portrait stills side by side share one (so 2-4 stills a page).
Pictures keep their shape and get softly rounded corners. Small page numbers at the foot.

Only caption TEXT comes in (``stills`` pairs a PNG with its caption): no codes, no notes, ever.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QImageReader,
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
ROWS_PER_PAGE = 2
PORTRAIT = 1.1  # height / width above which a still counts as portrait

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
class _Still:
    image: QImage
    caption: str

    @property
    def portrait(self) -> bool:
        return self.image.height() > self.image.width() * PORTRAIT


def _load(path: Path, caption: str) -> _Still:
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
    return _Still(image, clean_caption(caption))


class _painting:
    """``with _painting(device) as painter``: a QPainter that is always ended."""

    def __init__(self, device: QImage | QPdfWriter) -> None:
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


def _rows(stills: Sequence[_Still]) -> list[list[_Still]]:
    """A landscape still alone; two portrait stills in a row share it."""
    rows: list[list[_Still]] = []
    for still in stills:
        last = rows[-1] if rows else None
        if still.portrait and last is not None and len(last) == 1 and last[0].portrait:
            last.append(still)
        else:
            rows.append([still])
    return rows


def _font(points: float, *, bold: bool = False) -> QFont:
    # Emoji come from the symbol font, named here as in the burned captions: left to the system's
    # fallback, a colour emoji font may be chosen, or none, and a box drawn.
    font = QFont(FONT)
    font.setFamilies([FONT, SYMBOL_FONT])
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def render_handout(out: Path, title: str, date_text: str, stills: list[tuple[Path, str]]) -> Path:
    """Write the handout PDF to ``out`` (atomically) and return ``out``.

    ``stills`` are (PNG path, caption text) in the order to print. Raises BadInput with one
    sentence for no stills or a picture that cannot be read.
    """
    if not stills:
        raise BadInput("A handout needs at least one still.")
    ensure_app()
    loaded = [_load(path, caption) for path, caption in stills]
    rows = _rows(loaded)
    pages = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]

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
    with _painting(writer) as painter:
        page = QRectF(0, 0, writer.width(), writer.height())
        for number, on_page in enumerate(pages, start=1):
            if number > 1:
                writer.newPage()
            top = _header(painter, page, title, date_text)
            _rows_on_page(painter, QRectF(page.left() + MARGIN, top, page.width() - 2 * MARGIN,
                                          page.bottom() - BOTTOM - top), on_page)  # fmt: skip
            _footer(painter, page, f"{number} / {len(pages)}")
    buffer.close()
    write_private(out, bytes(data.data()))
    return out


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
    """Draw the title and date centred at the top; return where the stills may start."""
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


def _rows_on_page(painter: QPainter, area: QRectF, rows: list[list[_Still]]) -> None:
    font = _font(12.5)
    line = _text_height(painter, font, area.width(), "Ag")
    row_h = (area.height() - GAP * (ROWS_PER_PAGE - 1)) / ROWS_PER_PAGE
    for i, row in enumerate(rows):
        top = area.top() + i * (row_h + GAP)
        _row(painter, font, line, QRectF(area.left(), top, area.width(), row_h), row)


def _row(painter: QPainter, font: QFont, line: float, rect: QRectF, row: list[_Still]) -> None:
    """The pictures as large as fit above their captions; pictures and captions line up across
    the row, and the whole is centred in it."""
    cell_w = (rect.width() - GAP * (len(row) - 1)) / len(row)
    captions = [_text_height(painter, font, cell_w, s.caption) for s in row]
    caption_h = max(captions)
    room = rect.height() - max(caption_h, 2 * line) - _mm(4)
    sizes = []
    for still in row:
        scale = min(cell_w / still.image.width(), room / still.image.height())
        sizes.append((still.image.width() * scale, still.image.height() * scale))
    tallest = max(h for _, h in sizes)
    y0 = rect.top() + (rect.height() - (tallest + _mm(4) + caption_h)) / 2
    for j, (still, (w, h)) in enumerate(zip(row, sizes, strict=True)):
        left = rect.left() + j * (cell_w + GAP)
        target = QRectF(left + (cell_w - w) / 2, y0 + (tallest - h) / 2, w, h)
        _picture(painter, target, still.image)
        if still.caption:
            _draw_text(painter, font, CAPTION_COLOUR,
                       QRectF(left, y0 + tallest + _mm(4), cell_w, captions[j]), still.caption)  # fmt: skip


def _picture(painter: QPainter, target: QRectF, image: QImage) -> None:
    """``image`` resampled to exactly the pixels it covers at DPI (a small file), softly rounded."""
    pixels = image.scaled(
        round(target.width()), round(target.height()),
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


def first_page(title: str, date_text: str, stills: list[tuple[Path, str]], width: int = 420) -> QImage:
    """The handout's first page as a picture ``width`` pixels wide (its thumbnail in the highlights
    browser), painted by the same code as the PDF at the PDF's resolution, then scaled down: a
    clinician's machine has no PDF rasteriser to ask."""
    if not stills:
        raise BadInput("A handout needs at least one still.")
    ensure_app()
    rows = _rows([_load(path, caption) for path, caption in stills])
    pages = (len(rows) + ROWS_PER_PAGE - 1) // ROWS_PER_PAGE
    size = QPageSize(QPageSize.PageSizeId.A4).sizePixels(DPI)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(DPI / 0.0254))  # type sized in points comes out as on paper
    image.setDotsPerMeterY(round(DPI / 0.0254))
    image.fill(QColor("white"))
    with _painting(image) as painter:
        page = QRectF(0, 0, size.width(), size.height())
        top = _header(painter, page, title, date_text)
        _rows_on_page(painter, QRectF(page.left() + MARGIN, top, page.width() - 2 * MARGIN,
                                      page.bottom() - BOTTOM - top), rows[:ROWS_PER_PAGE])  # fmt: skip
        _footer(painter, page, f"1 / {pages}")
    return image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
