"""Progress when two people coded the same film (a second coder for supervision): a moment counts
once, whose moments count is chosen (each film's main coder by default, one named person, or everyone
with duplicates matched), and the chart, the window, the CSV and the command line say which."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from mediagen import MediaSet
from pytestqt.qtbot import QtBot

from vfeedback.cli.main import run
from vfeedback.core.cycles import Counting, Cycle, Progress, build_progress, coders_by_weight
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.model import Actor, Code, CodeKind, Moment, Recording
from vfeedback.services import Library

S = 1_000_000
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ENCOURAGING = "Encouraging initiatives"
DEVELOPING = "Developing attuned interactions"


def _code(id_: int, name: str) -> Code:
    return Code(id_, 1, None, name, name, None, "#112233", None, CodeKind.STRENGTH, None, None, id_)


CODES = [_code(1, "Attentive"), _code(2, "Turns")]


def _rec(id_: int, day: int) -> Recording:
    info = MediaInfo("mp4", 60 * S, "h264", 320, 240, 0, 320, 240, 25.0, False, 1500, 0, False)
    day_ = date(2026, 3, day)
    return Recording(id_, 1, "T-1", f"r{id_}.mp4", f"r{id_}.mp4", True, 1, "x", day_, None, T0, info)


def _m(id_: int, rec: int, start_s: float, end_s: float, code: int, coder: str, minute: int) -> Moment:
    when = T0 + timedelta(minutes=minute)  # when it was tagged
    start, end = round(start_s * S), round(end_s * S)
    return Moment(id_, rec, start, end, code, Actor.PARENT, "", "", coder, when, when)


# Film 1: alice and bob both tagged it, two moments each; alice started first (minute 0).
#   alice: #1 Attentive 1-2 s, #2 Turns at 5 s
#   bob:   #3 Attentive 1.2-2 s (the same moment as #1: same code, starts 0.2 s apart),
#          #4 Turns at 8 s (3 s from alice's: another moment)
# Film 2: only bob: #5 Turns at 3 s.
FILM1 = [
    _m(1, 1, 1, 2, 1, "alice", 0),
    _m(2, 1, 5, 5, 2, "alice", 1),
    _m(3, 1, 1.2, 2, 1, "bob", 30),
    _m(4, 1, 8, 8, 2, "bob", 31),
]
FILM2 = [_m(5, 2, 3, 3, 2, "bob", 60)]


def _progress(counting: Counting | None = None) -> Progress:
    counting = counting or Counting()
    return build_progress("T-1", [_rec(1, 1), _rec(2, 20)], {1: FILM1, 2: FILM2}, CODES, None, counting)


def _ids(cycle: Cycle, principle: str) -> tuple[int, ...]:
    return cycle.cells[principle].moment_ids


def test_by_default_each_film_counts_its_main_coder_once() -> None:
    p = _progress()
    one, two = p.cycles
    # alice and bob have two moments each on film 1; alice tagged hers first, so she is its main coder.
    assert one.coders == ("alice",) and one.coded_by == 2
    assert (_ids(one, "Attentive"), _ids(one, "Turns")) == ((1,), (2,))
    assert one.total.moments == 2  # not 4: no moment counted once per coder
    # Film 2 was coded by bob alone.
    assert two.coders == ("bob",) and _ids(two, "Turns") == (5,)
    assert p.several_coders
    assert p.counting_note == "Counted: each film's main coder (who tagged most): cycle 1 alice, cycle 2 bob."


def test_the_main_coder_is_who_tagged_most_then_who_started_first() -> None:
    assert coders_by_weight(FILM1) == ["alice", "bob"]
    early_bob = [*FILM1[:2], _m(3, 1, 1.2, 2, 1, "bob", -5), FILM1[3]]  # bob's first tag before alice's
    assert coders_by_weight(early_bob) == ["bob", "alice"]
    more_bob = [*FILM1, _m(6, 1, 9, 9, 2, "bob", 40)]
    assert coders_by_weight(more_bob) == ["bob", "alice"]


def test_one_named_coder_throughout() -> None:
    p = _progress(Counting.of("alice"))
    one, two = p.cycles
    assert (_ids(one, "Attentive"), _ids(one, "Turns"), one.coders) == ((1,), (2,), ("alice",))
    assert two.total.moments == 0 and two.coders == ()  # alice never coded film 2
    assert p.counting_note == "Counted: only the moments alice tagged."
    bob = _progress(Counting.of("bob")).cycles[0]
    assert (_ids(bob, "Attentive"), _ids(bob, "Turns")) == ((3,), (4,))


def test_everyone_with_the_same_moment_matched_once() -> None:
    p = _progress(Counting.everyone())
    one, _ = p.cycles
    # Attentive: #1 (alice) and #3 (bob) start 0.2 s apart: one moment, alice's (the main coder's) kept.
    # Turns: 5 s and 8 s are 3 s apart: two moments.
    assert (_ids(one, "Attentive"), _ids(one, "Turns")) == ((1,), (2, 4))
    assert one.total.moments == 3 and one.coders == ("alice", "bob")
    assert p.counting_note == (
        "Counted: everyone's moments; one tagged by two people (same code, starting within 1 s) counts once."
    )
    wide = _progress(Counting.everyone(tolerance_us=3 * S)).cycles[0]
    assert _ids(wide, "Turns") == (2,)  # within 3 s: one moment


def test_one_coder_only_needs_no_note() -> None:
    p = build_progress("T-1", [_rec(2, 20)], {2: FILM2}, CODES)
    assert not p.several_coders and p.counting_note is None


# --- the library, the command line, the chart and the window -------------------------------------


@dataclass
class Shared:
    lib: Library
    root: Path
    first: Recording
    second: Recording
    ids: dict[str, int]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, media: MediaSet) -> Iterator[Shared]:
    """TWO-1: cfr25 (12 Mar 2020) coded by alice (the clinician) and then bob (the second coder), who
    saw the same Waiting; no_audio (9 Apr 2020) coded by alice only."""
    root = tmp_path_factory.mktemp("coders") / "library"
    with Library.open(root) as lib:
        lib.families.add("TWO-1")
        a = lib.recordings.import_file(media["cfr25"], "TWO-1", recorded_on=date(2020, 3, 12))
        b = lib.recordings.import_file(media["no_audio"], "TWO-1", recorded_on=date(2020, 4, 9))
        ids = {}
        for key, rec, start, end, code, caption in (
            ("alice_wait", a, 1 * S, 2 * S, "Waiting", "You wait"),
            ("alice_turns", a, 5 * S, 6 * S, "Taking turns", "Turns"),
            ("bob_wait", a, 1_200_000, 2 * S, "Waiting", "Waits"),
            ("bob_turns", a, 8 * S, 9 * S, "Taking turns", "More"),
            ("alice_b", b, 1 * S, 2 * S, "Waiting", "Again"),
        ):
            coder = key.split("_")[0]
            ids[key] = lib.moments.add(rec.id, start, end, code=code, caption=caption, coder=coder).id
        yield Shared(lib, root, a, b, ids)


def _cli(shared: Shared, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = run(["--library", str(shared.root), "progress", "TWO-1", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_counts_each_film_once_by_default_and_says_whose(
    shared: Shared, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _cli(shared, capsys, "--json")
    data = json.loads(out)
    assert status == 0
    assert data["counting"] == {"mode": "main", "coder": None, "tolerance_s": None}
    first = data["recordings"][0]
    assert first["coders"] == ["alice"]
    assert first["principles"][ENCOURAGING]["moment_ids"] == [shared.ids["alice_wait"]]
    assert first["principles"][DEVELOPING]["moment_ids"] == [shared.ids["alice_turns"]]
    status, out, _ = _cli(shared, capsys)
    assert "Counted: each film's main coder (who tagged most): cycle 1 alice, cycle 2 alice." in out


def test_cli_coder_and_all_coders(shared: Shared, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_cli(shared, capsys, "--coder", "bob", "--json")[1])
    assert data["counting"] == {"mode": "coder", "coder": "bob", "tolerance_s": None}
    first, second = data["recordings"]
    assert first["principles"][ENCOURAGING]["moment_ids"] == [shared.ids["bob_wait"]]
    assert second["coders"] == [] and second["principles"][ENCOURAGING]["moments"] == 0

    data = json.loads(_cli(shared, capsys, "--all-coders", "--json")[1])
    assert data["counting"] == {"mode": "all", "coder": None, "tolerance_s": 1.0}
    first = data["recordings"][0]
    assert first["coders"] == ["alice", "bob"]
    # The Waiting both saw (starts 0.2 s apart) once, alice's copy; the turns 3 s apart are two.
    assert first["principles"][ENCOURAGING]["moment_ids"] == [shared.ids["alice_wait"]]
    turns = [shared.ids["alice_turns"], shared.ids["bob_turns"]]
    assert first["principles"][DEVELOPING]["moment_ids"] == turns


def test_cli_refuses_an_unknown_coder_and_both_choices(
    shared: Shared, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sheet = tmp_path / "p.csv"
    status, out, err = _cli(shared, capsys, "--coder", "dave", "--csv", str(sheet))
    assert (status, out) == (3, "")
    assert err == (
        "vfeedback: Nobody called 'dave' has coded a film of family TWO-1; coders here: alice, bob.\n"
    )
    assert not sheet.exists()
    status, _, err = _cli(shared, capsys, "--coder", "bob", "--all-coders")
    assert status == 2 and "argument --all-coders: not allowed with argument --coder" in err


def _row(rows: list[dict[str, str]], recording_id: int, principle: str) -> dict[str, str]:
    return next(r for r in rows if r["recording_id"] == str(recording_id) and r["principle"] == principle)


def test_csv_names_whose_moments_each_row_counts(shared: Shared, tmp_path: Path) -> None:
    out = shared.lib.supervision.progress_csv("TWO-1", tmp_path / "all.csv", Counting.everyone())
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    first = _row(rows, shared.first.id, DEVELOPING)
    assert (first["moments"], first["coders"]) == ("2", "alice + bob")
    out = shared.lib.supervision.progress_csv("TWO-1", tmp_path / "main.csv")
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    first = _row(rows, shared.first.id, DEVELOPING)
    assert (first["moments"], first["coders"]) == ("1", "alice")


def test_the_chart_says_whose_moments_it_counts(shared: Shared) -> None:
    from vfeedback.render.cycles_chart import chart_layout
    from vfeedback.render.handout import ensure_app

    ensure_app()
    for counting, note in (
        (Counting(), "Counted: each film's main coder (who tagged most): cycle 1 alice, cycle 2 alice."),
        (Counting.of("bob"), "Counted: only the moments bob tagged."),
    ):
        progress = shared.lib.supervision.progress("TWO-1", counting)
        from vfeedback.core.cycles import Measure

        texts = [t.text for t in chart_layout(progress, Measure.COUNT, 1600, 900).texts]
        assert note in texts


def test_the_window_lists_a_moment_once_and_switches_whose(qtbot: QtBot, shared: Shared) -> None:
    from PySide6.QtCore import Qt

    from vfeedback.ui.cycles_view import CyclesWindow

    window = CyclesWindow(shared.lib, "TWO-1")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.coder_choice.isVisible()
    assert [window.coder_choice.itemText(i) for i in range(window.coder_choice.count())] == [
        "Each film's main coder", "Everyone, each moment once", "Only alice", "Only bob",
    ]  # fmt: skip
    assert window.counted.text().startswith("Counted: each film's main coder")

    def click_bar(principle: str) -> list[str]:
        layout = window.chart.layout_now()
        assert layout is not None
        bar = layout.bar(shared.first.id, principle)
        assert bar is not None
        qtbot.mouseClick(window.chart, Qt.MouseButton.LeftButton, pos=bar.rect.center().toPoint())
        return window.captions_listed()

    assert [c.split("   ")[1] for c in click_bar(ENCOURAGING)] == ["You wait"]  # once, not once per coder
    window.coder_choice.setCurrentIndex(1)  # everyone
    assert window.counted.text().startswith("Counted: everyone's moments")
    assert [c.split("   ")[1] for c in click_bar(DEVELOPING)] == ["Turns", "More"]
    window.coder_choice.setCurrentIndex(3)  # only bob
    assert [c.split("   ")[1] for c in click_bar(ENCOURAGING)] == ["Waits"]
    assert window.counted.text() == "Counted: only the moments bob tagged."
