"""Coding-scheme files: the ones vfeedback ships and the ones a team imports, read from disk and
handed to the core's parser (``core.schemes.parse_scheme``), which reads no files itself."""

from __future__ import annotations

from pathlib import Path

from vfeedback.core.errors import BadInput
from vfeedback.core.schemes import DEFAULT_SCHEME_FILE, MAX_SCHEME_BYTES, SchemeSpec, parse_scheme, too_large
from vfeedback.resources import resources_dir


def builtin_scheme_paths() -> list[Path]:
    """The shipped scheme files, the default (VIG) first, then by file name."""
    folder = resources_dir() / "schemes"
    return sorted(folder.glob("*.toml"), key=lambda p: (p.name != DEFAULT_SCHEME_FILE, p.name))



def load_scheme(path: Path) -> SchemeSpec:
    """Read and validate a scheme file; raises BadInput naming the file for anything wrong."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SCHEME_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise BadInput(f"The coding scheme file {path} cannot be read ({reason}).") from exc
    if len(data) > MAX_SCHEME_BYTES:
        raise too_large(str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"The coding scheme file {path} is not UTF-8 text (bad byte at offset {exc.start}); "
            "save it as UTF-8."
        ) from exc
    return parse_scheme(text, str(path))
