"""interchange.table where a slip would put a private note in a spreadsheet nobody asked it for, or
lose a sign (survivors of make mutation)."""

from __future__ import annotations

from mediagen import MediaSet

from vfeedback.interchange.table import seconds, table_bytes, table_rows
from vfeedback.services import Library

NOTE = "PRIVATE q7: mother tearful"


def test_a_table_leaves_the_notes_out_unless_asked(library: Library, media: MediaSet) -> None:
    """Called without ``include_notes``, neither the rows nor the file have a note column or a note's
    words; asked, they have both."""
    library.families.add("T1")
    rec = library.recordings.import_file(media["cfr25"], "T1")
    m = library.moments.add(rec.id, 1_000_000, 2_000_000, code="Waiting", caption="You waited", note=NOTE)
    codes = {c.id: c for s in library.schemes.all() for c in s.codes}
    index = library.media.frame_index(rec.id)
    header, row = table_rows(rec, [m], codes, index)
    assert "note" not in header and NOTE not in row
    for dialect in ("csv", "tsv"):
        text = table_bytes(rec, [m], codes, index, dialect=dialect).decode("utf-8")
        assert "note" not in text.splitlines()[0] and NOTE not in text
        asked = table_bytes(rec, [m], codes, index, dialect=dialect, include_notes=True).decode("utf-8")
        assert asked.splitlines()[0].endswith("note") and NOTE in asked


def test_seconds_keep_the_sign_of_a_single_microsecond() -> None:
    assert [seconds(v) for v in (-1, 0, 1, -1_000_001)] == ["-0.000001", "0.000000", "0.000001", "-1.000001"]
