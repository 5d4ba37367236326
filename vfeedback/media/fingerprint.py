"""Recognise a media file again without reading all of it, and hash it fully when that matters.

``fingerprint`` finds a recording again after it was moved or renamed (and notices a different file
under an old name) by reading 2 MiB, however large the file; ``sha256_file`` verifies an export byte
for byte.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from vfeedback.core.errors import BadInput
from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel

DEFAULT_CHUNK = 1 << 20
_VERSION = "v1"


def fingerprint(path: Path, chunk: int = DEFAULT_CHUNK) -> str:
    """``v1:<size>:<sha256 hex>`` of ``b"<size>\\n"`` + the first and the last ``chunk`` bytes.

    A file shorter than two chunks is hashed whole. A non-default chunk is part of the version
    (``v1/<chunk>:...``) so fingerprints made with different chunks never look comparable.
    """
    if chunk <= 0:
        raise ValueError("chunk must be positive")
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            digest = hashlib.sha256(b"%d\n" % size)
            if size < 2 * chunk:
                digest.update(fh.read())
            else:
                digest.update(fh.read(chunk))
                fh.seek(size - chunk)
                digest.update(fh.read(chunk))
    except OSError as exc:
        raise BadInput(_sentence(path, exc)) from exc
    version = _VERSION if chunk == DEFAULT_CHUNK else f"{_VERSION}/{chunk}"
    return f"{version}:{size}:{digest.hexdigest()}"


def sha256_file(
    path: Path,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
    block: int = 4 << 20,
) -> str:
    """The SHA-256 hex digest of the whole file, streamed; progress 0..1 at most ~20 times a second.

    ``should_cancel`` returning True raises ``vfeedback.core.jobs.Cancelled``.
    """
    from vfeedback.media.frameindex import PROGRESS_INTERVAL_S

    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            digest = hashlib.sha256()
            done = 0
            next_tick = time.monotonic() + PROGRESS_INTERVAL_S
            while data := fh.read(block):
                digest.update(data)
                done += len(data)
                if (progress or should_cancel) and time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + PROGRESS_INTERVAL_S
                    if should_cancel is not None and should_cancel():
                        raise Cancelled
                    if progress is not None and size:
                        progress(min(done / size, 1.0))
    except OSError as exc:
        raise BadInput(_sentence(path, exc)) from exc
    if progress is not None:
        progress(1.0)
    return digest.hexdigest()


def _sentence(path: Path, exc: OSError) -> str:
    from vfeedback.media.probe import explain

    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return explain(path, "missing")
    if isinstance(exc, IsADirectoryError):
        return explain(path, "folder")
    if isinstance(exc, PermissionError):
        return explain(path, "permission")
    return explain(path, "unreadable", exc.strerror or "system error")
