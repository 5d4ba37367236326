"""A recording's details as the clinician gives them on import and changes them later (Details…): its
filming date, its context and its own name. Each change is one undoable action that leaves the file and
everything cut from it alone; ``vfeedback open FILE --family NEW`` makes the new family."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from mediagen import MediaSet

from vfeedback.cli.main import run
from vfeedback.core.errors import BadInput, NotFound
from vfeedback.services import Library
from vfeedback.storage import layout


def _dump(root: Path) -> str:
    with sqlite3.connect(root / layout.DB_NAME) as conn:
        text = "\n".join(line for line in conn.iterdump() if "undo_log" not in line)
    conn.close()
    return text


def test_details_are_given_on_import_changed_later_and_undone(library: Library, media: MediaSet) -> None:
    library.families.add("F1")
    rec = library.recordings.import_file(
        media["cfr25"], "F1", recorded_on=date(2026, 11, 3), context=" bath ", title="  Bath   time "
    )
    assert (rec.recorded_on, rec.context, rec.title) == (date(2026, 11, 3), "bath", "Bath time")
    stored = library.recordings.path(rec)
    before = stored.read_bytes()
    edited = library.recordings.edit(rec.id, recorded_on=date(2026, 11, 4), context="feeding", title="Lunch")
    assert (edited.recorded_on, edited.context, edited.title) == (date(2026, 11, 4), "feeding", "Lunch")
    assert library.undo_label() == f"Edit recording {rec.id}"
    assert library.recordings.edit(rec.id, title="", context="").title is None
    assert library.recordings.get(rec.id).context is None
    library.undo()
    library.undo()
    again = library.recordings.get(rec.id)
    assert (again.recorded_on, again.context, again.title) == (date(2026, 11, 3), "bath", "Bath time")
    assert stored.read_bytes() == before and library.recordings.path(again) == stored
    # Nothing to change is no action at all.
    assert library.recordings.edit(rec.id, title="Bath time") == again
    assert library.undo_label() == f"Import {media['cfr25'].name}"


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("title", "x" * 121, "The name of the recording is 121 characters long; keep it to 120."),
        ("title", "Bath\ntime", "The name of the recording must be one line."),
        ("context", "play\x1b]0;x\x07", "The context holds a control character (U+001B), which cannot be "
                                        "shown or stored."),
    ],
)  # fmt: skip
def test_bad_details_are_one_sentence_and_change_nothing(
    library: Library, media: MediaSet, field: str, value: str, sentence: str
) -> None:
    library.families.add("F1")
    rec = library.recordings.import_file(media["cfr25"], "F1", title="Bath")
    before = _dump(library.path)
    with pytest.raises(BadInput) as refused:
        library.recordings.edit(rec.id, **{field: value})  # type: ignore[arg-type]
    assert str(refused.value) == sentence
    assert _dump(library.path) == before


def test_contexts_used_before_are_offered_most_used_first(library: Library, media: MediaSet) -> None:
    library.families.add("F1")
    for kind, context in (("cfr25", "bath"), ("no_audio", "feeding"), ("portrait", "feeding")):
        library.recordings.import_file(media[kind], "F1", context=context)
    assert library.recordings.contexts() == ["feeding", "bath"]


def test_open_with_a_new_family_makes_it(
    tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]
) -> None:
    """Planted bug: ``open_file`` without making the family: exit 3 with "There is no family with case
    code NEW1." and no window."""
    started: list[int] = []
    lib = str(tmp_path / "lib")

    def open_(kind: str, family: str) -> int:
        return run(["--library", lib, "open", str(media[kind]), "--family", family], start_gui=_gui(started))

    assert open_("cfr25", "NEW1") == 0
    assert open_("no_audio", "new1") == 0  # the same family: case codes are matched ignoring case
    capsys.readouterr()
    assert run(["--library", lib, "recordings", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["family"], r["title"]) for r in listed] == [(1, "NEW1", None), (2, "NEW1", None)]
    assert started == [1, 2]
    assert open_("portrait", "Ana Ruiz") == 3
    err = capsys.readouterr().err
    assert err == (
        "vfeedback: 'Ana Ruiz' is not a usable case code: use up to 64 letters, digits, '-', '_' or '.', "
        "starting with a letter or digit (and no real names).\n"
    )
    assert run(["--library", lib, "families", "--json"]) == 0
    assert [f["code"] for f in json.loads(capsys.readouterr().out)] == ["NEW1"]


def test_import_takes_a_title(tmp_path: Path, media: MediaSet, capsys: pytest.CaptureFixture[str]) -> None:
    lib = str(tmp_path / "lib")
    assert run(["--library", lib, "family", "add", "F1"]) == 0
    capsys.readouterr()
    assert run(["--library", lib, "import", str(media["cfr25"]), "--family", "F1", "--title", "Bath time",
                "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["title"] == "Bath time"


def _gui(started: list[int]) -> Callable[[str | None, int], int]:
    def start(_library: str | None, recording_id: int) -> int:
        started.append(recording_id)
        return 0

    return start


def test_a_new_family_comes_with_its_import_and_goes_with_its_undo(
    library: Library, media: MediaSet, tmp_path: Path
) -> None:
    """Planted bug: the family made in its own action before the copy: a refused file leaves an
    empty family behind, and undoing the import leaves the family."""
    before = _dump(library.path)
    fake = tmp_path / "notes.mp4"
    fake.write_text("not a film\n")
    with pytest.raises(BadInput):
        library.recordings.import_file(fake, "F9", new_family=True)
    assert _dump(library.path) == before and library.families.all() == []
    rec = library.recordings.import_file(media["cfr25"], "F9", new_family=True)
    assert rec.family_code == "F9" and [f.code for f in library.families.all()] == ["F9"]
    assert library.undo_label() == f"Import {media['cfr25'].name}"
    library.undo()
    assert library.families.all() == [] and library.recordings.all() == []
    with pytest.raises(NotFound) as refused:
        library.recordings.import_file(media["cfr25"], "F10")  # without new_family: as before
    assert str(refused.value) == "There is no family with case code F10."
