"""Interchange figures: 5,000 moments of a 1-hour recording out to ELAN and a spreadsheet, and back in
from ELAN, each beside plain stdlib code doing the same parsing and writing in the same run, so the
ratio is what safety (consent, atomic owner-only files, checks), mapping and the library add.

- ``eaf_export_ms``: ``export_eaf``. Baseline: ElementTree building the same EAF tree, element by
  element (the same tags, attributes and text, taken from our file before the clock starts), and
  writing it to a file with its XML declaration.
- ``csv_export_ms``: ``export_table``. Baseline: the csv module writing the same rows (the same 15
  columns: times in seconds, timecodes and frame numbers worked out by plain arithmetic, code names
  from a dict) for the same moments, read before the clock starts, to a file.
- ``eaf_import_ms``: ``import_eaf`` into the recording (undone, untimed, after each run). Baseline:
  ElementTree parsing the same file, resolving every annotation's time slots and value, and
  inserting the rows into a plain SQLite table in one transaction.

``eaf_49mb_worst_read_ms``: the slowest ELAN file the import still reads. expat takes time quadratic
in the length of one attribute (16 MB: 77 s), so the reader refuses any stretch over 256 KB without
a '<' (``interchange.limits.check_markup_runs``); the worst that remains is a file just under the
50 MB cap made of attributes just under 256 KB, read beside the stdlib parser on the same bytes."""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from functools import partial
from pathlib import Path

from benchmarks.bench_supervision import Lib, _populate
from benchmarks.common import Figure, figure, median, timings_ms
from vfeedback.core.errors import BadInput
from vfeedback.core.model import Code, Moment
from vfeedback.interchange import eaf_read
from vfeedback.interchange.limits import MAX_MARKUP_RUN


def run(cache_dir: Path) -> list[Figure]:
    figures = []
    root = Path(tempfile.mkdtemp(prefix="vfeedback-bench-io-", dir=cache_dir))
    try:
        rec = _populate(root)
        with Lib.open(root) as lib:
            family = lib.recordings.get(rec).family_code
            lib.consent.give(family, "feedback", by="bench")
            # One coder's 5,000 moments, with captions, as a clinician's recording would have.
            mine = [m for m in lib.moments.all(rec) if m.coder == "alice"]
            lib.moments.delete_many([m.id for m in lib.moments.all(rec) if m.coder == "bob"])
            for m in mine[:5]:
                lib.moments.edit(m.id, caption="You wait for her, and she answers you.")
            # Written outside the library, where a clinician saves them (the library refuses its own folder).
            outside = root.parent / f"{root.name}-out"
            outside.mkdir(exist_ok=True)
            out = outside / "moments.eaf"
            plain_out = outside / "plain.eaf"
            ours: list[float] = []
            theirs: list[float] = []
            lib.interchange.export_eaf(rec, out)
            spec = _spec(ET.parse(out).getroot())
            for _ in range(3):  # in turns, so machine noise hits both alike
                ours += timings_ms(lambda: lib.interchange.export_eaf(rec, out), 1)
                theirs += timings_ms(lambda: _plain_eaf(spec, plain_out), 1)
            figures.append(figure("eaf_export_ms", median(ours), "ms", median(theirs), "<= 2000"))

            table = outside / "moments.csv"
            moments = lib.moments.all(rec)
            codes = {c.id: c for s in lib.schemes.all() for c in s.codes}
            ours, theirs = [], []
            for _ in range(3):
                ours += timings_ms(lambda: lib.interchange.export_table(rec, table), 1)
                theirs += timings_ms(
                    lambda: _plain_csv(rec, family, moments, codes, outside / "plain.csv"), 1
                )
            figures.append(figure("csv_export_ms", median(ours), "ms", median(theirs), "<= 1000"))

            lib.moments.delete_many([m.id for m in lib.moments.all(rec)])

            ours, theirs = [], []
            for n in range(3):
                ours += timings_ms(lambda: lib.interchange.import_eaf(out, rec), 1)
                lib.undo()  # takes the import back, untimed, for the next run
                db = (
                    outside / f"plain-{n}.sqlite"
                )  # a fresh file each time, as ours adds to an empty recording
                theirs += timings_ms(partial(_plain_import, out, db), 1)
            figures.append(figure("eaf_import_ms", median(ours), "ms", median(theirs), "<= 4000"))
        figures.append(_worst_eaf(root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(root.parent / f"{root.name}-out", ignore_errors=True)
    return figures


Spec = tuple[str, dict[str, str], str | None, list["Spec"]]


def _spec(element: ET.Element) -> Spec:
    """An element as plain data: tag, attributes, text, children."""
    return element.tag, dict(element.attrib), element.text, [_spec(child) for child in element]


def _plain_eaf(spec: Spec, out: Path) -> None:
    """ElementTree building the tree of ``spec`` element by element and writing it to ``out``."""

    def build(parent: ET.Element | None, node: Spec) -> ET.Element:
        tag, attrib, text, children = node
        element = ET.Element(tag, attrib) if parent is None else ET.SubElement(parent, tag, attrib)
        element.text = text
        for child in children:
            build(element, child)
        return element

    ET.ElementTree(build(None, spec)).write(out, encoding="UTF-8", xml_declaration=True)


def _timecode(us: int) -> str:
    seconds, micro = divmod(us, 1_000_000)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{micro // 1000:03d}"


def _plain_csv(rec: int, family: str, moments: list[Moment], codes: dict[int, Code], out: Path) -> None:
    """The csv module writing the same 15 columns for the same moments (25 fps, plain arithmetic)."""
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["recording", "case", "moment", "start_s", "end_s", "start_tc", "end_tc",
                         "start_frame", "end_frame", "code", "principle", "kind", "actor", "coder",
                         "caption"])  # fmt: skip
        for m in sorted(moments, key=lambda m: (m.start_us, m.end_us, m.id)):
            code = codes[m.code_id]
            writer.writerow([
                rec, family, m.id, f"{m.start_us / 1e6:.6f}", f"{m.end_us / 1e6:.6f}",
                _timecode(m.start_us), _timecode(m.end_us), m.start_us * 25 // 1_000_000,
                m.end_us * 25 // 1_000_000, code.name, code.principle, code.kind.value, m.actor.value,
                m.coder, m.caption,
            ])  # fmt: skip


def _plain_import(path: Path, db: Path) -> None:
    """ElementTree parsing the ELAN file, every annotation resolved to (tier, start ms, end ms,
    value), dependent annotations to their parent's times, inserted into a plain SQLite table."""
    root = ET.parse(path).getroot()
    slots = {s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE") or 0) for s in root.iter("TIME_SLOT")}
    rows: list[tuple[str, int, int, str]] = []
    spans: dict[str, tuple[int, int]] = {}
    for tier in root.iter("TIER"):
        name = tier.get("TIER_ID") or ""
        for a in tier.iter("ALIGNABLE_ANNOTATION"):
            span = slots[a.get("TIME_SLOT_REF1")], slots[a.get("TIME_SLOT_REF2")]
            spans[a.get("ANNOTATION_ID") or ""] = span
            rows.append((name, *span, a.findtext("ANNOTATION_VALUE") or ""))
    for tier in root.iter("TIER"):
        for r in tier.iter("REF_ANNOTATION"):
            span = spans[r.get("ANNOTATION_REF") or ""]
            rows.append((tier.get("TIER_ID") or "", *span, r.findtext("ANNOTATION_VALUE") or ""))
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE IF NOT EXISTS moments (tier TEXT, start_ms INT, end_ms INT, value TEXT)")
        conn.executemany("INSERT INTO moments VALUES (?, ?, ?, ?)", rows)


def _worst_eaf(folder: Path) -> Figure:
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0">'
    unit = b'<X D="' + b"a" * (MAX_MARKUP_RUN - 8) + b'"/>'
    path = folder / "worst.eaf"
    path.write_bytes(head + unit * (49 * 1024 * 1024 // len(unit)) + b"</ANNOTATION_DOCUMENT>\n")
    # Baseline: the stdlib parser on the same bytes (ours refuses the file after reading it whole).

    def ours() -> None:
        with contextlib.suppress(BadInput):  # read to the end either way: the parse is timed
            eaf_read.read_eaf(path)

    mine = timings_ms(ours, 3)
    theirs = timings_ms(lambda: ET.parse(path), 3)
    return figure("eaf_49mb_worst_read_ms", median(mine), "ms", median(theirs), "<= 5000")


if __name__ == "__main__":
    import sys

    default = Path(tempfile.gettempdir()) / "vfeedback-bench-interchange"
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    cache.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(cache), indent=2))
