"""Which file an ELAN or OTIO export links as its recording, so that nothing identifying leaves in it.

A recording copied into the library has an anonymous name there (``recordings/<random>.mp4``):
exports link that copy, relative to the export where the format allows. A recording imported with
``--reference`` has no library copy; its own path is the clinician's (".../Smith baby/visit 1.mp4"),
so by default the export links a neutral name instead, beside the export file:
``<case code>_<filming date>_rec<id>.<ext>`` (e.g. ``F01_20260314_rec12.mp4``): the clinician places
a copy of the film there under that name, and ELAN (which looks beside the .eaf) or the video editor
finds it. Only when the clinician asks (``--link-original``, recorded in the audit) does the export
link the file where it is, by its own path. The original file name is never written otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vfeedback.core.model import Recording

_SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")
_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")


@dataclass(frozen=True, slots=True)
class MediaLink:
    path: Path
    """The absolute path the export links."""
    beside: str | None = None
    """For a referenced recording linked by a neutral name: that name, which a copy of the film
    placed beside the export must carry; None when ``path`` is the film itself."""


def beside_name(rec: Recording) -> str:
    """``F01_20260314_rec12.mp4``: case code, filming date (else the import day), recording id and
    the film's own extension; nothing from its original name or folder."""
    day = rec.recorded_on or rec.imported_at.date()
    code = _UNSAFE.sub("-", rec.family_code).strip("-") or "case"
    suffix = Path(rec.original_name).suffix.lower()
    if not _SAFE_SUFFIX.fullmatch(suffix):
        suffix = ".mp4"
    return f"{code}_{day:%Y%m%d}_rec{rec.id}{suffix}"


def media_link(rec: Recording, file_now: Path, export: Path, *, link_original: bool = False) -> MediaLink:
    """What ``export`` links for ``rec``, whose file is at ``file_now`` (see the module's notes)."""
    if rec.stored or link_original:
        return MediaLink(file_now.absolute())
    name = beside_name(rec)
    return MediaLink(export.absolute().parent / name, name)
