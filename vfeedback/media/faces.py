"""Finding faces in a recording, so an export for supervision or training can blur them.

The detectors are the Haar cascades that ship inside the OpenCV package (nothing is downloaded,
ever): the frontal face cascade, and the profile cascade run on the picture and on its mirror
image, since it finds heads turned one way only and babies are often seen in profile. Frames are
sampled through a span a few times a second, decoded by PyAV in order (one seek), turned upright,
reduced to grey at ``DETECT_SIDE`` and histogram-equalised (dim living rooms).

Automatic detection misses faces (a head turned away, a hand in front, a tiny face far off) and
sometimes finds one in a pattern: the exporter errs towards blurring more (see
``vfeedback.export.blur``), and the clinician must still watch the clip before sharing it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vfeedback.core.errors import BadInput
from vfeedback.core.frames import FrameIndex, pts_to_us
from vfeedback.core.jobs import Cancelled, Progress, ShouldCancel
from vfeedback.media.container import open_video, origin_pts

if TYPE_CHECKING:
    import av.video.frame
    import numpy as np
    from numpy.typing import NDArray

# Normalised (x, y, w, h) of a face in the upright picture.
FaceBox = tuple[float, float, float, float]

# Three looks a second: the exporter blurs a face from half a second before it is seen to half a
# second after, so one missed look in a row still leaves no gap. Each look costs ~0.1-0.3 s of
# detection on a 2-core machine (three cascade passes): see benchmarks/bench_blur.py.
SAMPLES_PER_S = 3
# The shorter side of the picture searched (portrait or landscape alike). Faces in home video of
# a parent and baby are large: at 240 px a face a tenth of the picture across is the cascade's own
# 24 px; smaller faces are missed.
DETECT_SIDE = 240
MIN_FACE = 24  # px at DETECT_SIDE
SCALE_STEP = 1.2
NEIGHBOURS = 4
CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")


@dataclass(frozen=True, slots=True)
class FaceSample:
    """The faces found in the frame on screen at ``time_us`` (recording time)."""

    time_us: int
    boxes: tuple[FaceBox, ...]


@cache
def _cascades() -> tuple[Any, ...]:
    import cv2

    folder = Path(cv2.__file__).parent / "data"  # cv2.data.haarcascades, which has no type stub
    found = []
    for name in CASCADES:
        cascade = cv2.CascadeClassifier(str(folder / name))
        if cascade.empty():
            raise BadInput(f"The face detector that comes with OpenCV is missing ({name}); reinstall it.")
        found.append(cascade)
    return tuple(found)


def grey_for_detection(picture: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """An upright RGB (H x W x 3) or grey picture as the detector wants it: grey, at most
    ``DETECT_SIDE`` on its shorter side, equalised."""
    import cv2

    grey: NDArray[Any] = picture if picture.ndim == 2 else cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    height, width = grey.shape[:2]
    scale = DETECT_SIDE / min(width, height)
    if scale < 1:
        grey = cv2.resize(grey, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    result: NDArray[Any] = cv2.equalizeHist(grey)
    return result


def find_faces(picture: NDArray[np.uint8]) -> list[FaceBox]:
    """The faces in an upright picture (RGB or grey, any size), as fractions of it."""
    import cv2

    grey = grey_for_detection(picture)
    height, width = grey.shape[:2]
    frontal, profile = _cascades()
    found: list[FaceBox] = []

    def run(cascade: Any, image: NDArray[Any], mirrored: bool) -> None:
        hits = cascade.detectMultiScale(
            image, scaleFactor=SCALE_STEP, minNeighbors=NEIGHBOURS, minSize=(MIN_FACE, MIN_FACE)
        )
        for x, y, w, h in hits:
            left = width - x - w if mirrored else x
            found.append((float(left / width), float(y / height), float(w / width), float(h / height)))

    run(frontal, grey, False)
    run(profile, grey, False)
    run(profile, cv2.flip(grey, 1), True)
    return found


def scan_faces(
    path: Path,
    index: FrameIndex,
    rotation: int,
    start_us: int,
    stop_us: int,
    *,
    per_second: float = SAMPLES_PER_S,
    progress: Progress | None = None,
    should_cancel: ShouldCancel | None = None,
) -> list[FaceSample]:
    """Faces in frames sampled ``per_second`` from ``start_us`` to ``stop_us`` (recording times),
    the last frame of the span always included. ``rotation`` is the clockwise turn to upright
    (``MediaInfo.rotation``). ``progress`` gets 0..1; ``should_cancel`` returning True raises
    Cancelled. A file that cannot be decoded raises BadInput."""
    times = _sample_times(index, start_us, stop_us, per_second)
    samples: list[FaceSample] = []
    container, stream = open_video(path)
    try:
        stream.thread_type = "AUTO"  # in order, from one seek: frame threads help here
        wanted = iter(times)
        target = next(wanted, None)
        checked = 0
        for at, frame in _timed_frames(container, stream, times[0]):
            checked += 1
            if should_cancel is not None and checked % 8 == 0 and should_cancel():
                raise Cancelled
            if target is None or at >= stop_us:
                break
            if at < target:
                continue
            samples.append(FaceSample(at, tuple(find_faces(_upright_grey(frame, rotation)))))
            while target is not None and target <= at:
                target = next(wanted, None)
            if progress is not None:
                progress(len(samples) / len(times))
    except (Cancelled, BadInput):
        raise
    except Exception as exc:  # PyAV's decoding errors: one sentence, as everywhere else
        raise BadInput(f"Faces could not be looked for: {path.name} could not be decoded.") from exc
    finally:
        container.close()
    if progress is not None:
        progress(1.0)
    return samples


def _sample_times(index: FrameIndex, start_us: int, stop_us: int, per_second: float) -> list[int]:
    """The start times of the frames on screen at each sample time; the span's last frame too."""
    step = max(1, round(1_000_000 / per_second))
    times = sorted({index.time_of(index.frame_at(t)) for t in range(start_us, stop_us, step)})
    last = index.time_of(index.frame_at(max(start_us, stop_us - 1)))
    if not times or times[-1] != last:
        times.append(last)
    return times


def _timed_frames(container: Any, stream: Any, first_us: int) -> Iterator[tuple[int, Any]]:
    """(recording time, frame) from the keyframe at or before ``first_us``. Where the seek lands
    past it (a file without an index, such as MPEG-TS), decoding starts again from the file's start."""
    tb = stream.time_base
    origin = origin_pts(stream)
    if first_us > 0:
        with contextlib.suppress(Exception):
            container.seek(origin + (first_us * tb.denominator) // (tb.numerator * 1_000_000),
                           stream=stream, backward=True, any_frame=False)  # fmt: skip
    rewound = first_us <= 0
    while True:
        restart = False
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            at = pts_to_us(frame.pts, tb, origin)
            if not rewound and at > first_us:
                restart = True
                break
            rewound = True
            yield at, frame
        if not restart:
            return
        container.seek(0)
        rewound = True


def _upright_grey(frame: av.video.frame.VideoFrame, rotation: int) -> NDArray[np.uint8]:
    import cv2

    scale = min(1.0, DETECT_SIDE / min(frame.width, frame.height))
    width, height = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
    grey: NDArray[Any] = frame.reformat(width=width, height=height, format="gray").to_ndarray()
    turn = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    if rotation % 360 in turn:
        grey = cv2.rotate(grey, turn[rotation % 360])
    return grey
