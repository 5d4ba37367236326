"""Writing a still: the decoder's RGB picture as a PNG, nothing else in it (no text chunks, no EXIF),
with the clinician's marks (soft circles and arrows, ``core.marks``) drawn on it where there are any."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.system.files import create_private

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from vfeedback.core.marks import Mark

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


def draw_marks(rgb: NDArray[np.uint8], marks: Sequence[Mark]) -> NDArray[np.uint8]:
    """``rgb`` with the marks drawn on it: soft (antialiased, slightly see-through) warm circles and
    arrows. The picture is not changed in place; with no marks it is returned as it is."""
    if not marks:
        return rgb
    import cv2
    import numpy as np

    from vfeedback.core.marks import COLOUR, line_width, pixels

    height, width = rgb.shape[:2]
    drawn = rgb.copy()
    thick = line_width(width, height)
    for mark in marks:
        a, b, radius = pixels(mark, width, height)
        if mark.kind == "circle":
            cv2.circle(drawn, a, max(radius, thick), COLOUR, thick, cv2.LINE_AA)
        else:
            length = max(1.0, float(np.hypot(b[0] - a[0], b[1] - a[1])))
            tip = min(0.45, (thick * 6) / length)  # a head in proportion to the line, not the arrow
            cv2.arrowedLine(drawn, a, b, COLOUR, thick, cv2.LINE_AA, tipLength=tip)
    # Soft: 85 % mark, 15 % picture beneath, so the mark sits on the picture rather than over it.
    blended: Any = cv2.addWeighted(drawn, 0.85, rgb, 0.15, 0.0)
    return np.asarray(blended, dtype=np.uint8)
