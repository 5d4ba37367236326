"""How a file is named in a sentence for the user."""

from __future__ import annotations

from pathlib import Path


def quoted_name(path: Path) -> str:
    """The file's name only (its folder can name a family), quoted, and one printable line whatever
    the name holds (a newline or a terminal escape would break the one-sentence promise)."""
    raw = path.name or str(path)
    return "'" + "".join(ch if ch.isprintable() else "?" for ch in raw) + "'"
