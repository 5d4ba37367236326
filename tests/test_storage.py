"""The library's storage: schema and migrations, version refusal, privacy of the folder."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from vfeedback.core.errors import LibraryError
from vfeedback.services import Library
from vfeedback.storage import layout, migrate, tables
from vfeedback.storage.database import Database


def test_migrations_build_exactly_the_declared_tables(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    Library.open(tmp_path / "lib").close()
    engine = create_engine(f"sqlite:///{tmp_path / 'lib' / layout.DB_NAME}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    engine.dispose()
    assert diff == []


def test_known_revisions_match_the_migration_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    chain = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert tuple(chain) == migrate.REVISIONS
    assert scripts.get_current_head() == migrate.HEAD


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_library_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    Library.open(root).close()
    db = root / layout.DB_NAME
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    before = _sha(db)
    with pytest.raises(LibraryError, match="newer version of vfeedback"):
        Library.open(root)
    assert _sha(db) == before


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    with pytest.raises(LibraryError, match="not a vfeedback library"):
        Library.open(root)


def test_damaged_database_gives_one_sentence(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    (root / layout.DB_NAME).write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(LibraryError) as err:
        Library.open(root)
    assert "damaged" in str(err.value) and "\n" not in str(err.value)


def test_library_folder_is_owner_only(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    with Library.open(root) as lib:
        lib.families.add("P001")
    for sub in [root, *(root / n for n in layout.SUBFOLDERS)]:
        assert stat.S_IMODE(sub.stat().st_mode) == 0o700, sub
    for f in root.glob("vfeedback.db*"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_loosened_folder_is_tightened_again(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    Library.open(root).close()
    root.chmod(0o755)
    Library.open(root).close()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700


def test_migration_from_the_first_schema_keeps_the_data(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    location = layout.resolve(root)
    layout.prepare(location)
    db = Database(location.db_url)
    migrate.upgrade(db, migrate.REVISIONS[0])
    db.dispose()
    # Data as the first schema held it, written with plain SQL as an old version would have.
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        now = "2026-01-02 10:00:00.000000"
        conn.execute("INSERT INTO families (id, code, created_at) VALUES (1, 'OLD1', ?)", (now,))
        conn.execute(
            "INSERT INTO coding_schemes (id, name, builtin, created_at) VALUES (1, 'Old scheme', 1, ?)",
            (now,),
        )
        conn.execute(
            "INSERT INTO codes (id, scheme_id, name, colour, kind, position) "
            "VALUES (1, 1, 'Waiting', '#88aa66', 'strength', 1)"
        )
        conn.execute(
            "INSERT INTO recordings (id, family_id, original_name, path, stored, size_bytes, "
            "fingerprint, imported_at, duration_us, media_json) VALUES "
            "(1, 1, 'a.mp4', 'recordings/a.mp4', 1, 10, 'v1:10:abc', ?, 5000000, ?)",
            (
                now,
                '{"container": "mp4", "duration_us": 5000000, "video_codec": "h264", '
                '"width": 320, "height": 240, "rotation": 0, "display_width": 320, '
                '"display_height": 240, "avg_fps": 25.0, "variable_frame_rate": false, '
                '"frame_count": 125, "start_time_us": 0, "has_audio": false}',
            ),
        )
        conn.execute(
            "INSERT INTO moments (id, recording_id, start_us, end_us, code_id, actor, caption, note, "
            "coder, created_at, updated_at) VALUES (1, 1, 40000, 80000, 1, 'parent', 'You waited', "
            "'private', 'ann', ?, ?)",
            (now, now),
        )
    conn.close()
    with Library.open(root) as lib:
        [moment] = lib.moments.all(1)
        assert (moment.start_us, moment.end_us, moment.caption) == (40000, 80000, "You waited")
        assert lib.families.get("OLD1").id == 1
        assert lib.undo_label() is None  # the undo log arrived with the migration, empty
        lib.families.add("NEW1")
        assert lib.undo_label() == "Add family NEW1"
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrate.HEAD
    conn.close()


def test_library_location_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(layout.ENV_LIBRARY, str(tmp_path / "envlib"))
    with Library.open() as lib:
        assert lib.path == tmp_path / "envlib"
    assert (tmp_path / "envlib" / layout.DB_NAME).exists()


def test_library_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "afile"
    target.write_text("x")
    with pytest.raises(LibraryError, match="is a file, not a folder"):
        Library.open(target)


def test_server_url_keeps_files_outside_any_family_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(layout.ENV_FILES, raising=False)
    loc = layout.resolve("postgresql+psycopg://user:secret@localhost/team")
    assert not loc.is_sqlite_file and loc.db_path is None
    assert "secret" not in str(loc.root)
    monkeypatch.setenv(layout.ENV_FILES, str(tmp_path / "shared"))
    assert layout.resolve("postgresql+psycopg://u@h/db").root == tmp_path / "shared"


def test_a_current_library_opens_with_one_query_for_its_version(tmp_path: Path) -> None:
    """Opening a library that is up to date reads its schema version (one query) and its guards (one
    query): no catalogue inspection, nothing written."""
    from sqlalchemy import event

    root = tmp_path / "lib"
    Library.open(root).close()
    before = _sha(root / layout.DB_NAME)
    db = Database(layout.resolve(root).db_url)
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))
    assert migrate.ensure_current(db) is False
    db.dispose()
    queries = [" ".join(s.split()) for s in statements if s != "BEGIN"]
    assert queries == [
        "SELECT version_num FROM alembic_version",
        "SELECT type, name, sql FROM sqlite_master WHERE (type = 'table' AND name IN ('audit_log', "
        "'consents')) OR (type = 'trigger' AND tbl_name IN ('audit_log', 'consents'))",
    ]
    assert _sha(root / layout.DB_NAME) == before


def test_the_player_keys_n_and_x_are_taken_from_codes_of_an_older_library(tmp_path: Path) -> None:
    """Migration 0010: N and X became the suggestion keys. In a library made before, the shipped VIG
    scheme's codes are keyed again as the shipped file now is (by hand: Naming n->p, Showing p->q,
    Scaffolding x->y, Offering z->none), a key someone changed stays, and an imported scheme's code
    keyed X loses its key."""
    root = tmp_path / "lib"
    location = layout.resolve(root)
    layout.prepare(location)
    db = Database(location.db_url)
    migrate.upgrade(db, "0009")
    db.dispose()
    now = "2026-01-02 10:00:00.000000"
    codes = [
        # id, scheme, name, key
        (1, 1, "Naming positively what you see", "n"),
        (2, 1, "Showing you noticed", "p"),
        (3, 1, "Scaffolding", "x"),
        (4, 1, "Offering manageable choices", "z"),
        (5, 1, "Receiving with words", "b"),  # not the shipped "r": someone's own choice
        (6, 2, "Pointing", "x"),
        (7, 2, "Naming the toy", "N"),
        (8, 2, "Waiting", "w"),
    ]
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        conn.execute(
            "INSERT INTO coding_schemes (id, name, builtin, created_at) VALUES "
            "(1, 'Video Interaction Guidance (VIG)', 1, ?), (2, 'Our own', 0, ?)",
            (now, now),
        )
        for id_, scheme, name, key in codes:
            conn.execute(
                "INSERT INTO codes (id, scheme_id, name, colour, kind, position, key) "
                "VALUES (?, ?, ?, '#88aa66', 'strength', ?, ?)",
                (id_, scheme, name, id_, key),
            )
    conn.close()
    with Library.open(root):
        pass
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        keys = dict(conn.execute("SELECT id, key FROM codes").fetchall())
    conn.close()
    assert keys == {1: "p", 2: "q", 3: "y", 4: None, 5: "b", 6: None, 7: None, 8: "w"}
