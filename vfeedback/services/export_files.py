"""Where exports live in the library: their folders, the names they are given (case code, filming date
and a sequence number only), reserved exclusively so exports running at once never share one, the
working folder, and the sweep of what an export whose process died left behind."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from vfeedback.core.model import HighlightKind
from vfeedback.system.files import FILE_MODE, SHARED_GRACE_S, private_folder

FOLDERS = {
    HighlightKind.CLIP: "clips",
    HighlightKind.STILL: "stills",
    HighlightKind.REEL: "clips",
    HighlightKind.HANDOUT: "stills",
}
SIDECARS = (".vtt", ".txt")


def workdir(scratch: Path) -> Path:
    """The export's own scratch folder (reel parts, caption scripts: ``Location.scratch``), owner-only."""
    return private_folder(scratch)


def reserve(root: Path, kind: HighlightKind, family_code: str, day: date | None, suffix: str) -> Path:
    """``<folder>/<CASE>_<YYYYMMDD>_<NNN><suffix>``, the next free sequence number, reserved by
    creating it empty (exclusively), so exports running at once, in threads or in processes, never
    pick the same name. The export's atomic rename then replaces the placeholder."""
    folder = private_folder(root / FOLDERS[kind])
    stem = f"{family_code}_{(day or date.today()).strftime('%Y%m%d')}_"
    taken = {
        int(m.group(1))
        for p in folder.iterdir()
        if (m := re.match(re.escape(stem) + r"(\d{3,})", p.name.lstrip(".")))
    }
    number = max(taken, default=0) + 1
    while True:
        target = folder / f"{stem}{number:03d}{suffix}"
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        except FileExistsError:
            number += 1
            continue
        return target


@contextmanager
def reserved(
    root: Path, kind: HighlightKind, family_code: str, day: date | None, suffix: str
) -> Iterator[Path]:
    """A reserved target that is removed again if the export does not complete."""
    target = reserve(root, kind, family_code, day, suffix)
    try:
        yield target
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def sidecars(root: Path, relative: str) -> list[str]:
    """The library-relative sidecar files (captions) kept beside an export."""
    base = Path(relative)
    return [base.with_suffix(s).as_posix() for s in SIDECARS if (root / base.with_suffix(s)).exists()]


def sweep(root: Path, scratch: Path, known: Callable[[], set[str]], *, shared: bool = False) -> None:
    """At open: what exports whose process died (a crash, a kill) left behind: temporaries, and the
    empty placeholder that reserved a name (unless ``known()``, the library-relative paths of the
    recorded exports, has it). The export module is loaded only when there is something to look at."""
    places = [p for p in (root / "clips", root / "stills") if p.is_dir()]
    entries = [e for p in places for e in p.iterdir()]
    placeholders = [e for e in entries if not e.name.startswith(".") and _empty(e)]
    if shared:
        placeholders = [e for e in placeholders if _age_s(e) > SHARED_GRACE_S]
    if placeholders:
        recorded = known()
        for e in placeholders:
            if e.relative_to(root).as_posix() not in recorded:
                e.unlink(missing_ok=True)
    hidden = any(e.name.startswith(".") for e in entries)
    if hidden or (scratch.is_dir() and any(scratch.iterdir())):
        from vfeedback.export.runner import remove_stale_exports

        if scratch.is_dir():
            remove_stale_exports(scratch)
        for place in places:  # on a share, another computer's temporaries may be live
            remove_stale_exports(place, SHARED_GRACE_S if shared else 0.0)


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _empty(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size == 0
    except OSError:
        return False
