"""Live on a team library: a colleague's change reaches a second open library, and a real window,
within a second (LISTEN/NOTIFY, no polling); five clients adding at once lose nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime

import pgserver
import pytest
import teamkit
from mediagen import MediaSet
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot
from teamkit import ADMIN, CLINICIAN_A, CLINICIAN_B, SUPERVISOR, Team

from vfeedback.core.errors import Conflict
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.services.undo import Changes
from vfeedback.ui.main_window import MainWindow
from vfeedback.ui.share_dialog import ShareDialog

pytestmark = pytest.mark.postgres


@pytest.fixture
def team(
    pg_server: pgserver.PgServer,
    media: MediaSet,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Team]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VFEEDBACK_FILES", teamkit.files_folder(tmp_path_factory.mktemp("team")))
        made = teamkit.make_team(pg_server, f"lv_{request.node.name.lower()[5:40]}", media)
        assert made.cli(ADMIN, "caseload", "add", "F1", CLINICIAN_B) == 0  # bob and ana share F1
        yield made


class Heard:
    """What a library announced, and when."""

    def __init__(self, lib: Library) -> None:
        self.changes: list[tuple[float, Changes]] = []
        self.event = threading.Event()
        lib.subscribe(self._heard)

    def _heard(self, changes: Changes) -> None:
        self.changes.append((time.monotonic(), changes))
        self.event.set()

    def first(self, table: str, row: int) -> float | None:
        return next((at for at, c in self.changes if row in c.touched(table)), None)


def test_a_colleagues_moment_reaches_a_second_library_within_a_second(team: Team) -> None:
    rec = team.ids["F1.recording"]
    with team.open(CLINICIAN_A) as ana, team.open(CLINICIAN_B) as bob:
        heard = Heard(bob)
        assert bob.live.start()
        started = time.monotonic()
        made = ana.moments.add(rec, 3_000_000, code="Waiting", caption="a colleague's moment")
        deadline = started + 1.0
        while heard.first("moments", made.id) is None and time.monotonic() < deadline:
            heard.event.wait(0.05)
        arrived = heard.first("moments", made.id)
        assert arrived is not None and arrived - started <= 1.0
        assert made.id in [m.id for m in bob.moments.all(rec)]
        # an edit and a deletion too
        heard.changes.clear()
        ana.moments.edit(made.id, caption="changed")
        ana.moments.delete(made.id)
        time.sleep(0.5)
        assert any(made.id in c.touched("moments") for _, c in heard.changes)
        assert made.id not in [m.id for m in bob.moments.all(rec)]


def test_a_supervisor_hears_a_consent_withdrawal_at_once(team: Team) -> None:
    m0 = team.ids["F1.moment0"]
    assert team.cli(CLINICIAN_A, "share", str(m0), "--with", SUPERVISOR) == 0
    with team.open(SUPERVISOR) as sue:
        assert [m.id for m in sue.team.shared_moments(team.ids["F1.recording"])] == [m0]
        heard = Heard(sue)
        assert sue.live.start()
        started = time.monotonic()
        assert team.cli(CLINICIAN_A, "consent", "F1", "--withdraw", "supervision", "--by", CLINICIAN_A) == 0
        assert heard.event.wait(1.0)
        time.sleep(0.1)
        assert any("consents" in c.tables and "moments" in c.tables for _, c in heard.changes)
        assert heard.changes[0][0] - started <= 1.0
        assert sue.team.shared_moments(team.ids["F1.recording"]) == []


def test_five_clients_adding_at_once_lose_nothing(team: Team) -> None:
    rec = team.ids["F1.recording"]
    errors: list[BaseException] = []
    gate = threading.Barrier(5)

    def client(n: int) -> None:
        try:
            with team.open(CLINICIAN_A if n % 2 else CLINICIAN_B) as lib:
                gate.wait()
                for k in range(20):
                    lib.moments.add(rec, (n * 20 + k) * 40_000, code="Waiting", caption=f"c{n}-{k}")
                lib.consent.give("F1", "training", by="x")  # the audit chain, appended from five clients
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == []
    captions = team.rows(
        "postgres", f"SELECT caption FROM moments WHERE recording_id = {rec} AND caption LIKE 'c%-%'"
    )
    assert sorted(captions) == sorted(f"c{n}-{k}" for n in range(5) for k in range(20))
    with team.open("postgres") as lib:
        assert lib.integrity.check() == []


def test_a_real_window_shows_a_colleagues_moment_within_a_second(team: Team, qtbot: QtBot) -> None:
    rec = team.ids["F1.recording"]
    with team.open(CLINICIAN_B) as bob, team.open(CLINICIAN_A) as ana:
        window = MainWindow(bob, player=ClockPlayer())
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        try:
            window.open_recording(rec)
            model = window.moment_list.model()
            qtbot.waitUntil(lambda: model.rowCount(QModelIndex()) == 2, timeout=5000)
            started = time.monotonic()
            ana.moments.add(rec, 5_000_000, code="Waiting", caption="seen live")
            qtbot.waitUntil(lambda: model.rowCount(QModelIndex()) == 3, timeout=1000)
            assert time.monotonic() - started <= 1.0
            columns = model.columnCount(QModelIndex())
            shown = [
                model.index(r, c).data(Qt.ItemDataRole.DisplayRole) for r in range(3) for c in range(columns)
            ]
            assert "seen live" in shown
            # who is tagging: bob's open window is a heartbeat ana sees; ana's shows in bob's window
            assert [name for name, _ in ana.team.others_tagging(rec)] == ["Bob B."]
            ana.team.tagging(rec)
            since = datetime.now().astimezone()
            label = window.team.presence
            qtbot.waitUntil(lambda: label.text() != "", timeout=1000)
            assert label.text() == f"Ana A. (since {since:%H:%M}) is also tagging this recording."
            ana.team.tagging(None)
            qtbot.waitUntil(lambda: label.text() == "", timeout=1000)
        finally:
            window.close()


def test_share_with_in_the_window_by_real_clicks(team: Team, qtbot: QtBot) -> None:
    rec, m0 = team.ids["F1.recording"], team.ids["F1.moment0"]
    with team.open(CLINICIAN_A) as ana:
        window = MainWindow(ana, player=ClockPlayer())
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        try:
            window.open_recording(rec)
            view = window.moment_list
            qtbot.waitUntil(lambda: view.model().rowCount(QModelIndex()) == 2, timeout=5000)
            first = view.visualRect(view.model().index(0, 1)).center()
            qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=first)
            assert [m.id for m in window.coding.selected_moments()] == [m0]
            share = window.findChild(QAction, "shareWith")
            assert share is not None and share.text() == "&Share with…"
            share.trigger()
            dialog = window.team.dialog
            assert isinstance(dialog, ShareDialog)
            qtbot.waitExposed(dialog)
            assert not dialog.share_button.isEnabled()
            item = dialog.supervisors.item(0)
            assert item.text() == "Sue S."
            where = dialog.supervisors.visualItemRect(item).center()
            qtbot.mouseClick(dialog.supervisors.viewport(), Qt.MouseButton.LeftButton, pos=where)
            qtbot.mouseClick(
                dialog.include_note,
                Qt.MouseButton.LeftButton,
                pos=QPoint(8, dialog.include_note.height() // 2),
            )
            assert dialog.include_note.isChecked()
            qtbot.mouseClick(dialog.share_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
            assert window.statusBar().currentMessage() == "Shared 1 moment with Sue S. for supervision."
        finally:
            window.close()
    assert team.rows("postgres", "SELECT moment_id, owner, with_login, include_note FROM shares") == [
        f"{m0}|ana|sue|t"
    ]
    assert team.rows(SUPERVISOR, "SELECT moment_id || ':' || note FROM supervision_notes") == [
        f"{m0}:F1 private note {m0}"
    ]


def test_no_share_with_on_a_library_on_this_computer(library: Library, qtbot: QtBot) -> None:
    window = MainWindow(library, player=ClockPlayer())
    qtbot.addWidget(window)
    try:
        assert window.findChild(QAction, "shareWith") is None
        assert not library.live.available
    finally:
        window.close()


def test_an_edit_that_lost_a_race_says_so_with_both_versions(team: Team) -> None:
    m0 = team.ids["F1.moment0"]
    with team.open(CLINICIAN_A) as ana, team.open(CLINICIAN_B) as bob:
        shown_to_ana, shown_to_bob = ana.moments.get(m0), bob.moments.get(m0)
        bob.moments.edit(m0, caption="Bob's words", seen=shown_to_bob.updated_at)
        undo_before = ana.undo_label()
        with pytest.raises(Conflict) as lost:
            ana.moments.edit(m0, caption="Ana's words", seen=shown_to_ana.updated_at)
        assert str(lost.value) == (
            "The moment at 00:00:00.000 was changed by someone else while you edited it: "
            "caption 'Bob's words' (theirs) or 'Ana's words' (yours); yours was not saved."
        )
        assert ana.moments.get(m0).caption == "Bob's words"
        assert ana.undo_label() == undo_before
        # shown afresh, ana's edit goes through
        fresh = ana.moments.get(m0)
        assert ana.moments.edit(m0, caption="Ana's words", seen=fresh.updated_at).caption == "Ana's words"


def test_a_supervisors_window_shows_the_shared_moment_and_offers_no_sharing(team: Team, qtbot: QtBot) -> None:
    rec, m0 = team.ids["F1.recording"], team.ids["F1.moment0"]
    assert team.cli(CLINICIAN_A, "share", str(m0), "--with", SUPERVISOR) == 0
    with team.open(SUPERVISOR) as sue:
        window = MainWindow(sue, player=ClockPlayer())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        try:
            assert window.findChild(QAction, "shareWith") is None
            window.open_recording(rec)
            model = window.moment_list.model()
            qtbot.waitUntil(lambda: model.rowCount(QModelIndex()) == 1, timeout=5000)
        finally:
            window.close()
