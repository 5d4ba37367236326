"""The same library on a PostgreSQL server: nothing may be SQLite-only by accident."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pgserver
import pytest
from mediagen import MediaSet
from sqlalchemy import create_engine

from vfeedback.core.timecode import parse_time
from vfeedback.services import Library
from vfeedback.storage import layout, migrate, tables

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_library(
    pg_server: pgserver.PgServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Library]:
    url = pg_server.create_database(f"t_{request.node.name.lower()[:40]}")
    monkeypatch.setenv(layout.ENV_FILES, str(tmp_path / "files"))
    lib = Library.open(url)
    yield lib
    lib.close()


def test_schema_on_postgres_matches_the_declared_tables(pg_library: Library) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(pg_library.ctx.db.url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), tables.metadata) == []
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    engine.dispose()
    assert version == migrate.HEAD


def test_whole_workflow_on_postgres(pg_library: Library, media: MediaSet, tmp_path: Path) -> None:
    lib = pg_library
    assert lib.path == tmp_path / "files"
    assert any(s.name.startswith("Video Interaction Guidance") for s in lib.schemes.all())
    lib.families.add("PG1")
    rec = lib.recordings.import_file(media["vfr"], "PG1")
    assert lib.recordings.path(rec).is_file()
    index = lib.media.frame_index(rec.id)
    m = lib.moments.add(
        rec.id, parse_time("f5"), parse_time("f20"), code="Waiting", caption="Big SMILE"
    )
    assert (m.start_us, m.end_us) == (index.time_of(5), index.time_of(20))
    lib.moments.edit(m.id, caption="A big smile", note="private")
    lib.undo()
    assert lib.moments.get(m.id).caption == "Big SMILE"
    lib.redo()
    assert [x.id for x in lib.moments.search("big smile")] == [m.id]
    lib.moments.delete(m.id)
    lib.undo()
    assert lib.moments.get(m.id).note == "private"
    assert lib.integrity.check() == []
    # A second client of the same server sees the same library.
    other = Library.open(lib.ctx.db.url)
    try:
        assert [x.id for x in other.moments.all(rec.id)] == [m.id]
        assert other.undo_label() == lib.undo_label()
    finally:
        other.close()


def test_an_import_is_one_statement_and_one_undo_on_postgres(
    pg_library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """The batch insert (INSERT ... RETURNING in parameter order) and its undo, on the team database."""
    pg_library.families.add("PG-2")
    pg_library.consent.give("PG-2", "feedback", by="Dr Test")
    rec = pg_library.recordings.import_file(media["cfr25"], "PG-2")
    for n in range(30):
        pg_library.moments.add(rec.id, n * 200_000, code="Waiting", caption=f"moment {n}")
    before = [(m.start_us, m.end_us, m.caption, m.coder) for m in pg_library.moments.all(rec.id)]
    out = pg_library.interchange.export_eaf(rec.id, tmp_path / "pg.eaf").path
    pg_library.moments.delete_many([m.id for m in pg_library.moments.all(rec.id)])
    made = pg_library.interchange.import_eaf(out, rec.id)
    assert [m.caption for m in made] == [f"moment {n}" for n in range(30)]  # in the file's order
    assert [(m.start_us, m.end_us, m.caption, m.coder) for m in pg_library.moments.all(rec.id)] == before
    pg_library.undo()
    assert pg_library.moments.all(rec.id) == []
