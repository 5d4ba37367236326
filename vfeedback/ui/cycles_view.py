"""A family's progress over filming cycles: the chart, a measure switch, and the moments behind a bar.

The chart is painted by ``vfeedback.render.cycles_chart`` from the same layout the saved picture uses,
so the bar under the mouse is the bar drawn. Clicking a bar lists its moments (time and caption only:
a private note never appears here) and offers any clip already exported of each. When several people
coded the family's films, a "Count" switch says whose moments the bars count (each film's main coder,
one person, or everyone with a moment two people tagged counted once), and the chart says it too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from vfeedback.core.cycles import Counting, Cycle, Measure, Progress
from vfeedback.core.errors import VfeedbackError
from vfeedback.core.model import Moment
from vfeedback.core.timecode import format_time
from vfeedback.core.turns import Figures
from vfeedback.render.cycles_chart import ChartLayout, chart_layout, paint_chart, value_text
from vfeedback.services import Library

HINT = "Click a bar to see the moments behind it."
TURNS_TITLE = "Turn-taking heard in the sound, film by film"
TURNS_NOTE = (
    "Only beside this family's own earlier films, never a norm or a score: more turns or quicker "
    "answers are not better in themselves."
)
QUIET = "#85766a"
PANEL_STYLE = """
QLabel#cyclesHeading { font-size: 15px; font-weight: bold; color: #4a3f35; }
QLabel#cyclesQuiet { color: #85766a; }
QLabel#cyclesTurns { color: #4a3f35; font-size: 13px; }
QListWidget { font-size: 13px; }
"""


class ChartView(QWidget):
    """The chart itself: paints, hover tooltips, click to choose a bar."""

    bar_clicked = Signal(int, str)  # recording id, principle

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(640, 420)
        self.progress: Progress | None = None
        self.measure = Measure.COUNT
        self.hover: tuple[int, str] | None = None
        self.selected: tuple[int, str] | None = None
        self._layout: ChartLayout | None = None

    def sizeHint(self) -> QSize:
        return QSize(960, 560)

    def show_progress(self, progress: Progress | None, measure: Measure) -> None:
        self.progress, self.measure = progress, measure
        self._layout = None
        self.update()

    def layout_now(self) -> ChartLayout | None:
        """The layout at the widget's current size (what is on screen)."""
        if self.progress is None:
            return None
        current = self._layout
        if current is None or (current.width, current.height) != (self.width(), self.height()):
            current = chart_layout(self.progress, self.measure, self.width(), self.height())
            self._layout = current
        return current

    def tooltip_at(self, x: float, y: float) -> str | None:
        found = self.layout_now()
        bar = found.bar_at(x, y) if found else None
        if bar is None or self.progress is None:
            return None
        cycle = self.progress.cycle(bar.recording_id)
        return describe(cycle, bar.principle)

    def paintEvent(self, event: QPaintEvent) -> None:
        found = self.layout_now()
        if found is None:
            return
        painter = QPainter(self)
        try:
            paint_chart(painter, found, hover=self.hover, selected=self.selected)
        finally:
            painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        found = self.layout_now()
        pos = event.position()
        bar = found.bar_at(pos.x(), pos.y()) if found else None
        key = None if bar is None else (bar.recording_id, bar.principle)
        if key != self.hover:
            self.hover = key
            self.setToolTip(self.tooltip_at(pos.x(), pos.y()) or "")
            self.setCursor(Qt.CursorShape.PointingHandCursor if key else Qt.CursorShape.ArrowCursor)
            self.update()

    def leaveEvent(self, event: Any) -> None:
        self.hover = None
        self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        found = self.layout_now()
        pos = event.position()
        bar = found.bar_at(pos.x(), pos.y()) if found else None
        if bar is not None and event.button() == Qt.MouseButton.LeftButton:
            self.bar_clicked.emit(bar.recording_id, bar.principle)


def describe(cycle: Cycle, principle: str) -> str:
    """A bar in words: the principle, the cycle, and all three measures."""
    cell = cycle.cells[principle]
    moments = "1 moment" if cell.moments == 1 else f"{cell.moments} moments"
    rate = value_text(cycle.value(principle, Measure.RATE), Measure.RATE)
    return (
        f"{principle}\nCycle {cycle.number} · {cycle.date_text}\n"
        f"{moments} · {spoken_duration(cell.duration_us)} · {rate} per 10 minutes of film"
    )


def seconds(us: int) -> str:
    return f"{us / 1_000_000:.1f} s"


def turn_row(f: Figures | None) -> tuple[str, str, str]:
    """Turns per minute, the share the baby started, and how soon answers came (the middle one, with
    the middle half of them), in words; a film not listened to yet says so."""
    if f is None:
        return "not listened to yet", "", ""
    per_minute = f"{f.turns_per_minute:.1f}"
    if f.infant_started is None or f.latency_median_us is None:
        return f"{per_minute} ({f.turns} turns)", "", ""
    started = f"{round(f.infant_started * 100)}%"
    spread = seconds(f.latency_median_us)
    if f.latency_p25_us is not None and f.latency_p75_us is not None:
        spread += f" (half of the answers {seconds(f.latency_p25_us)[:-2]}–{seconds(f.latency_p75_us)})"
    return f"{per_minute} ({f.turns} turns)", started, spread


def turns_html(cycles: list[tuple[Cycle, Figures | None]]) -> str:
    """A small table: one line per filming cycle of this family, in filming order."""
    head = ("Film", "Turns a minute", "Started by the baby", "Answered after")
    cells = "".join(f"<th align='left' style='padding:2px 14px 2px 0'>{h}</th>" for h in head)
    rows = [f"<tr>{cells}</tr>"]
    for cycle, figures in cycles:
        values = (f"Cycle {cycle.number} · {cycle.date_text}", *turn_row(figures))
        tds = "".join(f"<td style='padding:2px 14px 2px 0'>{v}</td>" for v in values)
        rows.append(f"<tr>{tds}</tr>")
    return f"<table cellspacing='0'>{''.join(rows)}</table>"


def spoken_duration(us: int) -> str:
    """``6.2 seconds``, ``1 min 05 s``: how long, as a person says it."""
    if us < 60_000_000:
        seconds = f"{us / 1_000_000:.1f}".removesuffix(".0")
        return f"{seconds} seconds" if seconds != "1" else "1 second"
    total = round(us / 1_000_000)
    return f"{total // 60} min {total % 60:02d} s"


class CyclesWindow(QWidget):
    """Progress over filming cycles for one family (from the library panel or the Family menu)."""

    moment_chosen = Signal(int)  # a moment id: open its recording there

    def __init__(self, library: Library, family_code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.family_code = family_code
        self.setWindowTitle(f"Progress over cycles — {family_code} — vfeedback")
        self.setStyleSheet(PANEL_STYLE)
        self.progress: Progress | None = None
        self._clips: dict[int, list[Path]] = {}
        self._moments: dict[int, Moment] = {}
        self._choices: list[Counting] = []

        self.chart = ChartView()
        self.chart.bar_clicked.connect(self.choose_bar)
        self.measures = QButtonGroup(self)
        switch = QHBoxLayout()
        switch.setSpacing(0)
        for i, m in enumerate(Measure):
            button = QPushButton(m.label)
            button.setCheckable(True)
            button.setChecked(m is Measure.COUNT)
            button.setMinimumHeight(32)
            self.measures.addButton(button, i)
            switch.addWidget(button)
        self.measures.idClicked.connect(lambda i: self.set_measure(list(Measure)[i]))
        self.save_picture = QPushButton("Save as picture…")
        self.save_sheet = QPushButton("Save as spreadsheet…")
        self.save_picture.clicked.connect(self._ask_png)
        self.save_sheet.clicked.connect(self._ask_csv)
        self.count_label = QLabel("Count:")
        self.coder_choice = QComboBox()
        self.coder_choice.setObjectName("cyclesCoders")
        self.coder_choice.setToolTip(
            "When several people coded a film, whose moments the bars count (never the same moment twice)"
        )
        self.coder_choice.currentIndexChanged.connect(lambda _i: self.refresh())
        top = QHBoxLayout()
        top.addWidget(QLabel("Show:"))
        top.addLayout(switch)
        top.addSpacing(24)
        top.addWidget(self.count_label)
        top.addWidget(self.coder_choice)
        top.addStretch(1)
        top.addWidget(self.save_picture)
        top.addWidget(self.save_sheet)

        self.counted = QLabel("")
        self.counted.setObjectName("cyclesQuiet")
        self.counted.setWordWrap(True)
        self.heading = QLabel(HINT)
        self.heading.setObjectName("cyclesHeading")
        self.heading.setWordWrap(True)
        self.detail = QLabel("")
        self.detail.setObjectName("cyclesQuiet")
        self.detail.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("cyclesMoments")
        self.list.setWordWrap(True)
        self.list.currentItemChanged.connect(lambda *_: self._moment_selected())
        self.list.itemDoubleClicked.connect(lambda _i: self.go_to_moment())
        self.go = QPushButton("Go to this moment")
        self.go.clicked.connect(self.go_to_moment)
        self.play = QPushButton("Play its clip")
        self.play.clicked.connect(self.play_clip)
        self.clip_file = QLabel("")
        self.clip_file.setObjectName("cyclesQuiet")
        self.clip_file.setWordWrap(True)
        self.clip_file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(12, 4, 4, 4)
        column.addWidget(self.heading)
        column.addWidget(self.detail)
        column.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.go)
        buttons.addWidget(self.play)
        column.addLayout(buttons)
        column.addWidget(self.clip_file)
        side.setMinimumWidth(280)

        split = QSplitter()
        split.addWidget(self.chart)
        split.addWidget(side)
        split.setStretchFactor(0, 1)
        split.setSizes([900, 320])
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(self.counted)
        outer.addWidget(split, 1)
        self.turns_heading = QLabel(TURNS_TITLE)
        self.turns_heading.setObjectName("cyclesHeading")
        self.turns = QLabel("")
        self.turns.setObjectName("cyclesTurns")
        self.turns.setTextFormat(Qt.TextFormat.RichText)
        self.turns_note = QLabel(TURNS_NOTE)
        self.turns_note.setObjectName("cyclesQuiet")
        self.turns_note.setWordWrap(True)
        outer.addSpacing(6)
        for label in (self.turns_heading, self.turns, self.turns_note):
            outer.addWidget(label)
        self.resize(1280, 720)
        self.refresh()

    # --- state ----------------------------------------------------------------------------------
    @property
    def measure(self) -> Measure:
        return self.chart.measure

    @property
    def counting(self) -> Counting:
        """Whose moments the bars count, as chosen in the switch."""
        index = self.coder_choice.currentIndex()
        return self._choices[index] if 0 <= index < len(self._choices) else Counting()

    def _fill_coders(self) -> None:
        """The switch offers a choice only when there is one: two or more people coded the films."""
        try:
            coders = self.library.supervision.progress_coders(self.family_code)
        except VfeedbackError:
            coders = []
        keep = self.counting
        self._choices = [Counting(), Counting.everyone(), *(Counting.of(name) for name in coders)]
        labels = ["Each film's main coder", "Everyone, each moment once", *(f"Only {n}" for n in coders)]
        self.coder_choice.blockSignals(True)
        self.coder_choice.clear()
        self.coder_choice.addItems(labels)
        self.coder_choice.setCurrentIndex(self._choices.index(keep) if keep in self._choices else 0)
        self.coder_choice.blockSignals(False)
        several = len(coders) > 1
        self.coder_choice.setVisible(several)
        self.count_label.setVisible(several)

    def refresh(self) -> None:
        """Read the family's progress again (after moments were added, changed or exported)."""
        self._fill_coders()  # someone may have coded meanwhile
        try:
            self.progress = self.library.supervision.progress(self.family_code, self.counting)
            self._clips = self.library.supervision.clips_for_moments(self.family_code)
        except VfeedbackError as exc:
            self.progress = None
            self.heading.setText(str(exc))
        note = self.progress.counting_note if self.progress is not None else None
        self.counted.setText(note or "")
        self.counted.setVisible(bool(note))
        empty = self.progress is None or self.progress.empty
        self.save_picture.setEnabled(not empty)
        self.save_sheet.setEnabled(not empty)
        self.chart.show_progress(self.progress, self.measure)
        chosen = self.chart.selected
        if chosen is not None and self.progress is not None and not empty:
            try:
                self.choose_bar(*chosen)
            except KeyError:
                self._clear_choice()
        else:
            self._clear_choice()
        self._show_turns()
        if empty and self.progress is not None:
            self.heading.setText("Nothing to list yet.")
            self.detail.setText(
                "Moments tagged with a strength code in the workbench appear here, cycle by cycle."
            )

    def turn_figures(self) -> list[tuple[Cycle, Figures | None]]:
        """This family's films in filming order with their turn-taking (None: not listened to yet)."""
        cycles = self.progress.cycles if self.progress is not None else ()
        return [(c, self.library.suggestions.figures(c.recording_id)) for c in cycles]

    def _show_turns(self) -> None:
        """The turn-taking figures, only when at least one of the family's films was listened to."""
        found = self.turn_figures()
        shown = any(f is not None for _, f in found)
        self.turns.setText(turns_html(found) if shown else "")
        for label in (self.turns_heading, self.turns, self.turns_note):
            label.setVisible(shown)

    def set_measure(self, measure: Measure) -> None:
        button = self.measures.button(list(Measure).index(measure))
        if not button.isChecked():
            button.setChecked(True)
        self.chart.show_progress(self.progress, measure)
        if self.chart.selected is not None:
            self.choose_bar(*self.chart.selected)

    def _clear_choice(self) -> None:
        self.chart.selected = None
        self.list.clear()
        self.heading.setText(HINT)
        self.detail.setText("")
        self._moment_selected()

    def choose_bar(self, recording_id: int, principle: str) -> None:
        """List the moments behind one bar (times and captions; never notes)."""
        if self.progress is None:
            return
        cycle = self.progress.cycle(recording_id)
        cell = cycle.cells[principle]
        self.chart.selected = (recording_id, principle)
        self.chart.update()
        self.heading.setText(f"{principle}\nCycle {cycle.number} · {cycle.date_text}")
        self.detail.setText(describe(cycle, principle).split("\n")[-1])
        wanted = set(cell.moment_ids)
        self._moments = {m.id: m for m in self.library.moments.all(recording_id) if m.id in wanted}
        self.list.clear()
        for moment_id in cell.moment_ids:
            m = self._moments.get(moment_id)
            if m is None:
                continue
            caption = m.caption.strip() or "(no caption yet)"
            mark = "  ▶" if self._clips.get(m.id) else ""
            item = QListWidgetItem(f"{format_time(m.start_us)}   {caption}{mark}")
            item.setData(Qt.ItemDataRole.UserRole, m.id)
            item.setToolTip("A clip of this moment is in the library." if mark else "")
            self.list.addItem(item)
        if not cell.moment_ids:
            self.detail.setText(f"No moments of {principle} in this cycle.")
        if self.list.count():
            self.list.setCurrentRow(0)
        self._moment_selected()

    def captions_listed(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def current_moment(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def _moment_selected(self) -> None:
        moment_id = self.current_moment()
        clips = self._clips.get(moment_id, []) if moment_id is not None else []
        self.go.setEnabled(moment_id is not None)
        self.play.setEnabled(bool(clips))
        self.clip_file.setText(f"Clip: {clips[0].name}" if clips else "")
        self.clip_file.setToolTip(str(clips[0]) if clips else "")

    # --- actions --------------------------------------------------------------------------------
    def go_to_moment(self) -> None:
        moment_id = self.current_moment()
        if moment_id is not None:
            self.moment_chosen.emit(moment_id)

    def clip_for_current(self) -> Path | None:
        moment_id = self.current_moment()
        clips = self._clips.get(moment_id, []) if moment_id is not None else []
        return clips[0] if clips else None

    def play_clip(self) -> None:
        path = self.clip_for_current()
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def save_png(self, path: Path) -> Path:
        """The chart as shown (this measure) as a 1600 × 900 picture."""
        return self.library.supervision.progress_png(
            self.family_code, path, self.measure, counting=self.counting
        )

    def save_csv(self, path: Path) -> Path:
        return self.library.supervision.progress_csv(self.family_code, path, self.counting)

    def _ask_png(self) -> None:
        self._ask("Save the chart as a picture", f"{self.family_code}_progress.png", "Pictures (*.png)",
                  ".png", self.save_png)  # fmt: skip

    def _ask_csv(self) -> None:
        self._ask("Save the figures as a spreadsheet", f"{self.family_code}_progress.csv",
                  "Spreadsheets (*.csv)", ".csv", self.save_csv)  # fmt: skip

    def _ask(self, title: str, name: str, filters: str, suffix: str, save: Any) -> None:
        start = str(Path.home() / name)
        path, _ = QFileDialog.getSaveFileName(
            self, title, start, filters, options=QFileDialog.Option.DontUseNativeDialog
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != suffix:
            target = target.with_name(target.name + suffix)
        try:
            written = save(target)
        except VfeedbackError as exc:
            QMessageBox.warning(self, title, str(exc))
            return
        self.detail.setText(f"Saved {written.name}.")
