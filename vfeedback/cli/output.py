"""What the CLI prints. The JSON shapes are documented in the README and are stable: add keys, never
rename or remove them."""

from __future__ import annotations

import functools
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from vfeedback.core.frames import FrameIndex
from vfeedback.core.media_info import MediaInfo
from vfeedback.core.model import Code, Family, Highlight, Moment, Recording, Scheme
from vfeedback.core.text import terminal
from vfeedback.core.timecode import format_time

P = ParamSpec("P")
R = TypeVar("R")

PROBE_KEYS = (
    "container",
    "duration_us",
    "frame_count",
    "width",
    "height",
    "rotation",
    "display_width",
    "display_height",
    "avg_fps",
    "variable_frame_rate",
    "video_codec",
    "has_audio",
    "audio_codec",
)


class _Escaping(io.TextIOBase):
    """A text stream that shows control characters as escapes (``core.text.terminal``) on their
    way to the real one: whatever a handler prints, a caption's ESC or BEL never reaches the
    terminal as a command. Line breaks and tabs pass; JSON keeps its meaning."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal(text, keep_lines=True))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return bool(self._stream.isatty())

    def fileno(self) -> int:
        return int(self._stream.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._stream, "encoding", "utf-8"))


@contextmanager
def escaped_stdout() -> Iterator[None]:
    """Everything printed to standard output inside goes through ``_Escaping``."""
    real = sys.stdout
    sys.stdout = _Escaping(real)
    try:
        yield
    finally:
        sys.stdout = real


def escaping_stdout(func: Callable[P, R]) -> Callable[P, R]:
    """``func`` run inside ``escaped_stdout`` (the command line's entry point)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with escaped_stdout():
            return func(*args, **kwargs)

    return wrapper


def emit_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=_default)
    sys.stdout.write("\n")


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value).__name__)


def media_json(info: MediaInfo) -> dict[str, Any]:
    data = info.to_dict()
    ordered = {k: data.pop(k) for k in PROBE_KEYS}
    ordered["duration"] = format_time(info.duration_us)
    return ordered | data


def family_json(family: Family, recording_count: int) -> dict[str, Any]:
    return {
        "id": family.id,
        "code": family.code,
        "label": family.label,
        "created_at": family.created_at,
        "recordings": recording_count,
    }


def recording_json(rec: Recording, path: Path) -> dict[str, Any]:
    return {
        "id": rec.id,
        "family": rec.family_code,
        "path": str(path),
        "stored": rec.stored,
        "original_name": rec.original_name,
        "size_bytes": rec.size_bytes,
        "fingerprint": rec.fingerprint,
        "recorded_on": rec.recorded_on,
        "context": rec.context,
        "title": rec.title,
        "imported_at": rec.imported_at,
    } | media_json(rec.media)


def code_json(code: Code) -> dict[str, Any]:
    return {
        "id": code.id,
        "name": code.name,
        "principle": code.principle,
        "parent_id": code.parent_id,
        "key": code.key,
        "colour": code.colour,
        "kind": code.kind.value,
        "parent_wording": code.parent_wording,
        "default_actor": code.default_actor.value if code.default_actor else None,
    }


def scheme_json(scheme: Scheme, default_id: int | None) -> dict[str, Any]:
    return {
        "id": scheme.id,
        "name": scheme.name,
        "version": scheme.version,
        "description": scheme.description,
        "builtin": scheme.builtin,
        "default": scheme.id == default_id,
        "codes": [code_json(c) for c in scheme.codes],
    }


def moment_json(m: Moment, code: Code, index: FrameIndex | None) -> dict[str, Any]:
    return {
        "id": m.id,
        "recording_id": m.recording_id,
        "start_us": m.start_us,
        "end_us": m.end_us,
        "start_frame": index.frame_at(m.start_us) if index is not None else None,
        "end_frame": index.frame_at(m.end_us) if index is not None else None,
        "start": format_time(m.start_us),
        "end": format_time(m.end_us),
        "code": code.name,
        "code_id": code.id,
        "principle": code.principle,
        "actor": m.actor.value,
        "caption": m.caption,
        "note": m.note,
        "coder": m.coder,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
    }


def highlight_json(h: Highlight, path: Path, copy: Path | None = None) -> dict[str, Any]:
    return {
        "id": h.id,
        "kind": h.kind.value,
        "path": str(path),
        "moment_ids": list(h.moment_ids),
        "duration_us": h.duration_us,
        "frame_count": h.frame_count,
        "width": h.width,
        "height": h.height,
        "sha256": h.sha256,
        "size_bytes": h.size_bytes,
        "caption": h.caption,
        "family_id": h.family_id,
        "recording_id": h.recording_id,
        "reel_id": h.reel_id,
        "created_at": h.created_at,
        "copy": None if copy is None else str(copy),
        "notes": list(h.notes),
    }


def beside_sentence(names: list[str], tool: str) -> str:
    """What to do with a timeline or ELAN file that links films by neutral names beside it."""
    if len(names) == 1:
        return (
            f"It links the film as {names[0]}: put a copy of the film beside it under that name to open "
            f"both in {tool}."
        )
    return (
        f"It links the films as {', '.join(names)}: put a copy of each beside it under that name to "
        f"open them in {tool}."
    )


def table(headers: Sequence[str], body: Iterable[Sequence[object]]) -> None:
    """A plain aligned table; long cells are cut so each row stays on one line."""
    cells = [[_cell(v) for v in row] for row in body]
    if not cells:
        return
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: object) -> str:
    # One line per row whatever the cell holds (a caption's line breaks, a file name's newline).
    text = terminal(" ".join(("" if value is None else str(value)).split()))
    return text if len(text) <= 48 else text[:47] + "…"
