"""A recording's moments as a spreadsheet: CSV (for Excel) or TSV (for R, SPSS, pandas).

One header row, then one row per moment in time order. Columns, by their stable header names:

============  ===================================================================================
recording     the recording's id in the library
case          the family's pseudonymous case code
moment        the moment's id
start_s       when the moment appears on screen: its first frame's start, in seconds
end_s         when it leaves the screen: its last frame's *end* (a point moment covers one frame)
start_tc      ``start_s`` as ``HH:MM:SS.mmm``
end_tc        ``end_s`` as ``HH:MM:SS.mmm``
start_frame   the number of the moment's first frame (frames count from 0)
end_frame     the number of its last frame (inclusive: equal to ``start_frame`` for a point)
code          the code's name (a sub-item, or the principle itself)
principle     the principle the code belongs to
kind          the code's kind: strength, concern or neutral
actor         parent, infant or clinician
coder         who tagged it
caption       the warm words written for the parent
note          the private clinical note: ONLY when asked for (``include_notes``); otherwise the
              column does not exist and no note is ever read into the writer
============  ===================================================================================

Times are the interval other tools (ELAN, BORIS, editors, subtitles) mean by a moment, i.e.
``FrameIndex.outer_span``; the frame numbers say exactly which frames, even for variable-frame-rate
video. Seconds are written with all six decimals of the stored microseconds ("12.480000"): exact, and
read as a number by every spreadsheet that uses a decimal point.

Encoding: CSV is UTF-8 *with* a byte-order mark, because Excel (the clinicians' tool) opens a
BOM-less CSV as the local ANSI code page and mangles accented captions. TSV is plain UTF-8 without
one, because it is for analysis tools, which read UTF-8 by default and would keep a BOM as part of the
first column's name. (Excel in a decimal-comma locale still wants Data > From Text/CSV for either.)

Formula injection (OWASP, "CSV Injection"): a text cell beginning with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is run as a formula by spreadsheet programs, so such a cell gets a leading
apostrophe. So that the file can be read back without guessing, a cell that already begins with an
apostrophe gets one more: a reader removes exactly one leading apostrophe from any text cell that has
one (``core.text.spreadsheet_value``). Numbers are written by us and never guarded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Literal

from vfeedback.core.frames import FrameIndex
from vfeedback.core.model import Code, Moment, Recording
from vfeedback.core.text import spreadsheet_safe
from vfeedback.core.timecode import format_time

Dialect = Literal["csv", "tsv"]

COLUMNS: tuple[str, ...] = (
    "recording",
    "case",
    "moment",
    "start_s",
    "end_s",
    "start_tc",
    "end_tc",
    "start_frame",
    "end_frame",
    "code",
    "principle",
    "kind",
    "actor",
    "coder",
    "caption",
)
NOTE_COLUMN = "note"

_BOM = "\ufeff"


def seconds(us: int) -> str:
    """Microseconds as seconds with six decimals, exactly (no float on the way)."""
    sign = "-" if us < 0 else ""
    whole, frac = divmod(abs(us), 1_000_000)
    return f"{sign}{whole}.{frac:06d}"


def dialect_for(suffix: str) -> Dialect:
    """TSV for ``.tsv``/``.tab`` files, CSV for anything else."""
    return "tsv" if suffix.lower() in (".tsv", ".tab") else "csv"


def table_rows(
    recording: Recording,
    moments: Sequence[Moment],
    codes: Mapping[int, Code],
    index: FrameIndex,
    *,
    include_notes: bool = False,
) -> list[list[str]]:
    """The header and one row per moment (in time order), each cell already guarded."""
    header = [*COLUMNS, NOTE_COLUMN] if include_notes else list(COLUMNS)
    rows = [header]
    for m in sorted(moments, key=lambda m: (m.start_us, m.end_us, m.id)):
        code = codes[m.code_id]
        begin, stop = index.outer_span(m.start_us, m.end_us)
        row = [
            str(recording.id),
            spreadsheet_safe(recording.family_code),
            str(m.id),
            seconds(begin),
            seconds(stop),
            format_time(begin),
            format_time(stop),
            str(index.frame_at(m.start_us)),
            str(index.frame_at(m.end_us)),
            spreadsheet_safe(code.name),
            spreadsheet_safe(code.principle),
            code.kind.value,
            m.actor.value,
            spreadsheet_safe(m.coder),
            spreadsheet_safe(m.caption),
        ]
        if include_notes:
            row.append(spreadsheet_safe(m.note))
        rows.append(row)
    return rows


def table_bytes(
    recording: Recording,
    moments: Sequence[Moment],
    codes: Mapping[int, Code],
    index: FrameIndex,
    *,
    dialect: Dialect = "csv",
    include_notes: bool = False,
) -> bytes:
    """The whole file, encoded as described in the module's docstring."""
    buffer = io.StringIO(newline="")
    # csv quotes any cell holding the delimiter, a quote or a line break, so captions with several
    # lines and commas survive; "excel-tab" is the same rules with tabs.
    writer = csv.writer(buffer, dialect="excel" if dialect == "csv" else "excel-tab")
    writer.writerows(table_rows(recording, moments, codes, index, include_notes=include_notes))
    text = buffer.getvalue()
    return ((_BOM if dialect == "csv" else "") + text).encode("utf-8")
