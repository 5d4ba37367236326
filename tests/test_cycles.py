"""Progress over filming cycles: the arithmetic, the service and its CSV/PNG exports, the chart's
layout and pixels, the window (click a bar, see its captions, never notes) and the command line."""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from expect import present
from mediagen import MediaSet
from pytestqt.qtbot import QtBot

from vfeedback.cli.registry import Handler
from vfeedback.core.cycles import Measure, build_progress
from vfeedback.core.errors import BadInput
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.model import Actor, Code, CodeKind, Moment, Recording
from vfeedback.services import Library
from vfeedback.services.cycles import CSV_HEADER

NOTE = "PRIVATE-NOTE-51c2 mother tearful"
ATTENTIVE, ENCOURAGING, DEVELOPING = (
    "Being attentive",
    "Encouraging initiatives",
    "Developing attuned interactions",
)


# --- the arithmetic, by hand ---------------------------------------------------------------------

WHEN = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _code(id_: int, name: str, principle: str, parent: int | None, kind: CodeKind, colour: str) -> Code:
    return Code(id_, 1, parent, name, principle, None, colour, None, kind, None, None, id_)


def _rec(id_: int, recorded: date | None, seconds: int, imported: datetime = WHEN) -> Recording:
    info = MediaInfo("mp4", seconds * 1_000_000, "h264", 320, 240, 0, 320, 240, 25.0, False, 25 * seconds, 0,
                     False)  # fmt: skip
    return Recording(
        id_, 1, "T-1", f"r{id_}.mp4", f"r{id_}.mp4", True, 1, "x", recorded, "play", imported, info
    )


def _m(id_: int, rec: int, start: int, end: int, code: int) -> Moment:
    return Moment(id_, rec, start, end, code, Actor.PARENT, f"caption {id_}", NOTE, "me", WHEN, WHEN)


CODES = [
    _code(1, "Attentive", "Attentive", None, CodeKind.STRENGTH, "#112233"),
    _code(2, "Looking", "Attentive", 1, CodeKind.STRENGTH, "#999999"),
    _code(3, "Worry", "Worry", None, CodeKind.CONCERN, "#FF0000"),
    _code(4, "Turns", "Turns", None, CodeKind.STRENGTH, "#445566"),
    _code(5, "Unused", "Unused", None, CodeKind.STRENGTH, "#778899"),
]


def test_cycles_are_in_filming_order_with_strengths_only_and_hand_computed_cells() -> None:
    recs = [
        _rec(7, date(2026, 3, 1), 600),  # ten minutes
        _rec(3, None, 300, imported=datetime(2026, 1, 5, 23, 0, tzinfo=UTC)),  # undated: by import day
        _rec(5, date(2026, 3, 1), 1200),  # same day as 7: the lower id first
    ]
    moments = {
        7: [
            _m(10, 7, 5_000_000, 7_000_000, 2),
            _m(11, 7, 1_000_000, 1_000_000, 1),
            _m(12, 7, 0, 9_000_000, 3),
        ],
        3: [_m(20, 3, 0, 4_000_000, 4)],
        5: [
            _m(30, 5, 0, 30_000_000, 2),
            _m(31, 5, 40_000_000, 52_000_000, 4),
            _m(32, 5, 60_000_000, 62_000_000, 4),
        ],
    }
    one_frame = 40_000
    progress = build_progress("T-1", recs, moments, CODES, lambda m: m.end_us - m.start_us + one_frame)

    assert [p.name for p in progress.principles] == [
        "Attentive",
        "Turns",
    ]  # scheme order; no concern, no unused
    assert [p.colour for p in progress.principles] == ["#112233", "#445566"]  # the principle's own colour
    assert [(c.number, c.recording_id) for c in progress.cycles] == [(1, 3), (2, 5), (3, 7)]
    first, second, third = progress.cycles
    assert first.day == date(2026, 1, 5) and not first.dated and progress.any_undated
    assert third.dated and third.date_text == "1 Mar 2026"

    att = third.cells["Attentive"]  # a 2 s interval and a point, each to its last frame's end
    assert (att.moments, att.duration_us, att.moment_ids) == (2, 2_000_000 + 40_000 + 40_000, (11, 10))
    assert third.cells["Turns"].moments == 0 and third.cells["Turns"].moment_ids == ()
    assert third.total.moments == 2  # the concern (id 12) counts nowhere
    turns = second.cells["Turns"]
    assert (turns.moments, turns.duration_us) == (2, 12_040_000 + 2_040_000)
    # Rates: per ten minutes of film, so a 20-minute film halves its count.
    assert second.per_ten_minutes(turns) == pytest.approx(1.0)
    assert third.value("Attentive", Measure.RATE) == pytest.approx(2.0)
    assert second.value("Turns", Measure.MINUTES) == pytest.approx(14_080_000 / 60_000_000)
    assert second.value("Turns", Measure.COUNT) == 2.0
    assert progress.largest(Measure.COUNT) == 2.0


def test_without_frames_the_stored_span_counts_and_nothing_tagged_is_empty() -> None:
    recs = [_rec(1, date(2026, 2, 2), 60)]
    progress = build_progress("T-1", recs, {1: [_m(1, 1, 1_000_000, 3_500_000, 4)]}, CODES)
    assert progress.cycles[0].cells["Turns"].duration_us == 2_500_000
    empty = build_progress("T-1", recs, {1: [_m(1, 1, 0, 1, 3)]}, CODES)
    assert empty.empty and empty.principles == () and len(empty.cycles) == 1


def test_axis_steps_and_value_wording() -> None:
    from vfeedback.render.cycles_chart import axis_steps, value_text

    assert axis_steps(7, Measure.COUNT) == (2.0, 4)
    assert axis_steps(0.5, Measure.COUNT) == (1.0, 1)  # counts never get fractional lines
    step, steps = axis_steps(95 / 60, Measure.MINUTES)  # 1:35
    assert (round(step * 60), steps) == (30, 4)
    assert value_text(65 / 60, Measure.MINUTES) == "1:05"
    assert value_text(0.01 / 60, Measure.MINUTES) == "<0:01"
    assert value_text(4.0, Measure.RATE) == "4" and value_text(4.25, Measure.RATE) == "4.2"


# --- a real library ------------------------------------------------------------------------------


@dataclass
class Family:
    lib: Library
    a: Recording
    b: Recording
    c: Recording
    ids: dict[str, int]


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory, media: MediaSet) -> Iterator[Family]:
    """PIP-7: recording A (3 s, 25 fps, 12 Mar 2020, play), B (10 s, 25 fps, 9 Apr 2020, feeding),
    C (undated, portrait, bath: no moments). Also EMPTY-1 (one recording, no moments), NONE-1 (none)."""
    with Library.open(tmp_path_factory.mktemp("cycles") / "library") as lib:
        lib.families.add("PIP-7")
        lib.consent.give("PIP-7", "feedback", "Dr Test")
        a = lib.recordings.import_file(
            media["no_audio"], "PIP-7", recorded_on=date(2020, 3, 12), context="play"
        )
        b = lib.recordings.import_file(
            media["cfr25"], "PIP-7", recorded_on=date(2020, 4, 9), context="feeding"
        )
        c = lib.recordings.import_file(media["portrait"], "PIP-7", context="bath")
        concern = next(x for s in lib.schemes.all() for x in s.codes if x.kind is CodeKind.CONCERN)
        ids = {
            "a_wait": lib.moments.add(
                a.id, 200_000, 1_000_000, code="Waiting", caption="You wait for her", note=NOTE
            ).id,
            "a_point": lib.moments.add(
                a.id, 1_200_000, 1_200_000, code="Turned towards", caption="You turn to her"
            ).id,
            "a_concern": lib.moments.add(a.id, 0, 400_000, code=concern.id, caption="Not yet", note=NOTE).id,
            "b_wait1": lib.moments.add(
                b.id, 2_000_000, 4_000_000, code="Waiting", caption="You wait, she looks", note=NOTE
            ).id,
            "b_wait2": lib.moments.add(
                b.id, 5_000_000, 5_960_000, code="Waiting", caption="Still waiting"
            ).id,
            "b_turns": lib.moments.add(
                b.id, 6_000_000, 7_000_000, code="Taking turns", caption="Your turn, her turn", note=NOTE
            ).id,
        }
        ids["clip"] = lib.exports.clip(ids["b_wait1"]).id
        lib.families.add("EMPTY-1")
        lib.recordings.import_file(media["ntsc2997"], "EMPTY-1")
        lib.families.add("NONE-1")
        yield Family(lib, a, b, c, ids)


def test_service_progress_counts_frames_to_their_end(family: Family) -> None:
    p = family.lib.supervision.progress("pip-7")  # case-insensitive, like every family lookup
    assert p.family == "PIP-7"
    assert [x.name for x in p.principles] == [ATTENTIVE, ENCOURAGING, DEVELOPING]
    assert [c.recording_id for c in p.cycles] == [family.a.id, family.b.id, family.c.id]
    a, b, c = p.cycles
    ids = family.ids
    # 25 fps: a frame is 40 ms; a moment covers to the end of its last frame.
    assert (a.cells[ATTENTIVE].moments, a.cells[ATTENTIVE].duration_us) == (1, 40_000)
    assert a.cells[ENCOURAGING].moment_ids == (ids["a_wait"],) and a.cells[ENCOURAGING].duration_us == 840_000
    assert a.total.moments == 2  # not the concern
    assert b.cells[ENCOURAGING].moment_ids == (ids["b_wait1"], ids["b_wait2"])
    assert b.cells[ENCOURAGING].duration_us == 2_040_000 + 1_000_000
    assert b.cells[DEVELOPING].duration_us == 1_040_000 and b.cells[ATTENTIVE].moments == 0
    assert a.per_ten_minutes(a.cells[ATTENTIVE]) == pytest.approx(200.0)  # 1 moment in a 3 s film
    assert b.per_ten_minutes(b.cells[ENCOURAGING]) == pytest.approx(120.0)  # 2 in 10 s
    assert not c.dated and c.day == family.c.imported_at.date() and c.total.moments == 0


def test_service_refuses_unknown_families_and_families_without_recordings(family: Family) -> None:
    with pytest.raises(BadInput, match="no family with case code NOPE-9"):
        family.lib.supervision.progress("NOPE-9")
    with pytest.raises(BadInput, match="NONE-1 has no recordings yet"):
        family.lib.supervision.progress("NONE-1")
    assert family.lib.supervision.progress("EMPTY-1").empty


def test_csv_rows_clips_privacy_mode_and_audit(family: Family, tmp_path: Path) -> None:
    lib = family.lib
    out = lib.supervision.progress_csv("PIP-7", tmp_path / "progress.csv")
    assert out.stat().st_mode & 0o777 == 0o600
    text = out.read_text(encoding="utf-8")
    assert NOTE not in text and "You wait" not in text  # counts only: no notes, no captions
    rows = list(csv.DictReader(text.splitlines()))
    assert tuple(rows[0]) == CSV_HEADER
    assert len(rows) == 3 * 3  # recordings x principles
    b_enc = next(r for r in rows if r["recording_id"] == str(family.b.id) and r["principle"] == ENCOURAGING)
    assert b_enc["cycle"] == "2" and b_enc["date"] == "2020-04-09" and b_enc["context"] == "feeding"
    assert (b_enc["moments"], b_enc["seconds"], b_enc["per_10_min"]) == ("2", "3.04", "120.00")
    clip = lib.exports.path(lib.exports.get(family.ids["clip"]))
    assert b_enc["clips"] == str(clip)
    c_row = next(r for r in rows if r["recording_id"] == str(family.c.id))
    assert c_row["date_is_import_date"] == "yes" and c_row["moments"] == "0"
    assert [e.detail for e in lib.audit.entries("PIP-7")][-1] == "progress chart CSV progress.csv"
    with pytest.raises(BadInput, match="is a folder"):
        lib.supervision.progress_csv("PIP-7", tmp_path)
    assert not list(tmp_path.glob(".*.part"))


def test_png_size_and_bar_colours_where_the_layout_puts_them(family: Family, tmp_path: Path) -> None:
    from PySide6.QtGui import QColor, QImage

    from vfeedback.render.cycles_chart import bar_rects

    lib = family.lib
    out = lib.supervision.progress_png("PIP-7", tmp_path / "chart.png", "count")
    assert out.stat().st_mode & 0o777 == 0o600 and out.stat().st_size > 10_000
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 900)
    progress = lib.supervision.progress("PIP-7")
    rects = bar_rects(progress, Measure.COUNT, (1600, 900))
    assert len(rects) == 9
    drawn = 0
    for rect, rec_id, principle in rects:
        value = progress.cycle(rec_id).value(principle, Measure.COUNT)
        centre = image.pixelColor(rect.center().toPoint())
        if value:
            assert rect.height() > 100
            assert centre.name() == QColor(progress.colour(principle)).name().lower(), (rec_id, principle)
            drawn += 1
        else:
            assert rect.height() == 0
    assert drawn == 4
    assert [e.detail for e in lib.audit.entries("PIP-7")][-1] == "progress chart PNG chart.png"
    with pytest.raises(BadInput, match="not a measure"):
        lib.supervision.progress_png("PIP-7", tmp_path / "x.png", "loudness")


# --- the window ----------------------------------------------------------------------------------


def test_window_click_a_bar_lists_its_captions_never_notes(qtbot: QtBot, family: Family) -> None:
    from PySide6.QtCore import Qt

    from vfeedback.ui.cycles_view import CyclesWindow

    window = CyclesWindow(family.lib, "PIP-7")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    layout = window.chart.layout_now()
    assert layout is not None
    bar = layout.bar(family.b.id, ENCOURAGING)
    assert bar is not None
    point = bar.rect.center().toPoint()
    assert "2 moments" in (window.chart.tooltip_at(point.x(), point.y()) or "")
    qtbot.mouseClick(window.chart, Qt.MouseButton.LeftButton, pos=point)
    listed = window.captions_listed()
    assert len(listed) == 2
    assert "You wait, she looks" in listed[0] and "Still waiting" in listed[1]
    assert "00:00:02.000" in listed[0]
    everything = " ".join([*listed, window.heading.text(), window.detail.text(), window.chart.toolTip()])
    assert NOTE not in everything and "Cycle 2" in window.heading.text()
    # The first moment has a clip already: it can be played, and its file is named.
    assert window.play.isEnabled()
    assert window.clip_for_current() == family.lib.exports.path(family.lib.exports.get(family.ids["clip"]))
    assert present(window.clip_for_current()).name in window.clip_file.text()
    with qtbot.waitSignal(window.moment_chosen) as chosen:
        window.go_to_moment()
    assert chosen.args == [family.ids["b_wait1"]]
    window.list.setCurrentRow(1)
    assert not window.play.isEnabled() and window.clip_file.text() == ""

    window.measures.button(1).click()  # Minutes: the same bar keeps its moments
    assert window.measure is Measure.MINUTES and len(window.captions_listed()) == 2


def test_window_saves_through_the_service_and_shows_empty_families(
    qtbot: QtBot, family: Family, tmp_path: Path
) -> None:
    from vfeedback.ui.cycles_view import CyclesWindow

    window = CyclesWindow(family.lib, "PIP-7")
    qtbot.addWidget(window)
    window.set_measure(Measure.RATE)
    assert window.save_png(tmp_path / "p.png").is_file()
    assert window.save_csv(tmp_path / "p.csv").is_file()

    empty = CyclesWindow(family.lib, "EMPTY-1")
    qtbot.addWidget(empty)
    drawn = empty.chart.layout_now()
    assert drawn is not None and drawn.bars == ()
    assert "No strength moments tagged yet for this family." in [t.text for t in drawn.texts]
    assert empty.heading.text() == "Nothing to list yet."
    assert not empty.save_picture.isEnabled() and not empty.save_sheet.isEnabled()


# --- the command line ----------------------------------------------------------------------------


def _parse(*argv: str) -> tuple[argparse.Namespace, dict[tuple[str, str | None], Handler]]:
    from vfeedback.cli import parser, registry

    return parser.parse(list(argv)), registry.handlers()


def test_cli_progress_json_table_and_files(
    family: Family, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args, handlers = _parse("progress", "PIP-7", "--json")
    assert handlers[("progress", None)](family.lib, args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["family"] == "PIP-7"
    assert [r["id"] for r in data["recordings"]] == [family.a.id, family.b.id, family.c.id]
    enc = data["recordings"][1]["principles"][ENCOURAGING]
    assert enc == {"moments": 2, "seconds": 3.04, "per_10_min": 120.0,
                   "moment_ids": [family.ids["b_wait1"], family.ids["b_wait2"]]}  # fmt: skip
    assert data["recordings"][0]["date"] == "2020-03-12" and data["recordings"][0]["context"] == "play"

    png, sheet = tmp_path / "c.png", tmp_path / "c.csv"
    args, handlers = _parse(
        "progress", "PIP-7", "--png", str(png), "--csv", str(sheet), "--measure", "minutes"
    )
    assert handlers[("progress", None)](family.lib, args) == 0
    printed = capsys.readouterr().out
    assert png.is_file() and sheet.is_file() and f"Wrote {png}" in printed
    assert "Encouraging initiatives" in printed and "2 · 3.0 s" in printed and NOTE not in printed
    assert "* filming date not recorded" in printed

    with pytest.raises(SystemExit):
        _parse("progress", "PIP-7", "--measure", "loudness")
    capsys.readouterr()
