"""Synthetic but realistic timeline content, for screenshots, tests and the benchmark.

``python -m vfeedback.ui.timeline.sample out.png`` renders the timeline of a 15-minute recording.
"""

from __future__ import annotations

import math
import random
import sys

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter

from vfeedback.core.frames import FrameIndex
from vfeedback.core.timeline import MomentItem

S = 1_000_000
FIFTEEN_MIN = 15 * 60 * S

CODES: tuple[tuple[str, str, str], ...] = (
    ("1", "Being attentive", "#8fbfe0"),
    ("2", "Encouraging initiatives", "#8fd1a6"),
    ("3", "Receiving initiatives", "#f3c77f"),
    ("4", "Attuned interaction", "#c7a6dc"),
    ("5", "Guiding", "#f0a08f"),
)
CAPTIONS = (
    "She looks at you, and you wait for her",
    "You smile back when he smiles",
    "You name what she is looking at",
    "He reaches out and you take his hand",
    "You take turns with the sounds",
    "You give her time to find the spoon",
)


def frames(duration_us: int = FIFTEEN_MIN, fps: int = 25) -> FrameIndex:
    return FrameIndex(range(0, duration_us, S // fps))


def items(count: int = 40, duration_us: int = FIFTEEN_MIN, seed: int = 4, fps: int = 25) -> list[MomentItem]:
    """Mostly short intervals (2-10 s) and a few stills, over three actors, on frame times."""
    rnd = random.Random(seed)
    frame = S // fps
    out = []
    for i in range(count):
        start = rnd.randrange(0, duration_us - 12 * S) // frame * frame
        still = rnd.random() < 0.15
        length = 0 if still else rnd.randrange(2 * S, 10 * S) // frame * frame
        actor = rnd.choices(("parent", "infant", "clinician"), (5, 4, 1))[0]
        key, name, colour = rnd.choice(CODES)
        out.append(MomentItem(i + 1, start, start + length, actor, key, colour, name, rnd.choice(CAPTIONS)))
    return out


def peaks(duration_us: int = FIFTEEN_MIN, bucket_us: int = 10_000, seed: int = 2) -> np.ndarray:
    """Speech-like bursts over quiet room noise, as (min, max) per bucket."""
    rng = np.random.default_rng(seed)
    n = duration_us // bucket_us
    t = np.arange(n) * (bucket_us / S)
    envelope = 0.04 + 0.5 * np.clip(np.sin(t * 0.9) * np.sin(t * 0.13 + 1.0), 0, None) ** 2
    envelope *= 0.6 + 0.4 * np.abs(np.sin(t * 7.0))
    amp = envelope * (0.6 + 0.4 * rng.random(n))
    return np.stack([-amp * (0.8 + 0.2 * rng.random(n)), amp], axis=1).astype(np.float32)


def thumbnails(
    duration_us: int = FIFTEEN_MIN, count: int = 60, loaded: float = 1.0, size: tuple[int, int] = (160, 90)
) -> list[tuple[int, QImage]]:
    """Soft gradient stills standing in for video frames; ``loaded`` of them, from the start."""
    out = []
    step = duration_us // count
    for k in range(int(count * loaded)):
        image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
        p = QPainter(image)
        hue = (200 + 25 * math.sin(k / 5)) % 360
        grad = QLinearGradient(QPointF(0, 0), QPointF(size[0], size[1]))
        grad.setColorAt(0, QColor.fromHsv(int(hue), 60, 215))
        grad.setColorAt(1, QColor.fromHsv(int(hue + 30) % 360, 90, 150))
        p.fillRect(image.rect(), grad)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(250, 226, 205))
        p.drawEllipse(QPointF(size[0] * (0.3 + 0.1 * math.sin(k)), size[1] * 0.4), 13, 15)
        p.drawEllipse(QPointF(size[0] * 0.68, size[1] * 0.55), 9, 10)
        p.end()
        out.append((k * step + step // 2, image))
    return out


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from vfeedback.ui.timeline.view import TimelineView

    app = QApplication.instance() or QApplication(argv[:1])
    view = TimelineView()
    view.resize(1366, 240)
    view.set_frame_index(frames())
    view.set_moments(items())
    view.set_filmstrip(thumbnails(loaded=0.6), step_us=FIFTEEN_MIN // 60)
    view.set_waveform(peaks(), 10_000)
    view.set_playhead(192 * S)
    view.set_selection([3, 7])
    view.set_in_out(180 * S, 240 * S)
    image = view.grab().toImage()
    image.save(argv[1] if len(argv) > 1 else "timeline.png")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
