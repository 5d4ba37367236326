"""Undo in a library two clinicians share: each undoes and redoes only their own actions, a colleague's
work is never taken back, and deleting one family (or recording) leaves everyone else's history.

Every step runs the real command line against a real SQLite library, as ``VFEEDBACK_CODER=alice
vfeedback ...`` would."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from mediagen import MediaSet
from pytestqt.qtbot import QtBot

from vfeedback.cli.main import run
from vfeedback.storage import layout


class Team:
    """The CLI in-process against one library; ``as_(name)`` is who runs the next command."""

    def __init__(
        self, root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.root, self.capsys, self.monkeypatch = root, capsys, monkeypatch

    def __call__(self, who: str, *args: str) -> tuple[int, str, str]:
        self.monkeypatch.setenv("VFEEDBACK_CODER", who)
        status = run(["--library", str(self.root), *args])
        out, err = self.capsys.readouterr()
        return status, out, err

    def json(self, who: str, *args: str) -> dict[str, Any]:
        status, out, err = self(who, *args, "--json")
        assert status == 0, err
        found: dict[str, Any] = json.loads(out)
        return found

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.root / layout.DB_NAME) as conn:
            found = conn.execute(sql).fetchall()
        conn.close()
        return found

    def captions(self) -> list[tuple[str, str]]:
        return [(c, who) for c, who in self.rows("SELECT caption, coder FROM moments ORDER BY id")]

    def history(self) -> list[tuple[str, str, int]]:
        return [tuple(r) for r in self.rows("SELECT label, user, undone FROM undo_log ORDER BY id")]

    def dump(self) -> str:
        with sqlite3.connect(self.root / layout.DB_NAME) as conn:
            text = "\n".join(conn.iterdump())
        conn.close()
        return text


@pytest.fixture
def team(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Team:
    return Team(tmp_path / "shared", capsys, monkeypatch)


@pytest.fixture
def film(team: Team, media: MediaSet) -> int:
    """Family T1 with cfr25, set up by alice."""
    assert team("alice", "family", "add", "T1")[0] == 0
    return int(team.json("alice", "import", str(media["cfr25"]), "--family", "T1")["id"])


def _add(team: Team, who: str, rec: int, at: str, caption: str) -> int:
    argv = ("moments", "add", str(rec), "--start", at, "--code", "Waiting", "--caption", caption)
    return int(team.json(who, *argv)["id"])


def test_undo_takes_back_your_own_last_action_never_a_colleagues(
    team: Team, film: int, media: MediaSet
) -> None:
    _add(team, "alice", film, "1", "alice waits")
    _add(team, "bob", film, "2", "bob sees a smile")
    # Alice undoes: her moment goes, bob's (the newer action) stays.
    assert team.json("alice", "undo") == {"undone": "Add moment at 00:00:01.000 (Waiting)"}
    assert team.captions() == [("bob sees a smile", "bob")]
    # Bob undoes his own.
    status, out, _ = team("bob", "undo")
    assert (status, out) == (0, "Undone: Add moment at 00:00:02.000 (Waiting).\n")
    assert team.captions() == []
    # Bob has nothing more of his own; alice's import and family are not his to undo.
    before = (team.history(), team.dump())
    status, out, err = team("bob", "undo")
    assert (status, out, err) == (3, "", "vfeedback: There is nothing of yours to undo.\n")
    assert (team.history(), team.dump()) == before
    # Alice's history goes on where she left it.
    assert team.json("alice", "undo") == {"undone": f"Import {media['cfr25'].name}"}


def test_redo_is_yours_too_and_a_colleagues_action_does_not_drop_it(team: Team, film: int) -> None:
    _add(team, "alice", film, "1", "alice waits")
    team.json("alice", "undo")
    _add(team, "bob", film, "2", "bob sees a smile")  # a new action, but bob's: alice can still redo
    status, _, err = team("bob", "redo")
    assert (status, err) == (3, "vfeedback: There is nothing of yours to redo.\n")
    assert team.json("alice", "redo") == {"redone": "Add moment at 00:00:01.000 (Waiting)"}
    assert sorted(team.captions()) == [("alice waits", "alice"), ("bob sees a smile", "bob")]
    # Alice's own new action drops alice's redo stack, as in any editor.
    team.json("alice", "undo")
    _add(team, "alice", film, "3", "alice again")
    status, _, err = team("alice", "redo")
    assert (status, err) == (3, "vfeedback: There is nothing to redo.\n")


def test_an_empty_history_says_so_plainly(team: Team) -> None:
    status, _, err = team("carol", "undo")
    assert (status, err) == (3, "vfeedback: There is nothing to undo.\n")


def test_your_older_action_on_a_row_a_colleague_changed_since_is_refused(team: Team, film: int) -> None:
    mine = _add(team, "alice", film, "1", "alice waits")
    team.json("bob", "moments", "edit", str(mine), "--caption", "bob's better words")
    before = (team.history(), team.dump())
    status, out, err = team("alice", "undo")
    assert (status, out) == (3, "")
    assert err == (
        f"vfeedback: 'Add moment at 00:00:01.000 (Waiting)' cannot be undone: moment {mine} was changed "
        "since.\n"
    )
    assert (team.history(), team.dump()) == before
    assert team.captions() == [("bob's better words", "alice")]


def test_undoing_a_family_a_colleague_has_since_filled_is_refused(team: Team, media: MediaSet) -> None:
    team("alice", "family", "add", "T2")
    rec = team.json("bob", "import", str(media["no_audio"]), "--family", "T2")["id"]
    before = (team.history(), team.dump())
    status, out, err = team("alice", "undo")
    family_id = team.rows("SELECT id FROM families WHERE code = 'T2'")[0][0]
    assert (status, out) == (3, "")
    assert err == (
        f"vfeedback: 'Add family T2' cannot be undone: family {family_id} is tied to changes made since.\n"
    )
    assert (team.history(), team.dump()) == before
    assert team.rows("SELECT id FROM recordings") == [(rec,)]


def test_deleting_one_family_keeps_everyone_elses_history(team: Team, media: MediaSet) -> None:
    team("alice", "family", "add", "GONE1")
    team("alice", "family", "add", "KEEP1")
    gone = team.json("alice", "import", str(media["cfr25"]), "--family", "GONE1")["id"]
    keep = team.json("bob", "import", str(media["no_audio"]), "--family", "KEEP1")["id"]
    _add(team, "alice", gone, "1", "SECRET alice caption")
    _add(team, "bob", keep, "1", "bob on the kept film")
    _add(team, "alice", keep, "2", "alice on the kept film")
    team.json("bob", "moments", "edit", str(_add(team, "bob", gone, "3", "SECRET bob")), "--note", "SECRET")
    assert team("alice", "delete", "family", "GONE1", "--yes")[0] == 0
    no_audio = f"Import {media['no_audio'].name}"
    # What held the deleted family's rows is gone, whoever made it; the rest is intact, in order.
    assert team.history() == [
        ("Add family KEEP1", "alice", 0),
        (no_audio, "bob", 0),
        ("Add moment at 00:00:01.000 (Waiting)", "bob", 0),
        ("Add moment at 00:00:02.000 (Waiting)", "alice", 0),
    ]
    assert "SECRET" not in team.dump() and "GONE1" not in "".join(map(str, team.history()))
    # And it still works, for each of them.
    assert team.json("alice", "undo") == {"undone": "Add moment at 00:00:02.000 (Waiting)"}
    assert team.json("bob", "undo") == {"undone": "Add moment at 00:00:01.000 (Waiting)"}
    assert team.captions() == []
    assert team.json("bob", "redo") == {"redone": "Add moment at 00:00:01.000 (Waiting)"}
    assert team.captions() == [("bob on the kept film", "bob")]


def test_deleting_one_recording_keeps_the_history_of_the_familys_other_films(
    team: Team, media: MediaSet
) -> None:
    team("alice", "family", "add", "TWO1")
    gone = team.json("alice", "import", str(media["cfr25"]), "--family", "TWO1")["id"]
    keep = team.json("alice", "import", str(media["no_audio"]), "--family", "TWO1")["id"]
    _add(team, "alice", gone, "1", "SECRET on the deleted film")
    _add(team, "bob", keep, "1", "bob on the other film")
    assert team("alice", "delete", "recording", str(gone), "--yes")[0] == 0
    no_audio = f"Import {media['no_audio'].name}"
    assert team.history() == [
        ("Add family TWO1", "alice", 0),
        (no_audio, "alice", 0),
        ("Add moment at 00:00:01.000 (Waiting)", "bob", 0),
    ]
    assert "SECRET" not in team.dump()
    assert team.json("bob", "undo") == {"undone": "Add moment at 00:00:01.000 (Waiting)"}
    assert team.json("alice", "undo") == {"undone": no_audio}
    assert team.rows("SELECT code FROM families") == [("TWO1",)]


def test_an_import_undone_after_its_frames_were_indexed(team: Team, media: MediaSet) -> None:
    """The frame index (a cache) used to block the undo with an internal error (exit 70)."""
    team("alice", "family", "add", "IX1")
    rec = team.json("alice", "import", str(media["cfr25"]), "--family", "IX1")
    assert team("alice", "index", str(rec["id"]))[0] == 0
    cache = team.root / "cache" / "recordings" / str(rec["id"])
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "proxy.mp4").write_bytes(b"a preview copy of the family's film")
    assert team.json("alice", "undo") == {"undone": f"Import {media['cfr25'].name}"}
    assert team.rows("SELECT id FROM recordings") == [] and team.rows("SELECT * FROM frame_indexes") == []
    stored = Path(rec["path"])
    assert stored.is_file() and cache.is_dir()  # kept for redo
    assert team.json("alice", "redo") == {"redone": f"Import {media['cfr25'].name}"}
    team.json("alice", "undo")
    team("alice", "family", "add", "IX2")  # a new action of alice's: the import can never come back
    assert not stored.exists() and not cache.exists()


def test_edit_undo_in_the_window_names_and_takes_back_only_your_own(
    qtbot: QtBot, tmp_path: Path, media: MediaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from vfeedback.media.clock_player import ClockPlayer
    from vfeedback.services import Library
    from vfeedback.ui.main_window import MainWindow

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    root = tmp_path / "shared"
    monkeypatch.setenv("VFEEDBACK_CODER", "alice")  # also keeps a name saved in the app's settings out
    with Library.open(root) as alice, Library.open(root) as bob:
        alice.user, bob.user = "alice", "bob"
        alice.families.add("W1")
        rec = alice.recordings.import_file(media["cfr25"], "W1")
        window = MainWindow(alice, player=ClockPlayer())
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.open_recording(rec.id)
        qtbot.waitUntil(lambda: window.coding.index is not None, timeout=20_000)
        alice.moments.add(rec.id, 1_000_000, code="Waiting", caption="alice's")
        bob.moments.add(rec.id, 2_000_000, code="Waiting", caption="bob's")  # in bob's own window
        assert window.act_undo.text() == "&Undo Add moment at 00:00:01.000 (Waiting)"
        QTest.keyClick(window.focusWidget() or window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert [m.caption for m in alice.moments.all(rec.id)] == ["bob's"]
        assert window.act_undo.text() == f"&Undo Import {media['cfr25'].name}"
        assert window.act_redo.text() == "&Redo Add moment at 00:00:01.000 (Waiting)"
        assert bob.undo_label() == "Add moment at 00:00:02.000 (Waiting)"
        window.close()
