"""A recording's filmstrip and waveform kept on disk, so a recording opens with its timeline drawn.

The library passes each recording's own folder (``<library>/cache/recordings/<recording_id>/``):

    filmstrip.npz   stamp (JSON), times_us (int64), jpeg: every thumbnail in one JPEG sprite sheet
    waveform.npz    stamp (JSON), peaks (float16, N x 2)

A cache is used only when its stamp matches what is asked for (format version; ``source``, the
recording file's fingerprint; interval and height, or bucket). Anything else, a damaged or unreadable
file included, reads as "not cached" so the caller rebuilds it. Files are written beside their target
and renamed into place, owner-only: these are pictures and sounds of families (health data).

Sizes for 600 thumbnails of 96 x 54 (20 minutes at 2 s; raw 9.3 MB): the JPEG sheet (quality 85,
full-resolution colour, cells padded to whole 8-pixel JPEG blocks so neighbours never bleed into each
other) is 1.7 MB for crops of photographs (deflated raw pixels: 7.9 MB) and 0.9-1.3 MB for ffmpeg's
test pattern (deflated: 1.3-2.2 MB); saving or loading it takes ~0.1 s. The waveform of 20 minutes
at 10 ms is ~0.1-0.5 MB.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from vfeedback.core.frames import FrameIndex
from vfeedback.core.jobs import ShouldCancel
from vfeedback.core.media_info import MediaInfo
from vfeedback.system.files import atomic_target, private_folder, remove_stale

if TYPE_CHECKING:
    import numpy as np

    Thumb = np.ndarray[Any, np.dtype[np.uint8]]
    Peaks = np.ndarray[Any, np.dtype[np.float32]]

FILMSTRIP_FILE = "filmstrip.npz"
WAVEFORM_FILE = "waveform.npz"
# Bump when what is cached changes meaning (filter chain, alignment, layout): old caches then rebuild.
FILMSTRIP_VERSION = 1
WAVEFORM_VERSION = 1
JPEG_QUALITY = 85
_BLOCK = 8  # a JPEG block (MCU) without chroma subsampling
_MAX_SIDE = 65_535  # JPEG's limit on either side


# --- filmstrip ----------------------------------------------------------------------------------


def save_filmstrip(
    folder: Path,
    thumbs: list[tuple[int, Thumb]],
    *,
    source: str,
    interval_us: int,
    height: int,
) -> Path | None:
    """Store ``thumbs`` (as ``filmstrip()`` returns them: same size, RGB) atomically; returns the file.

    Nothing is stored for no thumbnails (None): an empty strip is worth another try next time.
    """
    import cv2
    import numpy as np

    if not thumbs:
        return None
    h, w = thumbs[0][1].shape[:2]
    if any(t.shape != (h, w, 3) or t.dtype != np.uint8 for _, t in thumbs):
        raise ValueError("thumbnails must all be H x W x 3 uint8 of one size")
    cell_w, cell_h = _ceil_to(w, _BLOCK), _ceil_to(h, _BLOCK)
    columns = _columns(len(thumbs), cell_w, cell_h)
    rows = math.ceil(len(thumbs) / columns)
    if rows * cell_h > _MAX_SIDE:
        raise ValueError(f"{len(thumbs)} thumbnails do not fit in one JPEG")
    sheet = np.zeros((rows * cell_h, columns * cell_w, 3), np.uint8)
    for i, (_, thumb) in enumerate(thumbs):
        y, x = divmod(i, columns)
        cell = sheet[y * cell_h : (y + 1) * cell_h, x * cell_w : (x + 1) * cell_w]
        cell[:h, :w] = thumb
        # Repeat the edge into the padding: flat continuation costs almost no bytes and keeps JPEG's
        # ringing off the thumbnail's own border.
        cell[:h, w:] = thumb[:, -1:]
        cell[h:, :] = cell[h - 1 : h, :]
    # Full-resolution colour (4:4:4): at 96 x 54 halving the chroma smears coloured edges (mean error
    # 9 grey levels instead of 2, on colour bars) to save 40% of a small file.
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, 0x111111]
    ok, jpeg = cv2.imencode(".jpg", sheet[..., ::-1], params)
    if not ok:
        raise ValueError("the thumbnails could not be encoded as JPEG")
    jpeg_bytes = np.asarray(jpeg, np.uint8).reshape(-1)
    stamp = _filmstrip_stamp(source, interval_us, height) | {
        # A JPEG cut short still decodes (grey to the end), and its zip entry can be consistent.
        "jpeg_sha256": hashlib.sha256(jpeg_bytes.tobytes()).hexdigest(),
        "width": w,
        "thumb_height": h,
        "columns": columns,
        "count": len(thumbs),
    }
    arrays = {
        "stamp": _json_array(stamp),
        "times_us": np.array([t for t, _ in thumbs], np.int64),
        "jpeg": jpeg_bytes,
    }
    target = folder / FILMSTRIP_FILE
    _write_atomic(target, lambda fh: np.savez(fh, **arrays))
    return target


def load_filmstrip(
    folder: Path, *, source: str, interval_us: int, height: int
) -> list[tuple[int, Thumb]] | None:
    """The stored thumbnails if they were made from this file with these settings, else None."""
    try:
        return _load_filmstrip(folder / FILMSTRIP_FILE, _filmstrip_stamp(source, interval_us, height))
    except Exception:
        # A cache can always be rebuilt; whatever is wrong with it (damaged, truncated, unreadable,
        # written by another version) must never stop a recording from opening.
        return None


def _load_filmstrip(path: Path, want: dict[str, Any]) -> list[tuple[int, Thumb]] | None:
    import cv2
    import numpy as np

    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        stamp = _stamp_of(data["stamp"])
        if {k: stamp.get(k) for k in want} != want:
            return None
        times = data["times_us"]
        jpeg = data["jpeg"]
    if hashlib.sha256(jpeg.tobytes()).hexdigest() != stamp["jpeg_sha256"]:
        return None
    w, h, columns, count = (int(stamp[k]) for k in ("width", "thumb_height", "columns", "count"))
    sheet = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    cell_w, cell_h = _ceil_to(w, _BLOCK), _ceil_to(h, _BLOCK)
    rows = math.ceil(count / columns)
    if sheet is None or sheet.shape != (rows * cell_h, columns * cell_w, 3) or len(times) != count:
        return None
    sheet = sheet[..., ::-1]
    thumbs: list[tuple[int, Thumb]] = []
    for i in range(count):
        y, x = divmod(i, columns)
        cell = sheet[y * cell_h : y * cell_h + h, x * cell_w : x * cell_w + w]
        thumb: Thumb = np.ascontiguousarray(cell, dtype=np.uint8)
        thumbs.append((int(times[i]), thumb))
    return thumbs


def _filmstrip_stamp(source: str, interval_us: int, height: int) -> dict[str, Any]:
    return {
        "kind": "filmstrip",
        "version": FILMSTRIP_VERSION,
        "source": source,
        "interval_us": int(interval_us),
        "height": int(height),
    }


def _columns(count: int, cell_w: int, cell_h: int) -> int:
    """Roughly square sheets: a long strip would hit JPEG's 65,535-pixel side limit."""
    columns = max(1, round(math.sqrt(count * cell_h / cell_w)))
    return min(columns, _MAX_SIDE // cell_w, count)


def _ceil_to(value: int, step: int) -> int:
    return -(-value // step) * step


# --- waveform -----------------------------------------------------------------------------------


def save_waveform(folder: Path, peaks: Peaks, *, source: str, bucket_us: int) -> Path:
    """Store (N, 2) peaks atomically, as float16 (±0.0005 near full scale: finer than any pixel)."""
    import numpy as np

    if peaks.ndim != 2 or peaks.shape[1] != 2:
        raise ValueError("peaks must be an (N, 2) array")
    arrays = {
        "stamp": _json_array(_waveform_stamp(source, bucket_us) | {"count": len(peaks)}),
        "peaks": np.clip(peaks, -1, 1).astype(np.float16),
    }
    target = folder / WAVEFORM_FILE
    _write_atomic(target, lambda fh: np.savez_compressed(fh, **arrays))
    return target


def load_waveform(folder: Path, *, source: str, bucket_us: int) -> Peaks | None:
    """The stored (N, 2) float32 peaks if made from this file with this bucket, else None."""
    try:
        return _load_waveform(folder / WAVEFORM_FILE, _waveform_stamp(source, bucket_us))
    except Exception:
        # As for the filmstrip: a bad cache is a missing cache, never a crash.
        return None


def _load_waveform(path: Path, want: dict[str, Any]) -> Peaks | None:
    import numpy as np

    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        stamp = _stamp_of(data["stamp"])
        if {k: stamp.get(k) for k in want} != want:
            return None
        peaks = data["peaks"]
    if peaks.ndim != 2 or peaks.shape != (int(stamp["count"]), 2):
        return None
    result: Peaks = peaks.astype(np.float32)
    return result


def _waveform_stamp(source: str, bucket_us: int) -> dict[str, Any]:
    return {
        "kind": "waveform",
        "version": WAVEFORM_VERSION,
        "source": source,
        "bucket_us": int(bucket_us),
    }


# --- load or make -------------------------------------------------------------------------------


def cached_filmstrip(
    folder: Path,
    path: Path,
    info: MediaInfo,
    *,
    source: str,
    interval_us: int,
    height: int = 54,
    frames: FrameIndex | None = None,
    on_thumb: Callable[[int, Thumb], None] | None = None,
    should_cancel: ShouldCancel | None = None,
) -> list[tuple[int, Thumb]]:
    """The filmstrip from the cache, else made (see ``filmstrip()``) and cached once complete.

    ``on_thumb`` sees every thumbnail either way, so a view has one code path. A cancelled or failed
    run stores nothing.
    """
    from vfeedback.media.filmstrip import filmstrip

    thumbs = load_filmstrip(folder, source=source, interval_us=interval_us, height=height)
    if thumbs is not None:
        if on_thumb is not None:
            for t, thumb in thumbs:
                on_thumb(t, thumb)
        return thumbs
    thumbs = filmstrip(
        path, info, interval_us=interval_us, height=height, frames=frames,
        on_thumb=on_thumb, should_cancel=should_cancel,
    )  # fmt: skip
    if thumbs:
        save_filmstrip(folder, thumbs, source=source, interval_us=interval_us, height=height)
    return thumbs


def cached_waveform(
    folder: Path,
    path: Path,
    *,
    source: str,
    bucket_us: int = 10_000,
    on_chunk: Callable[[int, Peaks], None] | None = None,
    should_cancel: ShouldCancel | None = None,
) -> Peaks | None:
    """The waveform from the cache, else made (see ``waveform()``) and cached once complete.

    None for a file without sound (not cached: finding that out takes milliseconds).
    """
    from vfeedback.media.waveform import waveform

    peaks = load_waveform(folder, source=source, bucket_us=bucket_us)
    if peaks is not None:
        if on_chunk is not None and len(peaks):
            on_chunk(0, peaks)
        return peaks
    peaks = waveform(path, bucket_us=bucket_us, on_chunk=on_chunk, should_cancel=should_cancel)
    if peaks is not None:
        save_waveform(folder, peaks, source=source, bucket_us=bucket_us)
    return peaks


# --- files --------------------------------------------------------------------------------------


def _json_array(stamp: dict[str, Any]) -> Any:
    import numpy as np

    # Bytes, not a str or object array: np.load(allow_pickle=False) reads it, and nothing unpickles.
    return np.frombuffer(json.dumps(stamp, sort_keys=True).encode("utf-8"), np.uint8)


def _stamp_of(array: Any) -> dict[str, Any]:
    stamp = json.loads(bytes(array).decode("utf-8"))
    if not isinstance(stamp, dict):
        raise ValueError("the cache stamp is not a JSON object")
    return stamp


def _write_atomic(target: Path, write: Callable[[BinaryIO], None]) -> None:
    private_folder(target.parent)
    remove_stale(target.parent)  # .part files a crashed run left (they hold family pictures too)
    with atomic_target(target) as part, part.open("r+b") as fh:
        write(fh)
