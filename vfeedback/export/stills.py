"""Writing a still: the decoder's RGB picture as a PNG, nothing else in it (no text chunks, no EXIF)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.system.files import create_private

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# A still is made while the clinician waits. For a noisy 720p camera-like picture OpenCV's default
# (zlib level 3, every row filter tried) took 154 ms for 1.07 MB; level 1 with run-length matching
# and the "up" filter alone 45-55 ms for 1.0 MB.


def encode_png(rgb: NDArray[np.uint8]) -> bytes:
    import cv2

    params = [
        cv2.IMWRITE_PNG_COMPRESSION, 1,
        cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE,
        cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP,
    ]  # fmt: skip
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
    if not ok:  # pragma: no cover - OpenCV fails only for empty or odd arrays, which we never pass
        raise ValueError("OpenCV could not encode the picture as PNG")
    encoded: Any = data
    return bytes(encoded.tobytes())


def write_png(path: Path, rgb: NDArray[np.uint8]) -> None:
    """``rgb`` (H x W x 3) as a PNG at ``path``, flushed to disk. Disk errors raise OSError with
    its errno (cv2.imwrite would only return False), so a full disk can be named as such."""
    data = encode_png(rgb)
    path.unlink(missing_ok=True)  # a leftover of a dead process that had our pid; never written through
    fd = create_private(path)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
