"""Interchange figures: 5,000 moments of a 1-hour recording out to ELAN and a spreadsheet, and back in
from ELAN, each beside the plain tool doing the bare job in the same run (the stdlib's XML parser and
csv writer over the same data), so the ratio is what safety, mapping and the library add.

``eaf_49mb_worst_read_ms``: the slowest ELAN file the import still reads. expat takes time quadratic
in the length of one attribute (16 MB: 77 s), so the reader refuses any stretch over 256 KB without
a '<' (``interchange.limits.check_markup_runs``); the worst that remains is a file just under the
50 MB cap made of attributes just under 256 KB, read beside the stdlib parser on the same bytes."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from benchmarks.bench_supervision import Lib, _populate
from benchmarks.common import Figure, figure, median, timings_ms
from vfeedback.core.errors import BadInput
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
            ours = timings_ms(lambda: lib.interchange.export_eaf(rec, out), 3)
            # The plain tool: the stdlib building and writing the same tree.
            tree = ET.ElementTree(ET.fromstring(out.read_bytes()))
            theirs = timings_ms(lambda: tree.write(io.BytesIO()), 3)
            figures.append(figure("eaf_export_ms", median(ours), "ms", median(theirs), "<= 2000"))

            table = outside / "moments.csv"
            ours = timings_ms(lambda: lib.interchange.export_table(rec, table), 3)
            moments = lib.moments.all(rec)

            def plain_csv() -> None:
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                for m in moments:
                    writer.writerow([m.id, m.start_us / 1e6, m.end_us / 1e6, m.code_id, m.actor, m.caption])

            theirs = timings_ms(plain_csv, 3)
            figures.append(figure("csv_export_ms", median(ours), "ms", median(theirs), "<= 1000"))

            lib.moments.delete_many([m.id for m in lib.moments.all(rec)])

            ours = []
            for _ in range(3):
                ours += timings_ms(lambda: lib.interchange.import_eaf(out, rec), 1)
                lib.undo()  # takes the import back, untimed, for the next run
            theirs = timings_ms(lambda: ET.parse(out), 3)
            figures.append(figure("eaf_import_ms", median(ours), "ms", median(theirs), "<= 4000"))
        figures.append(_worst_eaf(root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(root.parent / f"{root.name}-out", ignore_errors=True)
    return figures


def _worst_eaf(folder: Path) -> Figure:
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT FORMAT="3.0" VERSION="3.0">'
    unit = b'<X D="' + b"a" * (MAX_MARKUP_RUN - 8) + b'"/>'
    path = folder / "worst.eaf"
    path.write_bytes(head + unit * (49 * 1024 * 1024 // len(unit)) + b"</ANNOTATION_DOCUMENT>\n")

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
