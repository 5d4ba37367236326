"""A team's media folder ($VFEEDBACK_FILES with a server library): what vfeedback writes there is the
team's group's, 0640 and 0750; a share that is not there is one sentence, not a hang; caches stay on
this machine."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pgserver
import pytest
from mediagen import MediaSet
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from vfeedback.core.errors import Conflict, LibraryError
from vfeedback.media.clock_player import ClockPlayer
from vfeedback.services import Library
from vfeedback.storage import layout
from vfeedback.system import files
from vfeedback.ui.main_window import MainWindow

pytestmark = pytest.mark.postgres

TEAM_GID = 100  # "users" on Debian: the team's group, a group this test's user is not the primary of


@pytest.fixture(autouse=True)
def _forget_team_folders() -> None:
    files._team_folders.clear()


def test_files_written_to_the_team_folder_are_the_teams(
    pg_server: pgserver.PgServer, media: MediaSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() != 0 and TEAM_GID not in os.getgroups():
        pytest.skip("needs a second group to give files to")
    share = tmp_path / "share"
    share.mkdir()
    os.chown(share, -1, TEAM_GID)
    share.chmod(0o2770)
    monkeypatch.setenv(layout.ENV_FILES, str(share))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "local-cache"))
    url = pg_server.create_database("team_media")
    with Library.open(url) as lib:
        lib.families.add("M1")
        rec = lib.recordings.import_file(media["cfr25"], "M1")
        lib.media.frame_index(rec.id)
        stored = lib.recordings.path(rec)
        caches = lib.ctx.location.recording_caches
    found = stored.stat()
    assert (stat.S_IMODE(found.st_mode), found.st_gid) == (0o640, TEAM_GID)
    for folder in (share / name for name in layout.SUBFOLDERS):
        got = folder.stat()
        assert (stat.S_IMODE(got.st_mode), got.st_gid) == (0o750, TEAM_GID), folder
    assert stored.is_relative_to(share)
    assert caches.is_relative_to(tmp_path / "local-cache")
    # nothing vfeedback made in the share is readable by others, or owned by another group
    for path in share.rglob("*"):
        got = path.lstat()
        assert stat.S_IMODE(got.st_mode) & 0o007 == 0, path
        assert got.st_gid == TEAM_GID, path


def test_a_missing_share_is_one_sentence_not_a_hang(
    pg_server: pgserver.PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "not-mounted" / "team-media"
    monkeypatch.setenv(layout.ENV_FILES, str(gone))
    url = pg_server.create_database("team_media_gone")
    started = time.monotonic()
    with pytest.raises(LibraryError) as raised:
        Library.open(url)
    assert time.monotonic() - started < layout.REACH_TIMEOUT_S + 5
    assert str(raised.value) == (
        f"The team's media folder {gone} is not reachable (is the network share mounted?); "
        "nothing was opened."
    )
    assert not gone.exists() and not gone.parent.exists()  # no local folder in the share's place


def test_a_local_library_stays_owner_only(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as lib:
        lib.families.add("L1")
    for name in layout.SUBFOLDERS:
        assert stat.S_IMODE((tmp_path / "lib" / name).stat().st_mode) == 0o700


def test_a_film_changed_on_the_share_is_refused_on_open_and_nothing_is_opened(
    pg_server: pgserver.PgServer,
    media: MediaSet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
) -> None:
    """Someone replaces a family's film in the team's folder (same name, same size, other bytes): the
    moments would be cut from the wrong frames, so opening it is refused in one sentence, from the
    window too, and the window stays as it was (no recording open)."""
    share = tmp_path / "share"
    share.mkdir()
    monkeypatch.setenv(layout.ENV_FILES, str(share))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "local-cache"))
    url = pg_server.create_database("team_media_changed")
    with Library.open(url) as lib:
        lib.families.add("M2")
        rec = lib.recordings.import_file(media["cfr25"], "M2")
        stored = lib.recordings.openable(rec)  # as imported: opens
        data = bytearray(stored.read_bytes())
        data[100:116] = bytes(16)  # a few bytes in the first megabyte, the size unchanged
        stored.write_bytes(bytes(data))
        said = (
            f"The file of recording {rec.id} ({rec.original_name}) in the team's media folder is not the "
            "film that was imported: it was changed or replaced there; nothing was opened."
        )
        with pytest.raises(Conflict) as refused:
            lib.recordings.openable(rec)
        assert str(refused.value) == said
        window = MainWindow(lib, player=ClockPlayer())
        qtbot.addWidget(window)
        window.open_recording(rec.id)
        boxes = [b.text() for b in window.findChildren(QMessageBox) if b.isVisible()]
        assert boxes == [said] and window.coding.recording is None
        window.close()


def test_exports_scratch_on_this_machine_and_a_colleagues_placeholder_is_left_alone(
    pg_server: pgserver.PgServer, media: MediaSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a team's share, the exports' scratch folder is local (like the caches), and opening the
    library does not sweep away an empty placeholder or a temporary another computer may be exporting
    into right now; a day old, they are a crash's leftovers and go."""
    share, local = tmp_path / "share", tmp_path / "local-cache"
    share.mkdir()
    monkeypatch.setenv(layout.ENV_FILES, str(share))
    monkeypatch.setenv("XDG_CACHE_HOME", str(local))
    url = pg_server.create_database("team_media_scratch")
    with Library.open(url) as lib:
        assert lib.ctx.location.scratch.is_relative_to(local)
        lib.families.add("M3")
        lib.consent.give("M3", "feedback", "Dr Test")
        rec = lib.recordings.import_file(media["cfr25"], "M3")
        m = lib.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="Together")
        lib.exports.clip(m.id)
    assert not (share / "cache" / "export").exists()
    colleagues = share / "clips" / "M3_20260101_007.mp4"
    colleagues.touch()
    with Library.open(url):
        pass
    # ...and the temporary it is writing, named by a process id that means nothing on this computer
    writing = share / "clips" / f".M3_20260101_007.mp4.{2**22 + 7}.part"
    writing.write_bytes(b"frames")
    with Library.open(url):
        pass
    assert colleagues.exists() and writing.exists()  # maybe under way on another computer
    old = time.time() - 2 * 24 * 3600
    for path in (colleagues, writing):
        os.utime(path, (old, old))
    with Library.open(url):
        pass
    assert not colleagues.exists() and not writing.exists()
