"""Deleting ONE recording of a family (issue 17, section 2): nothing of it is left on disk, in the
database file, in its write-ahead log, or in the undo history; the family's other recording keeps
everything of its own.

The family has two recordings, A (deleted) and B (kept). From A: a clip with a burned caption and its
.vtt, a still with its .txt, the caches (filmstrip, waveform); a reel of a moment of A and one of B,
exported as a film and as a handout (which makes a still of each moment). Every text of A is
distinctive ("QXA-..."), so a raw byte search finds any copy of it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.core.errors import NotFound
from vfeedback.core.model import Highlight
from vfeedback.export.options import ClipOptions
from vfeedback.services import Library
from vfeedback.storage import layout

A_TEXTS = [
    b"QXA-caption-first",
    b"QXA-caption-edited",
    b"QXA-note-private",
    b"QXA-second-caption",
    b"QXA-second-note",
    b"QXA-family-words",
]
B_CAPTION = "QXB-caption-kept"


@dataclass
class World:
    lib: Library
    root: Path
    a: int
    b: int
    a_moments: set[int]
    b_moment: int
    a_exports: list[Highlight]
    """Everything made from A, by hand: its clip, its still, the reel's film, its handout, and the
    still the handout made of A's moment."""
    b_exports: set[int]
    """B's own: its still (the handout's still of B's moment is the same export, or another)."""


@pytest.fixture
def world(tmp_path: Path, media: MediaSet) -> Iterator[World]:
    root = tmp_path / "library"
    with Library.open(root) as lib:
        lib.families.add("QX-1")
        lib.consent.give("QX-1", "feedback", by="Dr A")
        a = lib.recordings.import_file(media["cfr25"], "QX-1")
        b = lib.recordings.import_file(media["no_audio"], "QX-1")
        m1 = lib.moments.add(a.id, 1_000_000, 1_400_000, code="Waiting", caption="QXA-caption-first",
                             note="QXA-note-private")  # fmt: skip
        # An edit: the undo history now holds the caption before and after.
        lib.moments.edit(m1.id, caption="QXA-caption-edited", family_words="QXA-family-words")
        m2 = lib.moments.add(
            a.id, 2_000_000, code="Waiting", caption="QXA-second-caption", note="QXA-second-note"
        )
        mb = lib.moments.add(b.id, 500_000, 900_000, code="Waiting", caption=B_CAPTION)
        clip = lib.exports.clip(m1.id, ClipOptions(padding_us=0, captions="both"))
        still = lib.exports.still(m2.id)
        reel = lib.reels.create("Our reel", [m1.id, mb.id])
        film = lib.exports.reel(reel.id)
        handout = lib.exports.handout(reel.id)
        lib.exports.still(mb.id)
        lib.media.filmstrip(a.id, height=48)
        lib.media.waveform(a.id, bucket_us=100_000)
        assert any(lib.media.cache_dir(a.id, create=False).iterdir())
        made = lib.exports.all("QX-1")
        [handout_still] = [h for h in made if h.moment_ids == (m1.id,) and h.id != clip.id]
        b_own = {h.id for h in made if h.moment_ids == (mb.id,)}
        assert len(made) == 5 + len(b_own)
        a_made = [clip, still, film, handout, handout_still]
        yield World(lib, root, a.id, b.id, {m1.id, m2.id}, mb.id, a_made, b_own)


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _a_files(world: World) -> set[Path]:
    """A's own files, by hand: the stored recording, each export with its sidecar, and the cache."""
    lib = world.lib
    rec = lib.recordings.get(world.a)
    clip, still, film, handout, handout_still = (lib.exports.path(h) for h in world.a_exports)
    cache = lib.media.cache_dir(world.a, create=False)
    return {
        world.root / rec.path, clip, clip.with_suffix(".vtt"), still, still.with_suffix(".txt"),
        film, handout, handout_still, handout_still.with_suffix(".txt"),
        *(p for p in cache.rglob("*") if p.is_file()),
    }  # fmt: skip


def _database_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.glob(f"{layout.DB_NAME}*")}


def test_deleting_one_recording_leaves_nothing_of_it(world: World) -> None:
    lib = world.lib
    before = _files(world.root)
    of_a = _a_files(world)
    assert of_a <= before and len(of_a) >= 9
    assert world.root / lib.recordings.get(world.b).path in before

    assert lib.cases.delete_recording(world.a) == []

    with pytest.raises(NotFound):
        lib.recordings.get(world.a)
    # On disk: exactly A's files are gone (the handout and the film showed a frame of A), the
    # database's own files aside.
    after = {p for p in _files(world.root) if not p.name.startswith(layout.DB_NAME)}
    assert after == {p for p in before - of_a if not p.name.startswith(layout.DB_NAME)}
    assert not lib.media.cache_dir(world.a, create=False).exists()
    assert {h.id for h in lib.exports.all("QX-1")} == world.b_exports
    # B keeps its moment, its still and a reel of its moment alone.
    assert [m.id for m in lib.moments.all(world.b)] == [world.b_moment]
    assert lib.reels.all("QX-1")[0].moment_ids == (world.b_moment,)

    # No byte of A's words in the database or its write-ahead log, read while the library is open
    # (closing it would checkpoint the log and hide a deletion that skipped it).
    files = _database_files(world.root)
    assert layout.DB_NAME in files
    leaked = [(name, text) for name, data in files.items() for text in A_TEXTS if text in data]
    assert leaked == []
    assert any(B_CAPTION.encode() in data for data in files.values())

    # The undo history holds none of A's rows, nor a word of them.
    with sqlite3.connect(world.root / layout.DB_NAME) as conn:
        entries = [json.loads(c) for (c,) in conn.execute("SELECT changes_json FROM undo_log")]
    conn.close()
    assert entries, "the history of the family's other work is kept"
    for changes in entries:
        text = json.dumps(changes)
        assert not any(t.decode() in text for t in A_TEXTS), text
        for change in changes:
            for row in (change["before"], change["after"]):
                if row is None:
                    continue
                assert not (change["table"] == "recordings" and row["id"] == world.a), change
                assert not (change["table"] == "moments" and row["id"] in world.a_moments), change
                assert not (change["table"] == "reel_items" and row["moment_id"] in world.a_moments), change
    assert lib.integrity.check() == []
