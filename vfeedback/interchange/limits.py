"""Reading other tools' files without trusting them.

A file handed to an import may be huge, truncated, a gzip bomb, not text, or nested deep enough to
exhaust the parser. Every check here happens before or while reading, so nothing larger than the cap
is ever held in memory, and every refusal is one sentence naming the file's base name only (a full
path may carry a family's real name).
"""

from __future__ import annotations

import json
import stat
import zlib
from pathlib import Path
from typing import Any

from vfeedback.core import text as texts
from vfeedback.core.errors import BadInput

MAX_BYTES = 50 * 1024 * 1024
"""The largest file (and the largest unpacked gzip content) an import reads."""
MAX_DEPTH = 64
"""The deepest nesting of JSON arrays and objects accepted; real project files stay under ten."""
MAX_MARKUP_RUN = 256 * 1024
"""The longest stretch of an XML file without a '<' (so the longest tag, attribute or text): real
ELAN files stay under a few KB; the venv's expat reads one long attribute in quadratic time (8 MB:
20 s, 16 MB: 77 s), and 49 MB of attributes of this size still parse in about a second."""
GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: Path, what: str, limit: int = MAX_BYTES) -> bytes:
    """The whole file, refused if it is not a regular file, unreadable, or larger than ``limit``.

    ``what`` names the expected kind of file, with its article ("an ELAN file", "a BORIS project").
    """
    name = Path(path).name
    try:
        info = Path(path).stat()
    except FileNotFoundError:
        raise BadInput(f"{name} does not exist.") from None
    except OSError as exc:
        raise BadInput(f"{name} cannot be read: {exc.strerror or 'unknown error'}.") from None
    # A FIFO or device would block or never end: only plain files are read.
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(f"{name} is not a file.")
    if info.st_size > limit:
        raise BadInput(f"{name} is too large to be {what} ({_mb(info.st_size)}; the limit is {_mb(limit)}).")
    try:
        with Path(path).open("rb") as f:
            # Read one byte past the cap: a file that grew after stat() is still caught.
            data = f.read(limit + 1)
    except PermissionError:
        raise BadInput(f"{name} cannot be read: permission denied.") from None
    except OSError as exc:
        raise BadInput(f"{name} cannot be read: {exc.strerror or 'unknown error'}.") from None
    if len(data) > limit:
        raise BadInput(f"{name} is too large to be {what} (over {_mb(limit)}).")
    if not data.strip():
        raise BadInput(f"{name} is empty.")
    return data


def gunzip(data: bytes, name: str, what: str, limit: int = MAX_BYTES) -> bytes:
    """Unpack gzip content, refusing more than ``limit`` bytes of output (a gzip bomb) and truncation."""
    out = bytearray()
    rest = data
    try:
        # A gzip file may hold several members one after another; each is unpacked in turn.
        while rest:
            unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            pending = rest
            while pending:
                out += unpacker.decompress(pending, limit + 1 - len(out))
                if len(out) > limit:
                    raise BadInput(
                        f"{name} unpacks to more than {_mb(limit)}, too large to be {what}; "
                        "it may be damaged or built to exhaust memory."
                    )
                pending = unpacker.unconsumed_tail
            if not unpacker.eof:
                raise BadInput(f"{name} is cut short: the compressed file ends before its content does.")
            rest = unpacker.unused_data
            if rest and not rest.startswith(GZIP_MAGIC):
                break  # trailing padding after the last member, as some tools write
    except zlib.error:
        raise BadInput(f"{name} is a damaged compressed file and cannot be read as {what}.") from None
    return bytes(out)


def read_maybe_gzip(path: Path, what: str, limit: int = MAX_BYTES) -> bytes:
    """The file's content, unpacked when it is gzip (told by its first bytes, not its name)."""
    data = read_bytes(path, what, limit)
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, Path(path).name, what, limit)
    return data


def decode_text(data: bytes, name: str, what: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); anything else is refused."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{name} cannot be read as {what}: it is not UTF-8 text (byte {exc.start}).") from None


def load_json(path: Path, what: str, *, limit: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON file (optionally gzipped) within the size and nesting limits."""
    name = Path(path).name
    text = decode_text(read_maybe_gzip(path, what, limit), name, what)
    try:
        value = json.loads(text)
    except RecursionError:
        # The C parser recurses per nesting level: hostile nesting ends here, not in a crash.
        raise BadInput(f"{name} is nested too deeply to be {what}.") from None
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"{name} cannot be read as {what}: its JSON is broken at line {exc.lineno}, column {exc.colno}."
        ) from None
    except ValueError:  # e.g. an integer with thousands of digits
        raise BadInput(f"{name} cannot be read as {what}: it holds a value that cannot be read.") from None
    check_depth(value, name, what, max_depth)
    return value


def check_depth(value: Any, name: str, what: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse JSON nested deeper than ``max_depth`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            raise BadInput(f"{name} is nested too deeply to be {what}.")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def check_markup_runs(data: bytes, name: str, what: str, limit: int = MAX_MARKUP_RUN) -> None:
    """Refuse XML with a stretch of more than ``limit`` bytes holding no '<'.

    XML allows no '<' inside an attribute value, so every tag, attribute and text lies inside such a
    stretch, and this bounds them all before the parser sees them. Linear and cheap: a stretch longer
    than ``limit`` covers at least one whole aligned block of ``limit // 2`` bytes, so one ``find``
    per block finds every candidate, which is then measured.
    """
    block = max(1, limit // 2)
    for start in range(0, len(data), block):
        if data.find(b"<", start, start + block) >= 0:
            continue
        begin = data.rfind(b"<", 0, start) + 1
        end = data.find(b"<", start + block)
        if (len(data) if end < 0 else end) - begin > limit:
            raise BadInput(
                f"{name} holds a tag or text longer than {_mb(limit)}, which {what} never needs; "
                "it was not read."
            )


def clean_text(value: str, kind: texts.Kind, what: str, name: str) -> str:
    """A name or text from the file ``name``, cleaned as ``kind`` (``core.text``): the same rules
    as typed text, a refusal told as "In <file>, the <what> holds ..."."""
    try:
        return texts.clean(value, kind, what)
    except BadInput as exc:
        sentence = str(exc)
        raise BadInput(f"In {name}, {sentence[:1].lower()}{sentence[1:]}") from None


def _mb(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{size // 1024} KB" if size >= 1024 and size % 1024 == 0 else f"{size} bytes"
